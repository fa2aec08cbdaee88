"""USGS MCS salient-statistics parser: each quirk on small inline files, then the real 2023-2025 releases."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from critical_minerals.core import paths
from critical_minerals.core.errors import InputError
from critical_minerals.sources import units
from critical_minerals.sources.usgs_csv import load_commodity_map
from critical_minerals.sources.usgs_salient import (
    COLUMNS,
    NotSalientTableError,
    describe_column,
    parse_cell,
    parse_year,
    read_salient_edition,
    read_salient_file,
)

ROOT = Path(__file__).resolve().parents[1]
COMMODITIES = load_commodity_map(ROOT / "data" / "usgs_commodities.csv")
LB_PER_T = 1 / units.POUND_T


def write(folder: Path, name: str, text: str, encoding: str = "utf-8-sig", newline: str = "\r\n") -> Path:
    """Write an inline CSV the way USGS ships them: BOM and CRLF unless told otherwise."""
    path = folder / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def cell(table: pd.DataFrame, column: str, year: int) -> pd.Series:
    """The one row of a source column and year."""
    rows = table[(table["source_column"] == column) & (table["year"] == year)]
    assert len(rows) == 1, (column, year, rows)
    return rows.iloc[0]


# --------------------------------------------------------------------------------------------- inline files

LITHIUM = """DataSource,Commodity,Year,USprod_t,Imports_t,Exports_t,Consump_t,Price_dt,Employment_num,NIR_pct,,
MCS2025,Lithium,2023,W,"3,390 ",1960,W,41300,70,>50,,
MCS2025,Lithium,2024e,W,3300,1700,NA,14000,—,E,,
,,,,,,,,,,,
"""


@pytest.fixture
def lithium(tmp_path):
    return read_salient_file(write(tmp_path, "mcs2025-lithium_salient.csv", LITHIUM), 2025, COMMODITIES)


def test_bom_crlf_trailing_columns_and_blank_rows_are_dropped(tmp_path, lithium):
    raw = (tmp_path / "mcs2025-lithium_salient.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert list(lithium.columns) == COLUMNS
    assert len(lithium) == 2 * 7  # two years x seven named data columns; no '#11' or '#12' columns, no blank row
    assert set(lithium["source_column"]) == {
        "USprod_t",
        "Imports_t",
        "Exports_t",
        "Consump_t",
        "Price_dt",
        "Employment_num",
        "NIR_pct",
    }
    assert lithium["commodity"].unique().tolist() == ["lithium"]


def test_withheld_na_dash_bound_and_net_exporter_markers(lithium):
    production = cell(lithium, "USprod_t", 2023)
    assert math.isnan(production["value"]) and production["withheld"] and production["flag"] == "W"
    consumption = cell(lithium, "Consump_t", 2024)
    assert math.isnan(consumption["value"]) and not consumption["withheld"] and consumption["flag"] == "NA"
    assert cell(lithium, "Employment_num", 2024)["flag"] == "—"
    assert cell(lithium, "Employment_num", 2024)["value"] == 0.0  # a dash means zero in USGS tables
    bound = cell(lithium, "NIR_pct", 2023)
    assert math.isnan(bound["value"]) and bound["flag"] == ">50"  # a bound is not a value
    assert cell(lithium, "NIR_pct", 2024)["flag"] == "E"  # net exporter


def test_thousands_separator_and_trailing_space_in_numbers(lithium):
    imports = cell(lithium, "Imports_t", 2023)
    assert imports["value"] == 3390.0 and imports["flag"] == "" and imports["unit"] == "t"


def test_estimated_year_marker_and_latest_year_convention(lithium):
    assert cell(lithium, "Imports_t", 2024)["estimated"]  # '2024e'
    assert not cell(lithium, "Imports_t", 2023)["estimated"]  # 2023 is not edition - 1 = 2024
    assert parse_year("2024e") == (2024, True)
    assert parse_year("Est. 2023") == (2023, True)
    assert parse_year("2022 est.") == (2022, True)
    assert parse_year("2021") == (2021, False)
    assert parse_year("20211") == (2021, False)  # footnote digit
    with pytest.raises(ValueError):
        parse_year("Total")


def test_cells_with_footnotes_nbsp_unicode_minus_ranges_and_estimates():
    assert parse_cell("W1") == (pytest.approx(math.nan, nan_ok=True), "W", True, False)
    value, flag, withheld, estimated = parse_cell("1\xa0230")
    assert (value, flag, withheld, estimated) == (1230.0, "", False, False)
    assert parse_cell("−88")[0] == -88.0
    assert parse_cell("e150")[:2] == (150.0, "e") and parse_cell("e150")[3]
    assert parse_cell("  NA ")[1] == "NA"
    assert parse_cell("<1,000")[1] == "<1,000"
    assert parse_cell("50–300")[1] == "50–300"
    assert parse_cell("Less than ½ unit.")[1] == "Less than ½ unit."
    assert parse_cell("")[1] == ""


def test_quantities_and_prices_are_converted(tmp_path):
    text = (
        "DataSource,Commodity,Year,USprod_Mine_kt,USprod_Primarykg,Price_Metal_dlb,Price_US_ctslb,"
        "Price_dtoz,Price_dkg,Price_dst,Bort_Price_Imports_dct,Price_Imports_df,Extracted_mcm\n"
        "MCS2024,Copper,2022,1230,50,2.5,395.3,1800,10,100,0.19,600,62\n"
    )
    table = read_salient_file(write(tmp_path, "mcs2024-coppe_salient.csv", text), 2024, COMMODITIES)
    assert cell(table, "USprod_Mine_kt", 2022)[["value", "unit"]].tolist() == [1_230_000.0, "t"]
    assert cell(table, "USprod_Primarykg", 2022)[["value", "unit", "source_unit"]].tolist() == [0.05, "t", "kg"]
    dollars_per_lb = cell(table, "Price_Metal_dlb", 2022)
    assert dollars_per_lb["unit"] == "USD/t" and dollars_per_lb["source_unit"] == "dlb"
    assert dollars_per_lb["value"] == pytest.approx(2.5 * LB_PER_T)  # 5,511.56 USD/t
    assert cell(table, "Price_US_ctslb", 2022)["value"] == pytest.approx(8714.87, abs=0.01)
    assert cell(table, "Price_dtoz", 2022)["value"] == pytest.approx(1800 / units.TROY_OUNCE_T)
    assert cell(table, "Price_dkg", 2022)["value"] == pytest.approx(10_000.0)
    assert cell(table, "Price_dst", 2022)["value"] == pytest.approx(100 / units.SHORT_TON_T)
    # money per carat or per flask cannot become USD/t: the raw unit is kept
    assert cell(table, "Bort_Price_Imports_dct", 2022)[["value", "unit"]].tolist() == [0.19, "USD/carat"]
    assert cell(table, "Price_Imports_df", 2022)[["value", "unit"]].tolist() == [600.0, "USD/flask"]
    assert cell(table, "Extracted_mcm", 2022)[["value", "unit"]].tolist() == [62e6, "m3"]


def test_measure_vocabulary_and_detail(tmp_path):
    text = (
        "DataSource,Commodity,Year,USprod_Refinery-secondary_kt,Bauxite_Mine_kt,Sold_Usedkt,Shipments_Gov_t,"
        "Imports_Ores_kt,Exports_Refined_kt,Consump_Apparent_kt,Consump_Reportedt,Alumina_Apparent_kt,"
        "NIR_Consump_pct,Stocks_LME_t,Employment_um,Furnace_BOF_pct,Bort_Price_Imports_dct,CASE STATEMENT ERROROre_dt\n"
        "MCS2023,Copper,2021,49,0,1,-7,11,48,1960,1750,2580,44,50,11400,29,0.18,197\n"
    )
    table = read_salient_file(write(tmp_path, "mcs2023-coppe_salient.csv", text), 2023, COMMODITIES)
    described = {row.source_column: (row.measure, row.detail, row.unit) for row in table.itertuples()}
    assert described == {
        "USprod_Refinery-secondary_kt": ("production", "refinery_secondary", "t"),
        "Bauxite_Mine_kt": ("production", "bauxite_mine", "t"),
        "Sold_Usedkt": ("production", "sold_used", "t"),
        "Shipments_Gov_t": ("shipments", "gov", "t"),
        "Imports_Ores_kt": ("imports", "ores", "t"),
        "Exports_Refined_kt": ("exports", "refined", "t"),
        "Consump_Apparent_kt": ("apparent_consumption", "", "t"),
        "Consump_Reportedt": ("reported_consumption", "", "t"),  # glued 't', not 'dt'
        "Alumina_Apparent_kt": ("apparent_consumption", "alumina", "t"),
        "NIR_Consump_pct": ("net_import_reliance", "", "percent"),
        "Stocks_LME_t": ("stocks", "lme", "t"),
        "Employment_um": ("employment", "", "count"),  # garbled unit token
        "Furnace_BOF_pct": ("other", "furnace_bof", "percent"),
        "Bort_Price_Imports_dct": ("price", "bort", "USD/carat"),
        "CASE STATEMENT ERROROre_dt": ("price", "ore", "USD/t"),  # 'Price_' lost in the USGS export
    }
    assert cell(table, "Shipments_Gov_t", 2021)["value"] == -7.0  # stockpile receipts exceed shipments
    assert describe_column("AppCons_t") == ("apparent_consumption", "", "t")
    assert describe_column("Prod_Price_index") == ("price", "", "index")  # 'Price' wins over 'Prod'
    assert describe_column("HPQProduction_t") == ("production", "hpq", "t")  # keyword glued to the material


@pytest.mark.parametrize(
    ("name", "edition", "commodity"),
    [
        ("mcs2023tellu_salient.csv", 2023, "tellurium"),  # hyphen missing
        ("MCS2024-bismu_salient.csv", 2024, "bismuth"),  # upper case
        ("mcs2025-lithium_salient.csv", 2025, "lithium"),  # second code of the edition
        ("mcs2025-rareee_salient.csv", 2025, "rare_earths"),
    ],
)
def test_file_names_map_to_commodities(tmp_path, name, edition, commodity):
    text = "DataSource,Commodity,Year,Imports_t\nMCS,X,2022,5\n"
    table = read_salient_file(write(tmp_path, name, text), edition, COMMODITIES)
    assert table["commodity"].tolist() == [commodity]
    assert table["source_file"].tolist() == [name]


def test_unknown_code_is_an_error_naming_the_file(tmp_path):
    path = write(tmp_path, "mcs2025-unobt_salient.csv", "DataSource,Commodity,Year,Imports_t\nMCS2025,X,2024,1\n")
    with pytest.raises(InputError) as caught:
        read_salient_file(path, 2025, COMMODITIES)
    message = str(caught.value)
    assert "mcs2025-unobt_salient.csv" in message and "'unobt'" in message and "mcs2025_codes" in message


def test_wrong_edition_in_file_name_is_an_error(tmp_path):
    path = write(tmp_path, "mcs2024-coppe_salient.csv", "DataSource,Commodity,Year,Imports_t\nMCS2024,X,2023,1\n")
    with pytest.raises(InputError, match="edition 2024, not 2025"):
        read_salient_file(path, 2025, COMMODITIES)


def test_header_fix_for_a_different_file_stops_instead_of_mislabelling(tmp_path):
    # MCS 2024 aluminum has a known broken header; a file that lacks it is not the file the fix was written for
    path = write(tmp_path, "mcs2024-alum_salient.csv", "DataSource,Commodity,Year,Supply_kt\nMCS2024,Al,2023,7000\n")
    with pytest.raises(InputError, match="CASE STATEMENT ERRORkt"):
        read_salient_file(path, 2024, COMMODITIES)


def test_repeated_header_names_stay_unique(tmp_path):
    text = "DataSource,Commodity,Year,Consump_t,Consump_t,NIR_pct\nMCS2023,Zinc,2022,W,4000,>50\n"
    table = read_salient_file(write(tmp_path, "mcs2023-zinc_salient.csv", text), 2023, COMMODITIES)
    assert table["source_column"].tolist() == ["Consump_t", "Consump_t#2", "NIR_pct"]
    assert cell(table, "Consump_t#2", 2022)["value"] == 4000.0


def test_values_under_an_unnamed_column_mean_misalignment(tmp_path):
    text = "DataSource,Commodity,Year,Imports_t,Exports_t,\nMCS2023,Zinc,2022,,5,100\n"
    with pytest.raises(InputError, match="misaligned") as caught:
        read_salient_file(write(tmp_path, "mcs2023-zinc_salient.csv", text), 2023, COMMODITIES)
    assert "field '#6'" in str(caught.value)


def test_price_with_a_mass_unit_is_rejected(tmp_path):
    text = "DataSource,Commodity,Year,Bauxite_Price_kt\nMCS2023,Zinc,2022,31\n"
    with pytest.raises(InputError, match="'kt' does not fit measure 'price'") as caught:
        read_salient_file(write(tmp_path, "mcs2023-zinc_salient.csv", text), 2023, COMMODITIES)
    assert "Bauxite_Price_kt" in str(caught.value)


def test_schema_rejects_impossible_net_import_reliance_and_years(tmp_path):
    nir = "DataSource,Commodity,Year,NIR_pct\nMCS2023,Zinc,2022,150\n"
    with pytest.raises(InputError, match=r"net import reliance outside \[0, 100\]"):
        read_salient_file(write(tmp_path, "mcs2023-zinc_salient.csv", nir), 2023, COMMODITIES)
    year = "DataSource,Commodity,Year,NIR_pct\nMCS2023,Zinc,2035,50\n"
    with pytest.raises(InputError, match="year"):
        read_salient_file(write(tmp_path, "mcs2023-zinc_salient.csv", year), 2023, COMMODITIES)
    twice = "DataSource,Commodity,Year,NIR_pct\nMCS2023,Zinc,2022,50\nMCS2023,Zinc,2022,51\n"
    with pytest.raises(InputError, match="unique|duplicate"):
        read_salient_file(write(tmp_path, "mcs2023-zinc_salient.csv", twice), 2023, COMMODITIES)


def test_edition_skips_workbooks_and_world_tables_and_reports_them(tmp_path):
    write(tmp_path, "mcs2024-zinc_salient.csv", "DataSource,Commodity,Year,Imports_kt\nMCS2024,Zinc,2023,700\n")
    write(tmp_path, "mcs2024-gypsu_salient.csv", "Source,Country,Type,Prod_kt_2022\nMCS2024,Canada,Mine,1200\n")
    (tmp_path / "mcs2024-stond_salient.xlsx").write_bytes(b"PK\x03\x04")
    table, skipped = read_salient_edition(tmp_path, 2024, COMMODITIES)
    assert table[["commodity", "value"]].values.tolist() == [["zinc", 700_000.0]]
    assert len(skipped) == 2
    assert skipped[0].startswith("mcs2024-gypsu_salient.csv: no Year column")
    assert skipped[1].startswith("mcs2024-stond_salient.xlsx: not a CSV file")
    with pytest.raises(NotSalientTableError):
        read_salient_file(tmp_path / "mcs2024-gypsu_salient.csv", 2024, COMMODITIES)


def test_file_without_bom_or_crlf_reads_the_same(tmp_path):
    plain = write(
        tmp_path,
        "mcs2024-potas_salient.csv",
        "DataSource,Commodity,Year,NIR_pct\nMCS2024,P,2023,94\n",
        encoding="utf-8",
        newline="\n",
    )
    assert read_salient_file(plain, 2024, COMMODITIES)["value"].tolist() == [94.0]


# --------------------------------------------------------------------------------------------- real files


def mirror() -> Path:
    """MINERALS_DATA_MIRROR (relative paths from the project root), else the shared mirror next to the project."""
    return paths.mirror_dir() or Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="module")
def editions():
    root = mirror()
    if not (root / "usgs_mcs2025" / "salient").is_dir():
        pytest.skip(f"USGS MCS mirror not found at {root}; set MINERALS_DATA_MIRROR to the folder with usgs_mcs20XX/")
    return {e: read_salient_edition(root / f"usgs_mcs{e}" / "salient", e, COMMODITIES) for e in (2023, 2024, 2025)}


def test_every_real_file_is_parsed_or_reported(editions):
    expected = {  # (rows, files parsed, files skipped)
        2023: (4560, 83, ["mcs2023-quartz_salient.xlsx", "mcs2023-stond_salient.xlsx"]),
        2024: (4570, 82, ["mcs2024-cobal_salient.csv", "mcs2024-gypsu_salient.csv", "mcs2024-kyani_salient.csv"]),
        2025: (4755, 85, []),
    }
    for edition, (table, skipped) in editions.items():
        rows, files, skipped_files = expected[edition]
        folder = mirror() / f"usgs_mcs{edition}" / "salient"
        csvs = {p.name for p in folder.glob("*.csv")}
        assert [message.split(":")[0] for message in skipped] == skipped_files
        assert set(table["source_file"]) == csvs - set(skipped_files)
        assert (len(table), table["source_file"].nunique()) == (rows, files)
        assert table["year"].between(edition - 5, edition - 1).all()
        assert table.groupby("source_file")["year"].nunique().eq(5).all()  # five years in every file
        assert table.loc[table["year"] == edition - 1, "estimated"].all()


def real(editions, edition, commodity, column, year):
    table = editions[edition][0]
    rows = table[(table["commodity"] == commodity) & (table["source_column"] == column) & (table["year"] == year)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_real_values(editions):
    lithium = real(editions, 2025, "lithium", "USprod_t", 2023)
    assert lithium["withheld"] and math.isnan(lithium["value"]) and lithium["measure"] == "production"
    copper_nir = real(editions, 2025, "copper", "NIR_pct", 2023)
    assert copper_nir[["measure", "value", "estimated"]].tolist() == ["net_import_reliance", 41.0, False]
    assert real(editions, 2025, "copper", "NIR_pct", 2024)[["value", "estimated"]].tolist() == [45.0, True]
    assert real(editions, 2023, "copper", "NIR_pct", 2021)["value"] == 44.0
    copper_price = real(editions, 2025, "copper", "Price_US_ctslb", 2023)  # 395.3 cents per pound
    assert copper_price["value"] == pytest.approx(395.3 / 100 * LB_PER_T)
    assert real(editions, 2025, "copper", "USprod_Mine_kt", 2023)["value"] == 1_130_000.0
    assert real(editions, 2024, "copper", "USprod_Post-consumer_kt", 2022)[["value", "flag"]].tolist() == [150_000, "e"]
    assert real(editions, 2023, "gold", "Price_dtoz", 2021)["value"] == pytest.approx(1801 / units.TROY_OUNCE_T)
    assert real(editions, 2023, "niobium", "Shipments_Gov_t", 2020)["value"] == -88.0  # '−88'
    assert real(editions, 2023, "asbestos", "Price_Customs_dt", 2018)["value"] == 1670.0  # '1,670'
    assert real(editions, 2024, "tellurium", "NIR_pct", 2023)["flag"] == ">25"


def test_real_header_fixes(editions):
    # feldspar 2024: rows shifted right from Consump_Feldspar_kt; NIR for feldspar is 12 % in 2019, not 240
    nir = real(editions, 2024, "feldspar", "NIR_Nepheline_syenite_pct", 2019)
    assert (nir["measure"], nir["detail"], nir["value"]) == ("net_import_reliance", "feldspar", 12.0)
    assert real(editions, 2024, "feldspar", "#15", 2019)[["detail", "flag"]].tolist() == ["nepheline_syenite", ">95"]
    # fluorspar 2024: whole row shifted; 100 % net import reliance sits under an unnamed column
    assert real(editions, 2024, "fluorspar", "#18", 2023)[["measure", "value"]].tolist() == [
        "net_import_reliance",
        100.0,
    ]
    # lead 2024: labels permuted; apparent consumption 1,630 kt in 2019
    lead = real(editions, 2024, "lead", "Consump_North_American_kt", 2019)
    assert (lead["measure"], lead["value"]) == ("apparent_consumption", 1_630_000.0)
    # selenium 2024 prices are $/kg despite the 'dlb' header (9.15 $/lb in MCS 2023 = 20 $/kg)
    selenium = real(editions, 2024, "selenium", "Price_US_dlb", 2019)
    assert selenium[["value", "source_unit"]].tolist() == [20_000.0, "dkg"]
    # manganese ore price is per metric ton unit, which is not a price per ton of ore
    assert real(editions, 2025, "manganese", "Price_CN_CIF_dt", 2023)["unit"] == "USD/mtu"
    # iron and steel 2024: the first 'Consump_mmt' is the continuous-casting share
    assert real(editions, 2024, "iron_steel", "Consump_mmt", 2019)[["measure", "unit"]].tolist() == ["other", "percent"]


def test_same_series_agree_across_editions(editions):
    """A unit or alignment error shows as a jump by a conversion factor between two editions' shared years."""
    table = pd.concat([t for t, _ in editions.values()])
    table = table[~table["estimated"] & table["value"].notna() & (table["value"] != 0)]
    keys = ["commodity", "measure", "detail", "unit", "year"]
    factors = np.log10([1000, 2.20462, 100, 32.1507, 1e6])
    compared = 0
    for edition in (2024, 2025):
        pairs = table[table["edition"] == edition - 1].merge(table[table["edition"] == edition], on=keys)
        pairs["log_ratio"] = np.log10((pairs["value_y"] / pairs["value_x"]).abs())
        medians = pairs.groupby(keys[:-1])["log_ratio"].median()
        compared += len(medians)
        suspicious = medians[np.isclose(np.abs(medians.to_numpy())[:, None], factors, atol=0.03).any(axis=1)]
        assert suspicious.empty, suspicious
        assert (medians.abs() > np.log10(2.1)).sum() == 0, medians[medians.abs() > np.log10(2.1)]
    assert compared > 1000
