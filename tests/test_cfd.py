"""Chapter 04's instruments: payoff identities, valuation on paths, the Black-76 cross-check, strikes, bad input,
and the chapter under papermill with another project, price model and strike."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from dataclasses import replace

import numpy as np
import pytest

from critical_minerals.core import paths
from critical_minerals.core.errors import InputError
from critical_minerals.models.cfd import model as cfd
from critical_minerals.models.cfd import results as cfd_results
from critical_minerals.models.prices import model as price_models
from critical_minerals.models.project_finance import model as project_finance

PRICES = np.array([0.0, 50.0, 99.0, 100.0, 101.0, 140.0, 160.0, 400.0])
CONTRACT = cfd.Contract(strike=100.0, revenue_share=0.3, cap_multiple=1.5)


def test_payoff_identities():
    floor = cfd.government_payment("floor", PRICES, CONTRACT)
    call = np.maximum(PRICES - 100.0, 0.0)
    np.testing.assert_allclose(floor, np.maximum(100.0 - PRICES, 0.0))
    np.testing.assert_allclose(cfd.government_payment("cfd", PRICES, CONTRACT), floor - call)  # CfD = floor - call
    np.testing.assert_allclose(cfd.government_payment("cfd", PRICES, CONTRACT), 100.0 - PRICES)
    share = {
        alpha: cfd.government_payment("cfd_revenue_share", PRICES, replace(CONTRACT, revenue_share=alpha))
        for alpha in (0.0, 0.3, 1.0)
    }
    np.testing.assert_allclose(share[0.0], floor)  # revenue share 0 -> price floor
    np.testing.assert_allclose(share[1.0], cfd.government_payment("cfd", PRICES, CONTRACT))  # 1 -> symmetric CfD
    np.testing.assert_allclose(share[0.3], floor - 0.3 * call)
    # collar: floor below 100, nothing between 100 and 150, government takes everything above 150
    np.testing.assert_allclose(cfd.government_payment("collar", PRICES, CONTRACT), [100, 50, 1, 0, 0, 0, -10, -250])
    assert not cfd.government_payment("none", PRICES, CONTRACT).any()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"strike": 0.0}, "field 'strike'.*strike must be positive"),
        ({"strike": -5.0}, "strike must be positive"),
        ({"strike": float("nan")}, "strike must be positive"),
        ({"tariff_rate": 2.5}, "field 'tariff_rate'.*between 0 and 2"),
    ],
)
def test_bad_contracts_are_rejected_with_the_allowed_range(change, message):
    with pytest.raises(InputError, match=message):
        cfd.validate_contract(replace(CONTRACT, **change))


def test_negative_prices_are_rejected():
    with pytest.raises(InputError, match="negative"):
        cfd.government_payment("floor", np.array([-1.0]), CONTRACT)


def monthly_prices(first: str, last: str):
    """A price panel's date column, all the data check_parameters reads."""
    import pandas as pd

    return pd.DataFrame({"date": pd.date_range(first, last, freq="MS")})


CHAPTER_DEFAULTS = dict(
    project_archetype="nickel", calibration_start_year=2000, support_years=15, construction_start_year=2027
)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"project_archetype": "gold"}, "project_archetype.*choose one of"),
        ({"support_years": 40}, "support_years.*1 to 20"),
        ({"calibration_start_year": 1900}, "calibration_start_year.*from 1960 to 2022"),
        ({"calibration_start_year": 2023}, "calibration_start_year.*from 1960 to 2022"),
        ({"construction_start_year": 2025}, "construction_start_year.*choose 2026 or later"),
    ],
)
def test_parameters_are_checked_against_the_data_before_any_simulation(change, message):
    """Prices from January 1960 to December 2025: calibration needs three full years, construction starts after."""
    with pytest.raises(InputError, match=message):
        cfd.check_parameters(
            project_finance.read_archetypes(), monthly_prices("1960-01-01", "2025-12-01"), **(CHAPTER_DEFAULTS | change)
        )


def test_parameters_that_fit_the_data_give_the_archetype():
    archetype = cfd.check_parameters(
        project_finance.read_archetypes(), monthly_prices("1960-01-01", "2025-12-01"), **CHAPTER_DEFAULTS
    )
    assert archetype.name == project_finance.read_archetypes()["nickel"].name


def test_a_metal_without_price_history_and_no_reference_price_is_rejected():
    archetype = replace(project_finance.read_archetypes()["graphite"], reference_price_usd_per_t=float("nan"))
    calibration = prices_calibration()
    with pytest.raises(InputError, match="price_metal.*no price history"):
        cfd.archetype_price_model(archetype, calibration, "gbm")


def prices_calibration():
    """A two-metal calibration table built from synthetic series, as chapter 04 builds it from the panel."""
    import pandas as pd

    rng = np.random.default_rng(0)
    dates = pd.date_range("2000-01-01", periods=240, freq="MS")
    frames = [
        pd.DataFrame(
            {
                "commodity": metal,
                "date": dates,
                "price": level,
                "price_usd_per_t": level * np.exp(np.cumsum(rng.normal(0, 0.05, 240)) * 0.3),
            }
        )
        for metal, level in (("nickel", 18_000.0), ("copper", 9_000.0))
    ]
    return price_models.calibration_table(pd.concat(frames), 2000, None, ("nickel", "copper"))


# ---------------------------------------------------------------- valuation on paths


def toy_setup(contract=None, regimes=("none",), **changes):
    archetype = replace(
        project_finance.read_archetypes()["nickel"], life_years=8, construction_years=2, ramp_up_years=1
    )
    contract = contract or cfd.Contract(strike=19_000.0, revenue_share=0.4, cap_multiple=1.4, support_years=6)
    subsidy = project_finance.read_subsidy_regimes()
    setup = cfd.Setup(
        archetype,
        contract,
        offset_months=5,
        government_rate=0.03,
        subsidies={r: project_finance.subsidy_cash_flows(archetype, subsidy, r, 2027) for r in regimes},
        thresholds=(50e6, 150e6),
    )
    return replace(setup, **changes)


GBM = price_models.PriceModel("gbm", "nickel", 18_000.0, 0.3, mu=0.02)


def test_annual_sums_equal_the_direct_payoffs():
    setup = toy_setup()
    chunk = price_models.simulate_prices(GBM, 100, setup.n_months, np.random.default_rng(1))
    sums = cfd.annual_sums(chunk, setup.offset_months, setup.years, 19_000.0, 1.4 * 19_000.0)
    months = chunk[setup.offset_months :].astype(float).reshape(setup.years, 12, 100)
    np.testing.assert_allclose(sums.floor, np.maximum(19_000.0 - months, 0).sum(axis=1), rtol=1e-5, atol=1.0)
    np.testing.assert_allclose(sums.call, np.maximum(months - 19_000.0, 0).sum(axis=1), rtol=1e-5, atol=1.0)
    np.testing.assert_allclose(sums.above_cap, np.maximum(months - 26_600.0, 0).sum(axis=1), rtol=1e-5, atol=1.0)


def test_streaming_gives_the_same_results_as_stored_paths():
    setup = toy_setup(compute_irr=False, keep_annual=False)
    stored = cfd.value_paths(cfd.simulate_paths(GBM, 1_000, setup.n_months, 7), setup)
    streamed = cfd.simulate_and_value(GBM, setup, 1_000, 7)
    for instrument in cfd.INSTRUMENTS:
        for name in ("government_pv", "project_npv", "max_annual_outlay"):
            np.testing.assert_allclose(
                streamed["none"][instrument][name], stored["none"][instrument][name], rtol=1e-6, atol=1e-3
            )


@pytest.mark.parametrize("basis, pass_through", [("world", 0.0), ("us_delivered", 1.0)])
def test_simulated_floor_and_cfd_match_black76_within_three_standard_errors(basis, pass_through):
    contract = cfd.Contract(strike=19_000.0, support_years=6, basis=basis, pass_through=pass_through)
    setup = toy_setup(contract, compute_irr=False, keep_annual=False)
    results = cfd.value_paths(cfd.simulate_paths(GBM, 20_000, setup.n_months, 11), setup, ("floor", "cfd"))
    check = cfd.closed_form_check(GBM, setup, results)
    assert (check["difference_in_se"].abs() < 3).all(), check
    assert (check["se"] > 0).all()


def test_black76_put_by_hand_and_parity():
    # F = K = 100, sigma sqrt(T) = 0.2: d1 = 0.1, d2 = -0.1; put = 100 (N(0.1) - N(-0.1)) = 7.9656
    assert cfd.black76_put(100.0, 100.0, 0.2, 1.0) == pytest.approx(7.9656, abs=1e-4)
    assert cfd.black76_call(120.0, 100.0, 0.3, 2.0) - cfd.black76_put(120.0, 100.0, 0.3, 2.0) == pytest.approx(20.0)
    assert cfd.black76_put(80.0, 100.0, 0.3, 0.0) == pytest.approx(20.0)  # at expiry: intrinsic value


def test_simulated_floor_and_cfd_match_the_closed_form_under_mean_reversion_too():
    # the log price of each month is normal under mean reversion as well: Black-76 with sqrt(Var[ln P_t] / t)
    model = price_models.PriceModel("mean_reverting", "nickel", 18_000.0, 0.3, kappa=0.4, theta=np.log(20_000.0))
    setup = toy_setup(compute_irr=False, keep_annual=False)
    results = cfd.value_paths(cfd.simulate_paths(model, 20_000, setup.n_months, 13), setup, ("floor", "cfd"))
    check = cfd.closed_form_check(model, setup, results)
    assert (check["difference_in_se"].abs() < 3).all(), check
    assert (check["se"] > 0).all()


def test_us_delivered_basis_nets_the_tariff_premium_off_every_payment():
    # settling on 1.25 x the benchmark equals settling on the world basis with prices 25 % higher
    world, delivered = (
        toy_setup(
            cfd.Contract(strike=19_000.0, support_years=6, basis=basis, pass_through=1.0),
            compute_irr=False,
            keep_annual=False,
        )
        for basis in ("world", "us_delivered")
    )
    simulated = cfd.simulate_paths(GBM, 2_000, world.n_months, 3)
    on_delivered = cfd.value_paths(simulated, delivered, ("floor", "cfd"))
    on_scaled = cfd.value_paths([p * np.float32(1.25) for p in simulated], world, ("floor", "cfd"))
    for instrument in ("floor", "cfd"):
        np.testing.assert_allclose(
            on_delivered["none"][instrument]["government_pv"],
            on_scaled["none"][instrument]["government_pv"],
            rtol=1e-5,
            atol=1e3,
        )  # float32 paths


def test_zero_cost_revenue_share_makes_the_expected_cost_zero():
    setup = toy_setup(compute_irr=False, keep_annual=False)
    simulated = cfd.simulate_paths(GBM, 4_000, setup.n_months, 5)
    alpha = cfd.zero_cost_revenue_share(cfd.value_paths(simulated, setup))
    priced = cfd.value_paths(
        simulated,
        replace(setup, contract=replace(setup.contract, revenue_share=alpha["value"])),
        ("cfd_revenue_share",),
    )
    assert abs(priced["none"]["cfd_revenue_share"]["government_pv"].mean()) < 1e-6 * alpha["pv_floor_mean"]
    assert alpha["se"] > 0


def test_subsidies_raise_the_npv_by_their_present_value_only():
    setup = toy_setup(regimes=("none", "canada_ctm_itc"), compute_irr=False, keep_annual=False)
    results = cfd.value_paths(cfd.simulate_paths(GBM, 200, setup.n_months, 2), setup, ("floor",))
    gain = results["canada_ctm_itc"]["floor"]["project_npv"] - results["none"]["floor"]["project_npv"]
    expected = project_finance.npv(setup.subsidies["canada_ctm_itc"], setup.archetype.hurdle_rate)
    np.testing.assert_allclose(gain, expected)


def test_strike_for_target_meets_the_target_and_no_lower_strike_of_the_grid_does():
    setup = toy_setup(compute_irr=False, keep_annual=False)
    simulated = cfd.simulate_paths(GBM, 2_000, setup.n_months, 9)
    curve = cfd.bankability_curve(simulated, setup, cfd.strike_grid(18_000.0, points=12), ("floor", "cfd"))
    found = cfd.strike_for_target(simulated, setup, curve, 0.2)
    for row in found.itertuples():

        def loss(strike, row=row):  # bound now: it is called within this iteration only
            trial = replace(setup, contract=replace(setup.contract, strike=strike))
            return np.mean(
                cfd.value_paths(simulated, trial, (row.instrument,))["none"][row.instrument]["project_npv"] < 0
            )

        assert loss(row.strike) <= 0.2 < loss(row.strike - 2 * cfd.STRIKE_TOLERANCE * curve["strike"].min())
    floor_curve = curve[curve["instrument"] == "floor"].sort_values("strike")["p_npv_negative"].to_numpy()
    assert (np.diff(floor_curve) <= 0).all()  # common paths: monotone in the strike


def test_strike_sweep_values_equal_those_of_value_paths_bit_for_bit(monkeypatch):
    monkeypatch.setattr(cfd, "CHUNK_PATHS", 600)  # three chunks, the last one short
    setup = toy_setup(regimes=("none", "canada_ctm_itc"), compute_irr=False, keep_annual=False)
    simulated = cfd.simulate_paths(GBM, 1_400, setup.n_months, 6)
    sweep = cfd.StrikeSweep.of(simulated, setup)
    for strike in (9_000.0, 19_000.0, 31_000.0):
        trial = replace(setup, contract=replace(setup.contract, strike=strike))
        stored = cfd.value_paths(simulated, trial, cfd.INSTRUMENTS[1:])
        swept = sweep.value(strike, cfd.INSTRUMENTS[1:])
        for regime in setup.subsidies:
            for instrument in cfd.INSTRUMENTS[1:]:
                for name in ("government_pv", "project_npv"):
                    assert np.array_equal(swept[regime][instrument][name], stored[regime][instrument][name])


def plain_bisection(simulated, setup, instrument, regime, low, high, target, tolerance):
    """The strike search as first written: every path valued again at every midpoint."""
    trial = replace(setup, subsidies={regime: setup.subsidies[regime]})
    while high - low > tolerance:
        middle = (low + high) / 2
        npv = cfd.value_paths(
            simulated, replace(trial, contract=replace(setup.contract, strike=middle)), (instrument,)
        )[regime][instrument]["project_npv"]
        low, high = (low, middle) if np.mean(npv < 0) <= target else (middle, high)
    return high


def test_strike_searches_equal_a_bisection_that_values_every_path(monkeypatch):
    monkeypatch.setattr(cfd, "CHUNK_PATHS", 1_000)
    setup = toy_setup(regimes=("none", "us_45x_permanent"), compute_irr=False, keep_annual=False)
    simulated = cfd.simulate_paths(GBM, 3_000, setup.n_months, 12)
    grid = cfd.strike_grid(18_000.0, points=12)
    curve = cfd.bankability_curve(simulated, setup, grid, ("floor", "collar"))
    found = cfd.strike_for_target(simulated, setup, curve, 0.15)
    tolerance = cfd.STRIKE_TOLERANCE * grid.min()
    for row in found.itertuples():
        part = curve[(curve["instrument"] == row.instrument) & (curve["regime"] == row.regime)]
        above = np.flatnonzero(part["p_npv_negative"].to_numpy() <= 0.15)[0]
        assert above > 0  # the target lies inside the grid, so the bisection runs
        assert row.strike == plain_bisection(
            simulated, setup, row.instrument, row.regime, grid[above - 1], grid[above], 0.15, tolerance
        )
        # without the curve: the same strike, from a few grid strikes
        alone = cfd.lowest_strikes(simulated, setup, grid, row.instrument, 0.15).set_index("regime")
        assert alone.loc[row.regime, "strike"] == row.strike


def test_lowest_strikes_at_the_ends_of_the_grid():
    setup = toy_setup(compute_irr=False, keep_annual=False)
    simulated = cfd.simulate_paths(GBM, 1_000, setup.n_months, 8)
    low_grid, high_grid = np.array([60_000.0, 90_000.0]), np.array([100.0, 200.0])
    assert cfd.lowest_strikes(simulated, setup, low_grid, "floor", 0.2)["strike"].iloc[0] == 60_000.0  # met at once
    assert np.isnan(cfd.lowest_strikes(simulated, setup, high_grid, "floor", 0.2)["strike"].iloc[0])  # never met


def test_batch_se_is_nan_without_warning_when_a_batch_quantile_is_unbounded():
    values = np.linspace(0.0, 1.0, 2 * cfd.BATCHES * 10)
    values[:5] = -np.inf  # the first batch's IRRs fall below the bracket: its P5 is -inf

    def p5(v, axis=None):  # as the summary takes an IRR's quantile: no interpolation across -inf
        return np.nanquantile(v, 0.05, method="inverted_cdf", axis=axis)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "invalid value encountered in subtract" would show in the chapter
        assert np.isnan(cfd.batch_se(values, p5))
    assert np.isfinite(cfd.batch_se(values[20:], p5))


def test_batch_se_of_quantiles_by_hand():
    # 50 batches of 4 values: batch b holds 4b..4b+3, its median is 4b + 1.5, so the batch medians are spaced 4
    # apart and their standard deviation is 4 x sd(0..49)
    values = np.arange(200.0)
    expected = 4 * np.arange(50.0).std(ddof=1) / np.sqrt(50)
    assert cfd.batch_se(values, cfd.STATISTICS["p50"]) == pytest.approx(expected)
    assert cfd.batch_se(values, np.mean) == pytest.approx(expected)


def test_budget_scale_counts_years_and_totals_above_the_thresholds():
    setup = toy_setup(keep_annual=True, compute_irr=False)
    results = cfd.value_paths(cfd.simulate_paths(GBM, 1_000, setup.n_months, 4), setup, ("floor",))
    table = cfd.budget_scale(results, setup, instruments=("floor",)).set_index("threshold_usd")
    annual = results["none"]["floor"]["annual_outlay"]
    contract_years = setup.support_mask.sum()
    assert table.loc[50e6, "share_of_years_above"] == pytest.approx((annual > 50e6).sum() / (1_000 * contract_years))
    assert table.loc[150e6, "share_of_totals_above"] == pytest.approx(np.mean(annual.sum(axis=0) > 150e6))
    # worst case: strike x covered benchmark-equivalent output (production x payable share in contract years)
    assert table.loc[50e6, "max_commitment_usd"] == pytest.approx(19_000.0 * setup.contract_output.sum())


def test_harmonization_compares_the_levelized_credits():
    archetypes = project_finance.read_archetypes()
    table = cfd.harmonization_table(archetypes, project_finance.read_subsidy_regimes(), 2027, 0.25)
    copper = table.set_index("archetype").loc["copper"]
    assert copper["us_45x_permanent_usd_per_t"] == 0 and np.isinf(copper["ratio_itc_to_us_45x_permanent"])
    assert (table["us_45x_current_law_usd_per_t"] < table["us_45x_permanent_usd_per_t"]).all() or (
        table["us_45x_permanent_usd_per_t"] == 0
    ).any()
    aligned = table["aligned_us_45x_permanent"]
    ratio = table["ratio_itc_to_us_45x_permanent"]
    assert (aligned == ((ratio - 1).abs() <= 0.25)).all()
    assert set(table["paper_b_claim"]) == {"aligned", "gap", "not discussed"}


# ---------------------------------------------------------------- the chapter under papermill

NOTEBOOK = paths.NOTEBOOKS_DIR / "04_price_support.ipynb"


def run_chapter(output_dir, workdir, *parameters):
    arguments = [item for name, value in parameters for item in ("-p", name, str(value))]
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(NOTEBOOK),
            str(workdir / "04.ipynb"),
            "-p",
            "output_dir",
            str(output_dir),
            *arguments,
        ],
        check=False,
        cwd=workdir,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )


def test_chapter_runs_under_papermill_with_another_project_model_and_strike(chapter01, tmp_path):
    run = run_chapter(
        chapter01,
        tmp_path,
        ("project_archetype", "lithium"),
        ("price_model", "gbm"),
        ("strike_usd_per_t", 21000.0),
        ("revenue_share", 0.25),
        ("simulation_paths", 2000),
        ("subsidy_regime", "us_45x_current_law"),
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((chapter01 / "results/04_price_support.json").read_text(encoding="utf-8"))
    assert (results["project_archetype"], results["price_metal"], results["price_model"]) == (
        "lithium",
        "lithium",
        "gbm",
    )
    assert results["strike_usd_per_t"] == 21000.0 and results["n_paths"] == 2000
    assert results["subsidy_regime"] == "us_45x_current_law"
    instruments = results["instruments"]
    assert instruments["none"]["fiscal_npv_mean"] == 0
    assert instruments["floor"]["fiscal_npv_p5"] >= 0  # a floor never receives money
    assert instruments["floor"]["p_npv_negative"] <= instruments["none"]["p_npv_negative"]
    assert all(abs(v) < 3 for v in results["closed_form_difference_in_se"].values())
    assert results["harmonization"]["lithium"]["paper_b_claim"] == "aligned"
    for suffix in ("png", "svg", "pdf", "csv", "txt"):
        assert (chapter01 / f"figures/04_bankability.{suffix}").is_file()


def test_chapter_stops_on_a_bad_parameter_before_simulating(chapter01, tmp_path):
    shutil.copytree(chapter01 / "tables", tmp_path / "out/tables")
    run = run_chapter(tmp_path / "out", tmp_path, ("revenue_share", 1.5))
    assert run.returncode != 0
    build_said = "field 'revenue_share' (value 1.5): out of range Fix: give >= 0 and <= 1 (fraction)"
    assert build_said in run.stderr  # the build's own words for `-p revenue_share=1.5` (test_parameters)
    assert not (tmp_path / "out/figures").exists()  # stopped before the first figure


def test_run_parameters_are_the_recorded_ones_taken_by_name():
    values = {name: i for i, name in enumerate(cfd_results.RUN_PARAMETERS)} | {"unrelated": "x"}
    assert cfd_results.run_parameters(values) == {name: i for i, name in enumerate(cfd_results.RUN_PARAMETERS)}
    with pytest.raises(KeyError, match="bankability_target"):
        cfd_results.run_parameters({k: v for k, v in values.items() if k != "bankability_target"})
