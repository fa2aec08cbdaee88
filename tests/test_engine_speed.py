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
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import sys\nprint('pandas' in sys.modules, 'matplotlib.pyplot' in sys.modules)")
    ]
    source = tmp_path / "in.ipynb"
    nbformat.write(notebook, source)
    kernels.start_spare(tmp_path)
    manager, log = kernels.take_spare(tmp_path)
    assert manager is not None and kernels.take_spare(tmp_path) == (None, None)  # taken once
    try:
        done = papermill.execute_notebook(
            str(source),
            str(tmp_path / "out.ipynb"),
            kernel_name=kernels.KERNEL,
            cwd=str(tmp_path),
            progress_bar=False,
            km=manager,
        )
    finally:
        kernels.stop(manager, log)
    [cell] = done.cells
    assert cell.execution_count == 1
    assert cell.outputs[0]["text"].strip() == "True True"
