"""Shared fixtures: the official datasets, fetched once per test session from the mirror into a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from critical_minerals import datasets, paths

DEFAULT_MIRROR = paths.ROOT.parent / "shared" / "data"


def mirror() -> Path | None:
    path = paths.mirror_dir() or (DEFAULT_MIRROR if DEFAULT_MIRROR.is_dir() else None)
    return path if path and path.is_dir() else None


@pytest.fixture(scope="session")
def external_dir(tmp_path_factory) -> Path:
    """data/external as the build would have it; skips the test when no mirror of the official data is present."""
    source = mirror()
    if source is None:
        pytest.skip(f"no data mirror: set {paths.MIRROR_ENV} to a copy of ../shared/data")
    dest = tmp_path_factory.mktemp("external")
    datasets.fetch(mirror=source, dest=dest)
    return dest


@pytest.fixture(scope="session")
def world(external_dir):
    from critical_minerals.usgs_world import read_world

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
    saved = {name: os.environ.get(name) for name in ("MINERALS_DATA_DIR", paths.MIRROR_ENV)}
    os.environ.update({"MINERALS_DATA_DIR": str(external_dir), paths.MIRROR_ENV: str(mirror())})
    try:
        papermill.execute_notebook(str(paths.NOTEBOOKS_DIR / "01_minerals_tables.ipynb"), str(out / "01.ipynb"),
                                   parameters={"output_dir": str(out)}, kernel_name="python3", progress_bar=False)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return out
