"""Several built scenarios side by side: what differs (a change of law, of data vintage or both), headline results
with their absolute and relative differences, parameters, and the figures that change, drawn again on shared axes
(compare_figures), all grouped and titled as the reports title them. Differences are against the first scenario
given, the baseline. Results of a chapter whose scenarios describe different objects (another project, strike or
design: parameters marked `identity` in notebooks/parameters.yaml) are flagged instead of differenced; an unusual
value links to the paragraph of its report that explains it. build.py rewrites the page from the published
manifests whenever one of its scenarios is republished, so it never shows a number its reports do not.
"""

from __future__ import annotations

import csv
import html
import math
import re
from dataclasses import dataclass
from pathlib import Path

from ..chapter.parameters import BUILD_PARAMETERS, load_spec
from ..core.png_copies import SINGLE_COLUMN_SUFFIX as SINGLE_SUFFIX
from . import appendix, compare_figures, gallery, summary
from .model import chapter_anchor, run_in_anchor
from .page import write_page

COMPARE_THUMBNAIL_PX = 900  # wide enough to read side by side with one or two other scenarios
RANGES_SHOWN = 4  # plotted columns whose ranges are stated under a figure that changes


@dataclass(frozen=True)
class Cell:
    text: str
    context: str = ""  # this scenario's own wording, where it differs from the row's label
    difference: str = ""  # against the baseline
    flag: str = ""  # why it is not differenced (another object), or what about the value needs explaining
    href: str = ""  # the paragraph (or, for another object, the chapter) that explains it, in this scenario's report


@dataclass(frozen=True)
class Row:
    """One line of a side-by-side table: a label and one cell per scenario (None where a scenario lacks it)."""

    group: str  # the chapter it belongs to
    label: str
    cells: list[Cell | None]
    differs: bool


def parameter_rows(manifests: list[dict]) -> list[Row]:
    """Every parameter a reader can choose, of any scenario, in the order the first build lists them."""
    keyed: dict[tuple[str, str], list[dict | None]] = {}
    for position, manifest in enumerate(manifests):
        for parameter in manifest["parameters"]:
            if parameter["name"] in BUILD_PARAMETERS:
                continue
            cells = keyed.setdefault((parameter["notebook"], parameter["name"]), [None] * len(manifests))
            cells[position] = parameter
    rows = []
    for (notebook, name), parameters in keyed.items():
        texts = [appendix.shown_value(p["value"]) if p else None for p in parameters]
        rows.append(
            Row(notebook, name, [Cell(text) if text is not None else None for text in texts], len(set(texts)) > 1)
        )
    return rows


def parameter_values(manifest: dict) -> dict[str, object]:
    return {row["name"]: row["value"] for row in manifest["parameters"] if row["name"] not in BUILD_PARAMETERS}


def differences_by_aspect(manifests: list[dict]) -> list[dict[str, list[str]]]:
    """Per scenario after the first, its parameters that differ from the baseline's (`name old → new`), by what they
    pick: the law, the data vintage (the parameters marked `aspect` in notebooks/parameters.yaml) or other."""
    base = parameter_values(manifests[0])
    aspects = {name: rule["aspect"] for name, rule in load_spec().items() if rule.get("aspect")}
    found = []
    for manifest in manifests[1:]:
        changed: dict[str, list[str]] = {}
        for key, value in parameter_values(manifest).items():
            if base.get(key) != value:
                aspect = aspects.get(key, "other")
                changed.setdefault(aspect, []).append(
                    f"{key} {vintage(base.get(key), aspect)} → {vintage(value, aspect)}"
                )
        found.append(changed)
    return found


def what_differs(manifests: list[dict], names: list[str]) -> list[str]:
    """One line per scenario: what it sets differently from the first (the baseline), said plainly as a change of
    law, of data vintage or of both, so a change of law is never read into what a change of data did."""
    return [f"{names[0]}: the baseline"] + [
        f"{name}: {in_words(changed, names[0])}" for name, changed in zip(names[1:], differences_by_aspect(manifests))
    ]


def caption_notes(manifests: list[dict], names: list[str]) -> list[str]:
    """Per scenario, the parameters that make its figures differ from the baseline's, for their captions."""
    return [""] + [
        f"{name}: {'; '.join(item for items in changed.values() for item in items)}" if changed else ""
        for name, changed in zip(names[1:], differences_by_aspect(manifests))
    ]


def vintage(value: object, aspect: str) -> str:
    """A value as the comparison names it; a data year or edition of 0 is the latest the data hold."""
    return "latest" if aspect == "data" and value == 0 else appendix.shown_value(value)


ASPECT_WORDS = {"law": "the law", "data": "the data vintage", "other": "other parameters"}


def in_words(changed: dict[str, list[str]], baseline: str) -> str:
    """What differs by aspect: `differs in the law, on the same data (the law: ...)`, a warning when law and data
    both differ, and the bare list when only other parameters do."""
    if not changed:
        return f"the same parameters as {baseline}"
    if set(changed) == {"other"}:
        return "; ".join(changed["other"])
    listed = "; ".join(
        f"{ASPECT_WORDS[aspect]}: {', '.join(changed[aspect])}" for aspect in ASPECT_WORDS if aspect in changed
    )
    if "law" in changed and "data" in changed:
        return (
            f"both the law and the data vintage differ, so its differences mix the two ({listed}); compare "
            f"scenarios on the same data to see what the law changes"
        )
    kinds = " and ".join(ASPECT_WORDS[aspect] for aspect in ASPECT_WORDS if aspect in changed)
    same = "on the same data" if "law" in changed else "under the same law"
    return f"differs in {kinds}, {same} ({listed})"


def identity_differences(manifests: list[dict], position: int) -> dict[str, list[str]]:
    """Per chapter, the `identity` parameters in which a scenario differs from the baseline, in words."""
    identity = {name for name, rule in load_spec().items() if rule.get("identity")}
    base = {row["name"]: row for row in manifests[0]["parameters"]}
    found: dict[str, list[str]] = {}
    for row in manifests[position]["parameters"]:
        if row["name"] in identity and row["name"] in base and row["value"] != base[row["name"]]["value"]:
            found.setdefault(row["notebook"], []).append(
                f"{row['name']} {appendix.shown_value(row['value'])} against "
                f"{appendix.shown_value(base[row['name']]['value'])}"
            )
    return found


# Results whose unusual values a chapter explains in a paragraph opening with this bold run-in heading (the chapter's
# renderer anchors it: model.run_in_anchor), so the comparison links to the explanation itself.
EXPLAINED_BY = {"zero_cost_revenue_share": "Zero-cost revenue share"}


def needs_explaining(statement: summary.Statement) -> str:
    """A value a reader will stop at: a share above 1 (the upside cannot pay for the floor at any share)."""
    if statement.number is not None and statement.key.endswith("share") and statement.number > 1:
        return "above 1: see why" if statement.key in EXPLAINED_BY else "above 1: explained in the chapter"
    return ""


def explanation_anchor(statement: summary.Statement) -> str:
    """Where in its report a statement's unusual value is explained: the paragraph, else the chapter."""
    chapter = chapter_anchor(statement.chapter) or ""
    if chapter and statement.key in EXPLAINED_BY:
        return run_in_anchor(chapter, EXPLAINED_BY[statement.key])
    return chapter


def difference(current: summary.Statement, base: summary.Statement) -> str:
    """How a result differs from the baseline's, in the statement's own terms; blank when it does not."""
    if current.items is not None and base.items is not None and current.format != "count":
        added = [item for item in current.items if item not in base.items]
        removed = [item for item in base.items if item not in current.items]
        return "; ".join([*(f"+ {item}" for item in added), *(f"− {item}" for item in removed)])
    if current.number is None or base.number is None:
        return "" if current.value == base.value else "changed"
    change = current.number - base.number
    if change == 0:
        return ""
    spec = current.format if current.format not in ("", "list", "count") else "g"
    if spec.endswith("%"):  # a share: the difference in percentage points, not a relative change
        digits = re.search(r"\.(\d+)", spec)
        return f"{change * 100:+.{digits.group(1) if digits else 0}f} percentage points"
    absolute = f"{format(change, '+' + spec.lstrip('+-'))} {current.unit}".strip()
    if base.number and current.format != "count":
        return f"{absolute} ({change / abs(base.number):+.1%})"
    return absolute


def result_rows(
    per_scenario: list[list[summary.Statement]], manifests: list[dict] | None = None, hrefs: list[str] | None = None
) -> list[Row]:
    keyed: dict[tuple[str, str], list[summary.Statement | None]] = {}
    for position, statements in enumerate(per_scenario):
        for statement in statements:
            keyed.setdefault((statement.chapter, statement.key), [None] * len(per_scenario))[position] = statement
    others = [
        identity_differences(manifests, position) if manifests and position else {}
        for position in range(len(per_scenario))
    ]
    rows = []
    for (chapter, _), found in keyed.items():
        label = next(s for s in found if s is not None).label
        base = found[0]
        cells = []
        for position, statement in enumerate(found):
            if statement is None:
                cells.append(None)
                continue
            unlike = others[position].get(chapter)
            change = difference(statement, base) if position and base is not None and not unlike else ""
            unusual = needs_explaining(statement)
            flag = "; ".join(filter(None, [f"not comparable: {'; '.join(unlike)}" if unlike else "", unusual]))
            anchor = explanation_anchor(statement) if unusual else chapter_anchor(chapter)
            href = f"{hrefs[position]}#{anchor}" if hrefs and anchor else ""
            cells.append(
                Cell(
                    f"{statement.value} {statement.unit}".strip(),
                    statement.label if statement.label != label else "",
                    change,
                    flag,
                    href,
                )
            )
        distinct = {cell.text if cell else None for cell in cells}
        rows.append(Row(chapter, label, cells, len(distinct) > 1))
    return rows


@dataclass(frozen=True)
class FigureRow:
    name: str
    title: str  # its number and caption as the first scenario's report shows them
    panels: list[tuple[str, str] | None]  # per scenario: (image, caption), None where a scenario lacks the figure
    shared: bool  # drawn again on shared axes from the plotted data; else the published images, own axes
    axes: str  # the shared limits, or the ranges each image plots on its own axes


def figure_rows(
    scenarios: list[dict], differing: list[str] | None = None, titles: dict[str, str] | None = None
) -> tuple[list[FigureRow], list[str]]:
    """Figures whose plotted data differ between scenarios — drawn again on shared axes where the figure allows
    (compare_figures), else the published images, said to keep their own axes — and the names of the others."""
    by_name: dict[str, list[Path | None]] = {}
    for position, scenario in enumerate(scenarios):
        for png in sorted(Path(scenario["figures"]).glob("*.png")):
            if not png.stem.endswith(SINGLE_SUFFIX):  # a key figure's single-column copy: the same data
                by_name.setdefault(png.stem, [None] * len(scenarios))[position] = png
    names = [scenario["scenario"] for scenario in scenarios]
    differing = differing or [""] * len(scenarios)
    changed, unchanged = [], []
    for name, pngs in by_name.items():
        if len({png.read_bytes() if png else None for png in pngs}) == 1:
            unchanged.append(name)
            continue
        captions = [
            caption(gallery.read_caption(png.with_suffix(".txt"))[0], differing[position]) if png else ""
            for position, png in enumerate(pngs)
        ]
        redrawn = compare_figures.redraw(name, [png.with_suffix(".csv") if png else None for png in pngs])
        if redrawn:
            spec = compare_figures.spec_for(name)
            panels = [(item.png, text) if item else None for item, text in zip(redrawn, captions)]
            axes = compare_figures.limits_text(next(item for item in redrawn if item), spec)
        else:
            panels = [
                (gallery.thumbnail(png, COMPARE_THUMBNAIL_PX), text) if png else None
                for png, text in zip(pngs, captions)
            ]
            axes = " · ".join(range_notes(pngs, names))
        changed.append(FigureRow(name, (titles or {}).get(name, name), panels, bool(redrawn), axes))
    order = {name: position for position, name in enumerate(titles or {})}  # as the report numbers them
    changed.sort(key=lambda row: order.get(row.name, len(order)))
    return changed, sorted(unchanged, key=lambda name: order.get(name, len(order)))


def short_title(title: str) -> str:
    """`Figure 4.1. Acquisition cost by mineral for each design` of a figure's full caption: its first sentence."""
    label, _, text = title.partition(". ")
    first = re.split(r"(?<=[a-z0-9)'])[.;:] ", text, maxsplit=1)[0].rstrip(".")
    return f"{label}. {first}" if text else title


def report_titles(report: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The chapter titles (by anchor) and figure titles (by name: number and caption) as a report shows them."""
    try:
        page = report.read_text(encoding="utf-8")
    except OSError:
        return {}, {}
    plain = lambda text: html.unescape(re.sub(r"<[^>]+>", "", text)).strip()  # noqa: E731
    chapters = {
        anchor: plain(title)
        for anchor, title in re.findall(r'<h1 id="(ch[0-9a-z]+)">(.*?)</h1>', page, flags=re.DOTALL)
    }
    figures = {}
    for name, label, text in re.findall(
        r'<figure class="report-figure" id="figure-([^"]+)">.*?<figcaption>'
        r'<strong>(.*?)</strong>(.*?)<span class="figure-source">',
        page,
        flags=re.DOTALL,
    ):
        figures.setdefault(html.unescape(name), f"{plain(label)} {plain(text)}")
    return chapters, figures


def numeric_ranges(path: Path) -> dict[str, tuple[float, float]]:
    """Smallest and largest finite value of every all-numeric column of a figure's plotted-data CSV."""
    columns: dict[str, list[float]] = {}
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for name, text in row.items():
                    try:
                        columns.setdefault(name, []).append(float(text))
                    except (TypeError, ValueError):
                        columns[name] = [math.nan]  # a text column: not a scale
    except OSError:
        return {}
    return {
        name: (min(values), max(values))
        for name, values in columns.items()
        if values and all(math.isfinite(value) for value in values)
    }


def range_notes(pngs: list[Path | None], names: list[str]) -> list[str]:
    """Where the scenarios' versions of a figure plot different ranges of the same columns, each range: the images
    keep their own axes, so a halved cost would otherwise look the same."""
    ranges = [numeric_ranges(png.with_suffix(".csv")) if png else {} for png in pngs]
    common = [name for name in ranges[0] if all(name in found for found in ranges)]
    notes = []
    for column in common:
        spans = [found[column] for found in ranges]
        if len(set(spans)) > 1:
            notes.append(
                f"{column}: "
                + "; ".join(f"{name} {low:,.4g} to {high:,.4g}" for name, (low, high) in zip(names, spans))
            )
    return notes[:RANGES_SHOWN]


def caption(text: str, differing: str) -> str:
    """A figure's caption in the comparison, with the parameters that make this scenario's version differ."""
    return f"{text} [{differing}]" if differing and ":" in differing and "baseline" not in differing else text


def write_comparison(scenarios: list[dict], destination: Path) -> Path:
    """build/compare.html: every built scenario side by side, differences against the first."""
    manifests = [scenario["manifest"] for scenario in scenarios]
    names = [scenario["scenario"] for scenario in scenarios]
    statements = [summary.statements(summary.read_results(Path(scenario["root"]))) for scenario in scenarios]
    differs = what_differs(manifests, names)
    chapter_titles, figure_titles = {}, {}
    for scenario in reversed(scenarios):  # the first scenario's titles win; the others fill what it lacks
        found = report_titles(Path(scenario["root"]) / "report.html")
        chapter_titles.update(found[0])
        figure_titles.update(found[1])
    changed, unchanged = figure_rows(scenarios, caption_notes(manifests, names), figure_titles)
    stems = {row["notebook"] for manifest in manifests for row in manifest["parameters"]}
    stems |= {statement.chapter for found in statements for statement in found}
    group_titles = {stem: chapter_titles.get(chapter_anchor(stem) or "", stem) for stem in stems}
    return write_page(
        "compare.html.j2",
        destination,
        scenarios=[
            {
                **scenario,
                "built_at": appendix.built_at(scenario["manifest"]),
                "build_id": (scenario["manifest"].get("report_key") or "")[:12],
            }
            for scenario in scenarios
        ],
        what_differs=differs,
        parameters=parameter_rows(manifests),
        results=result_rows(statements, manifests, [scenario["report_href"] for scenario in scenarios]),
        changed_figures=changed,
        unchanged_figures=[short_title(figure_titles.get(name, name)) for name in unchanged],
        group_titles=group_titles,
        own_axes_reason=compare_figures.WHY_NOT,
    )
