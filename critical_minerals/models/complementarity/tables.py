"""Chapter 02's display tables: the paper's uses beside the partners' shares, and where the data limit a metric."""

from __future__ import annotations

import pandas as pd

from ...core import display
from .model import BOUNDED_BY_UNASSIGNED, CLUB, IN_OTHER, IN_OTHER_ROW, IN_WORLD, PARTNERS, WITHHELD, Supply


def with_applications(classified: pd.DataFrame, paper_table: pd.DataFrame) -> pd.DataFrame:
    """Paper A's picture made precise: partner shares, club share, leader and class, with the paper's uses.

    Products whose label starts with a paper mineral's name get its energy-transition and defence applications; the
    report shows them in the table's all-columns copy (the chapter argues from the shares and classes).
    """
    uses = paper_table.set_index("mineral")[["energy_transition_applications", "defense_applications"]]
    mineral = classified["label"].str.replace(r" \(.*\)$", "", regex=True)
    table = classified.assign(mineral=mineral).merge(uses, left_on="mineral", right_index=True, how="left")
    columns = [
        "label",
        *PARTNERS,
        CLUB,
        "leading_partner",
        "clear_lead",
        "class",
        "energy_transition_applications",
        "defense_applications",
    ]
    return display.details(
        table[columns].sort_values(CLUB, ascending=False, ignore_index=True),
        ["energy_transition_applications", "defense_applications"],
    )


def caveats(
    production: Supply,
    reserves: Supply,
    production_status: pd.DataFrame,
    reserves_status: pd.DataFrame,
    missing: pd.DataFrame,
) -> pd.DataFrame:
    """Every place where the data limit a metric, and what it does to it. Computed from the tables, not typed."""
    rows = []
    effects = {
        WITHHELD: "share unknown: the club share is a lower bound, the HHI and the similarity count it as zero, and "
        "the class may be undetermined",
        IN_OTHER: "folded into 'Other countries' by USGS: share unknown, at most that aggregate's share; counted as "
        "zero in the club share, the HHI and the similarity",
        IN_WORLD: "counted in the world total but not shown by USGS: share unknown, counted as zero in the club share, "
        "the HHI and the similarity, and the class may be undetermined",
        IN_OTHER_ROW: "reported by USGS with another series: share unknown, counted as zero in the club share, the HHI "
        "and the similarity, and the class may be undetermined",
    }
    for measure, status in (("production", production_status), ("reserves", reserves_status)):
        for row in status[status["status"].isin(effects)].itertuples():
            bound = (
                "unbounded"
                if pd.isna(row.upper_pct)
                else f"at most {row.upper_pct:.1f} %, what the rounded world total leaves unassigned"
                if row.status in BOUNDED_BY_UNASSIGNED
                else f"at most {row.upper_pct:.1f} %"
            )
            rows.append(
                {
                    "product": row.label,
                    "measure": measure,
                    "country": row.partner,
                    "issue": row.status,
                    "effect": f"{effects[row.status]} ({bound})",
                }
            )
        for row in status[status["qualified"] != ""].itertuples():
            rows.append(
                {
                    "product": row.label,
                    "measure": measure,
                    "country": row.partner,
                    "issue": f"qualified value ({row.qualified})",
                    "effect": "USGS gives only this variant; it is used as the country's value",
                }
            )
    for measure, supply_ in (("production", production), ("reserves", reserves)):
        for label in supply_.products.index[supply_.products["world_excludes_us"]]:
            rows.append(
                {
                    "product": label,
                    "measure": measure,
                    "country": "United States",
                    "issue": "world total excludes the United States",
                    "effect": "other countries' shares are of the world less the United States, slightly "
                    "overstated; the U.S. share cannot be bounded",
                }
            )
    for measure, supply_ in (("production", production), ("reserves", reserves)):
        replaced = supply_.products[supply_.products["world_replaced"]]
        for label, row in replaced.iterrows():
            rows.append(
                {
                    "product": label,
                    "measure": measure,
                    "country": "",
                    "issue": f"published world total ({row['world_published']:,.0f} {row['unit']}) is below "
                    f"the sum of its countries ({row['world']:,.0f} {row['unit']})",
                    "effect": "the sum of the countries is used as the world total",
                }
            )
    for row in missing.itertuples():
        rows.append(
            {
                "product": row.label,
                "measure": "production",
                "country": "",
                "issue": "no world total in the selected edition and year",
                "effect": "left out of every metric",
            }
        )
    return pd.DataFrame(rows, columns=["product", "measure", "country", "issue", "effect"])
