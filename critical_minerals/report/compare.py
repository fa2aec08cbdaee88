"""Several built scenarios side by side: what differs, headline results with their absolute and relative differences,
parameters, and the figures that change. Differences are against the first scenario given, the baseline. Results of
a chapter whose scenarios describe different objects (another project, strike or design: parameters marked
`identity` in notebooks/parameters.yaml) are flagged instead of differenced. build.py rewrites the page from the
published manifests whenever one of its scenarios is republished, so it never shows a number its reports do not.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

from ..parameters import BUILD_PARAMETERS, load_spec
from . import appendix, gallery, summary
from .model import chapter_anchor
from .page import write_page

COMPARE_THUMBNAIL_PX = 900  # wide enough to read side by side with one or two other scenarios
RANGES_SHOWN = 4  # plotted columns whose ranges are stated under a figure that changes


@dataclass(frozen=True)
class Cell:
    text: str
    context: str = ""  # this scenario's own wording, where it differs from the row's label
    difference: str = ""  # against the baseline
    flag: str = ""  # why it is not differenced (another object), or what about the value needs explaining
    href: str = ""  # the chapter that explains it, in this scenario's report


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
        rows.append(Row(notebook, name, [Cell(text) if text is not None else None for text in texts],
                        len(set(texts)) > 1))
    return rows


def parameter_values(manifest: dict) -> dict[str, object]:
    return {row["name"]: row["value"] for row in manifest["parameters"] if row["name"] not in BUILD_PARAMETERS}


def what_differs(manifests: list[dict], names: list[str]) -> list[str]:
    """One line per scenario: the parameters it sets differently from the first (the baseline)."""
    base = parameter_values(manifests[0])
    lines = [f"{names[0]}: the baseline"]
    for name, manifest in zip(names[1:], manifests[1:]):
        values = parameter_values(manifest)
        changed = [f"{key} {appendix.shown_value(base.get(key))} → {appendix.shown_value(value)}"
                   for key, value in values.items() if base.get(key) != value]
        lines.append(f"{name}: {'; '.join(changed) if changed else 'the same parameters as ' + names[0]}")
    return lines


def identity_differences(manifests: list[dict], position: int) -> dict[str, list[str]]:
    """Per chapter, the `identity` parameters in which a scenario differs from the baseline, in words."""
    identity = {name for name, rule in load_spec().items() if rule.get("identity")}
    base = {row["name"]: row for row in manifests[0]["parameters"]}
    found: dict[str, list[str]] = {}
    for row in manifests[position]["parameters"]:
        if row["name"] in identity and row["name"] in base and row["value"] != base[row["name"]]["value"]:
            found.setdefault(row["notebook"], []).append(
                f"{row['name']} {appendix.shown_value(row['value'])} against "
                f"{appendix.shown_value(base[row['name']]['value'])}")
    return found


def needs_explaining(statement: summary.Statement) -> str:
    """A value a reader will stop at: a share above 1 (the upside cannot pay for the floor at any share)."""
    if statement.number is not None and statement.key.endswith("share") and statement.number > 1:
        return "above 1: explained in the chapter"
    return ""


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


def result_rows(per_scenario: list[list[summary.Statement]], manifests: list[dict] | None = None,
                hrefs: list[str] | None = None) -> list[Row]:
    keyed: dict[tuple[str, str], list[summary.Statement | None]] = {}
    for position, statements in enumerate(per_scenario):
        for statement in statements:
            keyed.setdefault((statement.chapter, statement.key), [None] * len(per_scenario))[position] = statement
    others = [identity_differences(manifests, position) if manifests and position else {}
              for position in range(len(per_scenario))]
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
            flag = "; ".join(filter(None, [f"not comparable: {'; '.join(unlike)}" if unlike else "",
                                           needs_explaining(statement)]))
            anchor = chapter_anchor(chapter)
            href = f"{hrefs[position]}#{anchor}" if hrefs and anchor else ""
            cells.append(Cell(f"{statement.value} {statement.unit}".strip(),
                              statement.label if statement.label != label else "", change, flag, href))
        distinct = {cell.text if cell else None for cell in cells}
        rows.append(Row(chapter, label, cells, len(distinct) > 1))
    return rows


def figure_rows(scenarios: list[dict], differing: list[str] | None = None
                ) -> tuple[list[tuple[str, list[tuple[str, str] | None], list[str]]], list[str]]:
    """Figures whose image differs between scenarios, with (thumbnail, caption) per scenario and the plotted
    ranges that differ, and the names of the others."""
    by_name: dict[str, list[Path | None]] = {}
    for position, scenario in enumerate(scenarios):
        for png in sorted(Path(scenario["figures"]).glob("*.png")):
            by_name.setdefault(png.stem, [None] * len(scenarios))[position] = png
    changed, unchanged = [], []
    for name, pngs in by_name.items():
        if len({png.read_bytes() if png else None for png in pngs}) == 1:
            unchanged.append(name)
            continue
        changed.append((name, [(gallery.thumbnail(png, COMPARE_THUMBNAIL_PX), caption(
            gallery.read_caption(png.with_suffix(".txt"))[0], (differing or [""] * len(pngs))[position]))
            if png else None for position, png in enumerate(pngs)],
            range_notes(pngs, [scenario["scenario"] for scenario in scenarios])))
    return changed, unchanged


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
    return {name: (min(values), max(values)) for name, values in columns.items()
            if values and all(math.isfinite(value) for value in values)}


def range_notes(pngs: list[Path | None], names: list[str]) -> list[str]:
    """Where the scenarios' versions of a figure plot different ranges of the same columns, each range: the images
    keep their own axes, so a halved cost would otherwise look the same."""
    ranges = [numeric_ranges(png.with_suffix(".csv")) if png else {} for png in pngs]
    common = [name for name in ranges[0] if all(name in found for found in ranges)]
    notes = []
    for column in common:
        spans = [found[column] for found in ranges]
        if len(set(spans)) > 1:
            notes.append(f"{column}: " + "; ".join(f"{name} {low:,.4g} to {high:,.4g}"
                                                   for name, (low, high) in zip(names, spans)))
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
    changed, unchanged = figure_rows(scenarios, differs)
    return write_page(
        "compare.html.j2", destination,
        scenarios=[{**scenario, "built_at": appendix.built_at(scenario["manifest"]),
                    "build_id": (scenario["manifest"].get("report_key") or "")[:12]} for scenario in scenarios],
        what_differs=differs, parameters=parameter_rows(manifests),
        results=result_rows(statements, manifests, [scenario["report_href"] for scenario in scenarios]),
        changed_figures=changed, unchanged_figures=unchanged,
    )
