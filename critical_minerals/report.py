"""Executed chapters -> one self-contained HTML report (code hidden, figures embedded)."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

REPORT_TITLE = "North American critical-minerals cooperation"
REPORT_SUBTITLE = "A reproducible report on the United States, Canada and Mexico"


def chapter_title(notebook: nbformat.NotebookNode, fallback: str) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            return cell.source.lstrip()[2:].splitlines()[0].strip()
    return fallback


def combine(executed: list[Path], scenario: str) -> nbformat.NotebookNode:
    """One notebook: a title cell with the contents, then every chapter's cells in order."""
    chapters = [nbformat.read(path, as_version=4) for path in executed]
    titles = [chapter_title(nb, path.stem) for nb, path in zip(chapters, executed)]
    contents = "\n".join(f"{i}. {html.escape(title)}" for i, title in enumerate(titles, start=1))
    front = nbformat.v4.new_markdown_cell(
        f"# {REPORT_TITLE}\n\n*{REPORT_SUBTITLE}*\n\nScenario: `{html.escape(scenario)}` · built {date.today():%Y-%m-%d}"
        f"\n\n**Contents**\n\n{contents}"
    )
    combined = nbformat.v4.new_notebook(cells=[front])
    combined.metadata = chapters[0].metadata if chapters else {}
    for notebook in chapters:
        combined.cells.extend(notebook.cells)
    return combined


def render_html(notebook: nbformat.NotebookNode) -> str:
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(notebook)
    return body


def write_report(executed: list[Path], scenario: str, destination: Path) -> Path:
    destination.write_text(render_html(combine(executed, scenario)), encoding="utf-8")
    return destination
