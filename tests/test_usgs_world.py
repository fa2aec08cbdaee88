"""USGS world production and reserves: every quirk named in the parser, on small files and on the real editions."""

from __future__ import annotations

import math

import pytest
from conftest import write

from critical_minerals.core.errors import InputError
from critical_minerals.sources import countries, usgs_world

# ---------------------------------------------------------------- cells and column names


@pytest.mark.parametrize(
    "raw, value, flag, bound",
    [
        ("1,230 ", 1230.0, "", ""),
        ("W", math.nan, "W", ""),
        ("NA", math.nan, "NA", ""),
        ("XX", math.nan, "XX", ""),
        ("—", 0.0, "—", ""),
        (">130,000,000", 130_000_000.0, "", ">"),
        ("1\xa0500", 1500.0, "", ""),
        ("", math.nan, "", ""),
        ('Categorized as "Large"', math.nan, 'Categorized as "Large"', ""),
    ],
)
def test_parse_cell(raw, value, flag, bound):
    cell = usgs_world.parse_cell(raw)
    assert (math.isnan(cell.value) and math.isnan(value)) or cell.value == value
    assert (cell.flag, cell.bound) == (flag, bound)
    assert cell.withheld == (flag == "W")


def test_estimate_marker_glued_to_a_number():
    cell = usgs_world.parse_cell("e3,900")
    assert (cell.value, cell.estimated) == (3900.0, True)


@pytest.mark.parametrize(
    "name, measure, unit, factor, year, estimated, detail",
    [
        ("Prod_kt_est_2022", "production", "t", 1e3, 2022, True, ""),
        ("Prod_kt_Est_2023", "production", "t", 1e3, 2023, True, ""),
        ("Prod_t_2021", "production", "t", 1.0, 2021, False, ""),
        ("Prod_kg_2022", "production", "t", 1e-3, 2022, False, ""),
        ("Reserves_Mt", "reserves", "t", 1e6, None, False, ""),
        ("Reserves_kt_2023", "reserves", "t", 1e3, 2023, False, ""),
        ("Reserves_ore_K2O_equiv_kt", "reserves", "t", 1e3, None, False, "ore_K2O_equiv"),
        ("Cap_Sponge_t_2021", "capacity", "t", 1.0, 2021, False, "Sponge"),
        ("Prod_mct_2021", "production", "carat", 1e6, 2021, False, ""),
        ("Prod_mcm_est_2022", "production", "m3", 1e6, 2022, True, ""),
    ],
)
def test_parse_value_column(name, measure, unit, factor, year, estimated, detail):
    column = usgs_world.parse_value_column(name)
    assert (column.measure, column.unit, column.factor, column.year, column.estimated, column.detail) == (
        measure,
        unit,
        factor,
        year,
        estimated,
        detail,
    )


def test_notes_columns_are_not_values_and_unknown_units_are_errors():
    assert usgs_world.parse_value_column("Prod_notes") is None
    assert usgs_world.parse_value_column("Prod_note") is None
    with pytest.raises(InputError, match="Prod_furlongs_2022"):
        usgs_world.parse_value_column("Prod_furlongs_2022")


# ---------------------------------------------------------------- countries


@pytest.mark.parametrize(
    "raw, country, kind, estimated, detail",
    [
        ("Other countries6", "Other countries", countries.OTHER, False, ""),
        ("Russiae", "Russia", countries.COUNTRY, True, ""),
        ("United\xa0States", "United States", countries.COUNTRY, False, ""),
        ("United States1", "United States", countries.COUNTRY, False, ""),
        ("Canada ", "Canada", countries.COUNTRY, False, ""),
        ("World total (rounded)10", "World total", countries.WORLD, False, "rounded"),
        (
            "World total (rounded), excluding U.S. production",
            "World total",
            countries.WORLD,
            False,
            "rounded, excluding U.S. production",
        ),
        ("Brazil (beneficiated)", "Brazil", countries.COUNTRY, False, "beneficiated"),
        ("Peru, crude borates", "Peru", countries.COUNTRY, False, "crude borates"),
        ("Korea, Republic of", "Korea, Republic of", countries.COUNTRY, False, ""),
        ("Korea, Republic ofe", "Korea, Republic of", countries.COUNTRY, True, ""),
        ("United States and Canada", "United States and Canada", countries.GROUP, False, ""),
        ("Atlantis", "Atlantis", countries.UNKNOWN, False, ""),
    ],
)
def test_normalise_country(raw, country, kind, estimated, detail):
    name = countries.normalise_country(raw)
    assert (name.country, name.kind, name.estimated, name.detail) == (country, kind, estimated, detail)


# ---------------------------------------------------------------- whole files


def test_2024_file_with_every_quirk(tmp_path):
    text = (
        "Source,Country,Mine production, fluorspar,Prod_kt_2022,Prod_kt_Est_2023,Prod_notes,"
        "Reserves_kt,Reserves_notes,,\n"
        'MCS2024,United\xa0States1,"Mine production, fluorspar",W,W,,NA,,,\n'
        'MCS2024,Chinae,"Mine production, fluorspar","5,700 ",5700,Also estimated in 2022,>67000,,,\n'
        'MCS2024,Other countries6,"Mine production, fluorspar",—,10,,,,,\n'
        ",,,,,,,,,\n"
    ).replace("Mine production, fluorspar,Prod", '"Mine production, fluorspar",Prod')
    rows = usgs_world.read_world_file(write(tmp_path / "mcs2024-fluor_world.csv", text), 2024)
    by = {(r["country"], r["measure"], r["year"]): r for r in rows}
    us = by[("United States", "production", 2022)]
    assert us["withheld"] and math.isnan(us["value"]) and us["commodity"] == "fluorspar"
    china = by[("China", "production", 2022)]
    assert china["value"] == 5_700_000 and china["unit"] == "t" and china["estimated"]  # country marker 'e'
    reserves = by[("China", "reserves", 2023)]  # no year in the column: the edition's reserves year
    assert (reserves["value"], reserves["bound"]) == (67_000_000, ">")
    other = by[("Other countries", "production", 2022)]
    assert other["value"] == 0 and other["country_kind"] == countries.OTHER
    assert by[("United States", "reserves", 2023)]["flag"] == "NA"
    assert len(rows) == 8  # blank cells and the blank trailing row produce nothing


def test_world_total_with_its_own_type_label_lands_in_the_same_series(tmp_path):
    text = (
        "Source,Country,Type,Prod_kg_2021,Prod_kg_est_2022,Prod_notes,Reserves_kg,Reserves_notes\n"
        "MCS2023,Canada, Mine production: Platinum,6000,6000,,310000,\n"
        "MCS2023,World total (rounded),World mine production: Platinum,192000,190000,,70000000,\n"
        "MCS2023,Canada, Mine production: Palladium,15000,15000,,NA,\n"
    )
    rows = usgs_world.read_world_file(write(tmp_path / "mcs2023-plati_world.csv", text), 2023)
    platinum = {r["country"] for r in rows if r["series"] == "platinum" and r["stage"] == "mine"}
    assert platinum == {"Canada", "World total"}
    assert {r["series"] for r in rows if r["country"] == "Canada"} == {"platinum", "palladium"}


def test_2025_blank_cells_with_reason_in_notes_and_reserve_unit_notes(tmp_path):
    header = (
        "SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023,PROD_EST_ 2024,PROD_NOTES,CAP_2023,CAP_EST_ 2024,"
        "CAP_NOTES,RESERVES_2024,RESERVE_NOTES\n"
    )
    text = header + (
        'MCS2025,Lithium ,United\xa0States,"Mine production, lithium content",metric tons,,,W for 23-24,,,,1800000,\n'
        'MCS2025,Lithium ,Canada ,"Mine production, lithium content",metric tons,4300,4300,,,,,">1,200,000",\n'
        'MCS2025,Molybdenum ,United States,"Mine production, molybdenum content",metric tons,34000,33000,,,,,3500,'
        " (Reserve data is thousand metric tons).\n"
        'MCS2025,Molybdenum ,Canada ,"Mine production, molybdenum content",metric tons,1150,1200,,,,,64,\n'
    )
    rows = usgs_world.read_world_2025(write(tmp_path / "MCS2025_World_Data.csv", text))
    by = {(r["commodity"], r["country"], r["measure"], r["year"]): r for r in rows}
    us_lithium = by[("lithium", "United States", "production", 2023)]
    assert us_lithium["withheld"] and us_lithium["flag"] == "W" and math.isnan(us_lithium["value"])
    assert by[("lithium", "United States", "production", 2024)]["withheld"]
    assert by[("lithium", "Canada", "production", 2024)]["estimated"]
    assert not by[("lithium", "Canada", "production", 2023)]["estimated"]
    assert by[("lithium", "Canada", "reserves", 2024)]["bound"] == ">"
    # the unit note on one row applies to every row of the series; production keeps UNIT_MEAS
    assert by[("molybdenum", "Canada", "reserves", 2024)]["value"] == 64_000
    assert by[("molybdenum", "United States", "reserves", 2024)]["value"] == 3_500_000
    assert by[("molybdenum", "United States", "production", 2023)]["value"] == 34_000


def test_unknown_commodity_is_named(tmp_path):
    with pytest.raises(InputError, match="unobtainium"):
        usgs_world.read_world_file(write(tmp_path / "mcs2024-unobtainium_world.csv", "Source,Country,Type\n"), 2024)


def test_duplicate_records_fail_validation_with_file_and_row(tmp_path):
    text = (
        "Source,Country,Type,Prod_t_2022,Prod_t_est_2023,Prod_notes,Reserves_t,Reserves_notes\n"
        'MCS2024,Canada,"Mine production, nickel content",100,100,,,\n'
        'MCS2024,Canada,"Mine production, nickel content",100,100,,,\n'
    )
    path = write(tmp_path / "mcs2024-nicke_world.csv", text)
    import pandas as pd

    table = pd.DataFrame.from_records(usgs_world.read_world_file(path, 2024), columns=usgs_world.COLUMNS)
    with pytest.raises(InputError) as err:
        usgs_world.validate_world(table)
    assert "mcs2024-nicke_world.csv" in str(err.value) and "duplicate key" in str(err.value)


# ---------------------------------------------------------------- the real editions


def test_every_edition_is_read_and_validated(world):
    counts = world.groupby("edition").size()
    assert set(counts.index) == {2023, 2024, 2025}
    assert (counts > 2500).all()
    assert world.groupby("edition")["commodity"].nunique().min() >= 70
    assert (world["country_kind"] != countries.UNKNOWN).all()


def test_real_values_match_the_published_files(world):
    def value(edition, commodity, country, measure, year, series=None, stage="mine"):
        rows = world[
            (world.edition == edition)
            & (world.commodity == commodity)
            & (world.country == country)
            & (world.measure == measure)
            & (world.year == year)
            & (world.country_detail == "")
            & (world.stage == stage)
        ]
        if series:
            rows = rows[rows.series == series]
        assert len(rows) == 1, rows
        return rows.iloc[0]

    assert value(2024, "beryllium", "United States", "production", 2022)["value"] == 175
    assert value(2024, "molybdenum", "Canada", "production", 2022)["value"] == 952
    assert value(2023, "platinum_group_metals", "Canada", "production", 2021, "palladium")["value"] == 15_000 * 1e-3
    assert value(2025, "copper", "Mexico", "production", 2023)["value"] == 699_000
    assert value(2025, "copper", "Mexico", "production", 2023, stage="refinery")["value"] == 509_000
    assert value(2024, "silver", "Mexico", "production", 2022)["value"] == 6195
    # US lithium production is withheld in every edition
    lithium = world[
        (world.commodity == "lithium") & (world.country == "United States") & (world.measure == "production")
    ]
    assert len(lithium) == 6 and lithium["withheld"].all()
    # MCS 2025 molybdenum reserves are in kt although UNIT_MEAS says metric tons: same as the 2024 edition
    assert (
        value(2025, "molybdenum", "United States", "reserves", 2024)["value"]
        == value(2024, "molybdenum", "United States", "reserves", 2023)["value"]
        == 3_500_000
    )
