"""build.py end to end, as a user runs it, on a copy of the project built once with small parameters: what gets
published, what is re-run when, what a failing cell, a second build, Ctrl-C and a killed process leave behind."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time

import pytest
from conftest import SMALL
from filelock import FileLock

CHAPTERS = (
    "01_minerals_tables",
    "02_complementarity",
    "02b_import_dependence",
    "03_stockpile_cost",
    "04_price_support",
    "05_instruments_2025_26",
)


def status(output: str) -> dict[str, str]:
    """The last status line of each step: name -> 'running', 'skipped (cached)', 'done in 1.2 s', ..."""
    found = {}
    for line in output.splitlines():
        parts = line.split(maxsplit=1)
        if line.startswith("  ") and len(parts) == 2:
            found[parts[0].split("/")[-1]] = parts[1]
    return found


def manifest(project, scenario="default") -> dict:
    return json.loads((project.root / "build" / scenario / "manifest.json").read_text(encoding="utf-8"))


def test_first_build_publishes_report_tables_figures_and_provenance(project):
    steps = status(project.first_build.stdout)
    assert all(steps[name].startswith("done in") for name in ("tables", *CHAPTERS)), steps
    html = project.report.read_text(encoding="utf-8")
    assert "The same table, reproduced from USGS" in html and "Beryllium" in html
    ids = re.findall(r'\sid="([^"]+)"', html)  # chapters rendered one by one in the workers, anchors still unique
    assert len(ids) == len(set(ids)) and {"ch01", "ch02", "ch03", "ch04"} <= set(ids)
    assert '<a href="#ch02">Chapter 2' in html  # the summary groups its statements under the chapter titles
    results = json.loads((project.root / "build/default/results/01_minerals_tables.json").read_text(encoding="utf-8"))
    assert results["paper_rows_reproduced"] == results["paper_rows"] == 15 and results["checks_failed"] == 0
    for suffix in ("png", "svg", "pdf", "csv", "txt"):
        assert (project.root / f"figures/default/01_paper_vs_usgs.{suffix}").is_file()
    assert (project.root / "build/default/tables/world.parquet").is_file()
    executed = json.loads((project.root / "build/default/notebooks/04_price_support.ipynb").read_text(encoding="utf-8"))
    injected = next(c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    assert 'scenario = "default"' in "".join(injected["source"]) and "simulation_paths = 2000" in "".join(
        injected["source"]
    )

    record = manifest(project)
    assert record["parameters_differing_from_defaults"] == SMALL
    by_name = {row["name"]: row for row in record["parameters"]}
    assert by_name["simulation_paths"]["differs"] and not by_name["strike_multiple"]["differs"]
    assert by_name["strike_multiple"]["value"] == by_name["strike_multiple"]["default"] == 1.0
    assert [step["step"] for step in record["steps"]] == ["tables", *CHAPTERS]
    assert all(step["cache"] == "miss" and step["seconds"] > 0 for step in record["steps"])
    files = {row["path"]: row["sha256"] for row in record["data_files"]}
    assert len(files["data/paper_a_production_shares.csv"]) == 64
    assert any(path.startswith("data/external/usgs_mcs2025/") for path in files)
    assert record["packages"]["papermill"] and record["packages"]["pandas"]
    assert set(record["git"]) == {"commit", "dirty"}  # None here: the copy is not a git checkout
    assert "build/default/report.html" in record["outputs"]


def test_no_op_rebuild_starts_no_kernel_and_rewrites_nothing(project):
    before = project.published()
    result = project.build()
    assert result.returncode == 0 and "default: up to date" in result.stdout
    assert "running" not in result.stdout
    assert project.published() == before


def test_changed_output_file_is_restored_from_the_cache(project):
    figure = project.root / "figures/default/01_paper_vs_usgs.csv"
    original = figure.read_bytes()
    figure.write_text("edited by hand", encoding="utf-8")
    result = project.build()
    assert result.returncode == 0 and "running" not in result.stdout
    assert figure.read_bytes() == original


def test_one_parameter_of_the_cfd_chapter_reruns_only_that_chapter_and_the_report(project):
    result = project.build("-p", "strike_multiple=1.1")
    assert result.returncode == 0, result.stderr
    steps = status(result.stdout)
    assert steps["04_price_support"].startswith("done in")
    assert all(steps[name] == "skipped (cached)" for name in ("tables", *CHAPTERS) if name != "04_price_support"), steps
    record = manifest(project, "default+strike_multiple=1.1")  # a variant, published beside the scenario
    assert [step["cache"] for step in record["steps"]] == [
        "miss" if name == "04_price_support" else "hit" for name in ("tables", *CHAPTERS)
    ]
    assert record["parameters_differing_from_defaults"]["strike_multiple"] == 1.1
    back = project.build()  # back to the scenario's values: every step, and the report, from the cache
    assert back.returncode == 0 and "running" not in back.stdout


def test_failing_cell_stops_the_build_and_keeps_the_last_good_report(project):
    before = project.published()
    # Each value is allowed on its own; MCS 2023 has no production year 2024, which the chapter finds in a cell.
    result = project.build("-p", "comparison_edition=2023", "-p", "comparison_year=2024")
    assert result.returncode == 1
    assert "01_minerals_tables.ipynb, cell" in result.stderr and "2024" in result.stderr
    assert "last good report is unchanged" in result.stderr
    assert project.published() == before
    failed = "build/default+comparison_edition=2023+comparison_year=2024.failed"
    assert (project.root / failed / "notebooks/01_minerals_tables.ipynb").is_file()


def test_second_build_of_a_scenario_being_built_is_refused(project):
    before = project.published()
    lock = project.root / "build/.locks/default.lock"
    with FileLock(lock):
        result = project.build()
    assert result.returncode == 3 and "is being built by another process" in result.stderr
    assert project.published() == before


def test_interrupted_or_killed_build_leaves_the_report_byte_identical(project):
    before = project.published()
    for signum in (signal.SIGINT, signal.SIGKILL):
        process = subprocess.Popen(
            [sys.executable, "build.py", "-p", "strike_multiple=1.3"],
            cwd=project.root,
            env=project.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for line in process.stdout:  # stop it while the chapter runs
            if "04_price_support" in line and "running" in line:
                time.sleep(1.0)
                process.send_signal(signum)
                break
        process.communicate(timeout=60)
        assert process.returncode in (130, -signal.SIGKILL), (signum, process.returncode)
        assert project.published() == before, signum
        assert not (project.root / "build/default+strike_multiple=1.3").exists(), signum
    result = project.build()  # the next build clears what the killed one left
    assert result.returncode == 0 and "running" not in result.stdout
    leftovers = [path for path in (project.root / "build").rglob("*") if path.name.startswith((".staging", ".tmp"))]
    assert not leftovers


def test_several_scenarios_share_steps_and_get_a_comparison(project):
    (project.root / "scenarios/law.yaml").write_text(
        "".join(f"{k}: {v}\n" for k, v in SMALL.items()) + "subsidy_regime: us_45x_current_law\n", encoding="utf-8"
    )
    result = project.build("--scenario", "default,law")
    assert result.returncode == 0, result.stderr
    assert "default: up to date" in result.stdout
    steps = status(result.stdout)
    assert steps["04_price_support"].startswith("done in") and steps["03_stockpile_cost"] == "skipped (cached)"
    assert (project.root / "build/law/report.html").is_file() and (project.root / "figures/law").is_dir()
    assert (project.root / "build/compare.html").is_file()
    assert manifest(project, "law")["parameters_differing_from_defaults"]["subsidy_regime"] == "us_45x_current_law"


def test_list_params_shows_type_default_allowed_values_and_help(project):
    result = subprocess.run(
        [sys.executable, "build.py", "--list-params"],
        cwd=project.root,
        env=project.env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "strike_multiple: float = 1.0  [multiple of the reference price]" in result.stdout
    assert "stockpile_defence_share: float = 1.0  [fraction]" in result.stdout
    assert "overlap_threshold_pp: float = 2.0  [percentage points]" in result.stdout
    assert "python build.py -p NAME=VALUE" in result.stdout and "e.g. -p strike_multiple=1.0" in result.stdout
    assert "allowed: one of gbm, mean_reverting" in result.stdout
    assert "allowed: one of copper, graphite, lithium, nickel" in result.stdout  # from data/project_archetypes.csv
    assert "output_dir" not in result.stdout  # set by the build


def test_a_sweep_makes_each_report_beside_the_other_chapters_and_publishes_every_one(project):
    """Two scenarios to build: each one's report and PDF are made in a worker as soon as its chapters are done (the
    build's process takes them from the cache), and both are published whole, with nothing left in staging."""
    for name, regime in (("sweep_a", "us_45x_current_law"), ("sweep_b", "us_45x_permanent")):
        (project.root / f"scenarios/{name}.yaml").write_text(
            "".join(f"{k}: {v}\n" for k, v in SMALL.items()) + f"subsidy_regime: {regime}\n", encoding="utf-8"
        )
    result = project.build("--scenario", "sweep_a,sweep_b")
    assert result.returncode == 0, result.stderr
    for name in ("sweep_a", "sweep_b"):
        record = manifest(project, name)
        report = project.root / "build" / name / "report.html"
        cached = project.root / "build/.cache/report" / record["report_key"][:32]
        assert (cached / "report.html").read_bytes() == report.read_bytes()
        assert (cached / "report.pdf").read_bytes() == (report.parent / "report.pdf").read_bytes()
        assert f"build/{name}/report.pdf" in record["outputs"]
    assert not list((project.root / "build").glob(".staging-*"))
    assert (project.root / "build/compare.html").is_file()


def test_a_ctrl_c_that_library_code_swallows_still_stops_the_build():
    """Regression: a Ctrl-C whose KeyboardInterrupt was lost let a build run on and publish (exit 0). The build
    notes every Ctrl-C and checks before it publishes, and it never blocks on its workers without a timeout."""
    from critical_minerals.engine import build as engine

    with engine.interrupts_noted():
        engine.check_interrupt()  # nothing noted yet
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            pass  # swallowed, as a bare `except:` in some library would
        with pytest.raises(KeyboardInterrupt):
            engine.check_interrupt()
    assert signal.getsignal(signal.SIGINT) is not engine.on_interrupt  # the handler before is back
    with engine.interrupts_noted():
        engine.check_interrupt()  # a new build starts with nothing noted
