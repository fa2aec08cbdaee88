"""Chapter 04's text functions: each branch of their wording on a hand-computed case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from critical_minerals.models.cfd import results as cfd_results
from critical_minerals.models.cfd import tables as cfd_tables
from critical_minerals.models.cfd import text as cfd_text
from critical_minerals.models.project_finance import model as project_finance

NAN = float("nan")


def test_sample_text_says_nominal_dollars_without_a_deflator():
    text = cfd_text.sample_text(2000, None, pd.Timestamp("2025-06-01"))
    assert text == (
        "Sample: monthly prices from 2000 (or the first month available) to the last month published; "
        "prices per tonne in nominal US dollars."
    )


def test_sample_text_names_the_base_year_with_a_deflator():
    deflator = pd.Series([0.9, 1.0], index=[2023, 2024])
    text = cfd_text.sample_text(2000, deflator, pd.Timestamp("2024-12-01"))
    assert text.endswith("prices per tonne in constant 2024 US dollars (World Bank MUV index).")


def calibration(kappa_copper: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "gbm_sigma": [0.20, 0.35, 0.25],
            "ou_kappa": [0.5, kappa_copper, 0.2],
            "ou_half_life": [1.4, NAN if np.isnan(kappa_copper) else 2.0, 3.5],
        },
        index=["nickel", "copper", "cobalt"],
    )


def test_calibration_text_names_the_metals_without_mean_reversion():
    text = cfd_text.calibration_text(calibration(NAN))
    # volatility 20 % (nickel) to 35 % (copper); half-lives of nickel and cobalt: 1.4 and 3.5, median 2.45 -> 2.5
    assert "ranges from 20% (nickel) to 35% (copper)" in text
    assert "run from 1.4 to 3.5 years, with a median of 2.5; copper show no mean reversion" in text


def test_calibration_text_when_every_metal_reverts():
    text = cfd_text.calibration_text(calibration(0.3))
    assert "run from 1.4 to 3.5 years, with a median of 2.0; every metal shows some mean reversion" in text


def test_fan_caption_explains_a_borrowed_model_only_without_history():
    assert cfd_text.fan_caption("rare_earths", True).startswith("Monthly rare earths price: history")
    assert "borrows the median dynamics" not in cfd_text.fan_caption("nickel", True)
    assert cfd_text.fan_caption("graphite", False).endswith(
        "This metal has no monthly series: the model borrows the median dynamics of the calibrated metals around "
        "the archetype's reference price."
    )
    assert cfd_text.price_unit(True) == "USD/t, real" and cfd_text.price_unit(False) == "USD/t, nominal"


def test_lce_and_lithium_check_texts():
    assert cfd_text.lce_text().startswith("One tonne of lithium is contained in 5.323 t of lithium carbonate")
    check = pd.DataFrame({"year": [2019, 2020, 2021], "ratio": [0.70, 0.80, 0.95]})
    assert cfd_text.lithium_check_text(check, 0.8) == (
        "USGS battery-grade carbonate prices stood at 0.70–0.95 times the IMF metal price per tonne of contained "
        "lithium over 2019–2021 (median 0.80); the lithium archetype uses a payable share of 0.80. Both series are "
        "nominal."
    )


def test_run_text_states_strike_against_reference():
    archetype = project_finance.read_archetypes()["nickel"]
    text = cfd_text.run_text(archetype, "gbm", 20000, 1.25, 7, 16000.0, 20000.0, 15, 2027, "none")
    assert "20,000 paths simulated and valued in 1.2 s (seed 7)" in text
    assert "Reference price 16,000 USD/t; strike 20,000 USD/t (1.25 × reference)" in text
    assert f"from {2027 + archetype.construction_years}; subsidy: no subsidy." in text


def summary() -> pd.DataFrame:
    rows = {
        "none": (0, 0, 0, 0.40),
        "floor": (120e6, 0, 400e6, 0.10),
        "cfd": (-30e6, -500e6, 350e6, 0.12),
        "cfd_revenue_share": (45e6, -200e6, 380e6, 0.11),
    }
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["fiscal_npv_mean", "fiscal_npv_p5", "fiscal_npv_p95", "p_npv_negative"]
    )


def test_instruments_text():
    text = cfd_text.instruments_text(summary(), 0.5)
    assert text.startswith(
        "Without support the project loses money in 40% of the simulated price paths. A floor at "
        "this strike costs the government 120 million USD in expected present value (P95 400 "
        "million) and brings that probability to 10%."
    )
    assert "(P5 -500, P95 350 million)" in text and text.endswith(
        "With a revenue share of 50% the expected cost is 45 million and the probability of a loss 11%."
    )


@pytest.mark.parametrize(
    "value, ending",
    [
        (1.3, "Above one: at this strike even a symmetric CfD costs the government money in expectation."),
        (0.6, "any lower share is a subsidy."),
    ],
)
def test_zero_cost_text_says_what_the_share_means(value, ending):
    alpha = {"value": value, "se": 0.04, "pv_floor_mean": 60e6, "pv_upside_mean": 60e6 / value}
    text = cfd_text.zero_cost_text(alpha)
    assert text.startswith(
        f"**Zero-cost revenue share.** α* = {value:.2f} (±0.04): the expected value of the floor (60 million USD)"
    )
    assert text.endswith(ending)


def test_timeline_text_names_the_peak():
    timeline = pd.DataFrame(
        {"year": [2030, 2031, 2030], "instrument": ["floor", "floor", "cfd"], "expected_payment": [5e6, 9e6, 7e6]}
    )
    text = cfd_text.timeline_text(timeline, 2030, 15)
    assert text.startswith(
        "Payments start with production in 2030 and stop after 15 years. The largest expected "
        "annual payment is 9 million USD (price floor (insurance), 2031)"
    )


def needed(strikes) -> pd.DataFrame:
    return pd.DataFrame({"instrument": ["floor", "cfd", "collar"], "strike": strikes})


def test_strikes_text_gives_the_spread_when_every_instrument_reaches_the_target():
    text = cfd_text.strikes_text(needed([20000.0, 22000.0, 21000.0]), 16000.0, 0.1)
    assert text.startswith(
        "To bring the probability of a loss to 10% the strike must be — price floor (insurance): "
        "20,000 USD/t (1.25 × reference); symmetric CfD: 22,000 USD/t (1.38 × reference)"
    )
    assert (
        "The spread between the lowest (price floor (insurance)) and the highest (symmetric CfD) is 2,000 USD/t" in text
    )


def test_strikes_text_without_a_spread_when_one_is_not_reached():
    text = cfd_text.strikes_text(needed([20000.0, NAN, 21000.0]), 16000.0, 0.1)
    assert "symmetric CfD: not reached on the grid" in text and "spread" not in text


@pytest.mark.parametrize(
    "differences, ending",
    [
        ([1.0, -2.9], ". Both lie within three standard errors."),
        ([1.0, 3.2], ". **At least one differs by more than three standard errors.**"),
    ],
)
def test_closed_form_text(differences, ending):
    check = pd.DataFrame(
        {
            "instrument": ["floor", "cfd"],
            "simulated": [101e6, 48e6],
            "se": [1e6, 1e6],
            "closed_form": [100e6, 50e6],
            "difference_in_se": differences,
        }
    )
    text = cfd_text.closed_form_text(check)
    assert text.startswith(
        "Government PV (USD million) simulated and in closed form: price floor (insurance) 101.0 "
        "(±1.0) against 100.0, a difference of +1.0 standard errors"
    )
    assert text.endswith(ending)


def test_subsidy_caption_counts_from_the_quickest_build():
    archetypes = project_finance.read_archetypes()
    quickest = min(a.construction_years for a in archetypes.values())
    assert cfd_text.subsidy_caption(2027, archetypes).endswith(f"for production starting in {2027 + quickest}.")


def test_capital_charge_text_lists_each_archetype():
    table = pd.DataFrame(
        {
            "archetype": ["nickel", "lithium"],
            "capital_charge_for_alignment": [0.5, 1.25],
            "capital_charge_to_opex": [0.8, 1.0],
        }
    )
    text = cfd_text.capital_charge_text(table)
    assert (
        "operating cost — nickel 0.50, lithium 1.25 for these archetypes — while their actual capital charges "
        "are nickel 0.80, lithium 1.00." in text
    )


def test_subsidy_saving_text_takes_the_best_subsidy_and_skips_unreached():
    wide = pd.DataFrame(
        {
            "none": [20000.0, NAN],
            "canada_ctm_itc": [18000.0, 9000.0],
            "us_45x_permanent": [17500.0, 8000.0],
            "us_45x_current_law": [19000.0, 9500.0],
        },
        index=pd.Index(["nickel", "lithium"], name="archetype"),
    )
    text = cfd_text.subsidy_saving_text(wide, "floor", 0.1)
    assert "lowers the strike a project needs by up to nickel 2,500 USD/t; in the harmonization" in text


def tariff() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "basis": ["world", "world", "us_delivered", "us_delivered"],
            "pass_through": [0.0, 1.0, 0.0, 1.0],
            "fiscal_npv_mean": [100e6, 100e6, 100e6, 70e6],
            "p_npv_negative": [0.1, 0.1, 0.1, 0.08],
        }
    )


def test_tariff_text_compares_world_basis_with_full_pass_through():
    assert cfd_text.tariff_text(tariff()).startswith(
        "With full pass-through and a U.S.-delivered reference price the expected cost falls from 100 to 70 million "
        "USD and the probability of a loss moves to 8%."
    )


def budget(largest: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "instrument": ["floor", "floor"],
            "threshold_usd": [50e6, 150e6],
            "share_of_years_above": [0.20, 0.05],
            "share_of_years_above_se": [0.01, 0.004],
            "share_of_totals_above": [0.60, 0.30],
            "share_of_totals_above_se": [0.02, 0.015],
            "max_commitment_usd": [largest, largest],
        }
    )


@pytest.mark.parametrize(
    "largest, ending",
    [
        (
            900e6,
            "900 million USD, is above both thresholds: scored as a contingent liability, a single project's "
            "contract would need explicit approval under either.",
        ),
        (100e6, "100 million USD, is above the current threshold only."),
        (40e6, "40 million USD, is below both thresholds."),
    ],
)
def test_budget_text_places_the_largest_commitment(largest, ending):
    text = cfd_text.budget_text(budget(largest), (50e6, 150e6))
    assert text.startswith(
        "For the price floor, 20% of contract years see an outlay above 50 million USD and 5% "
        "above 150 million; over the whole contract the total exceeds 50 million in 60% of paths."
    )
    assert text.endswith(ending)


def test_budget_view_shows_shares_with_their_errors():
    view = cfd_tables.budget_view(budget(900e6))
    assert view.iloc[0].tolist() == [
        "price floor (insurance)",
        "50 M USD",
        "20.0% (±1.0%)",
        "60.0% (±2.0%)",
        "900 M USD",
    ]


def test_strike_view_and_subsidy_table():
    view = cfd_tables.strike_view(needed([20000.0, NAN, 24000.0]), 16000.0)
    assert view["strike_multiple"].tolist()[::2] == [1.25, 1.5] and np.isnan(view["strike_multiple"].iloc[1])
    strikes = pd.DataFrame(
        {
            "archetype": ["nickel"] * 4,
            "regime": ["us_45x_current_law", "none", "canada_ctm_itc", "us_45x_permanent"],
            "strike": [4.0, 1.0, 2.0, 3.0],
        }
    )
    assert cfd_tables.subsidy_strike_table(strikes).loc["nickel"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_tariff_ends_and_budget_floor_pick_their_rows():
    world_cost, full = cfd_results.tariff_ends(tariff())
    assert world_cost == 100e6 and full.fiscal_npv_mean == 70e6
    assert cfd_results.budget_floor(budget(1.0)).loc[150e6, "share_of_years_above"] == 0.05
