"""Tests of critical_minerals.sources.wb_imf_prices: real World Bank / IMF workbooks from the mirror, synthetic ones
for errors."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from critical_minerals.core.errors import InputError
from critical_minerals.core.paths import ROOT, mirror_dir
from critical_minerals.sources import wb_imf_prices as pdm
from critical_minerals.sources.units import POUND_T, TROY_OUNCE_T

MIRROR = mirror_dir() or Path(__file__).parents[1].parent / "shared" / "data"
WB_MONTHLY = MIRROR / "worldbank_pinksheet" / "CMO-Historical-Data-Monthly.xlsx"
WB_ANNUAL = MIRROR / "worldbank_pinksheet" / "CMO-Historical-Data-Annual.xlsx"
IMF_FILE = MIRROR / "imf_pcps" / "external-data-v2.xls"

IMF_ONLY = {
    "cobalt",
    "molybdenum",
    "lithium",
    "rare_earths",
    "vanadium",
    "manganese",
    "chromium",
    "palladium",
    "uranium",
    "silicon",
}


def _require(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} not found: set MINERALS_DATA_MIRROR to the local mirror of the official datasets")
    return path


@pytest.fixture(scope="module")
def wb_monthly() -> pd.DataFrame:
    return pdm.read_worldbank_monthly(_require(WB_MONTHLY))


@pytest.fixture(scope="module")
def imf_monthly() -> pd.DataFrame:
    return pdm.read_imf_monthly(_require(IMF_FILE))


@pytest.fixture(scope="module")
def panel(wb_monthly, imf_monthly) -> pd.DataFrame:
    return pdm.price_panel(wb_monthly, imf_monthly)


def _value(frame: pd.DataFrame, commodity: str, date: str) -> pd.Series:
    rows = frame[(frame["commodity"] == commodity) & (frame["date"] == pd.Timestamp(date))]
    assert len(rows) == 1, (commodity, date)
    return rows.iloc[0]


def _coverage(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby("commodity")["date"].agg(["min", "max", "count"])


# --- World Bank monthly ----------------------------------------------------------------------------------------------


def test_worldbank_values_equal_the_workbook_cells(wb_monthly):
    copper = _value(wb_monthly, "copper", "2024-01-01")  # sheet 'Monthly Prices', row 2024M01, column 'Copper'
    assert copper["price"] == 8338.88
    assert (copper["unit"], copper["price_usd_per_t"], copper["series"]) == ("USD/t", 8338.88, "Copper")
    assert copper["source"] == "World Bank Pink Sheet"
    assert copper["source_file"] == "CMO-Historical-Data-Monthly.xlsx"
    assert _value(wb_monthly, "copper", "1960-01-01")["price"] == 715.4
    assert _value(wb_monthly, "silver", "1960-01-01")["price"] == 0.91


def test_worldbank_coverage_1960m01_to_2026m05_without_gaps(wb_monthly):
    cov = _coverage(wb_monthly)
    assert set(cov.index) == set(pdm.WORLDBANK_PANEL)
    assert (cov["min"] == pd.Timestamp("1960-01-01")).all()
    assert (cov["max"] == pd.Timestamp("2026-05-01")).all()
    assert (cov["count"] == 797).all()  # every month of 1960M01..2026M05


def test_gold_converted_from_troy_ounces_to_tonnes(wb_monthly):
    gold = wb_monthly[wb_monthly["commodity"] == "gold"]
    assert (gold["unit"] == "USD/troy_oz").all()
    np.testing.assert_allclose(gold["price_usd_per_t"], gold["price"] / TROY_OUNCE_T, rtol=1e-12)
    jan_2024 = _value(wb_monthly, "gold", "2024-01-01")
    assert jan_2024["price"] == 2034.04
    assert jan_2024["price_usd_per_t"] == pytest.approx(2034.04 / 31.1034768e-6)  # ~ USD 65.4 million per tonne
    assert jan_2024["price_usd_per_t"] == pytest.approx(65.3959e6, rel=1e-5)


def test_worldbank_iron_ore_changes_unit_in_2006(wb_monthly):
    # Description sheet: contract prices in US cents per dmtu (1 % Fe) before 2006, spot USD per dry ton after.
    contract = _value(wb_monthly, "iron_ore", "2005-12-01")
    spot = _value(wb_monthly, "iron_ore", "2006-01-01")
    assert (contract["unit"], contract["price"]) == ("USc/dmtu", 65.0)
    assert np.isnan(contract["price_usd_per_t"])
    assert (spot["unit"], spot["price"], spot["price_usd_per_t"]) == ("USD/dmt", 67.2, 67.2)


# --- IMF ------------------------------------------------------------------------------------------------------------


def test_imf_values_and_series_names(imf_monthly):
    copper = _value(imf_monthly, "copper", "2024-02-01")
    assert copper["price"] == 8304.950476190477
    assert (copper["series"], copper["unit"], copper["source"]) == ("PCOPP", "USD/t", "IMF PCPS")
    lithium = _value(imf_monthly, "lithium", "2022-06-01")  # the IMF gives this column no code
    assert lithium["series"] == "Lithium Metal =99%, Battery Grade"
    assert lithium["price"] == pytest.approx(443656.2049061315)
    uranium = _value(imf_monthly, "uranium", "2024-01-01")
    assert uranium["unit"] == "USD/lb"
    assert uranium["price_usd_per_t"] == pytest.approx(uranium["price"] / POUND_T)


def test_imf_coverage_per_series(imf_monthly):
    cov = _coverage(imf_monthly)
    assert (
        set(cov.index)
        == {
            "aluminum",
            "copper",
            "lead",
            "nickel",
            "tin",
            "zinc",
            "iron_ore",
            "gold",
            "silver",
            "platinum",
        }
        | IMF_ONLY
    )
    assert (cov["max"] == pd.Timestamp("2025-09-01")).all()
    starts = cov["min"].dt.strftime("%Y-%m")
    assert starts["molybdenum"] == "2010-05"
    for late in ("lithium", "rare_earths", "vanadium", "manganese", "chromium", "silicon"):
        assert starts[late] == "2012-06", late
    for early in ("copper", "cobalt", "palladium", "uranium", "iron_ore", "gold"):
        assert starts[early] == "1990-01", early
    months = (cov["max"].dt.year - cov["min"].dt.year) * 12 + cov["max"].dt.month - cov["min"].dt.month + 1
    assert (cov["count"] == months).all()  # no gaps inside any series


def _usgs_price(edition: int, code: str, column: str) -> dict[int, float]:
    path = MIRROR / f"usgs_mcs{edition}" / "salient" / f"mcs{edition}-{code}_salient.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found (needed to check the IMF's unitless columns)")
    with path.open(encoding="utf-8-sig") as handle:
        return {int(row["Year"]): float(row[column]) for row in csv.DictReader(handle)}


def test_imf_unitless_columns_are_usd_per_metric_ton(imf_monthly):
    annual = imf_monthly.assign(year=imf_monthly["date"].dt.year).groupby(["commodity", "year"])["price"].mean()
    # vanadium pentoxide: USD/t / 2204.62 lb/t vs USGS V2O5 USD/lb (measured ratios 0.99-1.24 in 2020-24)
    v2o5 = _usgs_price(2025, "vanad", "Price_V2O5_dlb")
    for year in range(2020, 2025):
        assert 0.9 < annual["vanadium", year] * POUND_T / v2o5[year] < 1.3, year
    # chromium metal vs USGS USD/t (measured 0.87-1.04 in 2018-21; 2022 is a USGS estimate, left out)
    chromium = _usgs_price(2023, "chrom", "Price_Metal_dt")
    for year in range(2018, 2022):
        assert 0.8 < annual["chromium", year] / chromium[year] < 1.15, year
    # lithium metal vs battery-grade Li2CO3 USD/t: 5.3 t of carbonate per t of Li (measured 5.9-8.1 in 2020-24)
    carbonate = _usgs_price(2025, "lithium", "Price_dt")
    for year in range(2020, 2025):
        assert 5.3 < annual["lithium", year] / carbonate[year] < 9, year
    assert annual["lithium", 2022] == pytest.approx(417_000, rel=0.01)
    # rare-earth carbonate, 43 % REO of which ~20 % NdPr: its value is ~0.086x the Nd2O3 price per t, plus La/Ce
    # (measured 0.063-0.079 in 2020-24; per kg it would be ~1000x that, in CNY ~7x smaller)
    nd2o3 = _usgs_price(2025, "rareee", "Price_Nd2O3_dkg")
    for year in range(2020, 2025):
        assert 0.04 < annual["rare_earths", year] / (nd2o3[year] * 1000) < 0.12, year


# --- Cross-check and panel --------------------------------------------------------------------------------------------


def test_worldbank_and_imf_copper_agree_month_by_month(wb_monthly, imf_monthly):
    both = pdm.overlapping_prices(wb_monthly, imf_monthly)
    copper = both[both["commodity"] == "copper"]
    assert len(copper) == 429  # 1990M1..2025M9
    gap = copper["rel_diff"].abs()
    # measured: median 0.053 %, 99th percentile 0.74 %, max 1.5 % (1991M5)
    assert gap.median() < 0.001
    assert gap.quantile(0.99) < 0.01
    assert gap.max() < 0.02


def test_other_lme_and_precious_metals_agree(wb_monthly, imf_monthly):
    both = pdm.overlapping_prices(wb_monthly, imf_monthly)
    medians = both.groupby("commodity")["rel_diff"].apply(lambda s: s.abs().median())
    for metal in ("aluminum", "lead", "nickel", "tin", "zinc", "gold", "silver", "platinum"):
        assert medians[metal] < 0.002, metal  # measured 0.0000-0.0011


def test_iron_ore_sources_agree_only_from_december_2008(wb_monthly, imf_monthly):
    both = pdm.overlapping_prices(wb_monthly, imf_monthly)
    iron = both[both["commodity"] == "iron_ore"].set_index("date")["rel_diff"]
    assert iron[:"2005-12-01"].isna().all()  # World Bank in US cents per Fe unit: not comparable per tonne
    # 2006-2008 the World Bank has a 63.5 % Fe spot price, the IMF still a contract price (IMF ~50-67 % lower)
    assert (iron["2006-01-01":"2008-10-01"].abs() > 0.3).all()
    # from 2008M12 both carry the 62 % Fe fines spot price c.f.r. China (measured median 0.4 %, max 8.7 %)
    assert iron["2008-12-01":].abs().median() < 0.01


def test_panel_has_one_row_per_commodity_and_month(panel):
    assert not panel.duplicated(["commodity", "date"]).any()
    assert (panel["date"].dt.day == 1).all()
    assert (panel["price"] > 0).all()


def test_panel_follows_the_combination_rule(panel):
    sources = panel.groupby("commodity")["source"].unique()
    assert all(len(s) == 1 for s in sources)  # no splicing within a commodity
    for metal in pdm.WORLDBANK_PANEL:
        assert sources[metal][0] == "World Bank Pink Sheet", metal
    for metal in IMF_ONLY:
        assert sources[metal][0] == "IMF PCPS", metal
    assert set(sources.index) == set(pdm.WORLDBANK_PANEL) | IMF_ONLY


def test_panel_keys_match_usgs_commodity_keys(panel):
    with (ROOT / "data" / "usgs_commodities.csv").open(encoding="utf-8") as handle:
        usgs = {row["commodity"] for row in csv.DictReader(handle)}
    # platinum and palladium are one USGS commodity (platinum_group_metals); uranium is not in the MCS
    assert set(panel["commodity"]) - usgs == {"platinum", "palladium", "uranium"}


def test_panel_rejects_duplicates(wb_monthly, imf_monthly):
    doubled = pd.concat([wb_monthly, wb_monthly.head(3)], ignore_index=True)
    with pytest.raises(InputError, match="not unique|uniqueness"):
        pdm.price_panel(doubled, imf_monthly)


# --- World Bank annual ---------------------------------------------------------------------------------------------


def test_worldbank_annual_real_and_nominal():
    real = pdm.read_worldbank_annual(_require(WB_ANNUAL), kind="real")
    nominal = pdm.read_worldbank_annual(WB_ANNUAL, kind="nominal")
    assert set(real.columns) >= {"commodity", "year", "price", "unit", "basis", "source"}
    assert set(real["basis"]) == {"real 2010 USD"} and set(nominal["basis"]) == {"nominal USD"}
    copper_real = real[(real["commodity"] == "copper") & (real["year"] == 2024)].iloc[0]
    copper_nominal = nominal[(nominal["commodity"] == "copper") & (nominal["year"] == 2024)].iloc[0]
    assert copper_real["price"] == 7942.780191138141
    assert copper_nominal["price"] == 9142.14
    assert (real["year"].min(), real["year"].max()) == (1960, 2024)
    # both sheets deflate by the same MUV index, so real/nominal is one number per year across metals
    merged = real.merge(nominal, on=["commodity", "year"], suffixes=("_real", "_nominal"))
    ratio = (merged["price_real"] / merged["price_nominal"]).groupby(merged["year"]).agg(["min", "max"])
    np.testing.assert_allclose(ratio["min"], ratio["max"], rtol=1e-6)
    assert ratio.loc[2010, "min"] == pytest.approx(1.0)


# --- Malformed workbooks (synthetic) ----------------------------------------------------------------------------------

WB_NAMES = [
    "Crude oil, average",
    "Aluminum",
    "Iron ore, cfr spot",
    "Copper",
    "Lead",
    "Tin",
    "Nickel",
    "Zinc",
    "Gold",
    "Platinum",
    "Silver",
]
WB_UNITS = [
    "($/bbl)",
    "($/mt)",
    "($/dmtu)",
    "($/mt)",
    "($/mt)",
    "($/mt)",
    "($/mt)",
    "($/mt)",
    "($/troy oz)",
    "($/troy oz)",
    "($/troy oz)",
]


def _worldbank_file(
    path: Path,
    *,
    sheet="Monthly Prices",
    names=WB_NAMES,
    units=WB_UNITS,
    dates=("2024M01", "2024M02"),
    code_row=False,
    cell=None,
) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(["World Bank Commodity Price Data (The Pink Sheet)"])
    ws.append(["monthly prices in nominal US dollars, 1960 to present"])
    ws.append([None])
    ws.append(["Updated on June 02, 2026"])
    ws.append([None, *names])
    ws.append([None, *units])
    if code_row:  # some vintages insert series codes before the data
        ws.append([None, *[name.upper().replace(" ", "_") for name in names]])
    for i, date in enumerate(dates):
        ws.append([date, "…", *[100.0 + 10 * i + j for j in range(len(names) - 1)]])
    if cell:
        ws[cell[0]] = cell[1]
    book.save(path)
    return path


def test_synthetic_worldbank_is_read(tmp_path):
    frame = pdm.read_worldbank_monthly(_worldbank_file(tmp_path / "wb.xlsx", code_row=True))
    assert len(frame) == 20  # 10 metals x 2 months; the crude-oil column is ignored
    assert _value(frame, "copper", "2024-02-01")["price"] == 112.0


def test_missing_sheet_names_file_sheet_and_fix(tmp_path):
    path = _worldbank_file(tmp_path / "wb.xlsx", sheet="Prices")
    with pytest.raises(InputError) as info:
        pdm.read_worldbank_monthly(path)
    message = str(info.value)
    assert str(path) in message and "'Monthly Prices'" in message and "Fix:" in message


def test_no_date_rows(tmp_path):
    with pytest.raises(InputError, match=r"no data rows.*Fix:") as info:
        pdm.read_worldbank_monthly(_worldbank_file(tmp_path / "wb.xlsx", dates=()))
    assert info.value.field == "column A"


def test_unknown_series_name_for_required_commodity(tmp_path):
    names = [("Copper (LME)" if name == "Copper" else name) for name in WB_NAMES]
    with pytest.raises(InputError, match="no column for copper") as info:
        pdm.read_worldbank_monthly(_worldbank_file(tmp_path / "wb.xlsx", names=names))
    assert info.value.field == "Copper" and "_WB_SERIES" in info.value.fix


def test_changed_unit_is_an_error(tmp_path):
    units = [("($/kg)" if i == WB_NAMES.index("Copper") else u) for i, u in enumerate(WB_UNITS)]
    with pytest.raises(InputError, match="unexpected unit for copper"):
        pdm.read_worldbank_monthly(_worldbank_file(tmp_path / "wb.xlsx", units=units))


def test_text_in_a_price_cell_is_an_error(tmp_path):
    path = _worldbank_file(tmp_path / "wb.xlsx", cell=("E7", "n/a?"))  # column E = Copper, row 7 = 2024M01
    with pytest.raises(InputError, match="row 7") as info:
        pdm.read_worldbank_monthly(path)
    assert info.value.field == "Copper"


def test_missing_file_and_bad_kind(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        pdm.read_worldbank_monthly(tmp_path / "absent.xlsx")
    with pytest.raises(InputError, match="kind"):
        pdm.read_worldbank_annual(tmp_path / "absent.xlsx", kind="constant")


def test_annual_missing_sheet(tmp_path):
    path = _worldbank_file(tmp_path / "annual.xlsx", sheet="Annual Prices (Nominal)")
    with pytest.raises(InputError, match=r"'Annual Prices \(Real\)' not found"):
        pdm.read_worldbank_annual(path, kind="real")


IMF_COLUMNS = [  # (code, description) as in the IMF file; the newer series have no code
    ("PCOPP", "Copper, grade A cathode, LME spot price, CIF European ports, US$ per metric ton"),
    ("PCOBA", "Cobalt, minimum 99.80% purity, LME spot price, USD/ton"),
    ("PLMMODY", "Molybdenum, 57 to 63% purity contained in roasted molybdenum concentrate, LME spot price, USD/ton"),
    ("", "Lithium Metal =99%, Battery Grade"),
    ("", "Manganese Electro CIF NWE (US$/MT)"),
    ("", "Rare Earth Carbonate REO 42-45 Dom."),
    ("", "Vanadium Pentoxide CIF NWE"),
]


def _imf_file(path: Path, *, sheet="External", columns=IMF_COLUMNS, dates=("2024M1", "2024M2")) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(["Commodity", *[code for code, _ in columns]])
    ws.append(["Commodity.Description", *[desc for _, desc in columns]])
    ws.append(["Data Type", *["USD"] * len(columns)])
    ws.append(["Frequency", *["Monthly"] * len(columns)])
    for i, date in enumerate(dates):
        ws.append([date, *[1000.0 * (j + 1) + i for j in range(len(columns))]])
    book.save(path)
    return path


def test_synthetic_imf_is_read(tmp_path):
    frame = pdm.read_imf_monthly(_imf_file(tmp_path / "imf.xlsx"))
    assert set(frame["commodity"]) == {
        "copper",
        "cobalt",
        "molybdenum",
        "lithium",
        "manganese",
        "rare_earths",
        "vanadium",
    }
    lithium = _value(frame, "lithium", "2024-02-01")
    assert (lithium["price"], lithium["unit"]) == (4001.0, "USD/t")
    assert lithium["series"] == "Lithium Metal =99%, Battery Grade"


def test_imf_errors(tmp_path):
    with pytest.raises(InputError, match="sheet 'External' not found"):
        pdm.read_imf_monthly(_imf_file(tmp_path / "a.xlsx", sheet="Data"))
    with pytest.raises(InputError, match="no data rows"):
        pdm.read_imf_monthly(_imf_file(tmp_path / "b.xlsx", dates=()))
    without_lithium = [c for c in IMF_COLUMNS if not c[1].startswith("Lithium")]
    with pytest.raises(InputError, match="no column for lithium"):
        pdm.read_imf_monthly(_imf_file(tmp_path / "c.xlsx", columns=without_lithium))
    cents = [(c, "Cobalt, LME spot price, US cents per pound") if c == "PCOBA" else (c, d) for c, d in IMF_COLUMNS]
    with pytest.raises(InputError, match="states a different unit"):
        pdm.read_imf_monthly(_imf_file(tmp_path / "d.xlsx", columns=cents))


def test_non_positive_price_fails_validation_naming_the_row(tmp_path):
    path = _worldbank_file(tmp_path / "wb.xlsx", cell=("E7", -5))  # Copper, 2024M01
    with pytest.raises(InputError, match=r"greater_than\(0\) \(copper 2024-01-01\)"):
        pdm.read_worldbank_monthly(path)
