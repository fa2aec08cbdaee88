"""Chapter 02's figures: partner shares, portfolio similarity, concentration against China, headroom, trend."""

from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba_array

from ..core.display import number
from ..models.complementarity.model import (
    CHINA,
    CLUB,
    GAP_CHINA_ABOVE_PCT,
    GAP_CLUB_BELOW_PCT,
    HHI_HIGHLY_CONCENTRATED,
    PARTNERS,
)
from . import ACCENT, COUNTRY_COLOURS, DOUBLE_COLUMN_IN, described

ROW_IN = 0.2  # height per bar row, inches


def _pct(value: float) -> str:
    return f"{number(value)} %"


def partner_shares_description(data: pd.DataFrame) -> str:
    """The products where the partners together produce the most and the least of world output."""
    ranked = data.sort_values(CLUB, kind="stable")
    low, high = ranked.iloc[0], ranked.iloc[-1]
    withheld = " (a partner's value withheld)" if isinstance(low["unknown"], str) and low["unknown"] else ""
    return (
        f"Bars: together the United States, Mexico and Canada produce {_pct(high[CLUB])} of the world's "
        f"{high['label'].lower()}, the most of the {len(data)} products, and {_pct(low[CLUB])} of its "
        f"{low['label'].lower()}{withheld}, the least."
    )


def partner_shares(classified: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """Stacked horizontal bars of the three partners' shares of world output per product, with each product's
    class; 'W' where a partner's value is withheld."""
    data = classified.sort_values(CLUB)[["label", *PARTNERS, CLUB, "class", "unknown"]].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], ROW_IN * len(data) + 1.0))
    left = np.zeros(len(data))
    for partner in PARTNERS:
        values = data[partner].fillna(0).to_numpy()
        ax.barh(data.index, values, left=left, color=COUNTRY_COLOURS[partner], label=partner, height=0.7)
        left += values
    for y, row in data.iterrows():
        note = row["class"] + (" (W: " + row["unknown"].split(":")[0] + ")" if "withheld" in row["unknown"] else "")
        ax.text(row[CLUB] + 0.8, y, note, va="center", fontsize=6.5, color="#333333")
    ax.set_yticks(data.index, data["label"])
    ax.set_xlabel("Share of world production (%)")
    ax.set_xlim(0, min(100.0, data[CLUB].max() * 1.3 + 25))  # room for the class labels
    ax.legend(loc="lower right", ncol=3)
    ax.grid(axis="y", visible=False)
    return described(fig, partner_shares_description(data)), data


def _annotated_heatmap(ax: plt.Axes, matrix: pd.DataFrame) -> None:
    """Square cells coloured by value (0 to 1, blues) with the value written in each: what seaborn.heatmap draws, here
    without loading seaborn and SciPy for one small plot."""
    values = matrix.to_numpy(dtype=float)
    rows, columns = values.shape
    ax.set_aspect("equal")
    for spine in ax.spines.values():
        spine.set_visible(False)
    mesh = ax.pcolormesh(
        np.ma.masked_where(np.isnan(values), values), cmap="Blues", vmin=0, vmax=1, linewidths=0, edgecolor="white"
    )
    ax.set(xlim=(0, columns), ylim=(0, rows))
    ax.invert_yaxis()  # first row at the top, as in the matrix
    ax.set(xticks=np.arange(columns) + 0.5, yticks=np.arange(rows) + 0.5)
    ax.set_xticklabels(matrix.columns)
    ax.set_yticklabels(matrix.index, rotation="vertical", va="center")
    mesh.update_scalarmappable()
    rgb = to_rgba_array(mesh.get_facecolors())[:, :3]
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = linear @ [0.2126, 0.7152, 0.0722]  # W3C relative luminance: dark text on light cells
    for (row, column), value, light in zip(np.ndindex(rows, columns), values.flat, luminance > 0.408):
        if not np.isnan(value):
            ax.text(
                column + 0.5,
                row + 0.5,
                f"{value:.2f}",
                color=".15" if light else "w",
                ha="center",
                va="center",
                fontsize=8,
            )


def similarity_description(data: pd.DataFrame) -> str:
    """The most and least similar of the marked pairs, against the median of all pairs of peers."""
    marked = data[data["kind"] == "marked pair"].dropna(subset=["similarity"]).sort_values("similarity")
    peers = data.loc[data["kind"] == "all peer pairs", "similarity"]
    return (
        f"Heat map and histogram: of the marked pairs, {marked['pair'].iloc[-1]} is the most similar "
        f"({number(marked['similarity'].iloc[-1])}) and {marked['pair'].iloc[0]} the least "
        f"({number(marked['similarity'].iloc[0])}); the median of all {len(peers)} pairs of the most diversified "
        f"producers is {number(peers.median())}."
    )


def similarity(matrix: pd.DataFrame, context: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """Left: Finger–Kreinin similarity among the partners. Right: every pair of the most diversified producers,
    with the partner pairs and the outside comparison pairs marked."""
    fig, (left, right) = plt.subplots(1, 2, figsize=DOUBLE_COLUMN_IN, gridspec_kw={"width_ratios": [1, 1.4]})
    _annotated_heatmap(left, matrix.loc[list(PARTNERS), list(PARTNERS)])
    left.set(title="Partners")
    pairs = context.attrs["all_pairs"]
    right.hist(pairs, bins=np.linspace(0, 1, 26), color="#BBBBBB", edgecolor="white")
    styles = iter(["-", "--", ":", "-.", (0, (5, 1))] * 2)
    for row in context.dropna(subset=["similarity"]).itertuples():
        right.axvline(
            row.similarity,
            color="#0072B2" if row.partner_pair else ACCENT,
            linewidth=1.2,
            linestyle=next(styles),
            label=row.pair,
        )
    right.legend(loc="upper right", fontsize=6.5)
    right.set(
        xlim=(0, 1),
        xlabel="Finger–Kreinin similarity",
        ylabel="Pairs of countries",
        title=f"All pairs of the {len(context.attrs['peers'])} most diversified producers",
    )
    data = pd.concat(
        [
            context.drop(columns="partner_pair").assign(kind="marked pair"),
            pd.DataFrame({"pair": "peer pair", "similarity": pairs, "kind": "all peer pairs"}),
        ],
        ignore_index=True,
    )
    return described(fig, similarity_description(data)), data


def china_vs_club_description(data: pd.DataFrame) -> str:
    """Where China's share is highest and lowest, and how many products are gap minerals."""
    ranked = data.sort_values("china_pct", kind="stable")
    low, high = ranked.iloc[0], ranked.iloc[-1]
    ties = int((data["china_pct"] == low["china_pct"]).sum()) - 1
    others = f" and {ties} other{'s' if ties > 1 else ''}" if ties else ""
    return (
        f"Points: China's share is highest for {high['label'].lower()} ({_pct(high['china_pct'])}) and lowest for "
        f"{low['label'].lower()}{others} ({_pct(low['china_pct'])}); {int(data['gap'].sum())} of the {len(data)} "
        f"products are gap minerals and {int(data['highly_concentrated'].sum())} are highly concentrated."
    )


def china_vs_club(concentration: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """China's share against the club's per product; gap minerals shaded and labelled. Right of the dashed line
    China's share alone puts the market above HHI 1,800; filled markers are products above it."""
    data = concentration[["label", "china_pct", "club_pct", "hhi", "highly_concentrated", "gap"]]
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], 4.6))
    ax.add_patch(
        plt.Rectangle(
            (GAP_CHINA_ABOVE_PCT, 0),
            100 - GAP_CHINA_ABOVE_PCT,
            GAP_CLUB_BELOW_PCT,
            color=COUNTRY_COLOURS[CHINA],
            alpha=0.12,
            linewidth=0,
        )
    )
    alone = math.sqrt(HHI_HIGHLY_CONCENTRATED)
    ax.axvline(alone, color=ACCENT, linestyle="--", linewidth=0.9)
    ax.text(
        alone + 1.5,
        48,
        f"China's share alone gives\nHHI {HHI_HIGHLY_CONCENTRATED:,.0f} (highly\nconcentrated)",
        color=ACCENT,
        fontsize=6.5,
        va="top",
    )
    for high, part in data.groupby("highly_concentrated"):
        ax.scatter(
            part["china_pct"],
            part["club_pct"],
            s=22,
            linewidth=0.8,
            zorder=3,
            facecolor=COUNTRY_COLOURS["United States"] if high else "white",
            edgecolor=COUNTRY_COLOURS["United States"],
            label=f"HHI {'above' if high else 'at or below'} {HHI_HIGHLY_CONCENTRATED:,.0f}",
        )
    named = data[~data["gap"] & (data["club_pct"] >= 20)]
    for i, row in enumerate(named.sort_values("china_pct").itertuples()):
        ax.annotate(
            row.label,
            (row.china_pct, row.club_pct),
            xytext=(3, 3 + 4 * (i % 2)),
            textcoords="offset points",
            fontsize=6,
            color="#333333",
        )
    gap = data[data["gap"]].sort_values("china_pct", ascending=False).reset_index(drop=True)
    for i, row in gap.iterrows():  # gap minerals crowd one corner: numbers at the points, names in a key
        ax.annotate(
            str(i + 1),
            (row["china_pct"], row["club_pct"]),
            xytext=(0, 5 if i % 2 else -8),
            textcoords="offset points",
            fontsize=6,
            ha="center",
            color="#9A6A00",
        )
    if len(gap):
        key = "\n".join(f"{i + 1}  {label}" for i, label in enumerate(gap["label"]))
        ax.text(
            0.99,
            0.72,
            "Gap minerals\n" + key,
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=6,
            color="#9A6A00",
            linespacing=1.25,
        )
    ax.set(
        xlim=(0, 100),
        ylim=(0, 100),
        xlabel="China's share of world production (%)",
        ylabel="U.S. + Canada + Mexico share (%)",
    )
    ax.legend(loc="upper left")  # the top left is empty: no product has a large club share and China's too
    return described(fig, china_vs_club_description(data)), data


def pooling_description(data: pd.DataFrame) -> str:
    """Where pooling the partners raises the HHI most, and how many products are highly concentrated either way."""
    largest = data.loc[(data["hhi_pooled"] - data["hhi"]).idxmax()]
    above = int((data["hhi"] > HHI_HIGHLY_CONCENTRATED).sum())
    pooled = int((data["hhi_pooled"] > HHI_HIGHLY_CONCENTRATED).sum())
    return (
        f"Dots: pooling the partners raises the HHI most for {largest['label'].lower()}, from "
        f"{number(largest['hhi'])} to {number(largest['hhi_pooled'])}; {above} of the {len(data)} products are "
        f"above {number(HHI_HIGHLY_CONCENTRATED)} with the partners apart, {pooled} with them pooled."
    )


def pooling(concentration: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """HHI of each product with the partners as separate suppliers and pooled as one, where the club produces."""
    data = (
        concentration[concentration["club_pct"] > 0]
        .sort_values("hhi")[["label", "hhi", "hhi_pooled", "club_pct"]]
        .reset_index(drop=True)
    )
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], ROW_IN * len(data) + 1.0))
    ax.hlines(data.index, data["hhi"], data["hhi_pooled"], color="#999999", linewidth=1)
    ax.scatter(data["hhi"], data.index, s=16, color="#999999", label="partners as separate suppliers", zorder=3)
    ax.scatter(
        data["hhi_pooled"],
        data.index,
        s=16,
        color=COUNTRY_COLOURS["United States"],
        label="partners pooled as one supplier",
        zorder=3,
    )
    ax.axvline(HHI_HIGHLY_CONCENTRATED, color=ACCENT, linestyle="--", linewidth=0.9)
    ax.set_yticks(data.index, data["label"])
    ax.set(xlim=(0, 10000), xlabel="Herfindahl–Hirschman index of world production (0–10,000)")
    ax.legend(loc="lower right")
    ax.grid(axis="y", visible=False)
    return described(fig, pooling_description(data)), data


def headroom_description(data: pd.DataFrame) -> str:
    """The partner-product with the most headroom."""
    top = data.loc[data["headroom_pp"].idxmax()]
    partner = "The United States" if top["partner"] == "United States" else top["partner"]
    return (
        f"Arrows: {partner} holds the most headroom in {top['label'].lower()}: "
        f"{_pct(top['share_pct_production'])} of world production and {_pct(top['share_pct_reserves'])} of world "
        f"reserves, {number(top['headroom_pp'])} percentage points more."
    )


def headroom(table: pd.DataFrame, top: int = 15) -> tuple[plt.Figure, pd.DataFrame]:
    """Production share → reserve share for the partner-products with the most headroom."""
    data = table[table["headroom_pp"] > 0].head(top).iloc[::-1].reset_index(drop=True)
    # long product names wrap, so the plot keeps its width in a double column; rows grow with their lines
    names = [textwrap.fill(f"{label} — {partner}", 34) for label, partner in zip(data["label"], data["partner"])]
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], ROW_IN * sum(n.count("\n") + 1 for n in names) + 1.0))
    for y, row in data.iterrows():
        colour = COUNTRY_COLOURS[row["partner"]]
        ax.annotate(
            "",
            xy=(row["share_pct_reserves"], y),
            xytext=(row["share_pct_production"], y),
            arrowprops={"arrowstyle": "->", "color": colour, "linewidth": 1.2},
        )
        ax.scatter(row["share_pct_production"], y, s=14, color="white", edgecolor=colour, zorder=3)
    ax.set_yticks(data.index, names)
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(0, data[["share_pct_production", "share_pct_reserves"]].max().max() * 1.3)  # arrows are no data
    ax.set_xlabel("Share of world production (open circle) →\nshare of world reserves (arrow head), %")
    ax.grid(axis="y", visible=False)
    return described(fig, headroom_description(data)), data


def trend_description(data: pd.DataFrame) -> str:
    """In how many products China's share and the club's rose from the first year to the last."""
    ordered = data.sort_values("year")
    ends = ordered.groupby("label")[["club_pct", "china_pct"]].agg(["first", "last"])
    china = int((ends[("china_pct", "last")] > ends[("china_pct", "first")]).sum())
    club = int((ends[("club_pct", "last")] > ends[("club_pct", "first")]).sum())
    return (
        f"Lines: from {ordered['year'].iloc[0]} to {ordered['year'].iloc[-1]} China's share of world production "
        f"rose in {china} of the {len(ends)} products shown and the U.S.–Canada–Mexico share in {club}."
    )


def trend(trend_: pd.DataFrame, labels: list[str], columns: int = 5) -> tuple[plt.Figure, pd.DataFrame]:
    """Small multiples: club and China shares of world production by year, one panel per product."""
    data = trend_[trend_["label"].isin(labels)]
    rows = math.ceil(len(labels) / columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(DOUBLE_COLUMN_IN[0], 1.35 * rows + 0.5), sharex=True, sharey=True, squeeze=False
    )
    years = sorted(data["year"].unique())
    # the panels share both axes, so limits and ticks set on one hold for all
    axes.flat[0].set_ylim(0, 100)
    axes.flat[0].set_xticks(years, [f"'{y % 100:02d}" for y in years])
    for ax, label in zip(axes.flat, labels):
        part = data[data["label"] == label].sort_values("year")
        ax.plot(
            part["year"],
            part["club_pct"],
            marker="o",
            markersize=2.5,
            color=COUNTRY_COLOURS["United States"],
            label=CLUB,
        )
        ax.plot(part["year"], part["china_pct"], marker="o", markersize=2.5, color=COUNTRY_COLOURS[CHINA], label=CHINA)
        estimated = part[part["estimated"]]
        ax.scatter(
            estimated["year"],
            estimated["club_pct"],
            s=14,
            facecolor="white",
            edgecolor=COUNTRY_COLOURS["United States"],
            zorder=3,
        )
        # y=1.0 is where matplotlib places a title with nothing above the panel; fixing it spares the search for
        # overlapping tick labels it repeats per panel in every draw (0.3-0.4 s of the ~2 s it takes to save the figure)
        ax.set_title(label if len(label) <= 22 else label[:21] + "…", fontsize=7, fontweight="normal", y=1.0)
        ax.tick_params(labelsize=6)
    for ax in axes.flat[len(labels) :]:
        ax.set_visible(False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside upper center", ncol=2)
    fig.supylabel("Share of world production (%)", fontsize=8)
    return described(fig, trend_description(data)), data
