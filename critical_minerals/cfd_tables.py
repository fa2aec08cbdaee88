"""Chapter 04's display tables: the computed frames with readable labels and units, for the report."""

from __future__ import annotations

import pandas as pd

from . import cfd, units


def lithium_check_view(check: pd.DataFrame) -> pd.DataFrame:
    return check.rename(columns={"usgs_price": "USGS carbonate (USD/t LCE)",
                                 "panel_price_converted": f"IMF Li metal / {units.T_LCE_PER_T_LI:.3f} (USD/t LCE)"})


def strike_view(needed: pd.DataFrame, reference: float) -> pd.DataFrame:
    """The strike each instrument needs, in USD per tonne and as a multiple of the reference price."""
    view = needed.assign(instrument=needed["instrument"].map(cfd.INSTRUMENT_LABELS),
                         strike_multiple=needed["strike"] / reference)
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
        max_commitment=(budget["max_commitment_usd"] / 1e6).map("{:,.0f} M USD".format))
    return view[["instrument", "threshold", "years_above", "totals_above", "max_commitment"]]
