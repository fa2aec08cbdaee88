"""Chapter 02's prose whose words depend on the results: sentences and paragraphs, one function each.

Every function takes what the chapter computes and returns Markdown (or a word), so the wording follows the numbers
and is tested here rather than typed into the notebook.
"""

from __future__ import annotations

import pandas as pd

from .model import (
    ABSENT,
    CLUB,
    GAP_CHINA_ABOVE_PCT,
    GAP_CLUB_BELOW_PCT,
    HHI_HIGHLY_CONCENTRATED,
    OVERLAPPING,
    PARTNERS,
    SINGLE,
    UNDETERMINED,
    Selection,
)


def listing(items: list[str]) -> str:
    items = list(items)
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def describe_selection(selection: Selection, products: pd.DataFrame, missing: pd.DataFrame) -> str:
    status = "a preliminary estimate" if selection.estimated else "final"
    scope = (
        "the minerals of paper A's table"
        if selection.scope == "paper15"
        else "every production series USGS reports"
        if selection.scope == "all"
        else f"the minerals on the {selection.scope[-4:]} U.S. list of critical minerals"
    )
    text = (
        f"This run reads production in {selection.year} ({status} in that edition) and reserves at the end of "
        f"{selection.reserves_year} from USGS *Mineral Commodity Summaries* {selection.edition}, for {scope}: "
        f"{len(products)} products at the {selection.stage} stage where a commodity has both a mine and a "
        f"refinery series."
    )
    if len(missing):
        text += (
            f" {len(missing)} of them have no usable world total in that edition and year and are left out: "
            f"{listing(missing['label'])}."
        )
    return text


def classification_summary(classified: pd.DataFrame, overlap_threshold_pp: float) -> str:
    counts = classified["class"].value_counts()
    overlapping = classified[classified["class"] == OVERLAPPING]
    undetermined = classified[classified["class"] == UNDETERMINED]
    text = (
        f"At a threshold of {overlap_threshold_pp:g} % of world output, {counts.get(SINGLE, 0)} of the "
        f"{len(classified)} products have a single North American producer, {counts.get(OVERLAPPING, 0)} have "
        f"two or more ({listing(overlapping['label'])}) and {counts.get(ABSENT, 0)} have none."
    )
    if len(undetermined):
        text += (
            f" For {len(undetermined)} ({listing(undetermined['label'])}) the answer turns on a value USGS "
            f"withholds or folds into 'Other countries'."
        )
    return text


def similarity_summary(context: pd.DataFrame, measure: str = "production") -> str:
    rows = context.dropna(subset=["similarity"]).set_index("pair")
    partner_rows = rows[rows["partner_pair"]].sort_values("similarity")
    outside = rows[~rows["partner_pair"]]
    peers = len(context.attrs["peers"])
    partner_text = "; ".join(
        f"{pair} {row.similarity:.2f} ({ordinal(row.percentile)} percentile)" for pair, row in partner_rows.iterrows()
    )
    outside_text = "; ".join(
        f"{pair} {row.similarity:.2f} ({ordinal(row.percentile)})" for pair, row in outside.iterrows()
    )
    less_similar = (context.attrs["all_pairs"] < partner_rows["similarity"].median()).mean() * 100
    holders = "producers" if measure == "production" else "holders of reserves"
    return (
        f"Similarity of the partners' {measure} profiles: {partner_text}. For comparison: {outside_text}. "
        f"Percentiles place each pair among all pairs of the {peers} most diversified {holders}. "
        f"The median partner pair is more similar than {less_similar:.0f} % of those pairs: "
        + (
            "the partners' portfolios are, if anything, less alike than those of comparable producers, as the "
            "complementarity claim expects."
            if less_similar < 50
            else "the partners' portfolios are no less alike than those of comparable producers, so portfolio "
            "similarity does not single them out as complementary."
        )
    )


# Paper B's claim is about room in the market; the share test is this chapter's reading of it, and the words say so.
VERDICT_WORDS = {
    "yes": "fits the chapter's reading",
    "no": "does not fit the chapter's reading",
    "cannot tell": "cannot tell",
}


def claims_reading(overlap_threshold_pp: float) -> str:
    """What paper B claims and how the chapter tests it: the test is an interpretation, not the claim."""
    return (
        f"Paper B's claim is about room in the market: where the partners are not in a zero-sum position, several "
        f"North American projects can be supported without bidding against each other. Shares cannot measure "
        f"room directly. This chapter reads the claim as a test on shares: a product is zero-sum when two or "
        f"more partners each supply at least {overlap_threshold_pp:g} % of world output (or hold that share of "
        f"world reserves), and not zero-sum when at most one does. The verdicts below are on that reading."
    )


def claims_verdict(claims: pd.DataFrame, overlap_threshold_pp: float) -> str:
    """What paper B says, how the chapter reads it, and per mineral what production and reserves show."""
    lines = [claims_reading(overlap_threshold_pp), ""]
    for label, part in claims.groupby("label", sort=False):
        findings = "; ".join(
            f"{row['measure']}: {row['class']}"
            + (f" ({row['unknown']})" if row["unknown"] else "")
            + f", club share {row[CLUB]:.1f} %"
            + f" — {VERDICT_WORDS[row['data_agree']]}"
            for _, row in part.iterrows()
        )
        lines.append(f"- **{label}** — paper B: {part['paper_b_says'].iloc[0]}. Data: {findings}.")
    return "\n".join(lines)


def ordinal(number: float) -> str:
    value = int(round(number))
    suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{value}{suffix}"


def concentration_summary(concentration_: pd.DataFrame) -> str:
    gap = concentration_[concentration_["gap"]].sort_values("china_pct", ascending=False)
    high = concentration_["highly_concentrated"]
    lifted = concentration_[~high & (concentration_["hhi_pooled"] > HHI_HIGHLY_CONCENTRATED)]
    moved = concentration_["hhi_pooled"] - concentration_["hhi"]
    return (
        f"{int(high.sum())} of {len(concentration_)} products are highly concentrated (HHI above "
        f"{HHI_HIGHLY_CONCENTRATED:,.0f}); the median HHI is {concentration_['hhi'].median():,.0f}, and "
        f"{concentration_['hhi_pooled'].median():,.0f} with the "
        f"three partners pooled as one supplier. Pooling raises the index by {moved.max():,.0f} points at most "
        f"({concentration_.loc[moved.idxmax(), 'label']}) and lifts "
        + (
            f"{len(lifted)} product(s) over the threshold: {listing(lifted['label'])}."
            if len(lifted)
            else "no product over the threshold."
        )
        + f" Gap minerals — China above {GAP_CHINA_ABOVE_PCT:g} % of world output and the club below "
        f"{GAP_CLUB_BELOW_PCT:g} % — number {len(gap)}: "
        + listing([f"{row.label} (China {row.china_pct:.0f} %, club {row.club_pct:.1f} %)" for row in gap.itertuples()])
        + "."
    )


def conclusions(results: dict) -> str:
    """The chapter's answer to the papers' claims, from its headline numbers."""
    classes = results["classes"]

    def partner_percentiles(context: dict) -> list[float]:
        return sorted(
            value["percentile_among_peer_pairs"]
            for pair, value in context.items()
            if all(side in PARTNERS for side in pair.split(" – "))
        )

    production_pct = partner_percentiles(results["similarity_context"])
    reserves_pct = partner_percentiles(results["similarity_reserves_context"])
    claims = pd.DataFrame(results["paper_b_claims"])
    contradicted = claims[claims["data_agree"] == "no"]
    unclear = claims[claims["data_agree"] == "cannot tell"]
    reserves_claims = claims[claims["measure"] == "reserves"]
    overlapping_reserves = reserves_claims[reserves_claims["class"] == OVERLAPPING]["label"].tolist()
    lines = [
        f"- **Complementarity, mineral by mineral.** {classes[SINGLE]} products have one North American producer "
        f"and {classes[OVERLAPPING]} have several ({listing(results['overlapping'])}); {classes[ABSENT]} have none "
        f"and {classes[UNDETERMINED]} cannot be classified from published data.",
        f"- **Complementarity, portfolio-wide.** In production the partner pairs sit at the "
        f"{listing([ordinal(p) for p in production_pct])} percentiles of similarity among comparable producers, in "
        f"reserves at the {listing([ordinal(p) for p in reserves_pct])}. "
        + (
            "Both are low, which supports paper A's 'largely complementary'."
            if max(production_pct + reserves_pct) < 50
            else "By this measure the partners are not unusually complementary: at least one pair is more alike than "
            "the typical pair of comparable producers."
        ),
        "- **Paper B's examples.** "
        + (
            "Read as a test of how many partners are large producers (paper B's claim itself is about room in the "
            "market), the data fit paper B wherever they can tell."
            if contradicted.empty
            else "Paper B's claim is about room in the market; read as the chapter's test of how many partners "
            "are large "
            "producers, the data do not fit it for "
            + listing(sorted({f"{row.label} ({row.measure})" for row in contradicted.itertuples()}))
            + ", where two or more partners are large producers. Whether those markets still have room for several "
            "projects, shares alone cannot tell."
        )
        + (
            ""
            if unclear.empty
            else " They cannot tell for "
            + listing(sorted({f"{row.label} ({row.measure})" for row in unclear.itertuples()}))
            + ", where USGS does not show a partner's value separately (withheld or counted only in a total)."
        )
        + " On reserves, the club's share of the world's is "
        + listing([f"{row.club_pct:.1f} % for {row.label}" for row in reserves_claims.itertuples()])
        + f"; the overlapping ones are {listing(overlapping_reserves)}.",
        f"- **Concentration.** Median HHI {results['median_hhi']:,.0f}, pooled {results['median_hhi_pooled']:,.0f}; "
        f"{len(results['gap_minerals'])} gap minerals: {listing(results['gap_minerals'])}.",
        f"- **Headroom.** {len(results['headroom_candidates'])} partner-products hold a larger share of world "
        f"reserves than of production.",
    ]
    return "\n".join(lines)
