"""Chapter 04's runs set up from its parameters: the contract at the chosen strike, the timed valuation, the fan
chart's paths under both price models and the GBM run that the closed form checks."""

from __future__ import annotations

import time
from dataclasses import replace

import pandas as pd

from ...sources import units
from ...tables import read_table
from ..prices import model as price_models
from ..project_finance import model as project_finance
from ..project_finance.model import Archetype
from . import model as cfd

FAN_YEARS, FAN_PATHS = 10, 4000  # the fan chart: ten years of 4,000 paths per model


def read_inputs(out) -> tuple[pd.DataFrame, dict[str, Archetype], pd.DataFrame, dict[str, float]]:
    """The chapter's inputs: the monthly price panel (a tidy table of the run), the project archetypes, the subsidy
    regimes and the policy parameters (hand-written tables in data/)."""
    return (
        read_table("prices_monthly", out),
        project_finance.read_archetypes(),
        project_finance.read_subsidy_regimes(),
        project_finance.read_policy_parameters(),
    )


def deflator(prices_monthly: pd.DataFrame, out, real: bool) -> pd.Series | None:
    """The MUV index that puts prices in constant dollars, or None for nominal prices."""
    return price_models.muv_deflator(prices_monthly, read_table("prices_annual_real", out)) if real else None


def contract(
    policy: dict, *, revenue_share: float, cap_multiple: float, support_years: int, basis: str, pass_through: float
) -> cfd.Contract:
    """The chapter's contract before its strike is known (strike 1.0 stands in), with the tariff of the policy data."""
    return cfd.Contract(
        strike=1.0,
        revenue_share=revenue_share,
        cap_multiple=cap_multiple,
        support_years=support_years,
        basis=basis,
        tariff_rate=policy["section_301_tariff_rate"],
        pass_through=pass_through,
    )


def thresholds(policy: dict) -> tuple[float, float]:
    """The current and the proposed approval threshold of Defense Production Act Title III projects (USD)."""
    return policy["dpa_title_iii_threshold_usd"], policy["dpa_proposed_threshold_usd"]


def struck_setup(
    archetype: Archetype,
    model: price_models.PriceModel,
    unstruck: cfd.Contract,
    start_year: int,
    government_rate: float,
    regimes: pd.DataFrame,
    policy: dict,
    regime: str,
    strike_multiple: float,
    strike_usd_per_t: float,
) -> tuple[cfd.Setup, float]:
    """The valuation set-up at the chosen strike — `strike_usd_per_t`, or `strike_multiple` times the reference
    price, which depends on the set-up's months (hence a first set-up) — and that reference price. Its thresholds
    are the policy data's approval thresholds."""
    limits = thresholds(policy)
    setup = cfd.make_setup(archetype, model, unstruck, start_year, government_rate, regimes, limits, (regime,))
    reference = cfd.reference_price(model, setup)
    strike = strike_usd_per_t or strike_multiple * reference
    return cfd.make_setup(
        archetype, model, replace(unstruck, strike=strike), start_year, government_rate, regimes, limits, (regime,)
    ), reference


def timed_valuation(
    model: price_models.PriceModel, setup: cfd.Setup, n_paths: int, seed: int
) -> tuple[list, dict, float]:
    """The simulated paths, every instrument valued on them, and the seconds both took."""
    started = time.perf_counter()
    paths = cfd.simulate_paths(model, n_paths, setup.n_months, seed)
    results = cfd.value_paths(paths, setup)
    return paths, results, time.perf_counter() - started


def fan_charts(
    archetype: Archetype,
    calibration: pd.DataFrame,
    prices_monthly: pd.DataFrame,
    start_year: int,
    deflator: pd.Series | None,
    drift_from_data: bool,
    seed: int,
) -> tuple[dict, bool]:
    """The fan chart's data under each price model, in the product's units, and whether the metal has a history."""
    has_history = archetype.price_metal in calibration.index
    history = (
        price_models.monthly_series(prices_monthly, archetype.price_metal, start_year, deflator)
        if has_history
        else None
    )
    fans = {
        kind: price_models.fan_chart_data(
            cfd.archetype_price_model(archetype, calibration, kind, drift_from_data).scaled(
                archetype.product_t_per_t_metal
            ),
            history,
            FAN_YEARS,
            FAN_PATHS,
            seed,
        )
        for kind in price_models.MODELS
    }
    return fans, has_history


def closed_form_check(
    archetype: Archetype,
    calibration: pd.DataFrame,
    setup: cfd.Setup,
    start_year: int,
    regimes: pd.DataFrame,
    drift_from_data: bool,
    n_paths: int,
    seed: int,
) -> pd.DataFrame:
    """The floor and the symmetric CfD of the chapter's contract simulated under GBM against their closed form."""
    model = cfd.archetype_price_model(archetype, calibration, "gbm", drift_from_data)
    gbm_setup = cfd.make_setup(
        archetype,
        model,
        setup.contract,
        start_year,
        setup.government_rate,
        regimes,
        setup.thresholds,
        compute_irr=False,
        keep_annual=False,
    )
    results = cfd.value_paths(cfd.simulate_paths(model, n_paths, gbm_setup.n_months, seed), gbm_setup, ("floor", "cfd"))
    return cfd.closed_form_check(model, gbm_setup, results)


def lithium_check(prices_monthly: pd.DataFrame, salient: pd.DataFrame) -> pd.DataFrame:
    """USGS lithium carbonate prices against the IMF lithium metal price per tonne of carbonate (LCE)."""
    return price_models.usgs_price_ratio(prices_monthly, salient, "lithium", "", 1 / units.T_LCE_PER_T_LI)
