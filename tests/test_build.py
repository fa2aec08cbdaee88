"""build.py end to end (chapter 01 under papermill, report rendered), and what bad input and failing cells get."""

from __future__ import annotations

import json

import papermill
import pytest

from critical_minerals import build, paths
from conftest import mirror


@pytest.fixture
def output_root(tmp_path, monkeypatch, external_dir):
    """Build into a temporary folder, reading the data fetched for the test session."""
    monkeypatch.setenv(paths.OUTPUT_ROOT_ENV, str(tmp_path))
    monkeypatch.setenv("MINERALS_DATA_DIR", str(external_dir))
    monkeypatch.setenv(paths.MIRROR_ENV, str(mirror()))
    return tmp_path


def test_build_renders_a_report_with_the_reproduced_table_and_keeps_it_when_a_cell_fails(output_root, capsys):
    assert build.main(["--scenario", "default"]) == 0
    report = output_root / "build/default/report.html"
    html = report.read_text(encoding="utf-8")
    assert "The same table, reproduced from USGS" in html
    assert "Beryllium" in html and "55.91" in html  # US beryllium, 175 t of 313 t, in the reproduced table
    assert "hl-ipython3" not in html and "from critical_minerals import" not in html  # code is hidden
    results = json.loads((output_root / "build/default/results/01_minerals_tables.json").read_text())
    assert results["paper_rows_reproduced"] == results["paper_rows"] == 15
    assert (results["paper_source_edition"], results["paper_source_year"]) == (2024, 2022)
    assert results["checks_failed"] == 0
    for suffix in ("png", "svg", "pdf", "csv", "txt"):
        assert (output_root / f"figures/default/01_paper_vs_usgs.{suffix}").is_file()
    assert (output_root / "build/default/tables/world.parquet").is_file()

    before = report.read_bytes()
    capsys.readouterr()
    assert build.main(["-p", "comparison_edition=1999"]) == 1  # the chapter's own check fails in a cell
    error = capsys.readouterr().err
    assert "01_minerals_tables.ipynb, cell" in error and "1999" in error and "choose one of" in error
    assert "last good report is unchanged" in error
    assert report.read_bytes() == before
    assert (output_root / "build/default.failed/notebooks/01_minerals_tables.ipynb").is_file()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-p", "comparison_yaer=2022"], "did you mean 'comparison_year'"),
        (["-p", "comparison_year=twenty"], "expected int"),
        (["-p", "comparison_year=2022.5"], "expected int"),
        (["-p", "comparison_year"], "expected name=value"),
        (["--scenario", "nonexistent"], "scenario not found"),
    ],
)
def test_bad_parameters_stop_before_any_kernel_starts(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(paths.OUTPUT_ROOT_ENV, str(tmp_path))
    assert build.main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "build").exists()


def test_parameter_types_come_from_the_annotations():
    declared = {p.name: p for p in build.declared_parameters(build.chapters())}
    year = declared["comparison_year"]
    assert (year.type, year.default) == ("int", "0")
    assert build.coerce(year, "2022", "cli") == 2022
    assert build.coerce(declared["scenario"], "007", "cli") == "007"
    for parameter in declared.values():  # papermill --help-notebook explains every parameter
        assert parameter.help, parameter.name


def test_every_chapter_declares_a_parameters_cell_papermill_can_read():
    for notebook in build.chapters():
        names = set(papermill.inspect_notebook(str(notebook)))
        assert {"scenario", "output_dir"} <= names, notebook.name


def test_chapter_runs_alone_under_the_papermill_cli_with_other_parameters(output_root, tmp_path):
    """As a user would: the papermill command line, from another folder, with a non-default comparison."""
    import os
    import subprocess
    import sys

    out = tmp_path / "cli.ipynb"
    notebook = paths.NOTEBOOKS_DIR / "01_minerals_tables.ipynb"
    subprocess.run([sys.executable, "-m", "papermill", str(notebook), str(out), "-p", "scenario", "cli",
                    "-p", "comparison_edition", "2025", "-p", "comparison_year", "2023"],
                   cwd=tmp_path, check=True, capture_output=True, env=os.environ.copy())
    results = json.loads((output_root / "build/cli/results/01_minerals_tables.json").read_text())
    assert (results["comparison_edition"], results["comparison_year"]) == (2025, 2023)
    assert results["comparison_rows_within_tolerance"] < results["paper_rows_reproduced"] == 15
