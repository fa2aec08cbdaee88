"""The report's one number formatter and table helper: precision by magnitude, never a non-zero shown as zero."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from critical_minerals import figures
from critical_minerals.core import display
from critical_minerals.models.stockpile import model as stockpile
from critical_minerals.models.stockpile import validation as stockpile_validation


@pytest.mark.parametrize(
    "value, shown",
    [
        (0.27183, "0.272"),
        (4.4391, "4.44"),
        (2.5912, "2.59"),
        (0.16, "0.160"),
        (53.24, "53.2"),
        (9060.8, "9,061"),
        (1234567.89, "1,234,568"),
        (-0.0042, "-0.00420"),
        (6.0, "6"),
        (12, "12"),
        (2_000_000, "2,000,000"),
        (0.0, "0"),
        (3.2e-7, "3.20e-07"),
        (1.42e-14, "0"),
        (np.nan, "–"),
        (None, "–"),
        (True, "Yes"),
        (False, "No"),
        (np.float64(0.5), "0.500"),
        (np.int64(1500), "1,500"),
        (float("inf"), "∞"),
    ],
)
def test_number_keeps_significant_figures_and_separates_thousands(value, shown):
    assert display.number(value) == shown


@pytest.mark.parametrize("value", [0.0004, 0.001, 0.0049, 0.27, 0.5, 0.9995, 1e-9, -0.003])
def test_no_non_zero_value_is_shown_as_zero(value):
    text = display.number(value)
    assert float(text.replace(",", "")) != 0
    assert abs(float(text.replace(",", "")) - value) <= abs(value) * 0.005  # three significant figures


def test_headers_are_human_and_carry_units():
    assert display.header("us_pct") == "United States (%)"
    assert display.header("price_usd_per_t") == "Price (USD/t)"
    assert display.header("some_new_column") == "Some new column"  # never snake_case, even when not mapped
    assert display.header("acquisition (USD bn)") == "Acquisition (USD bn)"


def test_booleans_are_words_and_years_are_labels():
    frame = pd.DataFrame(
        {
            "year": [2023, 2024],
            "clear_lead": [True, False],
            "first_year": [2015.0, np.nan],
            "years_used": [5, 10],
            "value": [1234.5, 0.001],
        }
    )
    shown = display.view(frame)
    assert list(shown.columns) == ["Year", "Clear lead", "First year", "Years used", "Value"]
    assert shown["Year"].tolist() == ["2023", "2024"]
    assert shown["Clear lead"].tolist() == ["Yes", "No"]
    assert shown["First year"].tolist() == ["2015", "–"]
    assert shown["Value"].tolist() == ["1,234", "0.00100"]
    by_year = display.view(frame.set_index("year"))
    assert by_year.index.tolist() == ["2023", "2024"] and by_year.index.name == "Year"
    filtered = display.table(frame[frame["year"] > 2023]).to_html()  # what is left of the row numbers is not shown
    assert ">1<" not in filtered and ">2024<" in filtered


def test_holding_the_stock_table_shows_every_digit_a_reader_needs():
    """Regression: the columns' names contain 'year', which made the old table show 0.27 as 0 and 4.44 as 4."""
    settings = stockpile_validation.Settings(
        ("d",), "design", 0.0, 1.0, 2025, 0, "latest", False, 0.01, 0.02, 20, 0.0, 1000, 3, 2000
    )
    costs = pd.DataFrame({"status": [stockpile.INCLUDED], "cost_usd": [9.06e9]}, index=["copper"])
    totals = stockpile.summary({"defence": costs}, settings, 0.0)
    html = figures.table(totals).to_html()  # what the chapter calls
    carrying = 9.06e9 * 0.03 / 1e9  # 0.2718 bn a year
    npc = stockpile.net_present_cost(9.06e9, 0.01, 0.02, 20) / 1e9
    assert f">{carrying:.3f}<" in html and f">{npc:.3g}<" in html and f">{npc:.0f}<" not in html
    assert "Yearly carrying cost (USD bn)" in html and "_" not in display.view(totals).columns.str.cat()


def test_codes_from_the_data_read_as_words():
    frame = pd.DataFrame(
        {
            "basis": ["net_imports", "s30d_battery_share.2024", "rare_earths"],
            "flag": ["True", "False", "included"],
            "note": ["see net_imports", "a, b", "x_1"],
        }
    )
    shown = display.view(frame)
    assert shown["Basis"].tolist() == ["net imports", "s30d battery share, 2024", "rare earths"]
    assert shown["Flag"].tolist() == ["Yes", "No", "included"]
    assert shown["Note"].tolist() == ["see net_imports", "a, b", "x 1"]  # text keeps its words; a code becomes words


def test_detail_columns_wait_in_an_all_columns_block():
    frame = display.details(
        pd.DataFrame(
            {"mineral": ["copper"], "cost": [1.5], "content_note": ["refined"], "price_source": ["World Bank"]}
        ),
        ["price_source"],
    )
    html = display.table(frame, caption="Costs").to_html()
    reading, block = html.split(f'<details class="{display.ALL_COLUMNS}">')
    assert "World Bank" not in reading and "refined" not in reading  # named by the table and by DETAILS
    assert ">Cost<" in reading and "All 4 columns" in block and "World Bank" in block and "Costs: all columns" in block
    plain = pd.DataFrame({"mineral": ["copper"]})
    assert display.ALL_COLUMNS not in display.table(plain).to_html()  # no details: one table, as before
