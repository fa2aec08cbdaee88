"""The report people read: one self-contained HTML file per scenario, and a page comparing scenarios.

`write_report` assembles, in order: a title page, the executive summary (findings from data/report_findings.csv with
their key figures, words and numbers from the chapters' results files), contents, the chapters (code folded away, each
opening with its key-findings box), methods and caveats (cells tagged `caveats`), the figures gallery, the
parameters, the data sources and licences (from the registry), the build's provenance, the key numbers of every
chapter (statements from data/report_summary.csv) and the data tables the chapters move out of the reading path
(cells tagged `appendix`, and tables' detail columns) with the data dictionary (data/dictionary.csv). Everything
is inlined (style, script, images), so the file can be mailed and read offline; there is no MathJax: no chapter uses
LaTeX, and a `$` in text shows as written.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from markupsafe import Markup

from ..sources import data_dictionary, official_datasets
from . import appendix, findings, gallery, references, summary, typeset
from .compare import write_comparison
from .model import Chapter, chapter_anchor, chapter_from_json
from .page import write_page

__all__ = ["write_report", "write_comparison", "chapter_from_json", "typeset"]


def chapter_of_figure(name: str, anchors: set[str]) -> str | None:
    """Figure names start with their chapter's number (02_partner_shares -> ch02, 02b_stages -> ch02b)."""
    anchor = chapter_anchor(name)
    return anchor if anchor in anchors else None


def cited(chapter: Chapter, bibliography: list[references.Reference]) -> Chapter:
    """The chapter with its in-text citations ([@key]) and its figures' source lines linked to the bibliography."""
    notebook = f"notebooks/{chapter.stem}.ipynb"

    def linked(fragment: str) -> str:
        return references.cite_in_text(fragment, bibliography, notebook)

    return dataclasses.replace(
        chapter,
        html=references.cite_figure_sources(linked(chapter.html), bibliography),
        appendix=references.cite_figure_sources(linked(chapter.appendix), bibliography),
        caveats=[dataclasses.replace(caveat, html=linked(caveat.html)) for caveat in chapter.caveats],
    )


def write_report(
    executed: list[Path],
    root: Path,
    figures: Path,
    scenario: str,
    manifest: dict,
    destination: Path,
    figures_href: str,
    rendered: list[tuple[Chapter, str]] | None = None,
) -> Path:
    """The report of one built scenario, from its executed chapters, results, figures and manifest.

    `rendered`: the chapters already rendered (by the build's workers, see `chapters.render_chapter`), in order.
    """
    if rendered:
        chapters, code_css = [chapter for chapter, _ in rendered], next((css for _, css in rendered if css), "")
    else:
        from .chapters import render_chapters  # nbconvert: only when the chapters come unrendered

        chapters, code_css = render_chapters(executed)
    registry = official_datasets.load_registry()
    bibliography = references.load(registry)
    chapters = [cited(chapter, bibliography) for chapter in chapters]
    titles = {chapter.stem: chapter for chapter in chapters}

    all_results = summary.read_results(root)
    summary_groups: dict[str, list[summary.Statement]] = {}
    for statement in summary.statements(all_results):
        summary_groups.setdefault(statement.chapter, []).append(statement)
    found = [f for f in findings.findings(all_results) if f.chapter in titles]  # a report of some chapters: theirs
    sections = findings.sections_of(found, chapters)

    figure_list = gallery.figures_in(figures)
    anchors = {chapter.anchor for chapter in chapters}
    gallery_groups: dict[str | None, list[gallery.Figure]] = {}
    for figure in figure_list:
        gallery_groups.setdefault(chapter_of_figure(figure.name, anchors), []).append(figure)
    shown_at = {
        figure.name: figure.anchor
        for figure in figure_list  # where the report shows each figure
        if any(f'id="{figure.anchor}"' in chapter.html + chapter.appendix for chapter in chapters)
    }
    in_text = {
        figure.name: shown_at[name]
        for figure in figure_list  # a single-column version: its figure's place
        if (name := figure.name.removesuffix(findings.SINGLE_SUFFIX)) in shown_at
    }

    return write_page(
        "report.html.j2",
        destination,
        scenario=scenario,
        manifest=manifest,
        built_at=appendix.built_at(manifest),
        chapters=chapters,
        chapter_by_stem=titles,
        chapter_by_anchor={c.anchor: c for c in chapters},
        code_css=Markup(code_css),
        summary_groups=summary_groups,
        gallery_groups=gallery_groups,
        thumbnails={f.name: gallery.thumbnail(f.png) for f in figure_list},
        in_text=in_text,
        figures_href=figures_href,
        findings=[f for f in found if f.in_summary],
        boxes=findings.by_chapter(found),
        sections=sections,
        opening={c.stem: findings.split_after_title(c.html) for c in chapters},
        key_figures=findings.key_figure_views(found, figure_list),
        bibliography=bibliography,
        figure_sources={f.name: Markup(references.with_citations(f.source, bibliography)) for f in figure_list},
        parameters=appendix.parameters_by_notebook(manifest),
        differing=appendix.chosen(manifest),
        sources=appendix.sources(registry),
        dictionary=data_dictionary.read(),
    )
