"""Every published figure's SVG against its CSV: the text a reader sees (tick labels, legend, panel titles, labels on
bars) is the data's, and in bar and tornado charts the label drawn next to a bar belongs to that bar's row.

Runs on the figures of the built project that tests/test_build.py builds (the `project` fixture). Bar geometry is
read from the SVG: data bars are clipped, filled rectangles inside an axes group; the value axis is mapped from its
numeric tick labels, the category axis from its tick marks."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest

from critical_minerals.figures import COUNTRY_COLOURS, KEY_FIGURES, SINGLE_SUFFIX
from critical_minerals.figures.stockpile import TORNADO_SIDES
from critical_minerals.models.cfd.model import INSTRUMENT_LABELS, REGIME_LABELS
from critical_minerals.models.prices.model import MODEL_LABELS

SVG = "{http://www.w3.org/2000/svg}"


# ---------------------------------------------------------------- reading an SVG written by matplotlib


@dataclass
class Text:
    text: str
    x: float
    y: float


@dataclass
class Bar:
    x0: float
    x1: float
    y0: float
    y1: float
    colour: str
    hatched: bool = False

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


@dataclass
class Axes:
    xticks: list[Text]  # text = tick label, x/y = position of the tick mark
    yticks: list[Text]
    texts: list[Text]  # texts drawn in the axes outside its axis: titles, labels on bars, annotations
    bars: list[Bar]
    ranges: list[Bar]  # horizontal line segments (hlines), as bars of no height

    def title(self, keys) -> str:
        """The panel's key: the first of `keys` that a text of the axes starts with."""
        found = [key for key in keys for text in self.texts if text.text.startswith(str(key))]
        return found[0] if found else ""


def _text(element) -> Text:
    """A text element with its anchor: x/y attributes, or the translation of a text drawn line by line."""
    moved = re.search(r"translate\(([-\d.e]+) ([-\d.e]+)\)", element.get("transform", ""))
    x, y = (
        (moved[1], moved[2])
        if moved and "x" not in element.attrib
        else (element.get("x", "nan"), element.get("y", "nan"))
    )
    return Text("".join(element.itertext()).strip(), float(x), float(y))


def _points(d: str) -> np.ndarray:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", d)]
    return np.array(numbers).reshape(-1, 2)


def _tick(group) -> Text | None:
    texts = [t for t in group.iter(f"{SVG}text")]
    if not texts:
        return None
    first = _text(texts[0])
    label = Text("\n".join(_text(t).text for t in texts), first.x, first.y)  # a label may have several lines
    for element in group.iter():
        if element.tag == f"{SVG}use":
            return Text(label.text, float(element.get("x")), float(element.get("y")))
        if element.tag == f"{SVG}path" and element.get("d"):
            x, y = _points(element.get("d"))[0]
            return Text(label.text, x, y)
    return label


def _hatches(root) -> dict[str, str]:
    """Hatch pattern id -> the colour a reader sees: its ground, or on a white ground the colour of its lines."""
    colours = {}
    for pattern in root.iter(f"{SVG}pattern"):
        ground = pattern.find(f"{SVG}rect").get("fill").lower()
        lines = re.search(r"stroke: (#[0-9a-f]{6})", pattern.find(f"{SVG}path").get("style", ""))
        colours[pattern.get("id")] = lines[1] if ground == "#ffffff" and lines else ground
    return colours


def _fill(element, hatches: dict[str, str]) -> str | None:
    """The fill colour of a path, a hatched one's read through its pattern; None when it is not filled."""
    style = element.get("style", "")
    found = re.search(r"fill: (#[0-9a-f]{6})", style) or re.search(r"fill: url\(#([^)]+)\)", style)
    return None if not found else hatches.get(found[1], found[1])


def legend(path: Path) -> dict[str, str]:
    """Colour of each legend handle -> its label: handles and labels alternate in a legend group."""
    entries, fill = {}, None
    root = ElementTree.parse(path).getroot()
    hatches = _hatches(root)
    for group in root.iter(f"{SVG}g"):
        if not (group.get("id") or "").startswith("legend_"):
            continue
        for child in group:
            kind = child.get("id") or ""
            if kind.startswith("patch_"):
                found = [_fill(p, hatches) for p in child.iter(f"{SVG}path")]
                fill = found[0] if found else None
            elif kind.startswith("text_") and fill:
                entries[fill] = "".join(child.itertext()).strip()
                fill = None
    return entries


def read_svg(path: Path) -> tuple[list[str], list[Axes]]:
    """Every text of the figure, and per axes its ticks, texts and data bars."""
    root = ElementTree.parse(path).getroot()
    hatches = _hatches(root)
    every = [_text(t).text for t in root.iter(f"{SVG}text")]
    axes = []
    for group in root.iter(f"{SVG}g"):
        if not (group.get("id") or "").startswith("axes_"):
            continue
        ticks = {"x": [], "y": []}
        for axis_group in group:
            for tick in axis_group:
                match = re.match(r"(x|y)tick_\d+", tick.get("id") or "")
                if match and (found := _tick(tick)) and found.text:
                    ticks[match[1]].append(found)
        texts = [
            _text(t) for child in group if (child.get("id") or "").startswith("text_") for t in child.iter(f"{SVG}text")
        ]
        bars = []
        for child in group:
            if not (child.get("id") or "").startswith("patch_"):
                continue
            for path_element in child.iter(f"{SVG}path"):
                fill = _fill(path_element, hatches)
                if path_element.get("clip-path") and fill:
                    points = _points(path_element.get("d"))
                    xs, ys = np.unique(points[:, 0].round(4)), np.unique(points[:, 1].round(4))
                    if len(xs) == 2 and len(ys) == 2:  # a rectangle
                        bars.append(Bar(xs[0], xs[1], ys[0], ys[1], fill, "url(" in path_element.get("style")))
        ranges = []
        for child in group:
            if not (child.get("id") or "").startswith("LineCollection_"):
                continue
            for path_element in child.iter(f"{SVG}path"):
                stroke = re.search(r"stroke: (#[0-9a-f]{6})", path_element.get("style", ""))
                points = _points(path_element.get("d", ""))  # a collection's clip outline has no "d"
                if stroke and len(points) == 2 and np.isclose(*points[:, 1]):
                    ranges.append(Bar(points[:, 0].min(), points[:, 0].max(), *points[:, 1], stroke[1]))
        axes.append(Axes(ticks["x"], ticks["y"], texts, bars, ranges))
    return every, axes


def number(label: str) -> float:
    text = label.replace("\u2212", "-").replace(",", "").strip()
    return float(text.rstrip("%")) / 100 if text.endswith("%") else float(text)


def scale(ticks: list[Text], along: str, convert=number):
    """pixel -> data value of a linear axis, fitted to its labelled ticks."""
    pairs = [(getattr(t, along), convert(t.text)) for t in ticks]
    pixels, values = np.array(pairs).T
    slope, intercept = np.polyfit(pixels, values, 1)
    assert np.allclose(slope * pixels + intercept, values, atol=1e-3 * np.ptp(values)), "axis is not linear"
    return lambda pixel: slope * pixel + intercept


def nearest(ticks: list[Text], position: float, along: str) -> str:
    """The category label whose tick is within half a category of `position`."""
    spots = np.array([getattr(t, along) for t in ticks])
    spacing = np.diff(np.sort(spots)).min() if len(spots) > 1 else np.inf
    index = int(np.abs(spots - position).argmin())
    assert abs(spots[index] - position) < spacing / 2, f"no label next to the bar at {position:.1f}"
    return ticks[index].text


# ---------------------------------------------------------------- what each figure must show


def _words(values) -> set[str]:
    return {str(v) for v in values if isinstance(v, str) and v}


def original(name: str) -> str:
    """The figure a single-column version repeats (same CSV, same texts, same bars), or the figure itself."""
    return name.removesuffix(SINGLE_SUFFIX)


def with_single(names) -> list[str]:
    """The figures, and the single-column version of each key figure among them: checked like its original."""
    return [*names, *(name + SINGLE_SUFFIX for name in KEY_FIGURES if name in names)]


def _source(value) -> str:
    """A first import source as the reliance chart writes it: a dash where USGS lists none."""
    return value if isinstance(value, str) else "–"


def expected_labels(name: str, data: pd.DataFrame) -> set[str]:
    """The texts that the figure's CSV says a reader must find in the figure."""
    name = original(name)
    instruments = {INSTRUMENT_LABELS[i] for i in data.get("instrument", pd.Series(dtype=str)).unique()}
    return {
        "01_paper_vs_usgs": lambda: _words(data["country"].unique()),
        "01_price_coverage": lambda: _words(data["commodity"]) | _words(data["source"]),
        "02_china_vs_club": lambda: {
            f"{k}  {label}" for k, label in enumerate(data.loc[data["gap"], "label"], start=1)
        },
        "02_headroom": lambda: {f"{r.label} — {r.partner}" for r in data.itertuples()},
        "02_partner_shares": lambda: _words(data["label"]) | {"United States", "Mexico", "Canada"},
        "02_pooling": lambda: _words(data["label"]),
        "02_similarity": lambda: _words(data.loc[data["kind"] == "marked pair", "pair"]),  # the rest: histogram
        "02_trend": lambda: {label if len(label) <= 22 else label[:21] + "…" for label in data["label"].unique()},
        "02b_reliance_by_leader": lambda: (
            _words(data["label"])
            | _words(data["first_group"])
            | {f"{r.nir_text} % · {_source(r.first_source)}" for r in data.itertuples()}
        ),
        "02b_shock_cover": lambda: (
            _words(data["label"])
            | _words(data.loc[data["cover_low_pct"].isna(), "cover_note"])
            | ({"none: neither partner produces it"} if (data["cover_high_pct"] == 0).any() else set())
        ),
        "02b_stages": lambda: (
            _words(data["label"])
            | {f"HHI {v:,.0f}" for v in data.loc[data["note"].isna(), "hhi"]}
            | {line for note in _words(data["note"]) for line in textwrap.wrap(note, 34)}
        ),
        "03_acquisition_by_mineral": lambda: _words(data["mineral"]),
        "03_burden_sharing": lambda: _words(data["key"]) | _words(data["design"]) | _words(data["country"]),
        "03_calibration": lambda: {word for text in data.iloc[:, 0] for word in text.split()} | set(data.columns[1:]),
        "03_monte_carlo": lambda: set(),  # panel titles are checked by the panel test below
        "03_tornado": lambda: _words(data["driver"]),
        "04_bankability": lambda: instruments,
        "04_fiscal_cost": lambda: instruments,
        "04_payment_timeline": lambda: instruments,
        "04_price_fan": lambda: {MODEL_LABELS[m] for m in data["model"].unique()},
        "04_subsidies": lambda: (
            _words(data["archetype"])
            | {REGIME_LABELS[r] for r in data["regime"].unique()}
            | {f"{v:,.0f}" for v in data["usd_per_t"]}
        ),
        "04_tariff": lambda: {
            {"world": "world benchmark", "us_delivered": "U.S.-delivered price"}[b] for b in data["basis"].unique()
        },
        "05_ndpr_floor": lambda: _words(data["year"]),
        "05_stockpile_benchmarks": lambda: _words(data["benchmark"]) | _words(data["design"]),
    }[name]()


# how a figure writes a CSV column as a label (the CSV keeps the data's own keys)
AS_DRAWN = {
    "01_price_coverage": lambda d: d.assign(commodity=d["commodity"].str.replace("_", " ")),
    "02b_stages": lambda d: d.assign(
        label=d["label"].where(d["host_of"].isna(), d["label"] + " (host of " + d["host_of"] + ")")
    ),
    "05_ndpr_floor": lambda d: d.assign(year=d["year"].map("{:.0f}".format, na_action="ignore")),
}


def read_data(folder: Path, name: str) -> pd.DataFrame:
    return AS_DRAWN.get(original(name), lambda d: d)(pd.read_csv(folder / f"{name}.csv"))


PANELS = {
    "03_acquisition_by_mineral": "design",
    "03_burden_sharing": "design",
    "03_monte_carlo": "design",
    "03_tornado": "design",
}


@pytest.fixture(scope="module")
def figures(project) -> Path:
    return project.root / "figures" / "default"


def published(folder: Path) -> list[str]:
    return sorted(path.stem for path in folder.glob("*.svg"))


def test_every_published_figure_is_checked(figures):
    names = published(figures)
    assert len(names) >= 19
    unknown = sorted(set(names) - set(_LABEL_CHECKED))
    assert not unknown, f"add these figures to tests/test_figure_text.py: {unknown}"


_LABEL_CHECKED = with_single(
    (
        "01_paper_vs_usgs",
        "01_price_coverage",
        "02_china_vs_club",
        "02_headroom",
        "02_partner_shares",
        "02_pooling",
        "02_similarity",
        "02_trend",
        "02b_reliance_by_leader",
        "02b_shock_cover",
        "02b_stages",
        "03_acquisition_by_mineral",
        "03_burden_sharing",
        "03_calibration",
        "03_monte_carlo",
        "03_tornado",
        "04_bankability",
        "04_fiscal_cost",
        "04_payment_timeline",
        "04_price_fan",
        "04_subsidies",
        "04_tariff",
        "05_ndpr_floor",
        "05_stockpile_benchmarks",
    )
)


@pytest.mark.parametrize("name", _LABEL_CHECKED)
def test_every_plotted_label_is_in_the_svg(figures, name):
    texts, axes = read_svg(figures / f"{name}.svg")
    data = read_data(figures, name)
    missing = expected_labels(name, data) - set(texts)
    assert not missing, f"{name}: labels of the CSV not drawn: {sorted(missing)[:5]}"
    if original(name) in PANELS:  # one titled panel per design, in the CSV's order
        designs = list(dict.fromkeys(data[PANELS[original(name)]]))
        assert [ax.title(designs) for ax in axes if ax.title(designs)] == designs


# ---------------------------------------------------------------- bars drawn next to their own labels


@dataclass(frozen=True)
class Side:
    """One kind of bar each row of a bar chart's CSV has: its two ends in the units plotted (callables of the CSV
    frame; NaN or equal ends: the row has no such bar), the legend label its colour has (a callable of the frame, or
    None: any colour) and whether it is hatched (None: either)."""

    left: Callable[[pd.DataFrame], pd.Series]
    right: Callable[[pd.DataFrame], pd.Series]
    series: Callable[[pd.DataFrame], pd.Series] | None = None
    hatched: bool | None = None
    colour: str | None = None  # where no legend names the colour: the colour itself


@dataclass(frozen=True)
class HorizontalBars:
    """Horizontal bars: every bar drawn next to a label spans one side of that label's row, and every side of every
    row has its bar."""

    label: str  # the CSV column written next to the bar
    sides: tuple[Side, ...]
    panel: str | None = None  # the CSV column each panel's title starts with
    log: bool = False  # log value axis: a bar from 0 starts left of the axis
    ranges: bool = False  # drawn as horizontal lines from low to high (hlines), not as bars


def _zero(d: pd.DataFrame) -> pd.Series:
    return pd.Series(0.0, index=d.index)


def _central(d: pd.DataFrame) -> pd.Series:
    return d["central_usd"] / 1e9


def _group(d: pd.DataFrame) -> pd.Series:
    return d["first_group"]


# a bound ('>50') is drawn solid up to the bound and hatched from it to 100 %; an upper bound ('<25') hatched from 0
RELIANCE_SIDES = (
    Side(_zero, lambda d: d["nir_pct"].where(d["nir_relation"] != "<"), _group, hatched=False),
    Side(
        lambda d: d["nir_pct"].where(d["nir_relation"] == ">", 0.0),
        lambda d: pd.Series(
            np.select([d["nir_relation"] == ">", d["nir_relation"] == "<"], [100.0, d["nir_pct"]], np.nan),
            index=d.index,
        ),
        _group,
        hatched=True,
    ),
)
# the three shares of each stage, as the legend names them
STAGE_SIDES = tuple(
    Side(_zero, lambda d, c=column: d[c], lambda d, s=series: pd.Series(s, index=d.index))
    for column, series in (
        ("top3_pct", "Top three countries"),
        ("china_pct", "China"),
        ("partners_pct", "United States, Canada and Mexico"),
    )
)
TORNADO_LIKE = {
    "01_price_coverage": HorizontalBars(
        "commodity", (Side(lambda d: _years(d["first_month"]), lambda d: _years(d["last_month"])),)
    ),
    "02b_reliance_by_leader": HorizontalBars("label", RELIANCE_SIDES),
    "02b_stages": HorizontalBars("label", STAGE_SIDES),
    # exposed share (left panel) and partners' cover (right panel), each a line from its low to its high value
    "02b_shock_cover": HorizontalBars(
        "label",
        (
            Side(
                lambda d: d["exposed_low_pct"], lambda d: d["exposed_high_pct"], colour=COUNTRY_COLOURS["China"].lower()
            ),
            Side(lambda d: d["cover_low_pct"], lambda d: d["cover_high_pct"], colour=COUNTRY_COLOURS["Canada"].lower()),
        ),
        ranges=True,
    ),
    "03_acquisition_by_mineral": HorizontalBars("mineral", (Side(_zero, lambda d: d["cost_usd_bn"]),), "design"),
    # two bars per driver from the central case: to the cost at its low setting, to the cost at its high setting
    # (tests/test_tornado.py also checks the settings written at their ends)
    "03_tornado": HorizontalBars(
        "driver",
        tuple(
            Side(
                _central,
                lambda d, c=column: d[c] / 1e9,
                lambda d, s=legend_label: pd.Series(s, index=d.index),
                hatched=bool(hatch),
            )
            for column, _, legend_label, _, hatch in TORNADO_SIDES
        ),
        "design",
    ),
    "05_stockpile_benchmarks": HorizontalBars(
        "benchmark", (Side(_zero, lambda d: d["months of cover it buys"], lambda d: d["design"]),), log=True
    ),
}
# stacked horizontal bars: figure -> (panel column, label column, total of the stack)
STACKED = {
    "02_partner_shares": (None, "label", lambda d: d["US+CA+MX"]),
    "03_burden_sharing": ("design", "key", lambda d: d.groupby(["design", "key"])["cost_usd_bn"].transform("sum")),
}


def _years(dates: pd.Series) -> pd.Series:
    """Dates as decimal years, the unit of the year tick labels."""
    stamps = pd.to_datetime(dates)
    return stamps.dt.year + (stamps.dt.day_of_year - 1) / 365.25


def _category_ticks(axes: list[Axes], along: str) -> list[Text]:
    """Category labels of every panel: a panel that hides its own labels shows those of its neighbour at the same
    height, which the reader reads across."""
    return [tick for ax in axes for tick in (ax.yticks if along == "y" else ax.xticks)]


def _bars_with_labels(name: str, figures: Path, log: bool = False, ranges: bool = False):
    """(CSV, axes, bar (a horizontal line with `ranges`), the label next to it, the bar's two ends in axis units (data
    units, their log10 on a log axis), tolerance: 0.1 % of the axis span, a fraction of a pixel's worth of rounding)."""
    _, axes = read_svg(figures / f"{name}.svg")
    data = read_data(figures, name)
    shared = _category_ticks(axes, "y")
    convert = (lambda text: np.log10(number(text))) if log else number
    for ax in axes:
        marks = ax.ranges if ranges else ax.bars
        if not marks:
            continue
        value_of = scale(ax.xticks, "x", convert)
        span = np.ptp([convert(t.text) for t in ax.xticks])
        labels = ax.yticks or shared
        for bar in marks:
            yield (data, ax, bar, nearest(labels, bar.centre[1], "y"), value_of(bar.x0), value_of(bar.x1), 0.001 * span)


def _close(measured: float, expected: float, tolerance: float, floor: float) -> bool:
    """A bar's end where its row says, or, for an end at 0 on a log axis, left of the axis' lowest tick."""
    return abs(measured - expected) <= tolerance or (expected == -np.inf and measured < floor)


@pytest.mark.parametrize("name", with_single(TORNADO_LIKE))
def test_each_bar_spans_the_values_of_the_row_it_is_labelled_with(figures, name):
    spec = TORNADO_LIKE[original(name)]
    data = read_data(figures, name)
    series_of = legend(figures / f"{name}.svg")
    with np.errstate(divide="ignore"):  # log10(0) = -inf: the bar starts left of the axis
        ends = [
            tuple(np.log10(e) if spec.log else e for e in (side.left(data), side.right(data))) for side in spec.sides
        ]
    matched, tolerances = set(), {}
    for data, ax, bar, text, start, end, tolerance in _bars_with_labels(name, figures, spec.log, spec.ranges):
        title = ax.title(list(dict.fromkeys(data[spec.panel]))) if spec.panel else ""
        tolerances[title] = tolerance
        floor = min(number(t.text) for t in ax.xticks)  # the lowest tick, in axis units
        floor = np.log10(floor) if spec.log else floor
        rows = data[(data[spec.label] == text) & ((data[spec.panel] == title) if spec.panel else True)]
        candidates = [
            (i, k)
            for i in rows.index
            for k, side in enumerate(spec.sides)
            if (side.series is None or side.series(data)[i] == series_of.get(bar.colour))
            and side.hatched in (None, bar.hatched)
            and side.colour in (None, bar.colour)
        ]
        assert candidates, f"{name}: the label {text!r} next to a bar names no row of the CSV drawn like that bar"
        spans = {(i, k): sorted((float(ends[k][0][i]), float(ends[k][1][i]))) for i, k in candidates}
        fits = [
            key
            for key, (low, high) in spans.items()
            if _close(start, low, tolerance, floor) and _close(end, high, tolerance, floor)
        ]
        assert fits, f"{name}: the bar labelled {text!r} spans {start:.3g}..{end:.3g}, its row says " + " or ".join(
            f"{low:.3g}..{high:.3g}" for low, high in spans.values()
        )
        assert fits[0] not in matched, f"{name}: two bars for the row {text!r}"
        matched.add(fits[0])
    assert matched, f"{name}: no bars found"
    # every side longer than the tolerance has its bar (a shorter one may show as a sliver or not at all)
    drawn = {
        (i, k)
        for k, (left, right) in enumerate(ends)
        for i in data.index
        if np.isfinite(right[i])
        and abs(right[i] - left[i])
        > tolerances.get(data.at[i, spec.panel] if spec.panel else "", max(tolerances.values()))
    }
    assert drawn <= matched, f"{name}: rows without their bar: {sorted(drawn - matched)[:5]}"


@pytest.mark.parametrize("name", with_single(STACKED))
def test_each_stack_ends_at_the_total_of_the_row_it_is_labelled_with(figures, name):
    panel, label, total = STACKED[original(name)]
    ends: dict[tuple, float] = {}
    tolerance = np.inf
    for data, ax, _bar, text, _start, end, tolerance in _bars_with_labels(name, figures):  # noqa: B007 (used after)
        key = (ax.title(list(dict.fromkeys(data[panel]))) if panel else "", text)
        ends[key] = max(ends.get(key, 0.0), end)
    assert ends, f"{name}: no bars found"
    data = pd.read_csv(figures / f"{name}.csv").assign(total=lambda d: total(d))
    for row in data.itertuples():
        key = (getattr(row, panel) if panel else "", getattr(row, label))
        if row.total > tolerance:
            assert key in ends, f"{name}: no bar next to {key}"
            assert abs(ends[key] - row.total) <= tolerance, (
                f"{name}: the stack labelled {key} ends at {ends[key]:.3g}, its row's total is {row.total:.3g}"
            )


def test_partner_share_notes_sit_on_their_own_row(figures):
    """The class written after each stacked bar is that product's class."""
    _, axes = read_svg(figures / "02_partner_shares.svg")
    data = pd.read_csv(figures / "02_partner_shares.csv").set_index("label")
    ax = next(a for a in axes if a.bars)
    notes = [t for t in ax.texts if any(t.text.startswith(c) for c in data["class"].unique())]
    assert len(notes) == len(data)
    for note in notes:
        label = nearest(ax.yticks, note.y, "y")
        assert note.text.startswith(data.loc[label, "class"]), (label, note.text)


# vertical grouped bars: figure -> the CSV in long form (category as the tick label reads, series as the legend
# reads — "" for a single series the legend does not name —, the bar's height, the text on the bar if it has one)
GROUPED = {
    "03_calibration": lambda d: (
        d.melt(id_vars=d.columns[0], var_name="series")
        .rename(columns={d.columns[0]: "category"})
        .assign(label=lambda m: m["value"].map("{:.1f}".format))
    ),
    "04_subsidies": lambda d: pd.DataFrame(
        {
            "category": d["archetype"],
            "series": d["regime"].map(REGIME_LABELS),
            "value": d["share_of_levelized_cost"],
            "label": d["usd_per_t"].map("{:,.0f}".format),
        }
    ),
    "05_ndpr_floor": lambda d: d.dropna(subset=["year"]).pipe(
        lambda y: pd.DataFrame(
            {"category": y["year"].map("{:.0f}".format), "series": "", "value": y["expected outlay (USD m)"]}
        )
    ),
}


@pytest.mark.parametrize("name", with_single(GROUPED))
def test_grouped_bars_have_their_rows_height_and_value_label(figures, name):
    """Each bar stands at its category's tick, has its series' legend colour and its row's height, and the number
    written on it, if the figure writes one, is its row's."""
    path = figures / f"{name}.svg"
    _, axes = read_svg(path)
    series_of = legend(path)
    rows = GROUPED[original(name)](pd.read_csv(figures / f"{name}.csv")).set_index(["category", "series"])
    ax = next(a for a in axes if a.bars)
    height_of = scale(ax.yticks, "y")
    tolerance = 0.001 * np.ptp([number(t.text) for t in ax.yticks])
    checked = 0
    for bar in ax.bars:
        row = rows.loc[(nearest(ax.xticks, bar.centre[0], "x"), series_of.get(bar.colour, ""))]
        assert abs((height_of(bar.y0) - height_of(bar.y1)) - row["value"]) <= tolerance, (row.name, bar)
        checked += 1
        if "label" not in row:
            continue
        above = [t for t in ax.texts if abs(t.x - bar.centre[0]) < (bar.x1 - bar.x0) / 2 and t.y <= bar.y0 + 1]
        assert min(above, key=lambda t: bar.y0 - t.y).text == row["label"], row.name  # the lowest text above it
    assert checked == int((rows["value"].abs() > tolerance).sum())  # every non-zero row has its bar


def _ends_of(column: str, by: str, panel: str | None = None):
    """The labels of the shortest and the longest bar (of the first panel): swapping them moves both far."""

    def pick(data: pd.DataFrame) -> tuple[str, str]:
        part = data if panel is None else data[data[panel] == data[panel].iloc[0]]
        ordered = part.dropna(subset=[by]).sort_values(by, kind="stable")
        return ordered[column].iloc[0], ordered[column].iloc[-1]

    return pick


# bar charts whose labels the self-test swaps: figure -> the two labels (of the CSV as read_data gives it)
SWAPPED = {
    "03_acquisition_by_mineral": _ends_of("mineral", "cost_usd_bn", "design"),
    "02b_reliance_by_leader": _ends_of("label", "nir_pct"),
    "02b_stages": _ends_of("label", "top3_pct"),
    "02b_shock_cover": _ends_of("label", "exposed_high_pct"),
    "03_tornado": _ends_of("driver", "swing_usd", "design"),
    "05_stockpile_benchmarks": _ends_of("benchmark", "USD bn"),
}


@pytest.mark.parametrize("name", SWAPPED)
def test_the_guard_catches_a_label_moved_to_another_bar(figures, tmp_path, name):
    """Two labels of a bar chart swapped in a copy of its SVG (in its first panel): the bars keep their lengths and
    colours, so the check must fail."""
    first, last = SWAPPED[name](read_data(figures, name))
    text = (figures / f"{name}.svg").read_text(encoding="utf-8")
    assert first != last and f">{first}<" in text and f">{last}<" in text
    swapped = text.replace(f">{first}<", ">\0<", 1).replace(f">{last}<", f">{first}<", 1).replace(">\0<", f">{last}<")
    (tmp_path / f"{name}.svg").write_text(swapped, encoding="utf-8")
    (tmp_path / f"{name}.csv").write_bytes((figures / f"{name}.csv").read_bytes())
    test_each_bar_spans_the_values_of_the_row_it_is_labelled_with(figures, name)  # the published one passes
    # a bar too long or short for its new label's row, or of a colour that row does not have
    with pytest.raises(AssertionError, match=f"(the bar labelled|the label) '({re.escape(first)}|{re.escape(last)})'"):
        test_each_bar_spans_the_values_of_the_row_it_is_labelled_with(tmp_path, name)
