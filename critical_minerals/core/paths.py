"""Where things live. Paths are anchored at the project root so code runs from any working directory."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
EXTERNAL_DIR = DATA_DIR / "external"  # fetched official datasets, git-ignored
REGISTRY_FILE = DATA_DIR / "datasets.yaml"
NOTEBOOKS_DIR = ROOT / "notebooks"
STEPS_FILE = NOTEBOOKS_DIR / "chapters.yaml"  # the build's steps: what each chapter reads and writes
SCENARIOS_DIR = ROOT / "scenarios"
BUILD_DIR = ROOT / "build"
FIGURES_DIR = ROOT / "figures"
WORK_DIR = ROOT / "work"  # chapters run on their own (papermill, JupyterLab) write here, never to build/ or figures/

MIRROR_ENV = "MINERALS_DATA_MIRROR"
OUTPUT_ROOT_ENV = "MINERALS_OUTPUT_ROOT"  # tests build into a temporary folder instead of the project's


def build_dir() -> Path:
    """build/ — or <MINERALS_OUTPUT_ROOT>/build when that is set."""
    root = os.environ.get(OUTPUT_ROOT_ENV)
    return Path(root) / "build" if root else BUILD_DIR


def figures_dir() -> Path:
    root = os.environ.get(OUTPUT_ROOT_ENV)
    return Path(root) / "figures" if root else FIGURES_DIR


def work_dir() -> Path:
    """work/ — or <MINERALS_OUTPUT_ROOT>/work when that is set."""
    root = os.environ.get(OUTPUT_ROOT_ENV)
    return Path(root) / "work" if root else WORK_DIR


def external_dir() -> Path:
    """Folder of fetched datasets; MINERALS_DATA_DIR overrides it (tests use a temporary folder)."""
    return Path(os.environ.get("MINERALS_DATA_DIR", EXTERNAL_DIR))


def mirror_dir() -> Path | None:
    """Local mirror of the official datasets, if MINERALS_DATA_MIRROR is set (relative paths: from the project root)."""
    value = os.environ.get(MIRROR_ENV)
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else (ROOT / path).resolve()


def project_path(path: Path | str) -> str:
    """A path as users should read it: relative to the project when inside it."""
    path = Path(path)
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
