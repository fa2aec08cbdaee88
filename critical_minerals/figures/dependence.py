"""Chapter 3's figures (notebooks/02b_import_dependence): reliance by first import source, concentration stage by
stage, and the supply-shock test with the partners' cover."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..core.display import number
from ..models.dependence.model import CHINA_FIRST, NONE_LISTED, OTHER_FIRST, PARTNER_FIRST
from . import COUNTRY_COLOURS, DOUBLE_COLUMN_IN, OKABE_ITO, described

ROW_IN = 0.17  # height per bar row, inches
GROUP_COLOURS = {
    PARTNER_FIRST: COUNTRY_COLOURS["Canada"],
    CHINA_FIRST: COUNTRY_COLOURS["China"],
    OTHER_FIRST: COUNTRY_COLOURS["Rest of world"],
    NONE_LISTED: "#DDDDDD",
}
LEADERS = {
    PARTNER_FIRST: "Canada or Mexico",
    CHINA_FIRST: "China",
    OTHER_FIRST: "another country",
    NONE_LISTED: "not listed",
}  # the groups in a sentence: "the first import source is China for 10"


def reliance_by_leader_description(data: pd.DataFrame) -> str:
    """How many minerals the United States relies on imports for entirely, and who leads their import sources."""
    whole = int(((data["nir_pct"] >= 100) & (data["nir_relation"] == "=")).sum())
    groups = data["first_group"].value_counts()
    leaders = ", ".join(f"{LEADERS[group]} for {int(groups[group])}" for group in GROUP_COLOURS if group in groups)
    return (
        f"Bars: the United States imports all it uses of {whole} of the {len(data)} minerals (net import "
        f"reliance 100 %); the first import source is {leaders}."
    )


def reliance_by_leader(ranks: pd.DataFrame, labels: dict[str, str]) -> tuple[plt.Figure, pd.DataFrame]:
    """U.S. net import reliance per mineral, coloured by who leads its import sources; a bound ('>95') is drawn as
    a hatched bar from the bound to the end of its range."""
    data = ranks.assign(label=ranks["product"].map(labels))
    data = data.sort_values(["nir_pct", "label"], ascending=[True, False]).reset_index(drop=True)
    data = data[["label", "product", "nir_text", "nir_pct", "nir_relation", "first_source", "first_group"]]
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], ROW_IN * len(data) + 1.1), layout="constrained")
    for group, colour in GROUP_COLOURS.items():
        rows = data[data["first_group"] == group]
        if rows.empty:
            continue
        exact = rows["nir_relation"] == "="
        ax.barh(rows.index[exact], rows["nir_pct"][exact], color=colour, height=0.72, label=group)
        more = rows[rows["nir_relation"] == ">"]
        ax.barh(more.index, more["nir_pct"], color=colour, height=0.72)
        ax.barh(
            more.index,
            100 - more["nir_pct"],
            left=more["nir_pct"],
            color="white",
            edgecolor=colour,
            hatch="////",
            height=0.72,
            linewidth=0.5,
        )
        less = rows[rows["nir_relation"] == "<"]
        ax.barh(less.index, less["nir_pct"], color="white", edgecolor=colour, hatch="////", height=0.72, linewidth=0.5)
    for y, row in data.iterrows():
        source = row["first_source"] if isinstance(row["first_source"], str) else "–"
        ax.text(101.5, y, f"{row['nir_text']} % · {source}", va="center", fontsize=6)
    ax.set_yticks(data.index, data["label"])
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("U.S. net import reliance (% of apparent consumption)\nhatched: USGS gives only a bound")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, title="First import source", frameon=False)
    ax.grid(axis="y", visible=False)
    return described(fig, reliance_by_leader_description(data)), data


def stages_description(data: pd.DataFrame) -> str:
    """The stages where China's share is highest and lowest, and the partners' largest share."""
    known = data.dropna(subset=["china_pct"])
    high, low = known.loc[known["china_pct"].idxmax()], known.loc[known["china_pct"].idxmin()]
    partners = data.dropna(subset=["partners_pct"])
    best = partners.loc[partners["partners_pct"].idxmax()]
    return (
        f"Bars: China's share of world production is highest at {high['label']} ({number(high['china_pct'])} %) "
        f"and lowest at {low['label']} ({number(low['china_pct'])} %); the United States, Canada and Mexico "
        f"together hold at most {number(best['partners_pct'])} % of a stage ({best['label']})."
    )


def stages(table: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """China's share, the top-3 share and the three partners' share of world output at each stage of each chain."""
    data = table.reset_index(drop=True)[
        ["chain", "step", "label", "host_of", "china_pct", "top3_pct", "partners_pct", "hhi", "note"]
    ]
    y = np.arange(len(data))[::-1] * 1.0
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], 0.26 * len(data) + 1.1), layout="constrained")
    height = 0.26
    ax.barh(y + height, data["top3_pct"].fillna(0), height, color=OKABE_ITO["sky blue"], label="Top three countries")
    ax.barh(y, data["china_pct"].fillna(0), height, color=COUNTRY_COLOURS["China"], label="China")
    ax.barh(
        y - height,
        data["partners_pct"].fillna(0),
        height,
        color=COUNTRY_COLOURS["United States"],
        label="United States, Canada and Mexico",
    )
    for position, row in zip(y, data.itertuples()):
        text = textwrap.fill(row.note, 34) if row.note else f"HHI {row.hhi:,.0f}"
        ax.text(101, position, text, va="center", fontsize=6)
    chains = data["chain"].to_numpy()
    for position, before, after in zip(y[1:], chains[:-1], chains[1:]):
        if before != after:
            ax.axhline(position + 0.5, color="#999999", linewidth=0.5)
    ax.set_yticks(
        y, [f"{label} (host of {host})" if host else label for label, host in zip(data["label"], data["host_of"])]
    )
    ax.set_xlim(0, 150)  # room right of 100 % for the HHI or the note
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("Share of world production (%)")
    # above the whole figure, not the axes: the long stage labels push the axes right, and a legend anchored there
    # would run past the column
    fig.legend(loc="outside upper center", ncol=3, frameon=False)
    ax.grid(axis="y", visible=False)
    return described(fig, stages_description(data)), data


def shock_cover_description(data: pd.DataFrame) -> str:
    """The mineral most exposed to the shock, and for how many the partners could cover all or none of it."""
    top = data.loc[data["exposed_high_pct"].idxmax()]
    covered = int((data["cover_low_pct"] >= 100).sum())
    none = int((data["cover_high_pct"] == 0).sum())
    return (
        f"Ranges: the shock exposes most of U.S. use of {top['label'].lower()} ({number(top['exposed_low_pct'])}–"
        f"{number(top['exposed_high_pct'])} %); Canadian and Mexican production could cover all of the exposed "
        f"quantity for {covered} of the {len(data)} exposed minerals and none of it for {none}."
    )


def shock_cover(table: pd.DataFrame, labels: dict[str, str]) -> tuple[plt.Figure, pd.DataFrame]:
    """Left: the share of U.S. apparent consumption exposed (low to high). Right: the share of the exposed quantity
    Canadian and Mexican production could cover (low to high, capped at 100 %)."""
    data = table[table["exposed_high_pct"] > 0].assign(label=lambda d: d.index.map(labels))
    data = data.sort_values(["exposed_high_pct", "exposed_low_pct"]).reset_index(names="product")
    data = data[
        [
            "product",
            "label",
            "exposed_low_pct",
            "exposed_high_pct",
            "exposed_low_t",
            "exposed_high_t",
            "partner_production_t",
            "cover_low_pct",
            "cover_high_pct",
            "cover_note",
        ]
    ]
    fig, (left, right) = plt.subplots(
        1, 2, sharey=True, figsize=(DOUBLE_COLUMN_IN[0], ROW_IN * 1.6 * len(data) + 1.2), layout="constrained"
    )
    y = np.arange(len(data))
    for ax, low, high, colour in (
        (left, "exposed_low_pct", "exposed_high_pct", COUNTRY_COLOURS["China"]),
        (right, "cover_low_pct", "cover_high_pct", COUNTRY_COLOURS["Canada"]),
    ):
        ax.hlines(y, data[low], data[high], color=colour, linewidth=3)
        ax.plot(data[low], y, "|", color=colour, markersize=8)
        ax.plot(data[high], y, "|", color=colour, markersize=8)
        ax.set_xlim(-3, 105)
        ax.grid(axis="y", visible=False)
    for position, row in zip(y, data.itertuples()):
        note = (
            row.cover_note
            if not np.isfinite(row.cover_low_pct)
            else ("none: neither partner produces it" if row.cover_high_pct == 0 else "")
        )
        if note:
            right.text(2, position, note, va="center", fontsize=6, color="#555555")
    left.set_yticks(y, data["label"])
    left.set_xlabel("Exposed share of U.S. apparent consumption (%)")
    right.set_xlabel("Share of the exposed quantity that Canadian\nand Mexican production could cover (%)")
    return described(fig, shock_cover_description(data)), data
