"""Chapter 05: facts as data rows, the NdPr floor (hand-computed cases and the closed-form check), stockpile
benchmarks, section 30D's schedules against paper B, the law as of a date, and the chapter under papermill."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from critical_minerals.core import paths
from critical_minerals.core.errors import InputError
from critical_minerals.models.instruments import model as instruments
from critical_minerals.models.stockpile import validation as stockpile_validation

FACTS = instruments.read_facts()


# ---------------------------------------------------------------- facts


def test_every_fact_has_a_source_and_verified_ones_an_address():
    assert FACTS["source"].str.strip().ne("").all()
    verified = FACTS[FACTS["verified"] == "yes"]
    assert verified["source_url"].str.strip().ne("").all()
    # what the public texts do not state is marked so, and shown as unverified
    assert {"mp_floor_covered_volume", "ndpr_per_nd2o3_price_ratio"} <= set(instruments.unverified_keys(FACTS))
    view = instruments.facts_view(FACTS).set_index("fact")
    assert view.at["mp_floor_covered_volume", "status"] == instruments.UNVERIFIED
    assert view.at["mp_floor_price", "status"] == "read in the source"


@pytest.mark.parametrize(
    "row, message",
    [
        ("k,1,u,src,http://x,2026-11-30,maybe,n\n", "verified must be yes or no"),
        ("k,1,u,src,,2026-11-30,yes,n\n", "needs the address"),
        ("k,1,u,,http://x,2026-11-30,no,n\n", "needs a source"),
        ("k,1,u,src,http://x,30/11/2026,yes,n\n", "accessed must be a date"),
        ("k,1,u,src,http://x,2026-11-30,yes,n\nk,2,u,src,http://x,2026-11-30,yes,n\n", "key given twice"),
    ],
)
def test_a_bad_facts_file_gets_one_clear_error(tmp_path, row, message):
    path = tmp_path / "facts.csv"
    path.write_text(",".join(instruments.FACT_COLUMNS) + "\n" + row, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        instruments.read_facts(path)


# ---------------------------------------------------------------- the Nd2O3 series and its volatility


def test_nd2o3_prices_take_each_year_from_the_newest_edition_in_usd_per_kg():
    salient = pd.DataFrame(
        {
            "commodity": "rare_earths",
            "measure": "price",
            "detail": ["nd2o3", "nd2o3", "nd2o3", "ceo2"],
            "edition": [2023, 2025, 2025, 2025],
            "year": [2021, 2021, 2022, 2022],
            "value": [49_000.0, 98_000.0, 134_000.0, 1_000.0],
            "unit": "USD/t",
            "estimated": [False, False, True, False],
        }
    )
    table = instruments.nd2o3_prices(salient)
    assert table["usd_per_kg"].to_dict() == {2021: 98.0, 2022: 134.0}
    assert table.at[2021, "MCS 2023"] == 49.0 and table.at[2021, "edition"] == 2025
    assert bool(table.at[2022, "estimated"])


def test_annual_volatility_on_a_hand_computed_series():
    vol = instruments.annual_volatility(pd.Series([100.0, 200.0, 100.0]))
    # log changes +ln 2 and -ln 2: sample sd = sqrt(2 (ln 2)^2 / 1) = ln 2 sqrt 2
    assert vol.sigma == pytest.approx(np.log(2) * np.sqrt(2))
    assert vol.returns == 2
    assert vol.low == pytest.approx(vol.sigma / np.sqrt(3.841459), rel=1e-6)  # chi-square(1) 95 % quantile
    assert vol.low < vol.sigma < vol.high
    grid = instruments.volatility_grid(vol, also=[0.05])
    assert grid.min() == 0.05 and np.isclose(grid, vol.low, atol=1e-4).any()
    assert np.isclose(grid, vol.sigma, atol=1e-4).any() and grid.max() == pytest.approx(vol.high, abs=1e-4)
    with pytest.raises(InputError, match="too few"):
        instruments.annual_volatility(pd.Series([1.0, 2.0]))


# ---------------------------------------------------------------- the NdPr floor


def floor_case(price, sigma, rate=0.0, years=2, volume=100.0, n_paths=200, seed=1):
    terms = instruments.FloorTerms(110.0, years, volume, rate, False)
    model = instruments.floor_model(price, sigma, 2024)
    setup = instruments.floor_setup(terms, 2025, 2024, (5e6, 1e7))
    results = instruments.value_floor(model, setup, n_paths, seed)
    return model, setup, results, instruments.floor_summary(results, setup, 2025)


def test_floor_without_volatility_pays_the_gap_on_the_covered_volume_each_year():
    # 110 - 50 = 60 USD/kg = 60,000 USD/t on 100 t a year: 6 million USD a year, two years
    _, _, _, summary = floor_case(50.0, 0.0, rate=0.1)
    assert summary["mean_outlay_by_year"] == pytest.approx({"2025": 6e6, "2026": 6e6})
    assert summary["fiscal_pv"]["mean"] == pytest.approx(6e6 / 1.1 + 6e6 / 1.1**2)  # valued at the floor's start
    assert summary["undiscounted_total_mean"] == pytest.approx(12e6)
    assert summary["p_any_payment"] == 1.0 and summary["p_payment_by_year"] == {"2025": 1.0, "2026": 1.0}
    assert summary["max_annual_outlay"]["p50"] == pytest.approx(6e6)
    assert summary["p_max_above"] == {"5000000": 1.0, "10000000": 0.0}
    assert summary["max_commitment_usd"] == pytest.approx(110_000 * 100)
    assert summary["fiscal_pv_mean_per_kt"] == pytest.approx(summary["fiscal_pv"]["mean"] * 10)  # 100 t -> 1,000 t


def test_floor_below_the_price_without_volatility_costs_nothing():
    _, _, _, summary = floor_case(150.0, 0.0)
    assert summary["fiscal_pv"]["mean"] == 0 and summary["p_any_payment"] == 0


def black76_floor(price_t, strike_t, sigma, volume, rate, lead, years):
    """Independent closed form: months m = 1.. of the term; put on a driftless lognormal price, paid on 1/12 of the
    year's volume, discounted at the end of its contract year, valued at the floor's start."""
    total = 0.0
    for month in range(12 * lead + 1, 12 * (lead + years) + 1):
        t = month / 12
        d2 = (np.log(price_t / strike_t) - sigma**2 * t / 2) / (sigma * np.sqrt(t))
        put = strike_t * norm.cdf(-d2) - price_t * norm.cdf(-(d2 + sigma * np.sqrt(t)))
        year = (month - 1) // 12  # 0 = the lead year
        total += put * volume / 12 * (1 + rate) ** -(year + 1)
    return total * (1 + rate) ** lead


def test_simulated_floor_matches_the_black76_strip():
    model, setup, results, summary = floor_case(60.0, 0.45, rate=0.04, years=10, volume=2000.0, n_paths=40_000)
    check = instruments.closed_form_check(model, setup, results).set_index("instrument")
    exact = black76_floor(60_000.0, 110_000.0, 0.45, 2000.0, 0.04, 1, 10)
    assert check.at["floor", "closed_form"] == pytest.approx(exact, rel=1e-9)
    assert abs(check.at["floor", "difference_in_se"]) < 4
    assert summary["fiscal_pv"]["mean"] == pytest.approx(exact, rel=4 * check.at["floor", "se"] / exact)
    assert 0 < summary["fiscal_pv"]["p5"] < summary["fiscal_pv"]["p50"] < summary["fiscal_pv"]["p95"]


def test_sensitivity_rows_equal_the_full_floor_summary_at_each_volatility():
    """The sensitivity values the floor alone, without its yearly outlays: each row must equal what the chapter's own
    valuation (floor and CfD, years kept) summarises at that volatility, to the last digit."""
    terms = instruments.FloorTerms(110.0, 3, 100.0, 0.04, False)
    table = instruments.sensitivity(60.0, [0.2, 0.45], 2024, terms, 2025, (1e6, 3e6), 2_000, 5)
    for row, sigma in zip(table.itertuples(index=False), (0.2, 0.45)):
        setup = instruments.floor_setup(terms, 2025, 2024, (1e6, 3e6))
        results = instruments.value_floor(instruments.floor_model(60.0, sigma, 2024), setup, 2_000, 5)
        summary = instruments.floor_summary(results, setup, 2025)
        pv = summary["fiscal_pv"]
        assert list(row) == [
            sigma,
            pv["mean"] / 1e6,
            pv["p5"] / 1e6,
            pv["p50"] / 1e6,
            pv["p95"] / 1e6,
            summary["p_any_payment"],
            summary["max_annual_outlay"]["p95"] / 1e6,
        ]
    assert 0 < table["expected cost (USD m)"].iloc[0] < table["expected cost (USD m)"].iloc[1]


def test_floor_terms_take_the_agreement_and_label_the_volume():
    terms = instruments.floor_terms(FACTS, 0, 0, 0, 0.04)
    assert (terms.floor_usd_per_kg, terms.years) == (110.0, 10)
    assert terms.volume_t_per_year == 4 * instruments.fact(FACTS, "mp_ndpr_production_q3_2025")
    assert not terms.volume_verified
    with pytest.raises(InputError, match="instruments_discount_rate"):
        instruments.floor_terms(FACTS, 0, 0, 0, 0.5)
    with pytest.raises(InputError, match="start after the last observed price"):
        instruments.floor_setup(terms, 2024, 2024, ())


# ---------------------------------------------------------------- stockpile benchmarks


def costs_table():
    return pd.DataFrame(
        {
            "label": ["A", "B", "C", "D"],
            "status": ["included"] * 3 + ["excluded"],
            "cost_usd": [2e9, 1e9, 5e9, np.nan],
            "annual_t": [10.0, 10.0, 10.0, 10.0],
            "demand_share": [1.0, 1.0, 1.0, 1.0],
            "price_usd_per_t": [1.2e8, 0.6e8, 1.2e8, 1e8],
        }
    )


@pytest.mark.parametrize("budget, covered", [(0.5e9, []), (3.5e9, ["B", "A"]), (8e9, ["B", "A", "C"]), (2.9e9, ["B"])])
def test_minerals_covered_cheapest_first_until_the_next_does_not_fit(budget, covered):
    assert instruments.minerals_covered(costs_table(), budget) == covered


def test_benchmark_cover_in_months_of_one_years_value():
    benchmarks = pd.DataFrame({"id": ["x"], "benchmark": ["X"], "usd": [3e9], "source": ["s"], "verified": [False]})
    row = instruments.benchmark_cover({"d": costs_table()}, benchmarks).iloc[0]
    # one year of the included minerals: 10 t x (1.2 + 0.6 + 1.2) e8 = 3e9 USD, so 3e9 buys 12 months
    assert row["months of cover it buys"] == pytest.approx(12.0)
    assert row["share of the design's cost"] == pytest.approx(3e9 / 8e9)
    assert (row["minerals bought in full"], row["included minerals"], row["bought in full, cheapest first"]) == (
        2,
        3,
        "B, A",
    )
    assert row["source"].endswith(f"({instruments.UNVERIFIED})")


def test_every_benchmark_is_listed_with_its_source():
    table = instruments.stockpile_benchmarks(stockpile_validation.read_assumptions(), FACTS).set_index("id")
    assert (
        table.at["cgep_defence", "usd"] == 6e9
        and "Center on Global Energy Policy" in table.at["cgep_defence", "source"]
    )
    assert table.at["vault_total", "usd"] == pytest.approx(10e9 + 1.67e9)
    assert table.at["nds_pl_119_21", "usd"] == 2e9


# ---------------------------------------------------------------- section 30D


def test_section_30d_schedule_against_paper_b():
    table = instruments.section_30d_table(FACTS).set_index("year")
    assert table["critical minerals, statute (%)"].to_dict() == {  # percentages, as the reader sees them
        2023: 40,
        2024: 50,
        2025: 60,
        2026: 70,
        2027: 80,
        2028: 80,
        2029: 80,
        2030: 80,
    }
    assert (
        table.at[2029, "battery components, statute (%)"] == 100
        and table.at[2025, "battery components, statute (%)"] == 60
    )
    assert table.loc[table["paper matches statute"] == "yes"].index.tolist() == [2023, 2024, 2025, 2026, 2027]
    assert table.at[2028, "paper B: 10-point steps (%)"] == 90
    assert table.at[2028, "paper B: stated end point (%)"] == 100
    assert table.at[2025, "credit available"] == "to 30 Sep 2025" and table.at[2026, "credit available"].startswith(
        "no"
    )
    text = instruments.section_30d_text(table.reset_index(), FACTS)
    assert "2023–2027" in text and "only in 2029" in text and "30 September 2025" in text


# ---------------------------------------------------------------- the law as of a date

CHANGES = instruments.read_law_changes(facts=FACTS)


def test_law_of_january_2025_has_none_of_the_new_instruments():
    law = instruments.law_results(CHANGES, FACTS, "2025-01", floor_cost=123.0)
    assert not law["ndpr_floor_in_force"] and law["ndpr_floor_expected_cost_usd"] == 0
    assert law["s30d_available"] and law["s30d_critical_minerals_share"] == pytest.approx(0.6)
    assert law["copper_semis_tariff"] == 0 and law["new_stockpile_finance_usd"] == 0
    assert law["changes_in_force"] == 0


def test_law_of_november_2026_has_every_change():
    law = instruments.law_results(CHANGES, FACTS, "2026-11", floor_cost=123.0)
    assert law["ndpr_floor_expected_cost_usd"] == 123.0 and not law["s30d_available"]
    assert law["copper_semis_tariff"] == 0.5
    assert law["new_stockpile_finance_usd"] == pytest.approx(10e9 + 1.67e9 + 2e9)
    assert law["changes_in_force"] == law["changes_listed"] == len(CHANGES)


def test_law_month_boundaries():
    assert instruments.law_results(CHANGES, FACTS, "2025-09", 1.0)["s30d_available"]  # acquired by 30 Sept
    assert not instruments.law_results(CHANGES, FACTS, "2025-10", 1.0)["s30d_available"]
    assert instruments.law_results(CHANGES, FACTS, "2025-07", 1.0)["ndpr_floor_in_force"]  # 9 July is in July
    with pytest.raises(InputError, match="YYYY-MM"):
        instruments.law_date("2025-13")


def test_dated_scenarios_name_the_law_they_apply():
    import yaml

    for name, month in (("law_2025_01", "2025-01"), ("law_2025_01_data_2022", "2025-01"), ("law_2026_11", "2026-11")):
        scenario = yaml.safe_load((paths.SCENARIOS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
        assert scenario["instruments_law_as_of"] == month
    assert not (paths.SCENARIOS_DIR / "current_law.yaml").exists()  # one meaning per name: the dated ones replace it


def test_copper_tariff_reaches_neither_the_archetypes_product_nor_its_reference_price():
    row = instruments.read_tariff_reach(facts=FACTS).set_index("archetype").loc["copper"]
    assert (row["reaches_product"], row["reaches_reference_price"]) == ("no", "no")
    assert "concentrates" in FACTS.at[row["fact"], "note"] and "cathodes" in FACTS.at[row["fact"], "note"]


# ---------------------------------------------------------------- the chapter under papermill


def test_chapter_runs_under_papermill_with_the_law_of_2025_and_other_terms(chapter01, tmp_path):
    notebook = paths.NOTEBOOKS_DIR / "05_instruments_2025_26.ipynb"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(notebook),
            str(tmp_path / "05.ipynb"),
            "-p",
            "output_dir",
            str(chapter01),
            "-p",
            "instruments_law_as_of",
            "2025-01",
            "-p",
            "instruments_ndpr_volume_t",
            "1000",
            "-p",
            "instruments_ndpr_volatility",
            "0.5",
            "-p",
            "instruments_paths",
            "2000",
            "-p",
            "instruments_stockpile_designs",
            "defence",
        ],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((chapter01 / "results/05_instruments_2025_26.json").read_text(encoding="utf-8"))
    floor = results["ndpr_floor"]
    assert (floor["volume_t_per_year"], floor["volatility"], floor["volume_status"]) == (1000.0, 0.5, "unverified")
    assert results["law"]["ndpr_floor_expected_cost_usd"] == 0 and results["law"]["s30d_critical_minerals_share"] == 0.6
    assert floor["fiscal_pv"]["mean"] > 0 and all(abs(v) < 4 for v in floor["closed_form_difference_in_se"].values())
    assert set(results["stockpile"]) == {"defence"}
    assert results["s30d_paper_matches_years"] == [2023, 2024, 2025, 2026, 2027]
    for name in ("05_ndpr_floor", "05_stockpile_benchmarks"):
        for suffix in ("png", "svg", "pdf", "csv", "txt"):
            assert (chapter01 / f"figures/{name}.{suffix}").is_file()


def test_fta_sentence_is_labelled_while_the_treasury_list_is_unread():
    text = instruments.fta_text(FACTS)
    assert "Canada or Mexico" in text and (instruments.UNVERIFIED in text) == (
        FACTS.at["s30d_fta_canada_mexico", "verified"] == "no"
    )


def test_tables_as_shown_have_readable_headers_and_no_true_false():
    salient = pd.DataFrame(
        {
            "commodity": "rare_earths",
            "measure": "price",
            "detail": "nd2o3",
            "edition": [2025],
            "year": [2024],
            "value": [56_000.0],
            "unit": "USD/t",
            "estimated": [True],
        }
    )
    view = instruments.nd2o3_view(instruments.nd2o3_prices(salient))
    assert list(view.columns[:4]) == ["year", "price used (USD/kg)", "from edition", "USGS estimate"]
    assert view.iloc[0]["USGS estimate"] == "yes" and view.iloc[0]["MCS 2025 (USD/kg)"] == 56.0
    check = pd.DataFrame(
        {"instrument": ["floor"], "simulated": [2e6], "se": [1e5], "closed_form": [1.9e6], "difference_in_se": [1.0]}
    )
    shown = instruments.check_view(check).iloc[0]
    assert shown["instrument"] == "price floor (insurance)" and shown["closed form (USD m)"] == pytest.approx(1.9)
