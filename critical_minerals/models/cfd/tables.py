"""Chapter 04's display tables: the computed frames with readable labels and units, for the report."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...core import display
from ...sources import units
from . import model as cfd


def lithium_check_view(check: pd.DataFrame) -> pd.DataFrame:
    return check.rename(
        columns={
            "usgs_price": "USGS carbonate (USD/t LCE)",
            "panel_price_converted": f"IMF Li metal / {units.T_LCE_PER_T_LI:.3f} (USD/t LCE)",
        }
    )


def strike_view(needed: pd.DataFrame, reference: float) -> pd.DataFrame:
    """The strike each instrument needs, in USD per tonne and as a multiple of the reference price."""
    view = needed.assign(
        instrument=needed["instrument"].map(cfd.INSTRUMENT_LABELS), strike_multiple=needed["strike"] / reference
    )
    return view[["instrument", "strike", "strike_multiple"]]


def subsidy_strike_table(strikes: pd.DataFrame) -> pd.DataFrame:
    """The strike per archetype (rows) and subsidy regime (columns, in the order of cfd.SUBSIDY_REGIMES)."""
    return strikes.pivot(index="archetype", columns="regime", values="strike")[list(cfd.SUBSIDY_REGIMES)]


def subsidy_strike_view(wide: pd.DataFrame) -> pd.DataFrame:
    return wide.rename(columns=cfd.REGIME_LABELS).reset_index()


def _share_with_se(share: pd.Series, se: pd.Series) -> pd.Series:
    return pd.Series([f"{value:.1%} (±{error:.1%})" for value, error in zip(share, se)], index=share.index)


def budget_view(budget: pd.DataFrame) -> pd.DataFrame:
    """How often outlays exceed each threshold, per contract year and over the contract, with standard errors."""
    view = budget.assign(
        instrument=budget["instrument"].map(cfd.INSTRUMENT_LABELS),
        threshold=(budget["threshold_usd"] / 1e6).map("{:,.0f} M USD".format),
        years_above=_share_with_se(budget["share_of_years_above"], budget["share_of_years_above_se"]),
        totals_above=_share_with_se(budget["share_of_totals_above"], budget["share_of_totals_above_se"]),
        max_commitment=(budget["max_commitment_usd"] / 1e6).map("{:,.0f} M USD".format),
    )
    return view[["instrument", "threshold", "years_above", "totals_above", "max_commitment"]]


def harmonization_view(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison as shown; the ratios (the credits' columns divided) and the eligibility reasoning (the
    paragraph beside the table says it) are its details, shown in the all-columns copy in the data appendix."""

    def ratio(value):
        return "no 45X credit" if np.isinf(value) else f"{value:.2f}"

    return display.details(
        pd.DataFrame(
            {
                "archetype": table["archetype"],
                "levelized cost (USD/t)": table["levelized_cost_usd_per_t"].map("{:,.0f}".format),
                "Canada ITC (USD/t)": table["canada_ctm_itc_usd_per_t"].map("{:,.0f}".format),
                "US 45X permanent (USD/t)": table["us_45x_permanent_usd_per_t"].map("{:,.0f}".format),
                "US 45X current law (USD/t)": table["us_45x_current_law_usd_per_t"].map("{:,.0f}".format),
                "ITC / 45X permanent": table["ratio_itc_to_us_45x_permanent"].map(ratio),
                "ITC / 45X current law": table["ratio_itc_to_us_45x_current_law"].map(ratio),
                "section 45X eligibility": table["us_45x_reason"],
                "paper B says": table["paper_b_claim"],
                "model: permanent 45X": table["model_finds_permanent"],
                "model: current law": table["model_finds_current_law"],
            }
        ),
        ["ITC / 45X permanent", "ITC / 45X current law", "section 45X eligibility"],
    )
