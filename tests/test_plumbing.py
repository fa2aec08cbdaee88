"""Data plumbing out of the reading path: cells tagged `appendix` move to the data appendix behind a pointer line,
cells tagged `collapsed` show a preview of each long table and the whole table one click away. Nothing is dropped."""

from __future__ import annotations

import nbformat
import pandas as pd

from critical_minerals import figures
from critical_minerals.core import display
from critical_minerals.report import plumbing
from critical_minerals.report.chapters import render_chapter


def table_html(rows: int, caption: str = "Renamed names") -> str:
    frame = pd.DataFrame(
        {"as written": [f"name {i}" for i in range(rows)], "canonical": [f"N{i}" for i in range(rows)]}
    )
    return figures.table(frame, caption=caption).to_html()


def code_cell(html: str, cell_id: str, tags: list[str] = ()):
    cell = nbformat.v4.new_code_cell("figures.table(x)")
    cell["id"] = cell_id
    cell.metadata["tags"] = list(tags)
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": "table"})]
    return cell


def markdown_cell(text: str, cell_id: str, tags: list[str] = ()):
    cell = nbformat.v4.new_markdown_cell(text)
    cell["id"] = cell_id
    cell.metadata["tags"] = list(tags)
    return cell


def chapter_notebook() -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(
        cells=[
            markdown_cell("# Chapter 7 — Test\n\nThe argument.", "title"),
            markdown_cell("## Findings\n\nWhat the data say.", "findings"),
            code_cell(table_html(40, "Per-mineral costs"), "costs", ["collapsed"]),
            code_cell(table_html(4, "Short table"), "short", ["collapsed"]),
            markdown_cell(
                "**Renamed names.** Country names as USGS writes them.", "names-text", ["appendix", "caveats"]
            ),
            code_cell(table_html(88), "names", ["appendix"]),
            markdown_cell("## Conclusion\n\nSo it goes.", "end"),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )


def test_a_long_table_shows_its_first_rows_and_opens_on_all_of_them():
    html = table_html(40)
    folded = plumbing.preview(html)
    preview, full = folded.split("<details", 1)
    assert preview.count("<tr>") - 1 == plumbing.PREVIEW_ROWS  # one header row
    assert "Show all 40 rows" in full and html in full  # the whole table, unchanged, one click away
    assert 'id="T_' not in preview and "<style" not in preview  # ids stay unique in the page
    assert plumbing.preview(table_html(plumbing.PREVIEW_ROWS + 2)) is None  # short enough to show whole
    assert plumbing.preview("<p>no table</p>") is None


def test_split_moves_tagged_cells_behind_one_pointer_and_folds_collapsed_tables():
    reading, moved = plumbing.split(chapter_notebook(), "ch07")
    assert [cell["id"] for cell in moved.cells] == ["names-text", "names"]
    ids = [cell["id"] for cell in reading.cells]
    assert ids == ["title", "findings", "costs", "short", "ch07-moved-0", "end"]
    line = reading.cells[4].source
    assert "(#data-ch07)" in line and "[Renamed names](#cell-names-text)" in line
    assert "[Renamed names](#cell-names)" in line  # the table's caption names it
    assert "Show all 40 rows" in reading.cells[2].outputs[0]["data"]["text/html"]
    assert reading.cells[3].outputs[0]["data"]["text/html"] == table_html(4, "Short table")
    untagged = chapter_notebook()
    for cell in untagged.cells:
        cell.metadata["tags"] = []
    assert plumbing.split(untagged, "ch07")[1] is None


def test_rendered_chapter_keeps_every_cell_once_and_moved_headings_out_of_the_contents(tmp_path):
    path = tmp_path / "07_test.ipynb"
    notebook = chapter_notebook()
    notebook.cells.insert(5, markdown_cell("## Dataset details", "details", ["appendix"]))
    nbformat.write(notebook, path)
    chapter, _ = render_chapter(path)
    assert 'id="cell-ch07-names"' in chapter.appendix and 'id="cell-ch07-names"' not in chapter.html
    assert 'id="cell-ch07-costs"' in chapter.html and "Show all 40 rows" in chapter.html
    assert "Show all 88 rows" not in chapter.html and "name 87" in chapter.appendix
    assert [h.title for h in chapter.headings] == ["Chapter 7 — Test", "Findings", "Conclusion"]
    assert '<h3 id="data-ch07-dataset-details">' in chapter.appendix  # one level down, under the chapter's name
    assert [c.link for c in chapter.caveats] == ["cell-ch07-names-text"]  # the methods still link to the cell


def wide_table(rows: int, caption: str | None = None) -> str:
    frame = pd.DataFrame(
        {
            "mineral": [f"m{i}" for i in range(rows)],
            "cost_usd_bn": range(rows),
            "price_source": [f"source of row {i}" for i in range(rows)],
        }
    )
    return figures.table(display.details(frame, ["price_source"]), caption=caption).to_html()


def test_detail_columns_move_to_the_appendix_and_the_chapter_links_to_them(tmp_path):
    notebook = chapter_notebook()
    notebook.cells.insert(2, code_cell(wide_table(40, "Costs by mineral"), "wide", ["collapsed"]))
    notebook.cells.insert(3, code_cell(wide_table(3), "wide-moved", ["appendix"]))
    reading, moved = plumbing.split(notebook, "ch07")
    shown = reading.cells[2].outputs[0]["data"]["text/html"]
    assert "source of row" not in shown and "Show all 40 rows" in shown  # no detail column; still folded
    assert 'href="#cell-wide-all-columns-0">All 3 columns of this table</a> are in the data appendix' in shown
    ids = [cell["id"] for cell in moved.cells]
    assert ids.index("wide-all-columns-0") == ids.index("wide-all-columns-0-title") + 1
    full = moved.cells[ids.index("wide-all-columns-0")].outputs[0]["data"]["text/html"]
    assert full.count("<table") == 1 and "source of row 39" in full and "Costs by mineral: all columns" in full
    title = moved.cells[ids.index("wide-all-columns-0-title")].source
    assert "“Findings”" in title and "(#cell-wide)" in title  # names its section and links back
    whole = moved.cells[ids.index("wide-moved")].outputs[0]["data"]["text/html"]  # a moved cell: every column, once
    assert whole.count("<table") == 1 and "source of row 2" in whole and "All 3 columns" not in whole
    path = tmp_path / "07_test.ipynb"
    nbformat.write(notebook, path)
    chapter, _ = render_chapter(path)
    assert 'id="cell-ch07-wide-all-columns-0"' in chapter.appendix and "source of row 39" not in chapter.html
