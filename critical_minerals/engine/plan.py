"""The build's graph: the steps of notebooks/chapters.yaml, and the cache key of each step for one set of parameters.

A step's key is a digest of everything that can change what it writes: its notebook's cells (or its function), its
effective parameters, the content of the project files it reads, the keys of the steps it needs (so fetched data
checksums flow in through the data step, which reads data/datasets.yaml), the package code and the pinned
requirements. Same key, same outputs: the build takes them from the cache instead of running the step.
"""

from __future__ import annotations

import fnmatch
import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..core import digest, paths
from ..core.errors import InputError
from ..core.paths import project_path

STEPS_FILE = paths.STEPS_FILE
STEP_KEYS = {"run", "needs", "reads", "checks", "writes"}
REQUIREMENTS_FILE = paths.ROOT / "requirements.txt"
REPORT = "report"


@dataclass(frozen=True)
class Step:
    name: str
    run: str | None  # "module.function" of the package for a data step; None for a notebook
    needs: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()

    @property
    def notebook(self) -> Path | None:
        return None if self.run else paths.NOTEBOOKS_DIR / f"{self.name}.ipynb"

    def may_write(self, relative: str) -> bool:
        return any(fnmatch.fnmatch(relative, pattern) for pattern in self.writes)


def load_steps(path: Path = STEPS_FILE, notebooks_dir: Path = paths.NOTEBOOKS_DIR) -> list[Step]:
    """The steps in order, checked: known keys, needs on earlier steps, one entry per chapter notebook."""
    where = project_path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, ValueError, yaml.YAMLError) as err:  # ValueError: not UTF-8
        raise InputError(f"cannot read the build's steps ({' '.join(str(err).split())[:300]})", file=where) from None
    steps: list[Step] = []
    for name, entry in raw.items():
        if name == REPORT:
            continue
        entry = entry or {}
        if not isinstance(entry, dict):
            raise InputError(
                "a step is a mapping of keys",
                file=where,
                field=name,
                value=entry,
                fix=f"use the keys {sorted(STEP_KEYS)}",
            )
        if unknown := sorted(set(entry) - STEP_KEYS):
            raise InputError(
                "unknown key in step", file=where, field=name, value=unknown, fix=f"use only {sorted(STEP_KEYS)}"
            )
        lists = {key: tuple(entry.get(key, ())) for key in ("needs", "reads", "checks", "writes")}
        for need in lists["needs"]:
            if need not in {step.name for step in steps}:
                raise InputError(
                    "needs a step that is not listed before it",
                    file=where,
                    field=name,
                    value=need,
                    fix="list the steps in the order they run",
                )
        step = Step(name, entry.get("run"), **lists)
        if step.notebook and not step.notebook.is_file():
            raise InputError(
                "no notebook for this step",
                file=where,
                field=name,
                fix=f"create {project_path(step.notebook)} or give the step a `run:` function",
            )
        steps.append(step)
    listed = {step.name for step in steps}
    for notebook in sorted(notebooks_dir.glob("[0-9][0-9]*_*.ipynb")):
        if notebook.stem not in listed:
            raise InputError(
                "chapter notebook missing from the build's steps",
                file=where,
                field=notebook.stem,
                fix="add it with what it needs, reads and writes",
            )
    return steps


def report_reads(path: Path = STEPS_FILE) -> list[str]:
    """Project files the report reads besides the chapters' outputs (its summary statements and findings, the
    registry)."""
    return list((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(REPORT, {}).get("reads", []))


def notebooks(steps: list[Step]) -> list[Path]:
    """The report's chapters, in order."""
    return [step.notebook for step in steps if step.notebook]


def function(dotted: str):
    """A package function named as in chapters.yaml, e.g. 'tables.build_step'."""
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(f"critical_minerals.{module}"), name)


def notebook_source(notebook: Path) -> list:
    """What of a notebook counts for its key: the cells' kinds, sources and tags (the report moves, folds or quotes
    cells by their tags); not outputs, ids or other metadata."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [(cell["cell_type"], "".join(cell["source"]), cell.get("metadata", {}).get("tags", [])) for cell in cells]


def environment_digest() -> str:
    """The package code, the pinned requirements and the Python version: a change to any re-runs every step."""
    return digest.combine(
        digest.files_digest(digest.package_sources()), digest.file_digest(REQUIREMENTS_FILE), sys.version.split()[0]
    )


def step_keys(steps: list[Step], parameters: dict[str, dict], environment: str) -> dict[str, str]:
    """Each step's key for one scenario; `parameters` maps notebook name to its effective user parameters."""
    keys: dict[str, str] = {}
    for step in steps:
        code = step.run or notebook_source(step.notebook)
        reads = digest.files_digest(digest.matching(list(step.reads)))
        keys[step.name] = digest.combine(
            step.name, code, parameters.get(step.name, {}), reads, environment, [keys[need] for need in step.needs]
        )
    return keys


def read_files(steps: list[Step]) -> list[Path]:
    """Every project file some step or the report reads, for the provenance record."""
    return digest.matching([pattern for step in steps for pattern in step.reads] + report_reads())
