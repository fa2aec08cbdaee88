"""Figure 03_tornado read back from its SVG: each panel labels its own bars, bar i's label belongs to bar i's row of
the figure's CSV, and the two ends (driver at its low / high setting) are told apart and explained in the legend."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from critical_minerals import figures
from critical_minerals.figures import stockpile as plots

SVG = "{http://www.w3.org/2000/svg}"
LOW, HIGH = (side[3].lower() for side in plots.TORNADO_SIDES)


def _number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", ""))


def _texts(group) -> list[tuple[str, float, float]]:
    return [("".join(t.itertext()), float(t.get("x")), float(t.get("y"))) for t in group.iter(f"{SVG}text")]


def _first_path(group) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", group.find(f".//{SVG}path").get("d"))]


def read_panels(svg: Path) -> list[dict]:
    """Per axes of the SVG: title, y tick labels with their y, bars with colour and x span, free texts."""
    root = ET.parse(svg).getroot()
    patterns = {p.get("id"): p.find(f"{SVG}rect").get("fill") for p in root.iter(f"{SVG}pattern")}
    panels = []
    for axes in (g for g in root.iter(f"{SVG}g") if re.fullmatch(r"axes_\d+", g.get("id", ""))):
        xticks, yticks, bars, texts = [], [], [], []
        for child in axes:
            name = child.get("id", "")
            if name.startswith("matplotlib.axis"):
                for tick in child:
                    if tick.get("id", "").startswith("xtick_") and _texts(tick):
                        xticks.append((_first_path(tick)[0], _number(_texts(tick)[0][0])))
                    elif tick.get("id", "").startswith("ytick_") and _texts(tick):
                        yticks.append((_texts(tick)[0][0], _first_path(tick)[1]))
            elif name.startswith("patch_"):
                path = child.find(f"{SVG}path")
                fill = re.search(r"fill: ([^;\"]+)", path.get("style", "")).group(1)
                fill = patterns.get(fill[5:-1], fill) if fill.startswith("url(") else fill
                xs, ys = (np.array(_first_path(child)[i::2]) for i in (0, 1))
                bars.append({"fill": fill.lower(), "x": (xs[0], xs[1]), "y": ys.mean()})
            elif name.startswith("text_"):
                texts.extend(_texts(child))
        pixels, values = zip(*xticks)
        slope, intercept = np.polyfit(values, pixels, 1)
        panels.append(
            {"yticks": yticks, "bars": bars, "texts": texts, "value": lambda px, s=slope, i=intercept: (px - i) / s}
        )
    legend = [text for g in root.iter(f"{SVG}g") if g.get("id", "").startswith("legend_") for text, *_ in _texts(g)]
    return panels, legend


def check_tornado(svg: Path, csv: Path) -> None:
    data = pd.read_csv(csv)
    panels, legend = read_panels(svg)
    assert {"driver at its low setting", "driver at its high setting", "central case"} <= set(legend)
    designs = list(dict.fromkeys(data["design"]))
    assert len(panels) == len(designs)
    for panel, design in zip(panels, designs):
        rows = data[data["design"] == design].reset_index(drop=True)
        title = [text for text, *_ in panel["texts"] if text.startswith(f"{design} (central")]
        assert title, design  # the panel is the design's
        labels = [text for text, _ in sorted(panel["yticks"], key=lambda tick: tick[1])]  # top to bottom
        assert labels == rows["driver"].tolist(), design
        scale = abs(panel["value"](1) - panel["value"](0))  # USD bn per pixel
        for text, y in panel["yticks"]:
            row = rows[rows["driver"] == text].iloc[0]
            central = row["central_usd"] / 1e9
            for colour, column, setting in ((LOW, "npc_at_low", "low_setting"), (HIGH, "npc_at_high", "high_setting")):
                bar = min((b for b in panel["bars"] if b["fill"] == colour), key=lambda b: abs(b["y"] - y))
                assert abs(bar["y"] - y) < 2, (design, text)  # a bar of each colour at the label's height
                ends = sorted(panel["value"](x) for x in bar["x"])
                expected = sorted((central, row[column] / 1e9))
                assert ends == pytest.approx(expected, abs=2 * scale), (design, text, column)
                near = [t for t, _, ty in panel["texts"] if abs(ty - y) < 6]
                assert row[setting] in near, (design, text, setting)


def synthetic(order: list[str], scale: float) -> pd.DataFrame:
    rows = [
        {
            "driver": name,
            "npc_at_low": (4 - 0.3 * (k + 1)) * scale * 1e9,
            "npc_at_high": (4 + 0.2 * (k + 1)) * scale * 1e9,
            "low_setting": f"low {name}",
            "high_setting": f"high {name}",
            "range": "r",
        }
        for k, name in enumerate(order)
    ]
    table = pd.DataFrame(rows).assign(central_usd=4e9 * scale)
    table["low_usd"] = table[["npc_at_low", "npc_at_high"]].min(axis=1)
    table["high_usd"] = table[["npc_at_low", "npc_at_high"]].max(axis=1)
    table["swing_usd"] = table["high_usd"] - table["low_usd"]
    return table.sort_values("swing_usd", ascending=False, ignore_index=True)


def test_each_panel_labels_its_own_bars_in_its_own_order(tmp_path):
    """Regression: the second panel's bars were sorted in its own order but read against the first panel's labels."""
    figures.use_theme()
    tornados = {
        "defence": synthetic(["price", "cover", "quantity"], 1.0),
        "market": synthetic(["quantity", "price", "cover"], 0.5),
    }
    fig, data = plots.tornado_chart(tornados)
    figures.save_figure(fig, "03_tornado", tmp_path, data, "caption", "source")
    check_tornado(tmp_path / "03_tornado.svg", tmp_path / "03_tornado.csv")


def test_published_tornado_matches_its_csv(project):
    folder = project.root / "figures" / "default"
    check_tornado(folder / "03_tornado.svg", folder / "03_tornado.csv")
