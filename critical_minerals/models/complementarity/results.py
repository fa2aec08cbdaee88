"""Chapter 02's headline numbers, as written to results/02_complementarity.json for the summary and the comparison."""

from __future__ import annotations

import pandas as pd

from .model import ABSENT, CLUB, OVERLAPPING, PARTNERS, SINGLE, UNDETERMINED, Selection


def _context_dict(context: pd.DataFrame) -> dict:
    return {
        row.pair: {
            "similarity": round(float(row.similarity), 4),
            "percentile_among_peer_pairs": round(float(row.percentile), 1),
        }
        for row in context.dropna(subset=["similarity"]).itertuples()
    }


def headline_results(
    selection: Selection,
    classified: pd.DataFrame,
    concentration_: pd.DataFrame,
    similarity: pd.DataFrame,
    reserves_context: pd.DataFrame,
    context: pd.DataFrame,
    headroom_: pd.DataFrame,
    claims: pd.DataFrame,
    change: pd.DataFrame,
    caveats_: pd.DataFrame,
    thresholds: dict,
) -> dict:
    """Chapter 02's headline numbers for the summary and the results file."""
    partners = list(PARTNERS)

    def matrix(frame: pd.DataFrame) -> dict:
        return {a: {b: round(float(frame.loc[a, b]), 4) for b in partners} for a in partners}

    classes = classified["class"].value_counts()
    return {
        "selection": {
            "usgs_edition": selection.edition,
            "production_year": selection.year,
            "year_estimated": selection.estimated,
            "reserves_year": selection.reserves_year,
            "stage": selection.stage,
            "scope": selection.scope,
            **thresholds,
        },
        "products": len(classified),
        "products_club_share_at_least_10pct": int((classified[CLUB] >= 10).sum()),
        "classes": {kind: int(classes.get(kind, 0)) for kind in (SINGLE, OVERLAPPING, ABSENT, UNDETERMINED)},
        "overlapping": classified.loc[classified["class"] == OVERLAPPING, "label"].tolist(),
        "undetermined": classified.loc[classified["class"] == UNDETERMINED, "label"].tolist(),
        "similarity_production": matrix(similarity),
        "similarity_reserves_context": _context_dict(reserves_context),
        "similarity_context": _context_dict(context),
        "median_hhi": float(concentration_["hhi"].median()),
        "median_hhi_pooled": float(concentration_["hhi_pooled"].median()),
        "highly_concentrated_products": int(concentration_["highly_concentrated"].sum()),
        "gap_minerals": concentration_.loc[concentration_["gap"], "label"].tolist(),
        "headroom_candidates": [
            f"{row.label} ({row.partner})" for row in headroom_[headroom_["headroom_pp"] > 0].itertuples()
        ],
        "paper_b_claims": claims[["label", "measure", "class", CLUB, "data_agree"]]
        .rename(columns={CLUB: "club_pct"})
        .round(2)
        .to_dict("records"),
        "largest_club_share_changes_pp": change.dropna(subset=["club change (pp)"])
        .sort_values("club change (pp)", key=abs, ascending=False)
        .head(5)
        .set_index("label")["club change (pp)"]
        .round(2)
        .to_dict(),
        "caveats": int(len(caveats_)),
    }
