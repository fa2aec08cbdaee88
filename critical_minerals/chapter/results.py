"""Where a chapter's outputs go, and its headline numbers in results/<notebook-stem>.json for the summary."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import paths
from ..core.errors import InputError


@dataclass(frozen=True)
class Outputs:
    root: Path  # build/<scenario>, or the build's staging folder
    figures: Path

    @property
    def tables(self) -> Path:
        return self.root / "tables"

    @property
    def results(self) -> Path:
        return self.root / "results"


def outputs(scenario: str, output_dir: str = "") -> Outputs:
    """Where a chapter writes. build.py passes a staging folder, published only when every chapter has succeeded.

    A chapter run on its own (papermill, JupyterLab's "Run all") gets a blank output_dir and writes to the working
    folder work/<scenario>/ (its figures to work/<scenario>/figures/), building there the tables it needs: the
    published build/<scenario>/ and figures/<scenario>/ stay as the last build made them, in step with report.html.
    """
    if output_dir:
        root = Path(output_dir).resolve()
        return Outputs(root, root / "figures")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.=+,-]*", scenario) or ".." in scenario:
        raise InputError(
            "not a scenario name",
            field="scenario",
            value=scenario,
            fix="use letters, digits, '-', '_' and '.', e.g. -p scenario default",
        )
    root = paths.work_dir() / scenario
    print(
        f"Running on its own: this chapter writes its tables, results and figures to {root}{os.sep} — "
        f"the published build{os.sep}{scenario}{os.sep} is not touched (`python build.py` publishes)."
    )
    return Outputs(root, root / "figures")


def _plain(value):
    """numpy and pandas scalars to JSON-native types."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_results(out: Outputs, stem: str, results: dict) -> None:
    """The chapter's headline results as JSON (returns nothing: a chapter's last line would print the path)."""
    out.results.mkdir(parents=True, exist_ok=True)
    path = out.results / f"{stem}.json"
    path.write_text(json.dumps(_plain(results), indent=2, sort_keys=True, allow_nan=False) + "\n", encoding="utf-8")
