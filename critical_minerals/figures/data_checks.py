"""Chapter 01's figures: paper A's table against USGS, and the price panel's coverage."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd

from ..paper import SHARE_COLUMNS
from . import ACCENT, COUNTRY_COLOURS, DOUBLE_COLUMN_IN, SINGLE_COLUMN_IN


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
        ax.scatter(part["paper_pct"], part["usgs_pct"], s=18, color=COUNTRY_COLOURS[country], label=country,
                   zorder=2, edgecolor="white", linewidth=0.4)
    ticks = [t for t in (0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if low <= t <= top]
    ax.set(xscale="log", yscale="log", xlim=(low, top), ylim=(low, top),
           xlabel="Share in paper A's table (%)", ylabel="Share computed from USGS (%)")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
        axis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        axis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.legend(loc="upper left")
    return fig, data


def price_coverage(prices: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """One bar per metal from its first to its last month in the price panel, coloured by source."""
    data = (prices.groupby(["commodity", "source"])["date"].agg(["min", "max"]).reset_index()
            .sort_values(["min", "commodity"], ascending=[False, True]))
    colours = dict(zip(sorted(data["source"].unique()), ["#56B4E9", "#0072B2", "#009E73"]))
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], 0.22 * len(data) + 0.8))
    for y, row in enumerate(data.itertuples()):
        ax.barh(y, row.max - row.min, left=row.min, height=0.6, color=colours[row.source])
    ax.set_yticks(range(len(data)), data["commodity"].str.replace("_", " "))
    ax.set_xlabel("Year")
    ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()], labels=list(colours),
              loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(colours))
    return fig, data.rename(columns={"min": "first_month", "max": "last_month"})
