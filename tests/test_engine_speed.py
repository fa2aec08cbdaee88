"""The build's head starts: a kernel started ahead with the chapters' modules imported, and figure thumbnails
memoised by content."""

from __future__ import annotations

import io

import nbformat
import papermill
from PIL import Image

from critical_minerals.engine import kernels
from critical_minerals.report import gallery, thumbnails


def png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 600), colour).save(out, format="PNG")
    return out.getvalue()


def test_a_memoised_thumbnail_is_the_fresh_one_and_a_damaged_memo_is_made_again(tmp_path):
    figure = tmp_path / "01_x.png"
    figure.write_bytes(png("orange"))
    fresh = gallery.thumbnail(figure)
    memo = tmp_path / "memo"
    thumbnails.use(memo)
    try:
        assert gallery.thumbnail(figure) == fresh  # made and kept
        [kept] = memo.glob("*.txt")
        assert gallery.thumbnail(figure) == fresh  # read back
        damaged = kept.read_text(encoding="utf-8")[:-10]  # its digest no longer matches
        kept.write_text(damaged, encoding="utf-8")
        assert gallery.thumbnail(figure) == fresh
        figure.write_bytes(png("navy"))  # another image: another entry, not the old thumbnail
        assert gallery.thumbnail(figure) != fresh and len(list(memo.glob("*.txt"))) == 2
        thumbnails.prune(memo, kept=1)
        assert len(list(memo.glob("*.txt"))) == 1
    finally:
        thumbnails.use(None)


def test_a_spare_kernel_runs_the_chapter_from_the_first_execution_count_with_modules_imported(tmp_path):
    kernels.start_spare(tmp_path)
    kernel = kernels.take_spare(tmp_path)
    assert kernel is not None and kernels.take_spare(tmp_path) is None  # taken once
    try:
        [(count, text)] = run_cells(
            tmp_path, kernel, "import sys\nprint('pandas' in sys.modules, 'matplotlib.pyplot' in sys.modules)"
        )
    finally:
        kernels.stop(kernel)
    assert count == 1
    assert text.strip() == "True True"


STATE = """\
import hashlib, sys, warnings
import matplotlib
print(sorted(name for name in globals() if not name.startswith("_")))
print(hashlib.sha256(repr(sorted(dict(matplotlib.rcParams).items())).encode()).hexdigest())
print(warnings.filters[:3])
from critical_minerals.sources import countries
print([f.cache_info().currsize for f in vars(countries).values() if hasattr(f, "cache_info")])
"""
LITTER = """\
import warnings
import matplotlib
import matplotlib.pyplot as plt
from critical_minerals.sources import countries
leaked = 1
matplotlib.rcParams["figure.dpi"] = 33
warnings.simplefilter("ignore")
fig = plt.figure()
countries.known_countries()
"""


def run_cells(tmp_path, kernel, *sources) -> list[str]:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    path = tmp_path / "in.ipynb"
    nbformat.write(notebook, path)
    done = papermill.execute_notebook(
        str(path),
        str(tmp_path / "out.ipynb"),
        kernel_name=kernels.KERNEL,
        cwd=str(tmp_path),
        progress_bar=False,
        km=kernel.manager,
    )
    return [(cell.execution_count, "".join(o.get("text", "") for o in cell.outputs)) for cell in done.cells]


def test_a_reused_kernel_starts_the_next_chapter_as_a_new_kernel_would(tmp_path):
    """Names, figure settings, warning filters, memoised readers and the execution count a chapter leaves behind
    do not reach the next chapter run in the same kernel."""
    kernels.start_spare(tmp_path)
    new = kernels.take_spare(tmp_path)
    [fresh] = run_cells(tmp_path, new, STATE)
    kernels.stop(new)
    kernels.start_spare(tmp_path)
    kernel = kernels.take_spare(tmp_path)
    try:
        litter, state = run_cells(tmp_path, kernel, LITTER, STATE)
        assert state != fresh  # the litter shows while the chapter runs ...
        kernels.hand_back(kernel)
        kernel = kernels.take_spare(tmp_path)  # ... the same kernel, made fresh
        assert kernel is not None
        [again] = run_cells(tmp_path, kernel, STATE)
    finally:
        kernels.stop_spare()
        if kernel is not None:
            kernels.stop(kernel)
    assert again == fresh and again[0] == 1
