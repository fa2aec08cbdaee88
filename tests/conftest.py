"""Shared fixtures: the official datasets, fetched once per test session from the mirror into a temporary folder."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from critical_minerals.core import paths
from critical_minerals.sources import official_datasets

DEFAULT_MIRROR = paths.ROOT.parent / "shared" / "data"


def mirror() -> Path | None:
    path = paths.mirror_dir() or (DEFAULT_MIRROR if DEFAULT_MIRROR.is_dir() else None)
    return path if path and path.is_dir() else None


def required_mirror() -> Path:
    """The data mirror, or the test is skipped with the reason."""
    source = mirror()
    if source is None:
        pytest.skip(f"no data mirror: set {paths.MIRROR_ENV} to a copy of ../shared/data")
    return source


@pytest.fixture(scope="session")
def external_dir(tmp_path_factory) -> Path:
    """data/external as the build would have it; skips the test when no mirror of the official data is present."""
    source = required_mirror()
    dest = tmp_path_factory.mktemp("external")
    official_datasets.fetch(mirror=source, dest=dest)
    return dest


@pytest.fixture(scope="session")
def world(external_dir):
    from critical_minerals.sources.usgs_world import read_world

    return read_world(external_dir)


def write(path: Path, text: str, bom: bool = True) -> Path:
    """Write a test CSV with CRLF line ends and, like the USGS files, a byte-order mark."""
    path.write_bytes(("\ufeff" if bom else "").encode() + text.replace("\n", "\r\n").encode("utf-8"))
    return path


os.environ.setdefault("MPLBACKEND", "Agg")  # tests draw figures without a screen


@pytest.fixture(scope="session")
def chapter01(tmp_path_factory, external_dir) -> Path:
    """Chapter 01 run once under papermill; its output folder holds the tidy tables the later chapters read."""
    import papermill

    out = tmp_path_factory.mktemp("chapter01")
    with data_environment(external_dir):
        papermill.execute_notebook(
            str(paths.NOTEBOOKS_DIR / "01_minerals_tables.ipynb"),
            str(out / "01.ipynb"),
            parameters={"output_dir": str(out)},
            kernel_name="python3",
            progress_bar=False,
        )
    return out


@contextmanager
def data_environment(external_dir: Path):
    """The session's fetched data and the mirror, for kernels started in this process; restored afterwards."""
    saved = {name: os.environ.get(name) for name in ("MINERALS_DATA_DIR", paths.MIRROR_ENV)}
    os.environ.update({"MINERALS_DATA_DIR": str(external_dir), paths.MIRROR_ENV: str(mirror())})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


SMALL = {
    "simulation_paths": 2000,
    "stockpile_mc_draws": 2000,
    "instruments_paths": 2000,
}  # the end-to-end build's small parameters


class Project:
    """A copy of the project (package, notebooks, data, scenarios, build.py) whose builds run as a user runs them:
    `python build.py ...` in its folder. Tests may break its files; the repository is never touched."""

    def __init__(self, root: Path, mirror_dir: Path):
        self.root = root
        # PYTHONPATH puts the copy's package ahead of the installed one, in build.py's workers and in the kernels.
        self.env = {**os.environ, "PYTHONPATH": str(root), paths.MIRROR_ENV: str(mirror_dir), "MPLBACKEND": "Agg"}
        for name in ("MINERALS_DATA_DIR", paths.OUTPUT_ROOT_ENV):
            self.env.pop(name, None)

    def build(self, *args: str, timeout: float = 600):
        import subprocess
        import sys

        return subprocess.run(
            [sys.executable, "build.py", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    @property
    def report(self) -> Path:
        return self.root / "build" / "default" / "report.html"

    def published(self) -> dict[str, bytes]:
        """Every published file of the default scenario, by path, with its bytes."""
        folders = (self.root / "build" / "default", self.root / "figures" / "default")
        return {
            str(path.relative_to(self.root)): path.read_bytes()
            for folder in folders
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        }


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Project:
    """The project copied to a temporary folder and built once (default scenario = small parameters)."""
    import shutil

    source = required_mirror()
    root = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__", "external", "*.egg-info")
    for folder in ("critical_minerals", "notebooks", "scenarios", "data"):
        shutil.copytree(paths.ROOT / folder, root / folder, ignore=ignore)
    for name in ("build.py", "requirements.txt", "pyproject.toml"):
        shutil.copy2(paths.ROOT / name, root / name)
    (root / "scenarios" / "default.yaml").write_text("".join(f"{k}: {v}\n" for k, v in SMALL.items()), encoding="utf-8")
    project = Project(root, source)
    first = project.build()
    assert first.returncode == 0, first.stderr[-3000:]
    project.first_build = first
    return project
