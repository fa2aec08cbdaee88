"""Chapter 03's display tables: the cost tables, burden shares and NDS comparison as the report shows them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...core import display
from .model import INCLUDED, total_cost
from .validation import assumption


def cost_view(costs: pd.DataFrame) -> pd.DataFrame:
    """The per-mineral table as readers see it: quantities, price and its source, cost, and why excluded. How each
    quantity was measured, the price years and the price source are its details (the report shows them in the
    table's all-columns copy, in the data appendix)."""
    view = costs.reset_index()
    return display.details(
        pd.DataFrame(
            {
                "mineral": view["label"],
                "basis": view["basis_used"],
                "months": view["months"],
                "annual quantity (t)": view["annual_t"],
                "quantity note": view["quantity_note"],
                "stock (t)": view["stock_t"],
                "price (USD/t)": view["price_usd_per_t"],
                "price years": view["price_note"],
                "price source": view["price_source"],
                "cost (USD m)": view["cost_usd"] / 1e6,
                "status": np.where(view["status"] == INCLUDED, INCLUDED, "excluded: " + view["exclusion"]),
            }
        ),
        ["quantity note", "price years", "price source"],
    )


def key_inputs(keys: pd.DataFrame) -> pd.DataFrame:
    return keys[["key", "country", "value", "unit", "year", "source", "note"]]


def nds_comparison(costs_by_design: dict[str, pd.DataFrame], assumptions: pd.DataFrame) -> pd.DataFrame:
    """Each design's acquisition cost against the National Defense Stockpile's present scale (CRS figures)."""
    material = assumption(assumptions, "nds_material_value")
    gap = assumption(assumptions, "nds_requirement_gap")
    return pd.DataFrame(
        [
            {
                "design": name,
                "acquisition (USD bn)": total_cost(costs) / 1e9,
                "NDS stockpiled material (USD bn)": material / 1e9,
                "multiple of NDS material": total_cost(costs) / material,
                "NDS requirement gap (USD bn)": gap / 1e9,
                "multiple of the NDS gap": total_cost(costs) / gap,
            }
            for name, costs in costs_by_design.items()
        ]
    )


def burden_table(burden: dict[str, pd.DataFrame]) -> pd.DataFrame:
    table = pd.concat([shares.assign(design=name) for name, shares in burden.items()], ignore_index=True)
    return table.assign(cost_usd_bn=table["cost_usd"] / 1e9)[["design", "key", "country", "share", "cost_usd_bn"]]
