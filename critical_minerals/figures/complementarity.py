"""Chapter 02's figures: partner shares, portfolio similarity, concentration against China, headroom, trend."""

from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba_array

from ..complementarity import (CHINA, CLUB, GAP_CHINA_ABOVE_PCT, GAP_CLUB_BELOW_PCT, HHI_HIGHLY_CONCENTRATED,
                               PARTNERS)
from . import ACCENT, COUNTRY_COLOURS, DOUBLE_COLUMN_IN

ROW_IN = 0.2  # height per bar row, inches


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
    return fig, data


def _annotated_heatmap(ax: plt.Axes, matrix: pd.DataFrame) -> None:
    """Square cells coloured by value (0 to 1, blues) with the value written in each: what seaborn.heatmap draws, here
    without loading seaborn and SciPy for one small plot."""
    values = matrix.to_numpy(dtype=float)
    rows, columns = values.shape
    ax.set_aspect("equal")
    for spine in ax.spines.values():
        spine.set_visible(False)
    mesh = ax.pcolormesh(np.ma.masked_where(np.isnan(values), values), cmap="Blues", vmin=0, vmax=1, linewidths=0,
                         edgecolor="white")
    ax.set(xlim=(0, columns), ylim=(0, rows))
    ax.invert_yaxis()  # first row at the top, as in the matrix
    ax.set(xticks=np.arange(columns) + .5, yticks=np.arange(rows) + .5)
    ax.set_xticklabels(matrix.columns)
    ax.set_yticklabels(matrix.index, rotation="vertical", va="center")
    mesh.update_scalarmappable()
    rgb = to_rgba_array(mesh.get_facecolors())[:, :3]
    linear = np.where(rgb <= .03928, rgb / 12.92, ((rgb + .055) / 1.055) ** 2.4)
    luminance = linear @ [.2126, .7152, .0722]  # W3C relative luminance: dark text on light cells
    for (row, column), value, light in zip(np.ndindex(rows, columns), values.flat, luminance > .408):
        if not np.isnan(value):
            ax.text(column + .5, row + .5, f"{value:.2f}", color=".15" if light else "w", ha="center", va="center",
                    fontsize=8)


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
        right.axvline(row.similarity, color="#0072B2" if row.partner_pair else ACCENT, linewidth=1.2,
                      linestyle=next(styles), label=row.pair)
    right.legend(loc="upper right", fontsize=6.5)
    right.set(xlim=(0, 1), xlabel="Finger–Kreinin similarity", ylabel="Pairs of countries",
              title=f"All pairs of the {len(context.attrs['peers'])} most diversified producers")
    data = pd.concat([context.drop(columns="partner_pair").assign(kind="marked pair"),
                      pd.DataFrame({"pair": "peer pair", "similarity": pairs, "kind": "all peer pairs"})],
                     ignore_index=True)
    return fig, data


def china_vs_club(concentration: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """China's share against the club's per product; gap minerals shaded and labelled. Right of the dashed line
    China's share alone puts the market above HHI 1,800; filled markers are products above it."""
    data = concentration[["label", "china_pct", "club_pct", "hhi", "highly_concentrated", "gap"]]
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], 4.6))
    ax.add_patch(plt.Rectangle((GAP_CHINA_ABOVE_PCT, 0), 100 - GAP_CHINA_ABOVE_PCT, GAP_CLUB_BELOW_PCT,
                               color=COUNTRY_COLOURS[CHINA], alpha=0.12, linewidth=0))
    alone = math.sqrt(HHI_HIGHLY_CONCENTRATED)
    ax.axvline(alone, color=ACCENT, linestyle="--", linewidth=0.9)
    ax.text(alone + 1.5, 48, f"China's share alone gives\nHHI {HHI_HIGHLY_CONCENTRATED:,.0f} (highly\nconcentrated)",
            color=ACCENT, fontsize=6.5, va="top")
    for high, part in data.groupby("highly_concentrated"):
        ax.scatter(part["china_pct"], part["club_pct"], s=22, linewidth=0.8, zorder=3,
                   facecolor=COUNTRY_COLOURS["United States"] if high else "white",
                   edgecolor=COUNTRY_COLOURS["United States"],
                   label=f"HHI {'above' if high else 'at or below'} {HHI_HIGHLY_CONCENTRATED:,.0f}")
    named = data[~data["gap"] & (data["club_pct"] >= 20)]
    for i, row in enumerate(named.sort_values("china_pct").itertuples()):
        ax.annotate(row.label, (row.china_pct, row.club_pct), xytext=(3, 3 + 4 * (i % 2)),
                    textcoords="offset points", fontsize=6, color="#333333")
    gap = data[data["gap"]].sort_values("china_pct", ascending=False).reset_index(drop=True)
    for i, row in gap.iterrows():  # gap minerals crowd one corner: numbers at the points, names in a key
        ax.annotate(str(i + 1), (row["china_pct"], row["club_pct"]), xytext=(0, 5 if i % 2 else -8),
                    textcoords="offset points", fontsize=6, ha="center", color="#9A6A00")
    if len(gap):
        key = "\n".join(f"{i + 1}  {label}" for i, label in enumerate(gap["label"]))
        ax.text(0.99, 0.72, "Gap minerals\n" + key, transform=ax.transAxes, ha="right", va="top", fontsize=6,
                color="#9A6A00", linespacing=1.25)
    ax.set(xlim=(0, 100), ylim=(0, 100), xlabel="China's share of world production (%)",
           ylabel="U.S. + Canada + Mexico share (%)")
    ax.legend(loc="upper left")  # the top left is empty: no product has a large club share and China's too
    return fig, data


def pooling(concentration: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """HHI of each product with the partners as separate suppliers and pooled as one, where the club produces."""
    data = concentration[concentration["club_pct"] > 0].sort_values("hhi")[["label", "hhi", "hhi_pooled",
                                                                            "club_pct"]].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], ROW_IN * len(data) + 1.0))
    ax.hlines(data.index, data["hhi"], data["hhi_pooled"], color="#999999", linewidth=1)
    ax.scatter(data["hhi"], data.index, s=16, color="#999999", label="partners as separate suppliers", zorder=3)
    ax.scatter(data["hhi_pooled"], data.index, s=16, color=COUNTRY_COLOURS["United States"],
               label="partners pooled as one supplier", zorder=3)
    ax.axvline(HHI_HIGHLY_CONCENTRATED, color=ACCENT, linestyle="--", linewidth=0.9)
    ax.set_yticks(data.index, data["label"])
    ax.set(xlim=(0, 10000), xlabel="Herfindahl–Hirschman index of world production (0–10,000)")
    ax.legend(loc="lower right")
    ax.grid(axis="y", visible=False)
    return fig, data


def headroom(table: pd.DataFrame, top: int = 15) -> tuple[plt.Figure, pd.DataFrame]:
    """Production share → reserve share for the partner-products with the most headroom."""
    data = table[table["headroom_pp"] > 0].head(top).iloc[::-1].reset_index(drop=True)
    # long product names wrap, so the plot keeps its width in a double column; rows grow with their lines
    names = [textwrap.fill(f"{label} — {partner}", 34) for label, partner in zip(data["label"], data["partner"])]
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], ROW_IN * sum(n.count("\n") + 1 for n in names) + 1.0))
    for y, row in data.iterrows():
        colour = COUNTRY_COLOURS[row["partner"]]
        ax.annotate("", xy=(row["share_pct_reserves"], y), xytext=(row["share_pct_production"], y),
                    arrowprops={"arrowstyle": "->", "color": colour, "linewidth": 1.2})
        ax.scatter(row["share_pct_production"], y, s=14, color="white", edgecolor=colour, zorder=3)
    ax.set_yticks(data.index, names)
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(0, data[["share_pct_production", "share_pct_reserves"]].max().max() * 1.3)  # arrows are no data
    ax.set_xlabel("Share of world production (open circle) →\nshare of world reserves (arrow head), %")
    ax.grid(axis="y", visible=False)
    return fig, data


def trend(trend_: pd.DataFrame, labels: list[str], columns: int = 5) -> tuple[plt.Figure, pd.DataFrame]:
    """Small multiples: club and China shares of world production by year, one panel per product."""
    data = trend_[trend_["label"].isin(labels)]
    rows = math.ceil(len(labels) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(DOUBLE_COLUMN_IN[0], 1.35 * rows + 0.5), sharex=True,
                             sharey=True, squeeze=False)
    years = sorted(data["year"].unique())
    # the panels share both axes, so limits and ticks set on one hold for all
    axes.flat[0].set_ylim(0, 100)
    axes.flat[0].set_xticks(years, [f"'{y % 100:02d}" for y in years])
    for ax, label in zip(axes.flat, labels):
        part = data[data["label"] == label].sort_values("year")
        ax.plot(part["year"], part["club_pct"], marker="o", markersize=2.5, color=COUNTRY_COLOURS["United States"],
                label=CLUB)
        ax.plot(part["year"], part["china_pct"], marker="o", markersize=2.5, color=COUNTRY_COLOURS[CHINA],
                label=CHINA)
        estimated = part[part["estimated"]]
        ax.scatter(estimated["year"], estimated["club_pct"], s=14, facecolor="white",
                   edgecolor=COUNTRY_COLOURS["United States"], zorder=3)
        ax.set_title(label if len(label) <= 22 else label[:21] + "…", fontsize=7, fontweight="normal")
        ax.tick_params(labelsize=6)
    for ax in axes.flat[len(labels):]:
        ax.set_visible(False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside upper center", ncol=2)
    fig.supylabel("Share of world production (%)", fontsize=8)
    return fig, data
