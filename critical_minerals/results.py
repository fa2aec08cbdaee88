"""Where a chapter's outputs go, and its headline numbers in results/<notebook-stem>.json for the summary."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import paths


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
    """Blank output_dir: publish straight to build/<scenario>/ and figures/<scenario>/ (a chapter run on its own).

    build.py passes a staging folder instead and publishes it only when every chapter has succeeded.
    """
    if output_dir:
        root = Path(output_dir).resolve()
        return Outputs(root, root / "figures")
    return Outputs(paths.build_dir() / scenario, paths.figures_dir() / scenario)


def _plain(value):
    """numpy and pandas scalars to JSON-native types."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_results(out: Outputs, stem: str, results: dict) -> Path:
    out.results.mkdir(parents=True, exist_ok=True)
    path = out.results / f"{stem}.json"
    path.write_text(json.dumps(_plain(results), indent=2, sort_keys=True, allow_nan=False) + "\n", encoding="utf-8")
    return path
