"""Chapter 03 (stockpile cost): units, quantities, prices, cost arithmetic, calibration, Monte Carlo, burden sharing,
bad input, and the chapter under papermill with another design and other cover and price parameters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import mirror

from critical_minerals.core import paths
from critical_minerals.core.errors import InputError
from critical_minerals.models.stockpile import model as stockpile
from critical_minerals.models.stockpile import text as stockpile_text
from critical_minerals.models.stockpile import validation as stockpile_validation
from critical_minerals.sources import units

DEFAULTS = {
    "designs": "defence",
    "quantity_basis": "design",
    "cover_months": 0.0,
    "defence_share": 1.0,
    "usgs_edition": 2025,
    "data_year": 0,
    "price_basis": "latest",
    "real_prices": False,
    "storage_rate": 0.01,
    "discount_rate": 0.02,
    "horizon_years": 20,
    "rotation_share": 0.0,
    "mc_draws": 10_000,
    "mc_seed": 1,
    "volatility_since": 2000,
}


def settings(**changes) -> stockpile_validation.Settings:
    return stockpile_validation.check_parameters(**(DEFAULTS | changes))


# ---------------------------------------------------------------- units


@pytest.mark.parametrize(
    "unit, factor",
    [
        ("USD/t", 1.0),
        ("USD/kg", 1000.0),
        ("USD/lb", 1 / 0.45359237e-3),  # 2,204.62 lb in a metric ton
        ("USc/lb", 0.01 / 0.45359237e-3),
        ("USD/troy_oz", 1 / 31.1034768e-6),  # 32,150.75 troy oz in a metric ton
        ("USD/mtu", 100.0),  # a metric ton unit is 10 kg: 100 of them in a ton
    ],
)
def test_price_units_convert_to_usd_per_metric_ton(unit, factor):
    assert units.price_factor_to_usd_per_t(unit) == pytest.approx(factor)


def test_quantity_units_convert_to_metric_tons():
    assert units.to_canonical(19_200, "kg") == (pytest.approx(19.2), "t")
    assert units.to_canonical(3, "mtu") == (pytest.approx(0.03), "t")


# ---------------------------------------------------------------- synthetic inputs


def _salient_row(commodity, measure, value, unit="t", detail="", year=2023, flag="", withheld=False):
    return {
        "edition": 2025,
        "commodity": commodity,
        "year": year,
        "estimated": year == 2024,
        "measure": measure,
        "detail": detail,
        "value": value,
        "unit": unit,
        "withheld": withheld,
        "flag": flag,
        "source_column": "",
        "source_unit": "",
        "source_file": f"{commodity}.csv",
    }


@pytest.fixture
def salient() -> pd.DataFrame:
    rows = [
        # alpha: consumption 1,000 t, 60 % imported -> 600 t net imports; price USD 2,000/t (USGS, given per t)
        _salient_row("alpha", "apparent_consumption", 1000.0),
        _salient_row("alpha", "net_import_reliance", 60.0, unit="percent"),
        _salient_row("alpha", "price", 2000.0, unit="USD/t", year=2022),
        _salient_row("alpha", "price", 1000.0, unit="USD/t", year=2021),
        _salient_row("alpha", "price", 2000.0, unit="USD/t"),
        _salient_row("alpha", "apparent_consumption", 1100.0, year=2024),  # estimated year: not the default
        # beta: consumption withheld -> imports 500 + 100 minus exports 200 = 400 t; price 5 USD/mtu -> 500 USD/t
        _salient_row("beta", "apparent_consumption", np.nan, flag="W", withheld=True),
        _salient_row("beta", "imports", 500.0, detail="ore"),
        _salient_row("beta", "imports", 100.0, detail="metal"),
        _salient_row("beta", "exports", 200.0),
        _salient_row("beta", "price", 5.0, unit="USD/mtu"),
        # gamma: NIR only a bound ('>50') -> 0.5 x 80 t = 40 t; no price at all
        _salient_row("gamma", "apparent_consumption", 80.0),
        _salient_row("gamma", "net_import_reliance", np.nan, unit="percent", flag=">50"),
        # delta: net exporter
        _salient_row("delta", "apparent_consumption", 50.0),
        _salient_row("delta", "net_import_reliance", np.nan, unit="percent", flag="E"),
        _salient_row("delta", "price", 10.0, unit="USD/t"),
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def minerals() -> pd.DataFrame:
    rows = [("alpha", "none", 1.0), ("beta", "net_trade", 2.0), ("gamma", "none", 1.0), ("delta", "none", 1.0)]
    return pd.DataFrame(
        [
            {
                "mineral": m,
                "label": m.title(),
                "usgs_commodity": m,
                "consumption_detail": "",
                "nir_detail": "",
                "consumption_fallback": fallback,
                "price_source": "usgs",
                "price_series": "",
                "content_factor": factor,
                "content_note": "",
                "source": "test",
            }
            for m, fallback, factor in rows
        ]
    ).set_index("mineral")


def design(months=6.0, purpose="defence", included=True) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "mineral": m,
                "included": included,
                "months_of_cover": months,
                "basis": "net_imports",
                "purpose": purpose,
                "rationale": "r",
                "source": "s",
                "design": "test",
            }
            for m in ("alpha", "beta", "gamma", "delta")
        ]
    )


@pytest.fixture
def inputs(salient, minerals) -> stockpile.Inputs:
    annual = stockpile.annual_quantities(salient, minerals, 2025, 2023)
    history = stockpile.price_history(pd.DataFrame(columns=["commodity", "date", "price_usd_per_t"]), salient, minerals)
    index = pd.Series({2021: 1.0, 2022: 1.0, 2023: 1.25})
    return stockpile.Inputs(minerals, annual, history, index, 2023, 0.02)


# ---------------------------------------------------------------- quantities and prices


def test_quantities_follow_the_usgs_flags(salient, minerals):
    annual = stockpile.annual_quantities(salient, minerals, 2025, stockpile.default_data_year(salient, 2025))
    assert annual.loc["alpha", "year"] == 2023  # 2024 is estimated
    assert annual.loc["alpha", "net_imports_t"] == pytest.approx(600)  # 1,000 t x 60 %
    assert annual.loc["beta", "net_imports_t"] == pytest.approx(400)  # 500 + 100 - 200
    assert "imports minus exports" in annual.loc["beta", "consumption_note"]
    assert annual.loc["gamma", "net_imports_t"] == pytest.approx(40)  # bound: 80 t x 50 %
    assert "bound" in annual.loc["gamma", "nir_note"]
    assert annual.loc["delta", "net_imports_t"] == 0 and "net exporter" in annual.loc["delta", "nir_note"]


def test_price_history_converts_units_and_content(inputs):
    assert "gamma" not in set(inputs.history["mineral"])  # no price rows at all
    history = inputs.history.set_index(["mineral", "year"])["price"]
    assert history["beta", 2023] == pytest.approx(5 * 100 * 2)  # USD/mtu -> USD/t, times content factor 2
    prices = stockpile.design_prices(inputs.history, "mean_5y", 2023, real=False)
    assert prices.loc["alpha", "price_usd_per_t"] == pytest.approx((1000 + 2000 + 2000) / 3)
    assert prices.loc["alpha", "price_note"] == "3 of 5 years (2021–2023)"
    real = stockpile.design_prices(inputs.history, "mean_5y", 2023, real=True, index=inputs.index)
    # in 2023 dollars: 1000 x 1.25 + 2000 x 1.25 + 2000 -> 5,750 / 3
    assert real.loc["alpha", "price_usd_per_t"] == pytest.approx(5750 / 3)
    assert stockpile.design_prices(inputs.history, "latest", 2020, real=False).loc["alpha", "price_note"] == (
        "no price for 2020"
    )
    peak = stockpile.design_prices(inputs.history, "max_10y", 2023, real=False)
    assert peak.loc["alpha", "price_usd_per_t"] == 2000


# ---------------------------------------------------------------- costs


def test_acquisition_cost_by_hand_and_exclusions_are_reported(inputs):
    costs = stockpile.cost_table(design(months=6), inputs, settings(defence_share=0.5))
    # alpha: 600 t x 0.5 x 6/12 = 150 t x USD 2,000 = 300,000; beta: 400 x 0.5 x 0.5 = 100 t x 1,000 = 100,000
    assert costs.loc["alpha", "stock_t"] == pytest.approx(150)
    assert costs.loc["alpha", "cost_usd"] == pytest.approx(300_000)
    assert costs.loc["beta", "cost_usd"] == pytest.approx(100_000)
    assert stockpile.total_cost(costs) == pytest.approx(400_000)
    excluded = stockpile.exclusions(costs).set_index("mineral")["exclusion"]
    assert excluded["gamma"] == "no price: no price data for this mineral"  # listed with the reason, not as zero
    assert "net exporter" in excluded["delta"]
    assert set(excluded.index) == {"gamma", "delta"}


def test_market_rows_ignore_the_defence_share_and_design_can_leave_a_mineral_out(inputs):
    market = stockpile.cost_table(design(months=12, purpose="market"), inputs, settings(defence_share=0.5))
    assert market.loc["alpha", "cost_usd"] == pytest.approx(600 * 2000)  # full year, no share
    left_out = stockpile.cost_table(design(included=False), inputs, settings())
    assert stockpile.total_cost(left_out) == 0
    assert (stockpile.exclusions(left_out)["exclusion"] == "left out by the design").all()


def test_consumption_basis_and_uniform_cover_override(inputs):
    costs = stockpile.cost_table(
        design(months=6), inputs, settings(quantity_basis="apparent_consumption", cover_months=3.0)
    )
    assert costs.loc["alpha", "stock_t"] == pytest.approx(1000 * 3 / 12)
    assert costs.loc["delta", "status"] == "included"  # a net exporter still consumes


def test_net_present_cost_equals_the_present_value_of_carrying_costs():
    # A = 100, storage 1 %, r = 5 %, 2 years: 100 - 100/1.05^2 + 1 x (1/1.05 + 1/1.05^2) = 11.1565
    assert stockpile.net_present_cost(100, 0.01, 0.05, 2) == pytest.approx(11.15646, abs=1e-5)
    carrying = stockpile.carrying_cost_per_year(100, 0.01, 0.05)
    assert carrying == pytest.approx(6.0)
    assert stockpile.net_present_cost(100, 0.01, 0.05, 2) == pytest.approx(carrying * stockpile.annuity_factor(0.05, 2))
    assert stockpile.net_present_cost(100, 0.01, 0.0, 10) == pytest.approx(10.0)  # no discounting: storage only
    # rotating half the stock at a 2 % loss adds 1 % of value a year
    assert stockpile.carrying_cost_per_year(100, 0.01, 0.05, 0.5, 0.02) == pytest.approx(7.0)


# ---------------------------------------------------------------- calibration


def test_calibration_recovers_a_known_cover(inputs):
    costs = {"test": stockpile.cost_table(design(months=7), inputs, settings())}
    value = stockpile.annual_value(costs["test"])
    assert value == pytest.approx(600 * 2000 + 400 * 1000)
    known = stockpile.total_cost(costs["test"])
    assert stockpile.cover_for_target(value, known) == pytest.approx(7.0)
    table = stockpile.calibration(costs, {"double": 2 * known}).iloc[0]
    assert table["uniform cover for target (months)"] == pytest.approx(14.0)
    assert table["multiple of design covers or of prices"] == pytest.approx(2.0)
    with pytest.raises(InputError, match="nothing to stock"):
        stockpile.cover_for_target(0.0, 1e9)


def test_price_basis_costs_by_hand_and_equal_to_the_full_cost_table(inputs):
    base = settings()
    table = stockpile.price_basis_costs(design(months=6), inputs, base)
    assert list(zip(table["price basis"], table["prices"])) == [
        ("latest", "nominal"),
        ("mean_5y", "nominal"),
        ("mean_5y", "real"),
        ("mean_10y", "nominal"),
        ("mean_10y", "real"),
        ("max_10y", "nominal"),
        ("max_10y", "real"),
    ]  # one year: real is nominal, not repeated
    # mean_5y nominal: alpha 300 t x (1,000 + 2,000 + 2,000) / 3 = 500,000; beta 200 t x 1,000 = 200,000
    mean_5y = table.set_index(["price basis", "prices"]).loc[("mean_5y", "nominal")]
    assert mean_5y["acquisition (USD bn)"] == pytest.approx(700_000 / 1e9)
    assert mean_5y["minerals priced"] == 2  # gamma has no price, delta no net imports
    for basis, prices, acquisition_bn, priced in table.itertuples(index=False):
        costs = stockpile.cost_table(
            design(months=6), inputs, replace(base, price_basis=basis, real_prices=prices == "real")
        )
        assert acquisition_bn == pytest.approx(stockpile.total_cost(costs) / 1e9, rel=1e-12)
        assert priced == int((costs["status"] == stockpile.INCLUDED).sum())


def test_price_tables_are_computed_once_per_basis_and_never_changed_by_their_readers(inputs):
    """Every design, tornado driver and quantity basis reads the inputs' price table of its basis: the one kept
    equals design_prices computed afresh, and is the same object however often and by whatever it is read."""
    first = stockpile.price_table(inputs, "mean_5y", True)
    assert stockpile.price_table(inputs, "mean_5y", True) is first
    fresh = stockpile.design_prices(inputs.history, "mean_5y", inputs.price_year, True, inputs.index)
    for basis, real in stockpile.PRICE_VARIANTS:
        base = settings(price_basis=basis, real_prices=real)
        stockpile.cost_table(design(months=6), inputs, base)
        stockpile.tornado(design(months=6), inputs, base, stockpile_validation.read_assumptions(), (0.8, 1.25))
        stockpile.price_basis_costs(design(months=6), inputs, base)
        stockpile.calibration_by_basis({"test": design(months=6)}, inputs, base, {"target": 1e6})
    pd.testing.assert_frame_equal(stockpile.price_table(inputs, "mean_5y", True), fresh, check_exact=True)
    assert set(inputs.prices) == set(stockpile.PRICE_VARIANTS)


def test_tornado_equals_the_cost_table_recomputed_with_each_driver_moved(inputs):
    """The tornado recomputes only what each driver changes; the result must equal recomputing everything."""
    base = settings(defence_share=0.5, price_basis="mean_5y")  # a price that differs from the latest and the peak
    assumptions = stockpile_validation.read_assumptions()
    table = stockpile.tornado(design(months=6), inputs, base, assumptions, (0.8, 1.25)).set_index("driver")

    def npc(changed, months=6.0):
        costs = stockpile.cost_table(design(months=months), inputs, changed)
        return stockpile.design_npc(costs, changed, inputs.rotation_cost_rate)

    def sides(name):
        return [stockpile_validation.assumption(assumptions, f"tornado_{name}_{side}") for side in ("low", "high")]

    def swing(driver):
        return table.loc[driver, ["npc_at_low", "npc_at_high"]].tolist()

    central = npc(base)
    assert table["central_usd"].iloc[0] == pytest.approx(central, rel=1e-12)
    assert swing("price level (Monte Carlo P5–P95)") == pytest.approx([0.8 * central, 1.25 * central], rel=1e-12)
    discount = [npc(replace(base, discount_rate=rate)) for rate in sides("discount_rate")]
    assert swing("discount rate") == pytest.approx(discount, rel=1e-12)
    storage = [npc(replace(base, storage_rate=rate)) for rate in sides("storage_rate")]
    assert swing("storage rate") == pytest.approx(storage, rel=1e-12)
    assert swing("months of cover") == pytest.approx(
        [npc(replace(base, cover_months=0.0), months=6 * factor) for factor in sides("cover")], rel=1e-12
    )
    quantity = [npc(replace(base, quantity_basis=basis)) for basis in stockpile_validation.QUANTITY_BASES]
    assert swing("quantity basis") == pytest.approx([min(quantity), max(quantity)], rel=1e-12)
    priced = [
        npc(replace(base, price_basis=basis, real_prices=real))
        for basis in stockpile.PRICE_BASES
        for real in (False, True)
    ]
    assert swing("price basis") == pytest.approx([min(priced), max(priced)], rel=1e-12)
    assert table["swing_usd"].is_monotonic_decreasing
    # each end is labelled with the setting that gives it
    assert table.loc["discount rate", ["low_setting", "high_setting"]].tolist() == ["1.0%", "5.0%"]
    cheaper = stockpile_validation.QUANTITY_BASES[int(np.argmin(quantity))].replace("_", " ")
    assert table.loc["quantity basis", "low_setting"] == cheaper


# ---------------------------------------------------------------- Monte Carlo and burden sharing


def test_monte_carlo_is_seeded_and_resamples_whole_years():
    costs = pd.Series({"a": 100.0, "b": 50.0})
    changes = pd.DataFrame({"a": [np.log(2), -np.log(2)], "b": [0.0, np.nan]}, index=[2001, 2002])
    first = stockpile.monte_carlo(costs, changes, 20_000, seed=7)
    again = stockpile.monte_carlo(costs, changes, 20_000, seed=7)
    np.testing.assert_array_equal(first.draws, again.draws)
    # year 2001: 100 x 2 + 50 = 250; year 2002: 100 / 2 + 50 x e^0 (b drawn from its own history) = 100
    assert set(np.round(first.draws, 6)) == {250.0, 100.0}
    assert first.p5 == pytest.approx(100) and first.p95 == pytest.approx(250)
    assert first.standard_error == pytest.approx(first.draws.std(ddof=1) / np.sqrt(20_000))
    flat = stockpile.monte_carlo(costs, pd.DataFrame({"a": [0.0]}, index=[2001]), 1_000, seed=1)
    assert flat.minerals_without_history == ("b",) and np.allclose(flat.draws, 150)


def test_burden_shares_by_gdp_equal_and_consumption(inputs):
    costs = stockpile.cost_table(design(months=6), inputs, settings())
    keys = pd.DataFrame(
        {
            "key": ["gdp"] * 3 + ["equal"] * 3,
            "country": list(stockpile_validation.PARTNERS) * 2,
            "value": [8.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        }
    )
    shares = stockpile.burden_shares(costs, keys).set_index(["key", "country"])
    total = stockpile.total_cost(costs)
    assert shares.loc[("gdp", "United States"), "share"] == pytest.approx(0.8)  # 8 / (8 + 1 + 1)
    assert shares.loc[("equal", "Mexico"), "cost_usd"] == pytest.approx(total / 3)
    assert shares.loc[("consumption", "United States"), "share"] == 1.0  # U.S. quantities only
    assert shares.groupby("key")["cost_usd"].sum().to_numpy() == pytest.approx([total] * 3)


# ---------------------------------------------------------------- shipped data and bad input


def test_shipped_files_validate_and_designs_match_the_issue():
    minerals = stockpile_validation.read_minerals()
    defence = stockpile_validation.read_design("defence", minerals)
    assert set(defence["mineral"]) == {
        "antimony",
        "chromium",
        "cobalt",
        "copper",
        "gallium",
        "germanium",
        "molybdenum",
        "niobium",
        "rare_earths",
        "titanium",
        "tungsten",
    }
    market = stockpile_validation.read_design("market", minerals)
    assert set(defence["mineral"]) < set(market["mineral"])
    assert {"lithium", "nickel", "graphite", "manganese", "aluminum", "zinc", "platinum", "palladium"} <= set(
        market["mineral"]
    )
    keys = stockpile_validation.read_burden_keys()
    assert set(keys["key"]) >= {"gdp", "equal"}
    assumptions = stockpile_validation.read_assumptions()
    assert stockpile_validation.assumption(assumptions, "benchmark_defence_cost") == 6e9
    assert stockpile_validation.assumption(assumptions, "benchmark_market_cost") == 40e9


@pytest.mark.parametrize(
    "change, message",
    [
        ({"designs": "defense"}, "unknown stockpile design"),
        ({"designs": " , "}, "no design given"),
        ({"designs": "defence,defence"}, "a design is named twice"),
        ({"data_year": 2025}, "year not in the edition"),
    ],
)
def test_parameters_that_need_the_data_are_rejected_with_the_fix(change, message):
    """Only the rules that depend on the data: the static ranges are notebooks/parameters.yaml's (test_parameters)."""
    with pytest.raises(InputError, match=message) as err:
        settings(**change)
    assert err.value.fix


def test_malformed_design_file_names_row_and_field(tmp_path):
    minerals = stockpile_validation.read_minerals()
    text = paths.DATA_DIR.joinpath("stockpile_design_defence.csv").read_text(encoding="utf-8")
    (tmp_path / "stockpile_design_bad.csv").write_text(
        text.replace("copper,true,12,", "copper,true,-3,"), encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"row 5, field 'months_of_cover'"):
        stockpile_validation.read_design("bad", minerals, folder=tmp_path)
    (tmp_path / "stockpile_design_typo.csv").write_text(text.replace("copper,true", "coper,true"), encoding="utf-8")
    with pytest.raises(InputError, match=r"field 'mineral' \(value 'coper'\)"):
        stockpile_validation.read_design("typo", minerals, folder=tmp_path)
    (tmp_path / "stockpile_design_flag.csv").write_text(text.replace("copper,true", "copper,yes"), encoding="utf-8")
    with pytest.raises(InputError, match="not true or false"):
        stockpile_validation.read_design("flag", minerals, folder=tmp_path)


def test_burden_key_must_cover_the_three_partners(tmp_path):
    path = tmp_path / "keys.csv"
    path.write_text(
        "key,country,value,unit,year,source,note\ngdp,United States,1,USD,2024,x,\ngdp,Canada,1,USD,2024,x,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="does not cover the three partners"):
        stockpile_validation.read_burden_keys(path)


# ---------------------------------------------------------------- the chapter under papermill


@pytest.fixture(scope="module")
def chapter_one_output(tmp_path_factory, external_dir):
    import papermill

    folder = tmp_path_factory.mktemp("chapter01")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MINERALS_DATA_DIR", str(external_dir))
        patch.setenv(paths.MIRROR_ENV, str(mirror()))
        papermill.execute_notebook(
            str(paths.NOTEBOOKS_DIR / "01_minerals_tables.ipynb"),
            str(folder / "01.ipynb"),
            parameters={"output_dir": str(folder / "out")},
            progress_bar=False,
            kernel_name="python3",
        )
    return folder / "out"


@pytest.fixture
def small_design():
    """A user's own design file in data/, removed afterwards."""
    path = stockpile_validation.design_path(f"pytest_{os.getpid()}")
    path.write_text(
        "mineral,included,months_of_cover,basis,purpose,rationale,source\n"
        "gallium,true,24,net_imports,defence,test,test\n"
        "cobalt,true,6,apparent_consumption,market,test,test\n"
        "molybdenum,true,6,net_imports,market,test,test\n",
        encoding="utf-8",
    )
    yield path.stem.removeprefix(stockpile_validation.DESIGN_PREFIX)
    path.unlink()


def test_chapter_runs_under_papermill_with_another_design_and_parameters(chapter_one_output, small_design, tmp_path):
    notebook = paths.NOTEBOOKS_DIR / "03_stockpile_cost.ipynb"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(notebook),
            str(tmp_path / "03.ipynb"),
            "-p",
            "output_dir",
            str(chapter_one_output),
            "-p",
            "stockpile_design",
            f"{small_design},defence",
            "-p",
            "stockpile_cover_months",
            "2",
            "-p",
            "stockpile_price_basis",
            "mean_5y",
            "-p",
            "stockpile_real_prices",
            "True",
            "-p",
            "stockpile_mc_draws",
            "2000",
        ],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((chapter_one_output / "results/03_stockpile_cost.json").read_text(encoding="utf-8"))
    assert (results["price_basis"], results["real_prices"], results["cover_months"]) == ("mean_5y", True, 2.0)
    mine = results["designs"][small_design]
    assert mine["minerals_included"] == ["cobalt", "gallium"]
    assert "net exporter" in mine["minerals_excluded"]["molybdenum"]
    assert set(mine["calibrated_cover_months"]) == {"defence benchmark", "market benchmark"}
    for design_results in results["designs"].values():  # months 2 of one year's value: cost x 6 = 12-month value
        months = design_results["calibrated_cover_months"]["defence benchmark"]
        assert months == pytest.approx(2 * 6e9 / design_results["acquisition_usd"])
    for suffix in ("png", "svg", "pdf", "csv", "txt"):
        assert (chapter_one_output / f"figures/03_tornado.{suffix}").is_file()


def test_a_commodity_offered_on_two_price_bases_states_which_one_the_design_uses(salient, minerals):
    """Rare earths: the basket (mixed carbonate) or the magnet-relevant neodymium oxide; here a hand-computed pair."""
    salient = pd.concat(
        [salient, pd.DataFrame([_salient_row("alpha", "price", 5000.0, unit="USD/t", detail="alt")])], ignore_index=True
    )
    alternative = (
        minerals.loc[["alpha"]]
        .rename(index={"alpha": "alpha_alt"})
        .assign(label="Alpha (alternative)", price_series="alt")
    )
    minerals = pd.concat([minerals, alternative])
    annual = stockpile.annual_quantities(salient, minerals, 2025, 2023)
    history = stockpile.price_history(pd.DataFrame(columns=["commodity", "date", "price_usd_per_t"]), salient, minerals)
    inputs = stockpile.Inputs(minerals, annual, history, pd.Series({2023: 1.0}), 2023, 0.02)
    assert stockpile_text.price_choices(minerals) == {"alpha": ["alpha", "alpha_alt"]}
    text = stockpile_text.price_choice_text({"test": design(months=6)}, inputs, settings())
    # alpha: 600 t net imports x 6/12 = 300 t; at USD 2,000/t 0.6 million, at 5,000/t 1.5 million;
    # beta: 400 t x 6/12 = 200 t x 500 USD/t x factor 2 = 0.2 million
    assert "prices alpha as *Alpha* (row `alpha`" in text and "USD 600,000 of its USD 800,000" in text
    assert (
        "Priced as *Alpha (alternative)* (row `alpha_alt`) it would cost USD 1.50 million, and the design "
        "USD 1.70 million"
    ) in text
    swapped = stockpile.cost_table(design(months=6).replace({"mineral": {"alpha": "alpha_alt"}}), inputs, settings())
    assert swapped.at["alpha_alt", "cost_usd"] == pytest.approx(300 * 5000)
    assert stockpile.total_cost(swapped) == pytest.approx(300 * 5000 + 200 * 500 * 2)


def test_shipped_minerals_offer_rare_earths_on_the_magnet_relevant_basis():
    minerals = stockpile_validation.read_minerals()
    assert stockpile_text.price_choices(minerals)["rare_earths"] == ["rare_earths", "rare_earths_nd_oxide"]
    nd = minerals.loc["rare_earths_nd_oxide"]
    assert (nd["price_source"], nd["price_series"], nd["content_factor"]) == ("usgs", "nd2o3", 1.0)
    assert "concentrate" in minerals.at["tungsten", "label"] and "APT" not in minerals.at["tungsten", "label"]
    assert "not APT" in minerals.at["tungsten", "content_note"]
    assert "ferromanganese" in minerals.at["manganese", "content_note"]
