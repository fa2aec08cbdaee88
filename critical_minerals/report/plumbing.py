"""Data plumbing out of the reading path: what the chapters tag, the report moves or folds; nothing is dropped.

Two cell tags, set in a notebook's cell metadata (no code or prose changes):
  appendix   the cell moves to the report's data appendix, under its chapter's name; where a run of such cells stood,
             the chapter keeps one line that links to each of them. For normalisation maps, header fixes, unit
             corrections and dataset descriptions: material a reader checks, not the argument.
  collapsed  each table the cell shows is cut to its first PREVIEW_ROWS rows, followed by a closed block that opens
             on the whole table. For per-mineral tables and full listings that the argument rests on but need not show
             in full.

A table with detail columns (display.table) shows without them and carries a block with every column; that block
moves to the data appendix too, and the chapter keeps a line linking to it.
"""

from __future__ import annotations

import copy
import re

import nbformat

from ..core.display import ALL_COLUMNS

APPENDIX_TAG = "appendix"
COLLAPSED_TAG = "collapsed"
PREVIEW_ROWS = 5
TITLE_WORDS = 8

_ROW = re.compile(r"<tr\b.*?</tr>\s*", re.S)
_ALL_COLUMNS = re.compile(rf'<details class="{ALL_COLUMNS}"><summary>(.*?)</summary>\n(.*?)\n</details>\n?', re.S)


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def appendix_anchor(prefix: str) -> str:
    """Where a chapter's moved cells start in the data appendix (ch01 -> data-ch01)."""
    return f"data-{prefix}"


def table_rows(html: str) -> tuple[str, list[str], str] | None:
    """A rendered table cut into what comes before its body rows, the body rows and what follows; None when the
    HTML holds no single table with a body."""
    if html.count("<table") != 1 or "<tbody>" not in html:
        return None
    start = html.index("<tbody>") + len("<tbody>")
    end = html.index("</tbody>", start)
    return html[:start], _ROW.findall(html[start:end]), html[end:]


def preview(html: str, rows: int = PREVIEW_ROWS) -> str | None:
    """A table shown by its first rows and a closed block holding all of it; None when it is short enough to show
    whole (or is no table). The preview's copy drops the table's id and style, which stay with the full table."""
    parts = table_rows(html)
    if parts is None or len(parts[1]) <= rows + 2:  # folding away two rows saves nothing
        return None
    head, body, tail = parts
    short = head + "".join(body[:rows]) + tail
    short = re.sub(r"<style\b.*?</style>\s*", "", short, flags=re.S)
    short = re.sub(r'(<table\b[^>]*?)\s+id="[^"]*"', r"\1", short)
    return (
        f'<div class="table-preview">{short}</div>\n'
        f'<details class="collapsed-block"><summary>Show all {len(body)} rows</summary>\n{html}\n</details>'
    )


def collapse(cell) -> None:
    """Fold every long table the cell shows into a preview and a closed block (in place)."""
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        folded = preview(data.get("text/html", "")) if "text/html" in data else None
        if folded is not None:
            data["text/html"] = folded


def title(cell) -> str:
    """A cell's name in the pointer line: a markdown cell's heading or bold lead, a table's caption."""
    if cell.cell_type == "markdown":
        text = cell.source.strip()
        heading = re.match(r"#+\s*(.+)", text)
        bold = re.match(r"\*\*(.+?)\*\*", text)
        found = heading.group(1) if heading else bold.group(1) if bold else " ".join(text.split()[:TITLE_WORDS]) + " …"
        return found.strip().rstrip(".")
    for output in cell.get("outputs", []):
        caption = re.search(r"<caption>(.*?)</caption>", output.get("data", {}).get("text/html", ""), re.S)
        if caption:
            return re.sub(r"<[^>]+>", "", caption.group(1)).strip()
    return ""


def pointer(moved: list, prefix: str, number: int):
    """The line a run of moved cells leaves in the chapter: links to each of them in the data appendix."""
    names = [(title(cell), cell["id"]) for cell in moved]
    links = [f"[{re.sub(r'[][]', '', name)}](#cell-{anchor})" for name, anchor in names if name]
    line = f"*Details of the data are in the [data appendix](#{appendix_anchor(prefix)})" + (
        ": " + "; ".join(links) + ".*" if links else ".*"
    )
    cell = nbformat.v4.new_markdown_cell(line)
    cell["id"] = f"{prefix}-moved-{number}"
    cell.metadata["tags"] = ["appendix-pointer"]
    return cell


def all_columns(cell, section: str) -> list:
    """Move each all-columns block the cell shows out of it (in place): the cell keeps a line linking to it, and the
    returned cells (a line naming where the table stands, and the table) go to the data appendix."""
    moved = []
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "text/html" not in data:
            continue

        def move(match: re.Match) -> str:
            anchor = f"{cell['id']}-all-columns-{len(moved) // 2}"
            where = f" in “{section}”" if section else ""
            line = nbformat.v4.new_markdown_cell(
                f"**{match.group(1)} of the table{where}** ([back to the chapter](#cell-{cell['id']}))."
            )
            line["id"] = f"{anchor}-title"
            table = nbformat.v4.new_code_cell("")
            table["id"] = anchor
            table.outputs = [nbformat.v4.new_output("display_data", data={"text/html": match.group(2)})]
            moved.extend([line, table])
            return (
                f'<p class="all-columns-pointer"><a href="#cell-{anchor}">{match.group(1)} of this table'
                "</a> are in the data appendix.</p>\n"
            )

        data["text/html"] = _ALL_COLUMNS.sub(move, data["text/html"])
    return moved


def whole(cell) -> None:
    """A cell moved to the appendix shows its tables with every column, once (in place)."""
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        blocks = _ALL_COLUMNS.findall(data.get("text/html", ""))
        if blocks:
            data["text/html"] = "\n".join(table for _, table in blocks)


def section_title(cell, current: str) -> str:
    """The heading a markdown cell opens (its last one), else `current`."""
    if cell.cell_type != "markdown":
        return current
    found = re.findall(r"^#+\s*(.+?)\s*$", cell.source, re.M)
    return found[-1] if found else current


def split(notebook, prefix: str) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode | None]:
    """The chapter as the reading path shows it (collapsed tables folded, moved cells replaced by pointer lines) and
    a notebook of the cells moved to the appendix (None when there are none). Cell ids are kept, so links to a moved
    cell (from the methods section, say) still land on it."""
    reading, moved, run = copy.deepcopy(notebook), [], []
    cells, section = [], ""
    for cell in reading.cells:
        section = section_title(cell, section)
        if APPENDIX_TAG in tags(cell):
            whole(cell)
            run.append(cell)
            continue
        if run:
            cells.append(pointer(run, prefix, len(moved)))
            moved.extend(run)
            run = []
        moved.extend(all_columns(cell, section))
        if COLLAPSED_TAG in tags(cell):
            collapse(cell)
        cells.append(cell)
    if run:
        cells.append(pointer(run, prefix, len(moved)))
        moved.extend(run)
    reading.cells = cells
    if not moved:
        return reading, None
    appendix = copy.deepcopy(reading)
    appendix.cells = moved
    return reading, appendix
