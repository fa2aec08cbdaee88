"""Chapter 04's headline numbers, as written to results/04_price_support.json for the summary and the comparison."""

from __future__ import annotations

import math

import pandas as pd

from . import model as cfd

# The chapter's parameters its results file records (as the chapter's variables are named).
RUN_PARAMETERS = (
    "project_archetype",
    "price_model",
    "calibration_start_year",
    "calibrate_real_prices",
    "simulation_paths",
    "simulation_seed",
    "support_years",
    "subsidy_regime",
    "bankability_target",
)


def run_parameters(values: dict) -> dict:
    """The parameters of this run that the results file records, taken from the chapter's variables."""
    return {name: values[name] for name in RUN_PARAMETERS}


INSTRUMENT_FIELDS = (
    "fiscal_npv_mean",
    "fiscal_npv_mean_se",
    "fiscal_npv_p5",
    "fiscal_npv_p50",
    "fiscal_npv_p95",
    "max_outlay_p95",
    "p_paying",
    "project_npv_mean",
    "p_npv_negative",
    "p_npv_negative_se",
)


def _number(value) -> float | None:
    """A strike or cost as JSON takes it: NaN (not reached) becomes null."""
    return None if math.isnan(value) else float(value)


def tariff_ends(tariff: pd.DataFrame) -> tuple[float, pd.Series]:
    """The expected cost settling on the world price with no pass-through, and the row of the U.S.-delivered basis
    with full pass-through."""
    world_cost = tariff.query("basis == 'world' and pass_through == 0")["fiscal_npv_mean"].iloc[0]
    return world_cost, tariff.query("basis == 'us_delivered' and pass_through == 1").iloc[0]


def budget_floor(budget: pd.DataFrame) -> pd.DataFrame:
    """The price floor's rows of the budget table, by threshold."""
    return budget[budget["instrument"] == "floor"].set_index("threshold_usd")


def headline_results(
    run: dict,
    archetype,
    reference: float,
    setup: cfd.Setup,
    seconds: float,
    summary: pd.DataFrame,
    alpha: dict,
    needed: pd.DataFrame,
    check: pd.DataFrame,
    harmonization: pd.DataFrame,
    strikes: pd.DataFrame,
    tariff: pd.DataFrame,
    budget: pd.DataFrame,
) -> dict:
    """Every headline number of the chapter. `run` holds the chapter's parameters, by name; `strikes` is the table
    of strikes per archetype and subsidy regime."""
    low, high = setup.thresholds
    world_cost, full = tariff_ends(tariff)
    floor = budget_floor(budget)
    return {
        "project_archetype": run["project_archetype"],
        "price_metal": archetype.price_metal,
        "price_model": run["price_model"],
        "calibration_start_year": run["calibration_start_year"],
        "real_prices": run["calibrate_real_prices"],
        "n_paths": run["simulation_paths"],
        "seed": run["simulation_seed"],
        "reference_price_usd_per_t": reference,
        "strike_usd_per_t": setup.contract.strike,
        "support_years": run["support_years"],
        "subsidy_regime": run["subsidy_regime"],
        "simulation_seconds": seconds,
        "instruments": {
            name: {key: float(summary.loc[name, key]) for key in INSTRUMENT_FIELDS} for name in cfd.INSTRUMENTS
        },
        "zero_cost_revenue_share": alpha["value"],
        "zero_cost_revenue_share_se": alpha["se"],
        "strike_for_target": {r.instrument: _number(r.strike) for r in needed.itertuples()},
        "bankability_target": run["bankability_target"],
        "closed_form_difference_in_se": dict(zip(check["instrument"], check["difference_in_se"].astype(float))),
        "harmonization": {
            r.archetype: {
                "itc_usd_per_t": r.canada_ctm_itc_usd_per_t,
                "us_45x_permanent_usd_per_t": r.us_45x_permanent_usd_per_t,
                "us_45x_current_law_usd_per_t": r.us_45x_current_law_usd_per_t,
                "paper_b_claim": r.paper_b_claim,
                "model_finds_permanent": r.model_finds_permanent,
                "model_finds_current_law": r.model_finds_current_law,
            }
            for r in harmonization.itertuples()
        },
        "subsidy_strikes": {a: {k: _number(v) for k, v in row.items()} for a, row in strikes.to_dict("index").items()},
        "tariff_fiscal_cost_world_basis": world_cost,
        "tariff_fiscal_cost_us_delivered_full_pass_through": full.fiscal_npv_mean,
        "budget_floor_share_of_years_above_50m": float(floor.loc[low, "share_of_years_above"]),
        "budget_floor_share_of_years_above_150m": float(floor.loc[high, "share_of_years_above"]),
        "max_commitment_usd": float(budget["max_commitment_usd"].iloc[0]),
    }
