"""Price models of chapter 04: calibration recovers known parameters, exact simulation, deflation, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from critical_minerals.core.errors import InputError
from critical_minerals.models.prices import model as price_models
from critical_minerals.sources import units


def gbm_series(mu, sigma, months, seed, price0=10_000.0):
    """A GBM sampled monthly, exactly: log returns ~ N((mu - sigma^2/2) dt, sigma^2 dt)."""
    rng = np.random.default_rng(seed)
    dt = price_models.MONTH
    returns = rng.normal((mu - sigma**2 / 2) * dt, sigma * np.sqrt(dt), months)
    return price0 * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))


def ou_series(kappa, theta, sigma, months, seed, x0=None):
    """An Ornstein-Uhlenbeck log price sampled monthly with its exact transition."""
    rng = np.random.default_rng(seed)
    b = np.exp(-kappa * price_models.MONTH)
    sd = sigma * np.sqrt((1 - b**2) / (2 * kappa))
    x = np.empty(months + 1)
    x[0] = theta if x0 is None else x0
    for t in range(months):
        x[t + 1] = theta + b * (x[t] - theta) + sd * rng.standard_normal()
    return np.exp(x)


def test_gbm_calibration_recovers_known_parameters():
    fitted = price_models.fit_gbm(gbm_series(0.05, 0.30, 1200, seed=1))
    assert fitted["returns"] == 1200
    assert abs(fitted["sigma"] - 0.30) < 3 * fitted["sigma_se"]
    assert abs(fitted["mu"] - 0.05) < 3 * fitted["mu_se"]
    # SE of the drift: sd of monthly returns / sqrt(n) / dt = 0.3 sqrt(1/12) / sqrt(1200) * 12 ~ 0.0300
    assert fitted["mu_se"] == pytest.approx(0.30 / np.sqrt(100), rel=0.05)


def test_mean_reverting_calibration_recovers_known_parameters():
    kappa, theta, sigma = 0.8, np.log(20_000.0), 0.30
    fitted = price_models.fit_mean_reverting(ou_series(kappa, theta, sigma, 3000, seed=2))
    assert abs(fitted["kappa"] - kappa) < 3 * fitted["kappa_se"]
    assert abs(fitted["theta"] - theta) < 3 * fitted["theta_se"]
    assert abs(fitted["sigma"] - sigma) < 3 * fitted["sigma_se"]
    assert fitted["half_life"] == pytest.approx(np.log(2) / fitted["kappa"])
    # stationary mean of the lognormal price: exp(theta + sigma^2 / (4 kappa))
    assert fitted["long_run_price"] == pytest.approx(
        np.exp(fitted["theta"] + fitted["sigma"] ** 2 / (4 * fitted["kappa"]))
    )


def test_explosive_series_has_no_mean_reversion_and_cannot_be_simulated_as_such():
    accelerating = np.exp(8 + 0.0005 * np.arange(121.0) ** 2)  # log price convex in time: AR(1) slope above 1
    fitted = price_models.fit_mean_reverting(accelerating)
    assert fitted["b"] >= 1 and np.isnan(fitted["kappa"]) and np.isnan(fitted["long_run_price"])
    model = price_models.PriceModel("mean_reverting", "tin", 100.0, 0.2, kappa=0.0, theta=np.log(100.0))
    with pytest.raises(InputError, match="no mean reversion.*gbm"):
        price_models.validate_model(model)


@pytest.mark.parametrize("kind", price_models.MODELS)
def test_simulated_mean_matches_the_model_expectation(kind):
    model = price_models.PriceModel(kind, "x", 15_000.0, 0.3, mu=0.03, kappa=0.5, theta=np.log(18_000.0))
    paths = price_models.simulate_prices(model, 40_000, 60, np.random.default_rng(4))
    for month in (11, 59):
        values = paths[month].astype(float)
        pairs = (values[:20_000] + values[20_000:]) / 2  # antithetic pairs are the independent units
        se = pairs.std(ddof=1) / np.sqrt(pairs.size)
        assert abs(values.mean() - model.expected_price((month + 1) / 12)) < 4 * se


def test_antithetic_halves_mirror_each_other():
    # zero log drift (mu = sigma^2/2): log(P/P0) of path i + n/2 is minus that of path i
    model = price_models.PriceModel("gbm", "x", 100.0, 0.4, mu=0.08)
    paths = price_models.simulate_prices(model, 10, 24, np.random.default_rng(5))
    logs = np.log(paths / 100.0)
    np.testing.assert_allclose(logs[:, :5], -logs[:, 5:], atol=1e-5)


def test_normal_draws_have_the_moments_and_distribution_of_a_normal():
    from scipy import stats

    # an odd row length: the last (radius, angle) pair of each row gives one draw
    draws = price_models.normal_draws(price_models.generator(3), np.empty((400, 5_001), np.float32), 2.0)
    z = draws.astype(float).ravel() / 2.0
    n = z.size
    assert np.isfinite(z).all()
    assert abs(z.mean()) < 4 / np.sqrt(n)
    assert abs(z.var() - 1) < 4 * np.sqrt(2 / n)
    assert abs(stats.skew(z)) < 4 * np.sqrt(6 / n)
    assert abs(stats.kurtosis(z)) < 4 * np.sqrt(24 / n)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    # the two halves of a row (cosines, sines of the same radii) are uncorrelated
    assert abs(np.corrcoef(draws[:, :2_500].ravel(), draws[:, 2_501:].ravel())[0, 1]) < 4 / np.sqrt(n / 2)


def test_normal_draws_of_a_row_do_not_depend_on_the_rows_drawn_with_it():
    whole = price_models.normal_draws(price_models.generator(5), np.empty((6, 7), np.float32), 1.0)
    rng = price_models.generator(5)
    parts = [price_models.normal_draws(rng, np.empty((rows, 7), np.float32), 1.0) for rows in (2, 1, 3)]
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_blocks_of_months_reproduce_the_whole_simulation():
    model = price_models.PriceModel("mean_reverting", "x", 15_000.0, 0.3, kappa=0.5, theta=np.log(18_000.0))
    whole = price_models.simulate_prices(model, 100, 31, np.random.default_rng(6))
    blocks = [b.copy() for b in price_models.price_blocks(model, 100, [7, 12, 12], np.random.default_rng(6))]
    np.testing.assert_array_equal(np.concatenate(blocks), whole)


def test_expected_price_of_the_mean_reverting_model_starts_at_the_price_and_tends_to_the_long_run_level():
    model = price_models.PriceModel("mean_reverting", "x", 10_000.0, 0.3, kappa=0.7, theta=np.log(20_000.0))
    assert model.expected_price(0.0) == pytest.approx(10_000.0)
    assert model.expected_price(200.0) == pytest.approx(model.long_run_price())
    assert model.long_run_price() == pytest.approx(20_000.0 * np.exp(0.09 / 2.8))
    scaled = model.scaled(0.5)
    assert scaled.expected_price(3.0) == pytest.approx(0.5 * model.expected_price(3.0))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"sigma": -0.1}, "volatility must be zero or positive"),
        ({"price0": -5.0}, "starting price must be positive"),
        ({"kind": "jump"}, "unknown price model"),
    ],
)
def test_bad_model_parameters_are_rejected(change, message):
    model = price_models.PriceModel(**({"kind": "gbm", "metal": "x", "price0": 100.0, "sigma": 0.2} | change))
    with pytest.raises(InputError, match=message):
        price_models.simulate_prices(model, 10, 12, np.random.default_rng(0))


def test_odd_number_of_paths_is_rejected():
    model = price_models.PriceModel("gbm", "x", 100.0, 0.2)
    with pytest.raises(InputError, match="n_paths.*even"):
        price_models.simulate_prices(model, 11, 12, np.random.default_rng(0))


def panel(metal="copper", start="2010-01-01", months=60, price=5_000.0):
    dates = pd.date_range(start, periods=months, freq="MS")
    return pd.DataFrame({"commodity": metal, "date": dates, "price": price, "price_usd_per_t": price})


def test_a_metal_without_history_names_the_available_ones():
    with pytest.raises(InputError, match="metal.*graphite.*no monthly price history.*copper"):
        price_models.monthly_series(panel(), "graphite", 2010)


def test_a_start_year_leaving_too_few_months_is_rejected():
    with pytest.raises(InputError, match="start_year.*only 12 months"):
        price_models.monthly_series(panel(), "copper", 2014)


def test_negative_prices_are_rejected_before_calibration():
    bad = panel()
    bad.loc[3, "price_usd_per_t"] = -1.0
    with pytest.raises(InputError, match="positive"):
        price_models.monthly_series(bad, "copper", 2010)


def test_muv_deflator_and_constant_dollars_by_hand():
    monthly = pd.concat([panel(start="2010-01-01", months=24, price=100.0)])
    monthly.loc[monthly["date"].dt.year == 2011, "price"] = 120.0
    annual_real = pd.DataFrame({"commodity": "copper", "year": [2010, 2011], "price": [100.0, 100.0]})
    deflator = price_models.muv_deflator(monthly, annual_real)
    assert deflator.to_dict() == {2010: 1.0, 2011: 1.2}  # nominal mean / real price
    series = pd.Series([100.0, 120.0, 130.0], index=pd.to_datetime(["2010-06-01", "2011-06-01", "2013-01-01"]))
    # in 2011 dollars: 100 x 1.2/1.0 = 120; 120 x 1.2/1.2 = 120; 2013 is after the deflator: kept nominal
    assert price_models.to_constant_dollars(series, deflator).tolist() == pytest.approx([120.0, 120.0, 130.0])


def test_lithium_metal_price_in_lce_units():
    # 1 t Li is in 73.891 / 13.882 = 5.3228 t Li2CO3, so 53,228 USD/t Li is 10,000 USD/t LCE
    assert units.T_LCE_PER_T_LI == pytest.approx(5.3228, abs=1e-4)
    assert units.usd_per_t_li_to_usd_per_t_lce(53_228.0) == pytest.approx(10_000.0, rel=1e-4)


def test_usgs_price_ratio_by_hand():
    monthly = panel("lithium", "2020-01-01", 24, 53_228.0)
    salient = pd.DataFrame(
        {
            "commodity": "lithium",
            "measure": "price",
            "detail": "",
            "edition": [2024, 2025],
            "year": [2020, 2020],
            "value": [9_000.0, 7_000.0],
        }
    )
    ratio = price_models.usgs_price_ratio(monthly, salient, "lithium", "", 1 / units.T_LCE_PER_T_LI)
    # the latest edition's value (7,000) over 53,228 / 5.3228 = 10,000
    assert ratio["year"].tolist() == [2020]
    assert ratio["ratio"].iloc[0] == pytest.approx(0.7, rel=1e-4)


def test_months_after_the_deflators_last_year_are_carried_at_its_index_and_the_text_says_so():
    """Regression: prices of 2025-2026 were shown as 'constant 2024 US dollars' without saying they are not
    deflated beyond 2024."""
    deflator = pd.Series({2023: 1.0, 2024: 1.25})
    series = pd.Series([100.0, 100.0, 100.0], index=pd.to_datetime(["2023-06-01", "2024-06-01", "2025-03-01"]))
    # 2023: 100 x 1.25 / 1.0 = 125 (2024 dollars); 2024: 100; 2025: 100 x 1.25 / 1.25 = 100, taken as 2024 dollars
    assert price_models.to_constant_dollars(series, deflator).tolist() == pytest.approx([125.0, 100.0, 100.0])
    text = price_models.constant_dollars_text(deflator, pd.Timestamp("2026-05-01"))
    assert text.startswith(
        "constant 2024 US dollars (World Bank MUV index); the 17 months from January 2025 to May "
        "2026, after the index's last full year, are divided by the 2024 index"
    )
    assert "assumes no change in the index after 2024" in text
    assert price_models.constant_dollars_text(deflator, pd.Timestamp("2024-12-01")) == (
        "constant 2024 US dollars (World Bank MUV index)"
    )
