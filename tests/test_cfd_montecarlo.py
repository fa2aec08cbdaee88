"""Chapter 04's Monte Carlo estimators: antithetic pairs, the closed-form strip as control variate, and the standard
errors it saves on the chapter's headline values."""

from __future__ import annotations

import ast
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from critical_minerals.core import paths
from critical_minerals.engine import declarations
from critical_minerals.models.cfd import model as cfd
from critical_minerals.models.cfd import montecarlo as cfd_montecarlo
from critical_minerals.models.prices import model as price_models
from critical_minerals.models.project_finance import model as project_finance

MEAN_REVERTING = price_models.PriceModel("mean_reverting", "nickel", 18_800.0, 0.29, kappa=0.33, theta=np.log(19_000.0))


def test_antithetic_paths_mirror_each_other_around_the_mean_log_price():
    # path i and i + n/2 use opposite draws: their log prices average to the deterministic mean of ln P_t exactly,
    # so the mean of any payoff odd in ln P_t - E[ln P_t] is exact
    n_paths, months = 200, 30
    chunk = price_models.simulate_prices(MEAN_REVERTING, n_paths, months, price_models.generator(3)).astype(float)
    t = np.arange(1, months + 1) / 12
    mean_log = MEAN_REVERTING.theta + (np.log(MEAN_REVERTING.price0) - MEAN_REVERTING.theta) * np.exp(
        -MEAN_REVERTING.kappa * t
    )
    deviation = np.log(chunk) - mean_log[:, None]
    # exact up to the float32 rounding of the prices (relative 1e-7)
    np.testing.assert_allclose(deviation[:, :100] + deviation[:, 100:], 0.0, atol=1e-6)
    mean, se = cfd_montecarlo.means(cfd._pairs_adjacent(deviation[-1]))
    assert abs(mean) < 1e-7 and se < 1e-7
    assert deviation[-1].std() > 0.1  # while the payoff itself varies


def test_pair_means_give_the_standard_error_of_independent_pairs():
    values = np.array([1.0, 3.0, 2.0, 2.0, 5.0, 7.0, 0.0, 4.0])  # pair means 2, 2, 6, 2
    mean, se = cfd_montecarlo.means(values)
    assert mean == pytest.approx(3.0)
    assert se == pytest.approx(np.std([2, 2, 6, 2], ddof=1) / 2)  # sd(pair means) / sqrt(4 pairs)
    assert cfd.probability(np.array([1, 1, 0, 1, 0, 0, 1, 1]))["se"] == pytest.approx(
        np.std([1, 0.5, 0, 1], ddof=1) / 2
    )


def test_control_variate_by_hand(monkeypatch):
    monkeypatch.setattr(cfd_montecarlo, "MIN_PAIRS_PER_CONTROL", 1)
    # pair means y = 2, 0, 3, 1 and centred control pair means c = 2, 0, 3, -1 (sample mean 1, expectation 0):
    # slope = sum (c - 1)(y - 1.5) / sum (c - 1)^2 = 6 / 10 = 0.6; estimate = 1.5 - 0.6 x 1 = 0.9
    # residuals -0.1, -0.9, 0.3, 0.7: SE = sqrt(1.4 / (4 - 1 - 1) / 4)
    values = np.repeat([2.0, 0.0, 3.0, 1.0], 2)
    controls = np.array([[2.0, 0.0, 3.0, -1.0]])
    mean, se = cfd_montecarlo.means(values, controls)
    assert mean == pytest.approx(0.9)
    assert se == pytest.approx(np.sqrt(1.4 / 2 / 4))
    # a payoff that is a linear function of the control: exact, no variance
    mean, se = cfd_montecarlo.means(np.repeat(5.0 + 3.0 * controls[0], 2), controls)
    assert mean == pytest.approx(5.0) and se == pytest.approx(0.0, abs=1e-12)


def test_too_few_pairs_per_control_fall_back_to_the_plain_mean():
    values = np.repeat([2.0, 0.0, 3.0, 1.0], 2)
    assert cfd_montecarlo.means(values, np.array([[2.0, 0.0, 3.0, -1.0]])) == cfd_montecarlo.means(values)


def chapter_defaults() -> dict:
    found = declarations.notebook_parameters(paths.NOTEBOOKS_DIR / "04_price_support.ipynb")
    return {item["name"]: ast.literal_eval(item["default"]) for item in found}


def default_setup(model: price_models.PriceModel) -> cfd.Setup:
    """Chapter 04's default contract on the nickel archetype, strike at the reference price."""
    d = chapter_defaults()
    archetype = project_finance.read_archetypes()[d["project_archetype"]]
    contract = cfd.Contract(
        strike=1.0,
        revenue_share=d["revenue_share"],
        cap_multiple=d["collar_cap_multiple"],
        support_years=d["support_years"],
    )
    setup = cfd.make_setup(
        archetype,
        replace(model, last_month=pd.Timestamp("2026-05-01")),
        contract,
        d["construction_start_year"],
        d["government_discount_rate"],
        project_finance.read_subsidy_regimes(),
        (50e6, 150e6),
        compute_irr=False,
    )
    strike = d["strike_multiple"] * cfd.reference_price(setup.price_model, setup)
    return replace(setup, contract=replace(contract, strike=strike))


@pytest.mark.parametrize("model", [MEAN_REVERTING, price_models.PriceModel("gbm", "nickel", 18_800.0, 0.29)])
def test_expected_payments_are_the_closed_form_with_no_variance(model):
    setup = default_setup(model)
    results = cfd.value_paths(cfd.simulate_paths(setup.price_model, 2_000, setup.n_months, 5), setup)
    exact = cfd.closed_form_values(setup.price_model, setup)
    summary = cfd.instrument_summary(results)
    for instrument in ("floor", "cfd"):
        # the paths compare prices with the strike rounded to float32, the closed form with the strike itself
        assert summary.at[instrument, "fiscal_npv_mean"] == pytest.approx(exact[instrument], abs=1e-6 * exact["floor"])
        assert summary.at[instrument, "fiscal_npv_mean_se"] < 1e-9 * exact["floor"]
    timeline = cfd.payment_timeline(results, 2027)
    assert timeline["se"].max() < 1e-9 * exact["floor"]


def test_control_variate_cuts_the_standard_errors_of_the_headline_values_at_least_fourfold():
    """At the chapter's default paths and seed: the SE of each expected value in the results (fiscal cost, project
    NPV, zero-cost revenue share) against the SE the chapter reported before (antithetic pairs, batch means)."""
    d = chapter_defaults()
    setup = default_setup(MEAN_REVERTING)
    results = cfd.value_paths(
        cfd.simulate_paths(setup.price_model, d["simulation_paths"], setup.n_months, d["simulation_seed"]), setup
    )
    summary = cfd.instrument_summary(results)
    for instrument in cfd.INSTRUMENTS[1:]:
        r = results["none"][instrument]
        for name, column in (("government_pv", "fiscal_npv_mean_se"), ("project_npv", "project_npv_mean_se")):
            before = cfd.batch_se(r[name], np.mean)
            assert before > 0
            assert summary.at[instrument, column] * 4 <= before, (instrument, name)
    floor = results["none"]["floor"]["government_pv"]
    call = floor - results["none"]["cfd"]["government_pv"]
    both = np.stack([floor, call])
    ratios = [b[0].mean() / b[1].mean() for b in np.split(both, cfd.BATCHES, axis=1)]
    before = np.std(ratios, ddof=1) / np.sqrt(cfd.BATCHES)
    assert cfd.zero_cost_revenue_share(results)["se"] * 4 <= before


def test_streamed_and_stored_paths_carry_the_same_controls(monkeypatch):
    monkeypatch.setattr(cfd, "CHUNK_PATHS", 600)  # three chunks, the last one short: controls written by slices
    setup = replace(default_setup(MEAN_REVERTING), keep_annual=False)
    stored = cfd.value_paths(cfd.simulate_paths(setup.price_model, 1_400, setup.n_months, 7), setup)
    streamed = cfd.simulate_and_value(setup.price_model, setup, 1_400, 7)
    controls = streamed["none"]["floor"][cfd.CONTROLS]
    assert controls.shape == (cfd.count_controls(setup), 700)
    np.testing.assert_allclose(controls, stored["none"]["floor"][cfd.CONTROLS], rtol=1e-6, atol=1e-3)
