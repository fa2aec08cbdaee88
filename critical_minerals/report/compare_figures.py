"""Figures of several scenarios redrawn for the comparison on shared axes.

The published images each keep the axes of their own report, so a halved cost would look the same side by side.
Here every scenario's version of a figure is drawn again from its published plotted data (figures/<s>/<name>.csv)
by one function, with the value axes set to the union of all scenarios' values: equal lengths mean equal values.
A figure whose data cannot be drawn this way (a heatmap, a chart of dates as text) has no entry in SHARED and keeps
its published image, and the comparison's caption says its axes are its own.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib.dates
import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd

from ..core import display
from ..figures import OKABE_ITO, SINGLE_COLUMN_IN, STYLE_FILE

PALETTE = list(OKABE_ITO.values())
MARGIN = 0.05  # share of the shared span added at each end, so no mark sits on the frame
DPI = 150  # the page shows the images at about half a screen's width each
BAR_HEIGHT_IN = 0.16  # per bar row
MAX_PANELS = 6  # more panels than this would not be legible side by side


@dataclass(frozen=True)
class Shared:
    """How to draw one figure's plotted data again. kind: `bars` (horizontal, from 0), `stacked` (horizontal bars
    stacked by `series`), `lines` (x against y per series), `points` (x against y per series), `steps` (a histogram
    from bin edges), `box` (low–high whisker, box_low–box_high box, a mid line and a mean marker)."""

    kind: str
    label: tuple[str, ...] = ()  # category columns (joined) on the category axis of bars, stacked and box
    values: tuple[str, ...] = ()  # bars: one bar per column; lines and points: (x, y); steps: (low, high, height)
    series: str = ""  # one colour per value of this column
    panel: str = ""  # one panel per value of this column
    box: tuple[str, ...] = ()  # box: (low, box_low, mid, box_high, high, mean); blank names are not drawn
    dates: bool = False  # lines: x is a date
    axis: str = ""  # the value axis's title, where the column's name does not say it


SHARED = {
    "01_paper_vs_usgs": Shared("points", values=("paper_pct", "usgs_pct"), series="country"),
    "02_china_vs_club": Shared("points", values=("china_pct", "club_pct")),
    "02_partner_shares": Shared("stacked", label=("label",), values=("United States", "Mexico", "Canada")),
    "02_pooling": Shared("bars", label=("label",), values=("hhi", "hhi_pooled")),
    "02_headroom": Shared("bars", label=("label", "partner"), values=("share_pct_production", "share_pct_reserves")),
    "02_trend": Shared("lines", values=("year", "club_pct"), series="label"),
    "02b_reliance_by_leader": Shared("bars", label=("label",), values=("nir_pct",)),
    "02b_shock_cover": Shared(
        "bars", label=("label",), values=("exposed_low_pct", "exposed_high_pct", "cover_low_pct", "cover_high_pct")
    ),
    "02b_stages": Shared("bars", label=("chain", "step"), values=("top3_pct", "china_pct", "partners_pct")),
    "03_acquisition_by_mineral": Shared("bars", label=("mineral",), values=("cost_usd_bn",), panel="design"),
    "03_burden_sharing": Shared("stacked", label=("key",), values=("cost_usd_bn",), series="country", panel="design"),
    "03_calibration": Shared(
        "bars",
        label=("design and quantity basis",),
        values=("design's own cover", "defence benchmark", "market benchmark"),
    ),
    "03_monte_carlo": Shared("steps", values=("bin_low_usd_bn", "bin_high_usd_bn", "share_of_draws"), panel="design"),
    "03_tornado": Shared(
        "box",
        label=("driver",),
        box=("npc_at_low", "", "central_usd", "", "npc_at_high", ""),
        panel="design",
        axis="Net present cost, USD, low to high setting; line: central",
    ),
    "04_bankability": Shared(
        "lines", values=("strike", "p_npv_negative"), series="instrument", axis="P(project NPV < 0)"
    ),
    "04_fiscal_cost": Shared(
        "box",
        label=("instrument",),
        box=("p5", "p25", "p50", "p75", "p95", "mean"),
        axis="Government cost, NPV, USD: P5–P95, P25–P75, median, mean",
    ),
    "04_payment_timeline": Shared(
        "lines", values=("year", "expected_payment"), series="instrument", axis="Expected payment to the project, USD"
    ),
    "04_price_fan": Shared("lines", values=("date", "price"), series="series", panel="model", dates=True),
    "04_subsidies": Shared("bars", label=("archetype", "regime"), values=("share_of_levelized_cost",)),
    "04_tariff": Shared(
        "lines", values=("pass_through", "fiscal_npv_mean"), series="basis", axis="Expected fiscal cost, USD"
    ),
}
# Not in SHARED: 01_price_coverage (months as text), 02_similarity (a heatmap), 05_ndpr_floor (two panels of different
# quantities in one table), 05_stockpile_benchmarks (a log scale).
WHY_NOT = (
    "its data are not drawn on a value axis the comparison can share: a heatmap, dates as text, a log scale or "
    "panels of different quantities"
)


@dataclass(frozen=True)
class Drawn:
    png: str  # data: URI
    x: tuple[float, float]
    y: tuple[float, float]


def spec_for(name: str) -> Shared | None:
    """The redrawing of a published figure (its `_single` version is the same data)."""
    return SHARED.get(name.removesuffix("_single"))


def columns_needed(spec: Shared) -> set[str]:
    return {c for c in (*spec.label, *spec.values, *spec.box, spec.series, spec.panel) if c}


def readable(frames: list[pd.DataFrame | None], spec: Shared) -> bool:
    """Every scenario's CSV has the columns the drawing needs (an older build's may not)."""
    return all(frame is not None and columns_needed(spec) <= set(frame.columns) and not frame.empty for frame in frames)


def read(path: Path) -> pd.DataFrame | None:
    try:
        return pd.read_csv(path)
    except (OSError, ValueError):
        return None


def value_columns(spec: Shared) -> tuple[list[str], list[str]]:
    """The columns on the x and on the y axis of each kind."""
    if spec.kind in ("lines", "points"):
        return [spec.values[0]], [spec.values[1]]
    if spec.kind == "steps":
        return list(spec.values[:2]), [spec.values[2]]
    if spec.kind == "box":
        return [c for c in spec.box if c], []
    return list(spec.values), []


def numbers(frame: pd.DataFrame, column: str, dates: bool = False) -> pd.Series:
    if dates:
        return pd.to_datetime(frame[column]).map(matplotlib.dates.date2num)
    return pd.to_numeric(frame[column], errors="coerce")


def span(values: list[float], from_zero: bool) -> tuple[float, float]:
    """The shared limits: every value of every scenario, with a margin; bars start at 0."""
    finite = [v for v in values if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if from_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    pad = (high - low) * MARGIN or (abs(high) * MARGIN or 1.0)
    return (0.0 if from_zero and low == 0 else low - pad, 0.0 if from_zero and high == 0 else high + pad)


def shared_limits(frames: list[pd.DataFrame], spec: Shared) -> tuple[tuple | None, tuple | None]:
    """The x and y limits every scenario's drawing takes: the union of all their values."""
    x_columns, y_columns = value_columns(spec)
    stacked = spec.kind == "stacked"

    def gathered(columns: list[str], dates: bool = False) -> list[float]:
        found = []
        for frame in frames:
            if stacked:  # the ends of the stacks, per bar
                keys = [*spec.label, *([spec.panel] if spec.panel else [])]
                totals = frame.assign(_v=frame[list(columns)].apply(pd.to_numeric, errors="coerce").sum(axis=1))
                found += list(totals.groupby(keys, sort=False)["_v"].sum())
            else:
                for column in columns:
                    found += list(numbers(frame, column, dates))
        return found

    from_zero = spec.kind in ("bars", "stacked", "steps")
    x = span(gathered(x_columns, spec.dates), spec.kind in ("bars", "stacked")) if x_columns else None
    y = span(gathered(y_columns), from_zero) if y_columns else None
    return x, y


SCALES = ((1e9, "billions"), (1e6, "millions"))


def scale_of(limits: tuple[float, float]) -> tuple[float, str]:
    """Large amounts (USD) are shown in millions or billions, so the tick labels stay short."""
    largest = max(abs(limits[0]), abs(limits[1]))
    return next(((factor, word) for factor, word in SCALES if largest >= 10 * factor), (1.0, ""))


def tick_text(value: float, columns: list[str], factor: float = 1.0) -> str:
    """A tick or limit as the comparison writes it: years as years, other values in the report's number format."""
    if any("year" in column for column in columns):
        return f"{value:.0f}"
    return display.number(value / factor)


def label_of(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    return frame[list(columns)].astype(str).agg(", ".join, axis=1)


def panels(frame: pd.DataFrame, spec: Shared, names: list[str]) -> list[tuple[str, pd.DataFrame]]:
    if not spec.panel:
        return [("", frame)]
    return [(name, frame[frame[spec.panel].astype(str) == name]) for name in names]


def draw(
    frame: pd.DataFrame, spec: Shared, x: tuple | None, y: tuple | None, panel_names: list[str], series_names: list[str]
) -> tuple[plt.Figure, list[plt.Axes]]:
    """One scenario's version, with the given limits on its value axes; the same panels, series and colours in
    every scenario (`panel_names`, `series_names` are those of all scenarios)."""
    parts = panels(frame, spec, panel_names)
    rows = max((part[list(spec.label)].drop_duplicates().shape[0] if spec.label else 0) for _, part in parts)
    bars = max(1, len(spec.values)) if spec.kind == "bars" else 1
    per_panel = max(1.6, BAR_HEIGHT_IN * rows * bars + 0.6) if spec.label else 2.2
    fig, axes = plt.subplots(
        len(parts), 1, figsize=(SINGLE_COLUMN_IN[0], per_panel * len(parts) + 0.5), squeeze=False, layout="constrained"
    )
    axes = list(axes[:, 0])
    colours = {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(series_names or spec.values)}
    for ax, (title, part) in zip(axes, parts):
        draw_panel(ax, part, spec, colours)
        if title:
            ax.set_title(title)
        if x:
            ax.set_xlim(*x)
        if y:
            ax.set_ylim(*y)
        ax.tick_params(labelsize=6)
        x_columns, y_columns = value_columns(spec)
        for axis, limits, columns in ((ax.xaxis, x, x_columns), (ax.yaxis, y, y_columns)):
            if not limits or (spec.dates and axis is ax.xaxis):
                continue
            factor, word = scale_of(limits)
            axis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
            axis.set_major_formatter(
                matplotlib.ticker.FuncFormatter(
                    lambda v, _, columns=columns, factor=factor: tick_text(v, columns, factor)
                )
            )
            if spec.axis and axis is (ax.yaxis if y_columns else ax.xaxis):  # the axis of the plotted values
                axis.set_label_text(spec.axis)
            if word:
                axis.set_label_text(f"{axis.get_label_text()} ({word})")
    handles, labels = axes[0].get_legend_handles_labels()
    if len(labels) > 1:
        fig.legend(handles, labels, loc="outside lower center", ncol=min(3, len(labels)), fontsize=6)
    return fig, axes


def draw_panel(ax: plt.Axes, part: pd.DataFrame, spec: Shared, colours: dict[str, str]) -> None:
    kind = spec.kind
    if kind in ("lines", "points"):
        xs, ys = spec.values
        groups = part.groupby(spec.series, sort=False) if spec.series else [("", part)]
        for name, group in groups:
            x, y = numbers(group, xs, spec.dates), numbers(group, ys)
            colour = colours.get(str(name), PALETTE[0])
            if kind == "lines":
                ax.plot(x, y, color=colour, linewidth=1, label=str(name) or None)
            else:
                ax.scatter(x, y, s=10, color=colour, label=str(name) or None)
        if spec.dates:
            ax.xaxis.set_major_locator(matplotlib.dates.AutoDateLocator())
            ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y"))
        ax.set(xlabel=display.header(xs), ylabel=display.header(ys))
        return
    if kind == "steps":
        low, high, height = (numbers(part, c) for c in spec.values)
        ax.bar(low, height, width=high - low, align="edge", color=PALETTE[0], alpha=0.8)
        ax.set(xlabel=display.header(spec.values[0].replace("bin_low_", "")), ylabel=display.header(spec.values[2]))
        return
    labels = list(dict.fromkeys(label_of(part, spec.label)))
    position = {label: k for k, label in enumerate(labels)}
    where = label_of(part, spec.label).map(position)
    if kind == "box":
        low, box_low, mid, box_high, high, mean = (numbers(part, c) if c else None for c in spec.box)
        ax.hlines(where, low, high, color=PALETTE[0], linewidth=1)
        if box_low is not None and box_high is not None:
            ax.barh(where, box_high - box_low, left=box_low, height=0.5, color=PALETTE[0], alpha=0.6)
        ax.scatter(mid, where, marker="|", s=60, color="black")
        if mean is not None:
            ax.scatter(mean, where, marker="D", s=8, color="black")
        ax.set_xlabel(display.header(spec.box[2]))
    elif kind == "stacked":
        column = spec.values[0] if spec.series else None
        left = pd.Series(0.0, index=range(len(labels)))
        layers = (
            [(str(name), group, column) for name, group in part.groupby(spec.series, sort=False)]
            if spec.series
            else [(c, part, c) for c in spec.values]
        )
        for name, group, value in layers:
            amounts = pd.Series(numbers(group, value).to_numpy(), index=label_of(group, spec.label).map(position))
            amounts = amounts.groupby(level=0).sum().reindex(left.index, fill_value=0.0)
            ax.barh(left.index, amounts, left=left, height=0.7, color=colours.get(name, PALETTE[0]), label=name)
            left += amounts
        ax.set_xlabel(display.header(spec.values[0]) if spec.series else "Sum")
    else:
        height = 0.8 / len(spec.values)
        for k, column in enumerate(spec.values):
            offset = (k - (len(spec.values) - 1) / 2) * height
            ax.barh(
                where + offset,
                numbers(part, column),
                height=height,
                color=colours.get(column, PALETTE[k]),
                label=display.header(column),
            )
        ax.set_xlabel(display.header(spec.values[0]) if len(spec.values) == 1 else "Value")
    ax.set_yticks(range(len(labels)), labels, fontsize=6)
    ax.invert_yaxis()


def drawn(fig: plt.Figure, axes: list[plt.Axes]) -> Drawn:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return Drawn(
        "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(),
        tuple(axes[0].get_xlim()),
        tuple(axes[0].get_ylim()),
    )


def redraw(name: str, csvs: list[Path | None]) -> list[Drawn | None] | None:
    """Every scenario's version of figure `name` drawn from its CSV on shared axes; None when the figure cannot be
    (no redrawing declared, or a CSV lacks the columns). A scenario without the figure gets None."""
    spec = spec_for(name)
    frames = [read(path) if path else None for path in csvs]
    present = [frame for frame in frames if frame is not None]
    if spec is None or len(present) < 2 or not readable(present, spec):
        return None
    x, y = shared_limits(present, spec)
    panel_names = list(dict.fromkeys(str(v) for f in present for v in f[spec.panel])) if spec.panel else []
    if len(panel_names) > MAX_PANELS:
        return None
    series_names = list(dict.fromkeys(str(v) for f in present for v in f[spec.series])) if spec.series else []
    with plt.style.context(STYLE_FILE):
        return [
            drawn(*draw(frame, spec, x, y, panel_names, series_names)) if frame is not None else None
            for frame in frames
        ]


def limits_text(item: Drawn, spec: Shared) -> str:
    """The shared limits in words, under the images."""
    x_columns, y_columns = value_columns(spec)
    parts = []
    for where, limits, columns in (("horizontal", item.x, x_columns), ("vertical", item.y, y_columns)):
        if not columns:
            continue
        if spec.dates and where == "horizontal":
            low, high = (matplotlib.dates.num2date(value) for value in limits)
            parts.append(f"{where} {low:%Y-%m} to {high:%Y-%m}")
            continue
        factor, word = scale_of(limits)
        parts.append(
            f"{where} {tick_text(limits[0], columns, factor)} to {tick_text(limits[1], columns, factor)}"
            + (f" {word}" if word else "")
        )
    return "; ".join(parts)
