"""The build's graph and cache keys: a step re-runs exactly when something it depends on changes."""

from __future__ import annotations

import json

import pytest

from critical_minerals.core import digest, paths
from critical_minerals.core.errors import InputError
from critical_minerals.engine import plan

STEPS = plan.load_steps()
CHAPTERS = [step.name for step in STEPS if step.notebook]
ENVIRONMENT = plan.environment_digest()


def keys(parameters=None, environment=ENVIRONMENT):
    return plan.step_keys(STEPS, parameters or {}, environment)


def test_every_chapter_is_a_step_after_the_data_step():
    assert STEPS[0].name == "tables" and STEPS[0].run == "tables.build_step"
    assert CHAPTERS == sorted(path.stem for path in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]*_*.ipynb"))
    for step in STEPS[1:]:
        assert step.needs == ("tables",) and step.may_write(f"results/{step.name}.json")
        assert not step.may_write("tables/world.parquet")
    for name in {check for step in STEPS for check in step.checks}:
        assert callable(plan.function(name)), name


def test_every_data_file_is_read_by_some_step():
    read = set(plan.read_files(STEPS))
    for path in list(paths.DATA_DIR.glob("*.csv")) + [paths.REGISTRY_FILE]:
        assert path in read, path.name


def test_a_parameter_changes_only_its_chapter():
    base, changed = keys(), keys({"04_price_support": {"strike_multiple": 1.1}})
    assert [name for name in base if base[name] != changed[name]] == ["04_price_support"]
    assert keys() == base  # deterministic


def test_the_environment_and_the_data_step_reach_every_step():
    base, other = keys(), keys(environment="another package version")
    assert all(base[name] != other[name] for name in base)


def test_a_data_file_changes_the_steps_that_read_it(tmp_path, monkeypatch):
    real = digest.files_digest

    def altered(files, root=paths.ROOT):
        result = real(files, root)
        for name in result:
            if name.endswith("stockpile_minerals.csv") or name.endswith("paper_a_production_shares.csv"):
                result[name] = "0" * 64
        return result

    base = keys()
    monkeypatch.setattr(digest, "files_digest", altered)
    changed = keys()
    assert base["03_stockpile_cost"] != changed["03_stockpile_cost"]
    assert base["tables"] != changed["tables"]  # the paper table, read by the data step ...
    assert all(base[name] != changed[name] for name in CHAPTERS)  # ... reaches every chapter through it


def test_outputs_and_metadata_of_a_notebook_do_not_change_its_key(tmp_path):
    notebook = json.loads(STEPS[1].notebook.read_text(encoding="utf-8"))
    source = plan.notebook_source(STEPS[1].notebook)
    notebook["metadata"]["kernelspec"] = {"name": "other"}
    notebook["cells"][1].setdefault("outputs", []).append({"output_type": "stream", "name": "stdout", "text": "x"})
    copy = tmp_path / STEPS[1].notebook.name
    copy.write_text(json.dumps(notebook), encoding="utf-8")
    assert plan.notebook_source(copy) == source
    notebook["cells"][1]["metadata"]["tags"] = ["appendix"]  # a tag moves the cell in the report: it counts
    copy.write_text(json.dumps(notebook), encoding="utf-8")
    assert plan.notebook_source(copy) != source


def test_malformed_steps_file_is_named(tmp_path):
    path = tmp_path / "chapters.yaml"
    path.write_text("tables:\n  run: tables.build_step\n01_minerals_tables:\n  needs: [missing]\n", encoding="utf-8")
    with pytest.raises(InputError, match="needs a step that is not listed before it"):
        plan.load_steps(path)
    path.write_text("tables:\n  runs: tables.build_step\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown key in step"):
        plan.load_steps(path)
