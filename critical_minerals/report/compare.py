"""Several built scenarios side by side: parameters, headline results with their differences, and the figures that
change. Differences are against the first scenario given, the baseline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..parameters import BUILD_PARAMETERS
from . import appendix, gallery, summary
from .page import write_page

COMPARE_THUMBNAIL_PX = 900  # wide enough to read side by side with one or two other scenarios


@dataclass(frozen=True)
class Cell:
    text: str
    context: str = ""  # this scenario's own wording, where it differs from the row's label
    difference: str = ""  # against the baseline


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
        shown = [appendix.shown_value(p["value"]) if p else None for p in parameters]
        rows.append(Row(notebook, name, [Cell(text) if text is not None else None for text in shown],
                        len(set(shown)) > 1))
    return rows


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
    return f"{format(change, '+' + spec.lstrip('+-'))} {current.unit}".strip()


def result_rows(per_scenario: list[list[summary.Statement]]) -> list[Row]:
    keyed: dict[tuple[str, str], list[summary.Statement | None]] = {}
    for position, statements in enumerate(per_scenario):
        for statement in statements:
            keyed.setdefault((statement.chapter, statement.key), [None] * len(per_scenario))[position] = statement
    rows = []
    for (chapter, _), found in keyed.items():
        label = next(s for s in found if s is not None).label
        base = found[0]
        cells = []
        for position, statement in enumerate(found):
            if statement is None:
                cells.append(None)
                continue
            cells.append(Cell(f"{statement.value} {statement.unit}".strip(),
                              statement.label if statement.label != label else "",
                              difference(statement, base) if position and base is not None else ""))
        shown = {cell.text if cell else None for cell in cells}
        rows.append(Row(chapter, label, cells, len(shown) > 1))
    return rows


def figure_rows(scenarios: list[dict]) -> tuple[list[tuple[str, list[tuple[str, str] | None]]], list[str]]:
    """Figures whose image differs between scenarios, with (thumbnail, caption) per scenario, and the names of the
    others."""
    by_name: dict[str, list[Path | None]] = {}
    for position, scenario in enumerate(scenarios):
        for png in sorted(Path(scenario["figures"]).glob("*.png")):
            by_name.setdefault(png.stem, [None] * len(scenarios))[position] = png
    changed, unchanged = [], []
    for name, pngs in by_name.items():
        if len({png.read_bytes() if png else None for png in pngs}) == 1:
            unchanged.append(name)
            continue
        changed.append((name, [(gallery.thumbnail(png, COMPARE_THUMBNAIL_PX), gallery.read_caption(
            png.with_suffix(".txt"))[0]) if png else None for png in pngs]))
    return changed, unchanged


def write_comparison(scenarios: list[dict], destination: Path) -> Path:
    """build/compare.html: every built scenario side by side, differences against the first."""
    manifests = [scenario["manifest"] for scenario in scenarios]
    statements = [summary.statements(summary.read_results(Path(scenario["root"]))) for scenario in scenarios]
    changed, unchanged = figure_rows(scenarios)
    return write_page(
        "compare.html.j2", destination,
        scenarios=[{**scenario, "built_at": appendix.built_at(scenario["manifest"])} for scenario in scenarios],
        parameters=parameter_rows(manifests), results=result_rows(statements),
        changed_figures=changed, unchanged_figures=unchanged,
    )
