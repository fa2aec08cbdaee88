"""Chapter 01's figures: paper A's table against USGS, and the price panel's coverage."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd

from ..core.display import number
from ..sources.paper import REPRODUCTION_TOLERANCE_PP, SHARE_COLUMNS
from . import ACCENT, COUNTRY_COLOURS, DOUBLE_COLUMN_IN, SINGLE_COLUMN_IN, described


def paper_vs_usgs_description(data: pd.DataFrame) -> str:
    """How many of the paper's shares lie on the line, and the one farthest from it."""
    gap = (data["paper_pct"] - data["usgs_pct"]).abs()
    within = int((gap <= REPRODUCTION_TOLERANCE_PP + 1e-9).sum())
    worst = data.loc[gap.idxmax()]
    return (
        f"Points: {within} of the paper's {len(data)} partner shares lie within "
        f"{number(REPRODUCTION_TOLERANCE_PP)} percentage points of the share computed from USGS; the farthest is "
        f"{worst['country']}'s share of {worst['mineral'].lower()}, {number(worst['paper_pct'])} % in the paper "
        f"and {number(worst['usgs_pct'])} % from USGS."
    )


def paper_vs_usgs(reproduction: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """Scatter of each partner share in the paper's table against the same share computed from USGS."""
    rows = []
    for column, country in SHARE_COLUMNS.items():
        part = reproduction[["mineral", f"{column}_paper", f"{column}_usgs"]].dropna()
        part.columns = ["mineral", "paper_pct", "usgs_pct"]
        rows.append(part.assign(country=country))
    data = pd.concat(rows, ignore_index=True)
    fig, ax = plt.subplots(figsize=SINGLE_COLUMN_IN)
    low = min(data["paper_pct"].min(), data["usgs_pct"].min()) / 1.3
    top = max(data["paper_pct"].max(), data["usgs_pct"].max()) * 1.3
    ax.plot([low, top], [low, top], color=ACCENT, linewidth=0.8, zorder=1, label="equal")
    for country, part in data.groupby("country", sort=False):
        ax.scatter(
            part["paper_pct"],
            part["usgs_pct"],
            s=18,
            color=COUNTRY_COLOURS[country],
            label=country,
            zorder=2,
            edgecolor="white",
            linewidth=0.4,
        )
    ticks = [t for t in (0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if low <= t <= top]
    ax.set(
        xscale="log",
        yscale="log",
        xlim=(low, top),
        ylim=(low, top),
        xlabel="Share in paper A's table (%)",
        ylabel="Share computed from USGS (%)",
    )
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
        axis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        axis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.legend(loc="upper left")
    return described(fig, paper_vs_usgs_description(data)), data


def price_coverage_description(data: pd.DataFrame) -> str:
    """The number of series, the longest and the shortest."""
    first, last = pd.to_datetime(data["first_month"]), pd.to_datetime(data["last_month"])
    months = (last.dt.year - first.dt.year) * 12 + last.dt.month - first.dt.month
    longest, shortest = data.loc[months.idxmax()], data.loc[months.idxmin()]

    def span(row) -> str:
        return (
            f"{row['commodity'].replace('_', ' ')} ({row['source']}, {pd.Timestamp(row['first_month']):%B %Y} to "
            f"{pd.Timestamp(row['last_month']):%B %Y})"
        )

    return (
        f"Bars: {len(data)} monthly price series of {data['commodity'].nunique()} metals from "
        f"{data['source'].nunique()} sources; the longest is {span(longest)}, the shortest {span(shortest)}."
    )


def price_coverage(prices: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """One bar per metal from its first to its last month in the price panel, coloured by source."""
    data = (
        prices.groupby(["commodity", "source"])["date"]
        .agg(["min", "max"])
        .reset_index()
        .sort_values(["min", "commodity"], ascending=[False, True])
    )
    colours = dict(zip(sorted(data["source"].unique()), ["#56B4E9", "#0072B2", "#009E73"]))
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], 0.22 * len(data) + 0.8))
    for y, row in enumerate(data.itertuples()):
        ax.barh(y, row.max - row.min, left=row.min, height=0.6, color=colours[row.source])
    ax.set_yticks(range(len(data)), data["commodity"].str.replace("_", " "))
    ax.set_xlabel("Year")
    ax.legend(
        handles=[plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()],
        labels=list(colours),
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=len(colours),
    )
    data = data.rename(columns={"min": "first_month", "max": "last_month"})
    return described(fig, price_coverage_description(data)), data
