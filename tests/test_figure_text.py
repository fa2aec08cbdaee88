"""Every published figure's SVG against its CSV: the text a reader sees (tick labels, legend, panel titles, labels on
bars) is the data's, and in bar and tornado charts the label drawn next to a bar belongs to that bar's row.

Runs on the figures of the built project that tests/test_build.py builds (the `project` fixture). Bar geometry is
read from the SVG: data bars are clipped, filled rectangles inside an axes group; the value axis is mapped from its
numeric tick labels, the category axis from its tick marks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest

from critical_minerals.cfd import INSTRUMENT_LABELS, REGIME_LABELS
from critical_minerals.prices import MODEL_LABELS

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

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


@dataclass
class Axes:
    xticks: list[Text]  # text = tick label, x/y = position of the tick mark
    yticks: list[Text]
    texts: list[Text]  # texts drawn in the axes outside its axis: titles, labels on bars, annotations
    bars: list[Bar]

    def title(self, keys) -> str:
        """The panel's key: the first of `keys` that a text of the axes starts with."""
        found = [key for key in keys for text in self.texts if text.text.startswith(str(key))]
        return found[0] if found else ""


def _text(element) -> Text:
    """A text element with its anchor: x/y attributes, or the translation of a text drawn line by line."""
    moved = re.search(r"translate\(([-\d.e]+) ([-\d.e]+)\)", element.get("transform", ""))
    x, y = (moved[1], moved[2]) if moved and "x" not in element.attrib else (element.get("x", "nan"),
                                                                           element.get("y", "nan"))
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


def legend(path: Path) -> dict[str, str]:
    """Colour of each legend handle -> its label: handles and labels alternate in a legend group."""
    entries, fill = {}, None
    for group in ElementTree.parse(path).getroot().iter(f"{SVG}g"):
        if not (group.get("id") or "").startswith("legend_"):
            continue
        for child in group:
            kind = child.get("id") or ""
            if kind.startswith("patch_"):
                found = [re.search(r"fill: (#[0-9a-f]{6})", p.get("style", "")) for p in child.iter(f"{SVG}path")]
                fill = found[0][1] if found and found[0] else None
            elif kind.startswith("text_") and fill:
                entries[fill] = "".join(child.itertext()).strip()
                fill = None
    return entries


def read_svg(path: Path) -> tuple[list[str], list[Axes]]:
    """Every text of the figure, and per axes its ticks, texts and data bars."""
    root = ElementTree.parse(path).getroot()
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
        texts = [_text(t) for child in group if (child.get("id") or "").startswith("text_")
                 for t in child.iter(f"{SVG}text")]
        bars = []
        for child in group:
            if not (child.get("id") or "").startswith("patch_"):
                continue
            for path_element in child.iter(f"{SVG}path"):
                fill = re.search(r"fill: (#[0-9a-f]{6})", path_element.get("style", ""))
                if path_element.get("clip-path") and fill:
                    points = _points(path_element.get("d"))
                    xs, ys = np.unique(points[:, 0].round(4)), np.unique(points[:, 1].round(4))
                    if len(xs) == 2 and len(ys) == 2:  # a rectangle
                        bars.append(Bar(xs[0], xs[1], ys[0], ys[1], fill[1]))
        axes.append(Axes(ticks["x"], ticks["y"], texts, bars))
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


def expected_labels(name: str, data: pd.DataFrame) -> set[str]:
    """The texts that the figure's CSV says a reader must find in the figure."""
    instruments = {INSTRUMENT_LABELS[i] for i in data.get("instrument", pd.Series(dtype=str)).unique()}
    return {
        "01_paper_vs_usgs": lambda: _words(data["country"].unique()),
        "01_price_coverage": lambda: _words(data["commodity"]) | _words(data["source"]),
        "02_china_vs_club": lambda: {f"{k}  {label}" for k, label in
                                     enumerate(data.loc[data["gap"], "label"], start=1)},
        "02_headroom": lambda: {f"{r.label} — {r.partner}" for r in data.itertuples()},
        "02_partner_shares": lambda: _words(data["label"]) | {"United States", "Mexico", "Canada"},
        "02_pooling": lambda: _words(data["label"]),
        "02_similarity": lambda: _words(data.loc[data["kind"] == "marked pair", "pair"]),  # the rest: histogram
        "02_trend": lambda: {label if len(label) <= 22 else label[:21] + "…" for label in data["label"].unique()},
        "03_acquisition_by_mineral": lambda: _words(data["mineral"]),
        "03_burden_sharing": lambda: _words(data["key"]) | _words(data["design"]) | _words(data["country"]),
        "03_calibration": lambda: {word for text in data.iloc[:, 0] for word in text.split()}
                                  | set(data.columns[1:]),
        "03_monte_carlo": lambda: set(),  # panel titles are checked by the panel test below
        "03_tornado": lambda: _words(data["driver"]),
        "04_bankability": lambda: instruments,
        "04_fiscal_cost": lambda: instruments,
        "04_payment_timeline": lambda: instruments,
        "04_price_fan": lambda: {MODEL_LABELS[m] for m in data["model"].unique()},
        "04_subsidies": lambda: _words(data["archetype"]) | {REGIME_LABELS[r] for r in data["regime"].unique()}
                                | {f"{v:,.0f}" for v in data["usd_per_t"]},
        "04_tariff": lambda: {{"world": "world benchmark", "us_delivered": "U.S.-delivered price"}[b]
                              for b in data["basis"].unique()},
    }[name]()


# how a figure writes a CSV column as a label (the CSV keeps the data's own keys)
AS_DRAWN = {"01_price_coverage": lambda d: d.assign(commodity=d["commodity"].str.replace("_", " "))}


def read_data(folder: Path, name: str) -> pd.DataFrame:
    return AS_DRAWN.get(name, lambda d: d)(pd.read_csv(folder / f"{name}.csv"))


PANELS = {"03_acquisition_by_mineral": "design", "03_burden_sharing": "design", "03_monte_carlo": "design",
          "03_tornado": "design"}


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


_LABEL_CHECKED = ("01_paper_vs_usgs", "01_price_coverage", "02_china_vs_club", "02_headroom", "02_partner_shares",
                  "02_pooling", "02_similarity", "02_trend", "03_acquisition_by_mineral", "03_burden_sharing",
                  "03_calibration", "03_monte_carlo", "03_tornado", "04_bankability", "04_fiscal_cost",
                  "04_payment_timeline", "04_price_fan", "04_subsidies", "04_tariff")


@pytest.mark.parametrize("name", _LABEL_CHECKED)
def test_every_plotted_label_is_in_the_svg(figures, name):
    texts, axes = read_svg(figures / f"{name}.svg")
    data = read_data(figures, name)
    missing = expected_labels(name, data) - set(texts)
    assert not missing, f"{name}: labels of the CSV not drawn: {sorted(missing)[:5]}"
    if name in PANELS:  # one titled panel per design, in the CSV's order
        designs = list(dict.fromkeys(data[PANELS[name]]))
        assert [ax.title(designs) for ax in axes if ax.title(designs)] == designs


# ---------------------------------------------------------------- bars drawn next to their own labels

# horizontal bars, one per row: figure -> (panel column, label column, left end, right end) in the CSV's units as
# plotted (callables of the CSV frame); the bar drawn next to a label must span its row's values
TORNADO_LIKE = {
    "03_tornado": ("design", "driver", lambda d: d["low_usd"] / 1e9, lambda d: d["high_usd"] / 1e9),
    "03_acquisition_by_mineral": ("design", "mineral", lambda d: 0 * d["cost_usd_bn"], lambda d: d["cost_usd_bn"]),
    "01_price_coverage": (None, "commodity", lambda d: _years(d["first_month"]), lambda d: _years(d["last_month"])),
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


def _bars_with_labels(name: str, figures: Path):
    """(CSV, axes, bar, the label next to it, the bar's two ends in data units, tolerance: 0.1 % of the axis span,
    a fraction of a pixel's worth of rounding)."""
    texts, axes = read_svg(figures / f"{name}.svg")
    data = read_data(figures, name)
    shared = _category_ticks(axes, "y")
    for ax in axes:
        if not ax.bars:
            continue
        value_of = scale(ax.xticks, "x")
        span = np.ptp([number(t.text) for t in ax.xticks])
        labels = ax.yticks or shared
        for bar in ax.bars:
            yield (data, ax, bar, nearest(labels, bar.centre[1], "y"), value_of(bar.x0), value_of(bar.x1),
                   0.001 * span)


@pytest.mark.parametrize("name", TORNADO_LIKE)
def test_each_bar_spans_the_values_of_the_row_it_is_labelled_with(figures, name):
    panel, label, left, right = TORNADO_LIKE[name]
    checked, data = 0, read_data(figures, name)
    for data, ax, bar, text, start, end, tolerance in _bars_with_labels(name, figures):
        rows = data if panel is None else data[data[panel] == ax.title(list(dict.fromkeys(data[panel])))]
        row = rows[rows[label] == text]
        assert len(row) == 1, f"{name}: the label {text!r} next to a bar names no single row of the CSV"
        low, high = sorted((float(left(row).iloc[0]), float(right(row).iloc[0])))
        assert abs(start - low) <= tolerance and abs(end - high) <= tolerance, (
            f"{name}: the bar labelled {text!r} spans {start:.3g}..{end:.3g}, its row says {low:.3g}..{high:.3g}")
        checked += 1
    assert checked == len(data)  # every row has its bar


@pytest.mark.parametrize("name", STACKED)
def test_each_stack_ends_at_the_total_of_the_row_it_is_labelled_with(figures, name):
    panel, label, total = STACKED[name]
    ends: dict[tuple, float] = {}
    tolerance = np.inf
    for data, ax, bar, text, start, end, tolerance in _bars_with_labels(name, figures):
        key = (ax.title(list(dict.fromkeys(data[panel]))) if panel else "", text)
        ends[key] = max(ends.get(key, 0.0), end)
    assert ends, f"{name}: no bars found"
    data = pd.read_csv(figures / f"{name}.csv").assign(total=lambda d: total(d))
    for row in data.itertuples():
        key = (getattr(row, panel) if panel else "", getattr(row, label))
        if row.total > tolerance:
            assert key in ends, f"{name}: no bar next to {key}"
            assert abs(ends[key] - row.total) <= tolerance, f"{name}: the stack labelled {key} ends at " \
                                                          f"{ends[key]:.3g}, its row's total is {row.total:.3g}"


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


# vertical grouped bars with a value label on each: figure -> the CSV in long form (category as the tick label
# reads, series as the legend reads, the bar's height, the text on the bar)
GROUPED = {
    "03_calibration": lambda d: d.melt(id_vars=d.columns[0], var_name="series").rename(
        columns={d.columns[0]: "category"}).assign(label=lambda m: m["value"].map("{:.1f}".format)),
    "04_subsidies": lambda d: pd.DataFrame({"category": d["archetype"], "series": d["regime"].map(REGIME_LABELS),
                                            "value": d["share_of_levelized_cost"],
                                            "label": d["usd_per_t"].map("{:,.0f}".format)}),
}


@pytest.mark.parametrize("name", GROUPED)
def test_grouped_bars_have_their_rows_height_and_value_label(figures, name):
    """Each bar stands at its category's tick, has its series' legend colour and its row's height, and the number
    written on it is its row's."""
    path = figures / f"{name}.svg"
    _, axes = read_svg(path)
    series_of = legend(path)
    rows = GROUPED[name](pd.read_csv(figures / f"{name}.csv")).set_index(["category", "series"])
    ax = next(a for a in axes if a.bars)
    height_of = scale(ax.yticks, "y")
    tolerance = 0.001 * np.ptp([number(t.text) for t in ax.yticks])
    checked = 0
    for bar in ax.bars:
        row = rows.loc[(nearest(ax.xticks, bar.centre[0], "x"), series_of[bar.colour])]
        assert abs((height_of(bar.y0) - height_of(bar.y1)) - row["value"]) <= tolerance, (row.name, bar)
        above = [t for t in ax.texts if abs(t.x - bar.centre[0]) < (bar.x1 - bar.x0) / 2 and t.y <= bar.y0 + 1]
        assert min(above, key=lambda t: bar.y0 - t.y).text == row["label"], row.name  # the lowest text above it
        checked += 1
    assert checked == int((rows["value"].abs() > tolerance).sum())  # every non-zero row has its bar


def test_the_guard_catches_a_label_moved_to_another_bar(figures, tmp_path):
    """Two labels of a bar chart swapped in a copy of its SVG: the bars keep their lengths, so the check must fail."""
    name = "03_acquisition_by_mineral"
    data = pd.read_csv(figures / f"{name}.csv")
    panel = data[data["design"] == data["design"].iloc[0]].sort_values("cost_usd_bn")
    first, last = panel["mineral"].iloc[[0, -1]]  # the shortest and the longest bar
    text = (figures / f"{name}.svg").read_text(encoding="utf-8")
    swapped = text.replace(f">{first}<", ">\0<", 1).replace(f">{last}<", f">{first}<", 1).replace(">\0<", f">{last}<")
    (tmp_path / f"{name}.svg").write_text(swapped, encoding="utf-8")
    (tmp_path / f"{name}.csv").write_bytes((figures / f"{name}.csv").read_bytes())
    test_each_bar_spans_the_values_of_the_row_it_is_labelled_with(figures, name)  # the published one passes
    with pytest.raises(AssertionError, match=f"the bar labelled '({first}|{last})'"):
        test_each_bar_spans_the_values_of_the_row_it_is_labelled_with(tmp_path, name)
