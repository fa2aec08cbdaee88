"""Chapter 05's figures: the NdPr floor's yearly payments and cost against volatility; what each stockpile sum buys."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from ..core.display import number
from . import ACCENT, DOUBLE_COLUMN_IN, OKABE_ITO, described

DESIGN_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["bluish green"], OKABE_ITO["vermillion"])


def floor_outlays_description(data: pd.DataFrame) -> str:
    """The contract year of the largest expected outlay, and how the present value moves with the volatility."""
    payments = data[data["panel"] == "outlay by year"]
    sensitivity = data[data["panel"] == "cost by volatility"].sort_values("volatility")
    peak = payments.loc[payments["expected outlay (USD m)"].idxmax()]
    first, last = sensitivity.iloc[0], sensitivity.iloc[-1]
    return (
        f"Bars and line: the expected outlay is largest in the contract year from {int(peak['year'])} "
        f"({number(peak['expected outlay (USD m)'])} million USD); the present value of the outlays moves from "
        f"{number(first['expected cost (USD m)'])} to {number(last['expected cost (USD m)'])} million USD as the "
        f"volatility rises from {number(first['volatility'])} to {number(last['volatility'])} a year."
    )


def floor_outlays(
    payments: pd.DataFrame, sensitivity: pd.DataFrame, central: float, thresholds: dict[str, float]
) -> tuple[plt.Figure, pd.DataFrame]:
    """Left: expected outlay per contract year with the DPA thresholds; right: expected cost and P5-P95 band against
    the volatility, the calibrated value marked."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(DOUBLE_COLUMN_IN[0], 2.8), layout="constrained")
    left.bar(payments["year"].astype(str), payments["expected outlay (USD m)"], color=OKABE_ITO["blue"])
    for (name, value), style in zip(thresholds.items(), ("--", ":")):
        left.axhline(value / 1e6, color=ACCENT, linestyle=style, linewidth=1, label=name)
    left.set_xlabel("First calendar year of the contract year")
    left.set_ylabel("Expected outlay (USD m)")
    left.tick_params(axis="x", labelrotation=90)
    left.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize="small", frameon=False)
    right.fill_between(
        sensitivity["volatility"],
        sensitivity["P5 (USD m)"],
        sensitivity["P95 (USD m)"],
        color=OKABE_ITO["sky blue"],
        alpha=0.5,
        label="P5–P95",
    )
    right.plot(
        sensitivity["volatility"],
        sensitivity["expected cost (USD m)"],
        color=OKABE_ITO["blue"],
        marker="o",
        label="expected",
    )
    right.axvline(central, color=ACCENT, linestyle="--", linewidth=1, label="calibrated")
    right.set_xlabel("Volatility of the NdPr price (per year)")
    right.set_ylabel("Present value of outlays (USD m)")
    right.legend(loc="lower right", fontsize="small")
    data = pd.concat(
        [payments.assign(panel="outlay by year"), sensitivity.assign(panel="cost by volatility")], ignore_index=True
    )
    return described(fig, floor_outlays_description(data)), data


def benchmark_months_description(data: pd.DataFrame) -> str:
    """The benchmark sums that buy the most and the least cover, and of which design."""
    months = "months of cover it buys"
    high, low = data.loc[data[months].idxmax()], data.loc[data[months].idxmin()]
    return (
        f"Bars: {high['benchmark']} (USD {number(high['USD bn'])} bn) buys the most cover, {number(high[months])} "
        f"months of {high['design']}; {low['benchmark']} (USD {number(low['USD bn'])} bn) the least, "
        f"{number(low[months])} months of {low['design']}."
    )


def benchmark_months(cover: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """Months of cover of every included mineral that each benchmark sum buys, per design (log scale)."""
    data = cover[["design", "benchmark", "USD bn", "months of cover it buys"]].copy()
    benchmarks = list(dict.fromkeys(data["benchmark"]))
    designs = list(dict.fromkeys(data["design"]))
    fig, ax = plt.subplots(
        figsize=(DOUBLE_COLUMN_IN[0], 0.32 * len(benchmarks) * len(designs) + 1.0), layout="constrained"
    )
    height = 0.8 / len(designs)
    positions = np.arange(len(benchmarks))
    for k, (design, colour) in enumerate(zip(designs, DESIGN_COLOURS)):
        part = data[data["design"] == design].set_index("benchmark").reindex(benchmarks)
        ax.barh(positions + k * height, part["months of cover it buys"], height=height, color=colour, label=design)
    ax.set_yticks(positions + height * (len(designs) - 1) / 2, benchmarks)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.set_xlabel("Months of cover of every included mineral (log scale)")
    ax.legend(title="design", loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    return described(fig, benchmark_months_description(data)), data
