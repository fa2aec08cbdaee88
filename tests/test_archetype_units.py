"""The unit conventions of data/project_archetypes.csv, each checked on a hand-computed case whose numbers are the
file's own values in its stated units: payable metal (nickel), lithium carbonate equivalent (lithium) and a price per
tonne of product (graphite). Prices go through the chapter's own path: calibration row -> price model converted to
the product -> simulated months (zero volatility, so every month is the benchmark) -> annual sums -> revenue."""

from __future__ import annotations

import pandas as pd
import pytest

from critical_minerals.core.errors import InputError
from critical_minerals.models.cfd import model as cfd
from critical_minerals.models.project_finance import model as pf

LAST_MONTH = pd.Timestamp("2024-12-01")


def flat_calibration(metal: str, price: float) -> pd.DataFrame:
    """A calibration row for a benchmark that never moves (GBM without volatility or drift)."""
    return pd.DataFrame(
        {
            "last_price": [price],
            "gbm_sigma": [0.0],
            "gbm_mu": [0.0],
            "ou_sigma": [0.2],
            "ou_kappa": [0.5],
            "ou_long_run_price": [price],
            "last_month": [LAST_MONTH],
        },
        index=pd.Index([metal], name="metal"),
    )


def full_capacity_year(archetype: pf.Archetype, calibration: pd.DataFrame) -> dict:
    """Revenue, operating cost and income before tax of the first full-capacity year, through the chapter's code."""
    model = cfd.archetype_price_model(archetype, calibration, "gbm")
    setup = cfd.make_setup(archetype, model, cfd.Contract(strike=1.0), 2027, 0.02, pf.read_subsidy_regimes(), ())
    paths = cfd.simulate_paths(model, 2 * cfd.BATCHES, setup.n_months, seed=1)
    sums = cfd.annual_sums(paths[0], setup.offset_months, setup.years, 1.0, 1.5)
    revenue = pf.market_revenue(archetype, sums.price)
    year = archetype.construction_years + archetype.ramp_up_years  # first year at capacity
    income = pf.income_before_support(archetype, revenue)
    return {
        "output": pf.production(archetype)[year],
        "revenue": revenue[year, 0],
        "opex": archetype.opex_usd_per_t * pf.production(archetype)[year],
        "income_before_tax": income.taxable[year, 0] + pf.depreciation(archetype)[year],
    }


def test_payable_metal_is_paid_once_nickel():
    nickel = pf.read_archetypes()["nickel"]
    # the file: product in payable tonnes, capacity and all-in cost per payable tonne, no second payable share
    assert nickel.product == "t Ni payable" and nickel.payable_share == 1.0
    year = full_capacity_year(nickel, flat_calibration("nickel", 16_000.0))
    # 20,000 t Ni payable (25,000 t contained x 0.80 payability) x 16,000 USD/t = 320 M USD;
    # cost 20,000 x 11,000 USD per payable tonne = 220 M USD
    assert year["output"] == 20_000
    assert year["revenue"] == pytest.approx(320e6, rel=1e-6)
    assert year["opex"] == pytest.approx(220e6)
    # 320 - 2 % royalty (6.4) - 220 = 93.6 M USD before depreciation and tax
    assert year["income_before_tax"] == pytest.approx(93.6e6, rel=1e-6)


def test_lithium_carbonate_equivalent_is_priced_from_the_metal_price():
    lithium = pf.read_archetypes()["lithium"]
    assert lithium.product == "t LCE" and lithium.price_metal == "lithium"
    year = full_capacity_year(lithium, flat_calibration("lithium", 80_000.0))  # IMF: USD per t lithium METAL
    # 80,000 USD/t Li / 5.323 t LCE per t Li = 15,029.1 USD/t LCE; carbonate at 0.70 of it = 10,520.4 USD/t LCE;
    # x 40,000 t LCE = 420.82 M USD
    assert year["output"] == 40_000
    assert year["revenue"] == pytest.approx(80_000 / 5.323 * 0.70 * 40_000, rel=1e-6)
    assert year["revenue"] == pytest.approx(420.815e6, rel=1e-5)
    assert year["opex"] == pytest.approx(40_000 * 8_000)  # 320 M USD: cost per t LCE


def test_price_per_tonne_of_product_graphite():
    graphite = pf.read_archetypes()["graphite"]
    assert graphite.product == "t graphite concentrate" and graphite.reference_price_usd_per_t == 1070
    calibration = flat_calibration("nickel", 16_000.0)  # graphite has no series: the proxy model starts at 1,070
    year = full_capacity_year(graphite, calibration)
    # 100,000 t concentrate x 1,070 USD/t = 107 M USD; cost 100,000 x 650 = 65 M USD
    assert year["revenue"] == pytest.approx(107e6, rel=1e-6)
    assert year["opex"] == pytest.approx(65e6)


def test_contract_settles_on_the_output_the_project_sells():
    nickel = pf.read_archetypes()["nickel"]
    model = cfd.archetype_price_model(nickel, flat_calibration("nickel", 16_000.0), "gbm")
    setup = cfd.make_setup(nickel, model, cfd.Contract(strike=20_000.0), 2027, 0.02, pf.read_subsidy_regimes(), ())
    # a floor at 20,000 against a flat 16,000: 4,000 USD on each of the 20,000 payable tonnes = 80 M USD a year
    paths = cfd.simulate_paths(model, 2 * cfd.BATCHES, setup.n_months, seed=1)
    annual = cfd.value_paths(paths, setup, ("none", "floor"))["none"]["floor"]["annual_outlay"]
    assert annual[nickel.construction_years + nickel.ramp_up_years, 0] == pytest.approx(80e6, rel=1e-6)


def write_archetypes(tmp_path, old: str, new: str):
    text = pf.ARCHETYPES_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "archetypes.csv"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "old, new",
    [
        ("nickel,opex_usd_per_t,11000,USD per t Ni payable", "nickel,opex_usd_per_t,11000,USD per t Ni contained"),
        ("lithium,capacity_t_per_year,40000,t LCE per year", "lithium,capacity_t_per_year,40000,t Li per year"),
        (
            "graphite,reference_price_usd_per_t,1070,USD per t graphite concentrate",
            "graphite,reference_price_usd_per_t,1070,USD/t",
        ),
    ],
)
def test_a_unit_that_disagrees_with_the_product_stops_the_chapter(tmp_path, old, new):
    with pytest.raises(InputError, match=r"row \d+, field 'unit'.*does not match the archetype's product.*Fix: state"):
        pf.read_archetypes(write_archetypes(tmp_path, old, new))
