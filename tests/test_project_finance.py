"""Project archetypes and finance of chapter 04: cash flows, NPV and IRR by hand, subsidies, data validation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from critical_minerals.core.errors import InputError
from critical_minerals.models.project_finance import model as pf
from critical_minerals.sources import units

TOY = pf.Archetype(
    name="toy",
    product="t",
    price_metal="copper",
    product_t_per_t_metal=1.0,
    reference_price_usd_per_t=float("nan"),
    payable_share=1.0,
    capacity_t_per_year=10.0,
    capex_usd=100.0,
    opex_usd_per_t=1.0,
    construction_years=1,
    life_years=2,
    ramp_up_years=0,
    royalty_rate=0.1,
    tax_rate=0.25,
    hurdle_rate=0.1,
    itc_eligible_share=0.5,
    product_form="t",
    product_purity=1.0,
    us_45x_eligible=1.0,
)


def test_repository_archetypes_load_with_consistent_units():
    archetypes = pf.read_archetypes()
    assert {"nickel", "lithium", "copper", "graphite"} <= set(archetypes)
    lithium = archetypes["lithium"]
    assert lithium.product == "t LCE"
    assert lithium.product_t_per_t_metal == pytest.approx(units.T_LCE_PER_T_LI, rel=1e-3)
    assert archetypes["copper"].us_45x_eligible == 0  # copper is not a 45X applicable critical mineral
    assert np.isfinite(archetypes["graphite"].reference_price_usd_per_t)


def test_production_ramps_up_linearly_after_construction():
    archetype = replace(TOY, construction_years=2, life_years=4, ramp_up_years=2, capacity_t_per_year=300.0)
    # production years 1 and 2 of a 2-year ramp: 1/3 and 2/3 of capacity
    np.testing.assert_allclose(pf.production(archetype), [0, 0, 100, 200, 300, 300])
    np.testing.assert_allclose(pf.capex(archetype), [50, 50, 0, 0, 0, 0])
    np.testing.assert_allclose(pf.depreciation(archetype), [0, 0, 25, 25, 25, 25])


def test_npv_and_irr_by_hand():
    flows = np.array([-100.0, 60.0, 60.0])
    # -100/1.1 + 60/1.21 + 60/1.331 = -90.909 + 49.587 + 45.079
    assert pf.npv(flows, 0.10) == pytest.approx(3.7566, abs=1e-4)
    # 60x + 60x^2 = 100 with x = 1/(1+r): x = (-1 + sqrt(1 + 4 x 100/60)) / 2 = 0.884437, r = 0.130662
    assert pf.irr(flows) == pytest.approx(0.130662, abs=1e-6)
    assert pf.irr(np.array([-100.0, 110.0])) == pytest.approx(0.10, abs=1e-9)
    both = pf.irr(np.array([[-100.0, -100.0], [110.0, 60.0], [0.0, 60.0]]))
    np.testing.assert_allclose(both, [0.10, 0.130662], atol=1e-6)


def test_irr_outside_the_bracket_is_nan_and_flagged():
    flows = np.array([-100.0, 10.0, 10.0])  # never recovers half the capital
    assert np.isnan(pf.irr(flows))
    assert pf.irr_below_bracket(flows[:, None])[0]


def test_cash_flows_with_a_loss_carried_forward_by_hand():
    revenue = np.array([[0.0], [40.0], [140.0]])
    subsidy = np.array([0.0, 5.0, 0.0])
    flows = pf.project_cash_flows(TOY, revenue, np.zeros((3, 1)), subsidy)[:, 0]
    # year 1: 40 - 4 royalty - 10 opex = 26; taxable 26 - 50 depreciation = -24 (carried forward)
    # year 2: 140 - 14 - 10 = 116; taxable 66 - 24 loss = 42; tax 0.25 x 42 = 10.5
    np.testing.assert_allclose(flows, [-100.0, 26.0 + 5.0, 116.0 - 10.5])


def test_support_payments_are_taxed_like_revenue():
    revenue = np.array([[0.0], [100.0], [100.0]])
    support = np.array([[0.0], [20.0], [0.0]])
    base = pf.project_cash_flows(TOY, revenue, np.zeros((3, 1)), np.zeros(3))[:, 0]
    supported = pf.project_cash_flows(TOY, revenue, support, np.zeros(3))[:, 0]
    np.testing.assert_allclose(supported - base, [0.0, 20.0 * 0.75, 0.0])


def test_fast_npv_equals_npv_of_the_cash_flows():
    rng = np.random.default_rng(0)
    archetype = replace(TOY, construction_years=2, life_years=6, ramp_up_years=1, capacity_t_per_year=10.0)
    revenue = rng.uniform(0, 60, (archetype.years, 50))
    support = rng.normal(0, 10, (archetype.years, 50))
    flows = pf.project_cash_flows(archetype, revenue, support, np.zeros(archetype.years))
    np.testing.assert_allclose(pf.project_npv(archetype, revenue, support), pf.npv(flows, archetype.hurdle_rate))


def test_npv_from_the_income_before_support_and_for_some_paths():
    rng = np.random.default_rng(1)
    archetype = replace(TOY, construction_years=1, life_years=5, ramp_up_years=1, capacity_t_per_year=10.0)
    revenue = rng.uniform(0, 60, (archetype.years, 40))
    support = rng.normal(0, 10, (3, archetype.years, 40))  # three instruments
    income = pf.income_before_support(archetype, revenue)
    full = pf.npv_with_support(archetype, income, support)
    assert np.array_equal(full, pf.project_npv(archetype, revenue, support))
    some = np.array([3, 17, 39])  # BLAS may sum the PV of the payments of 3 paths in another order: last bit only
    np.testing.assert_allclose(
        pf.npv_with_support(archetype, income.columns(some), support[..., some]), full[:, some], rtol=1e-13, atol=1e-12
    )
    # without support: PV(operating) - PV(capex) - PV(tax) of the revenue alone
    flows = pf.project_cash_flows(archetype, revenue, np.zeros_like(revenue), np.zeros(archetype.years))
    np.testing.assert_allclose(pf.npv_with_support(archetype, income, None), pf.npv(flows, archetype.hurdle_rate))


def test_subsidy_schedules_follow_the_law():
    regimes = pf.read_subsidy_regimes()
    years = np.arange(2029, 2036)
    # 45X after Pub. L. 119-21: full through 2030, then 75 %, 50 %, 25 %, nothing from 2034
    np.testing.assert_allclose(
        pf.subsidy_rates(regimes, "us_45x_current_law", "production_cost", years),
        [0.1, 0.1, 0.075, 0.05, 0.025, 0.0, 0.0],
    )
    np.testing.assert_allclose(pf.subsidy_rates(regimes, "us_45x_permanent", "production_cost", years), 0.1)
    np.testing.assert_allclose(
        pf.subsidy_rates(regimes, "canada_ctm_itc", "capex", years), [0.3, 0.3, 0.3, 0.2, 0.1, 0.05, 0.0]
    )


def test_levelized_subsidies_by_hand():
    regimes = pf.read_subsidy_regimes()
    # ITC: 0.3 x 0.5 x 100 = 15 received in the first production year (year 1 of 3, start 2027)
    np.testing.assert_allclose(pf.subsidy_cash_flows(TOY, regimes, "canada_ctm_itc", 2027), [0.0, 15.0, 0.0])
    # permanent 45X: 10 % of 1 USD/t x 10 t per production year
    np.testing.assert_allclose(pf.subsidy_cash_flows(TOY, regimes, "us_45x_permanent", 2027), [0.0, 1.0, 1.0])
    # levelized ITC: (15/1.21) / (10/1.21 + 10/1.331) = 12.397 / 15.777 = 0.7857 USD/t
    assert pf.levelized_subsidy(TOY, regimes, "canada_ctm_itc", 2027) == pytest.approx(0.78571, rel=1e-4)
    # current law, production in 2031 and 2032: 0.075 and 0.05 USD/t, weighted by discounted output
    expected = (0.75 / 1.21 + 0.5 / 1.331) / (10 / 1.21 + 10 / 1.331)
    assert pf.levelized_subsidy(TOY, regimes, "us_45x_current_law", 2030) == pytest.approx(expected)
    with pytest.raises(InputError, match="subsidy_regime.*choose one of"):
        pf.subsidy_rates(regimes, "eu_cbam", "capex", np.arange(3))


def write_archetypes(tmp_path, edit):
    lines = pf.ARCHETYPES_FILE.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "archetypes.csv"
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda lines: [line.replace("nickel,capex_usd,1.6e9", "nickel,capex_usd,lots") for line in lines],
            r"row \d+, field 'capex_usd' \(value 'lots'\): not a number",
        ),
        (
            lambda lines: [line.replace("nickel,royalty_rate,0.02", "nickel,royalty_rate,0.9") for line in lines],
            "field 'royalty_rate'.*out of range.*between 0 and 0.5",
        ),
        (
            lambda lines: [line for line in lines if not line.startswith("nickel,hurdle_rate")],
            "hurdle_rate.*'nickel' lacks a parameter",
        ),
        (
            lambda lines: [line.replace("nickel,life_years,20", "nickel,lifetime,20") for line in lines],
            "unknown parameter",
        ),
        (
            lambda lines: [
                line.replace("lithium,product_t_per_t_metal,5.323", "lithium,product_t_per_t_metal,6") for line in lines
            ],
            "stoichiometric",
        ),
        (lambda lines: [line.replace(",illustrative,", ",,", 1) for line in lines], "needs a source"),
    ],
)
def test_malformed_archetype_file_names_row_field_and_fix(tmp_path, edit, message):
    with pytest.raises(InputError, match=message):
        pf.read_archetypes(write_archetypes(tmp_path, edit))


def test_unknown_archetype_lists_the_known_ones():
    with pytest.raises(InputError, match="project_archetype.*choose one of.*nickel"):
        pf.get_archetype("uranium", pf.read_archetypes())
