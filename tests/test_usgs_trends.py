"""USGS MCS Figure 2 (net import reliance, sources) and Table 5 (critical minerals): each quirk of the three editions'
files, on the real releases, and the errors for names that cannot be matched."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import data_environment, write

from critical_minerals.core.errors import InputError
from critical_minerals.sources import usgs_trends as ut


@pytest.fixture(scope="module")
def trends(external_dir) -> ut.Trends:
    return ut.read_trends(external_dir)


def row(table: pd.DataFrame, edition: int, product: str) -> pd.Series:
    rows = table[(table["edition"] == edition) & (table["product"] == product)]
    assert len(rows) == 1, (edition, product, rows)
    return rows.iloc[0]


def sources_of(trends: ut.Trends, edition: int, product: str) -> list[str]:
    rows = trends.sources[(trends.sources["edition"] == edition) & (trends.sources["product"] == product)]
    return rows.sort_values("rank")["country"].tolist()


def test_every_row_of_every_edition_is_read(trends):
    # Figure 2: 65, 63 and 64 commodities; Table 5: 31 critical minerals in 2024 and in 2025 (2023 has no Table 5)
    assert trends.reliance.groupby("edition").size().to_dict() == {2023: 65, 2024: 63, 2025: 64}
    assert trends.critical.groupby("edition").size().to_dict() == {2024: 31, 2025: 31}


def test_years_come_from_the_column_names(trends):
    by_edition = trends.reliance.groupby("edition").first()
    assert by_edition["nir_year"].to_dict() == {2023: 2022, 2024: 2023, 2025: 2024}
    assert by_edition["sources_period"].to_dict() == {2023: "2018–2021", 2024: "2019–2022", 2025: "2020–2023"}


def test_order_column_under_both_names(trends):
    # 2023 calls it Import_Share_Rank, later editions Import_Share_Order; it is the chart's order, by reliance
    assert row(trends.reliance, 2023, "arsenic")["chart_order"] == 1
    assert row(trends.reliance, 2025, "cement")["chart_order"] == 64


def test_reliance_values_and_bounds(trends):
    copper = row(trends.reliance, 2025, "copper_refined")
    assert (copper["nir_pct"], copper["nir_relation"]) == (45.0, "=")
    sponge = row(trends.reliance, 2024, "titanium_sponge")
    assert (sponge["nir_pct"], sponge["nir_relation"], sponge["nir_text"]) == (95.0, ">", ">95")
    tellurium = row(trends.reliance, 2025, "tellurium")
    assert (tellurium["nir_pct"], tellurium["nir_relation"]) == (25.0, "<")


def test_sources_in_order_with_stray_spaces_and_footnotes(trends):
    assert sources_of(trends, 2025, "graphite") == ["China", "Canada", "Mexico", "Mozambique"]
    # "Brazil, Canada  " (trailing spaces) and "Congo (Kinshasa),  India" (double space)
    assert sources_of(trends, 2025, "niobium") == ["Brazil", "Canada"]
    assert sources_of(trends, 2023, "diamond_industrial_stones")[:3] == ["South Africa", "Congo (Kinshasa)", "India"]
    # "China3": the footnote digit is stripped and kept
    aluminum = trends.sources[(trends.sources["edition"] == 2025) & (trends.sources["product"] == "aluminum")]
    china = aluminum[aluminum["country"] == "China"].iloc[0]
    assert (china["rank"], china["as_written"], china["footnote"]) == (4, "China3", "3")


def test_korea_and_a_region_are_mapped_by_data(trends):
    assert sources_of(trends, 2025, "indium")[0] == "Korea, Republic of"
    scandium = trends.sources[(trends.sources["edition"] == 2023) & (trends.sources["product"] == "scandium")]
    assert scandium.iloc[0][["country", "kind"]].tolist() == ["Europe", "group"]


def test_hong_kong_note_kept_where_published(trends):
    assert row(trends.reliance, 2025, "graphite")["hong_kong_with_china"]
    assert "Imports from Hong Kong are included with China" in row(trends.reliance, 2024, "rare_earths")["notes"]
    assert not row(trends.reliance, 2025, "gallium")["hong_kong_with_china"]
    assert row(trends.reliance, 2023, "graphite")["notes"] == ""  # 2023 has no Notes column


def test_names_of_one_product_across_editions(trends):
    # the same product under each edition's wording
    assert row(trends.reliance, 2023, "titanium_sponge")["name"] == "TITANIUM, sponge"
    assert row(trends.reliance, 2025, "titanium_sponge")["name"] == "TITANIUM, sponge metal"
    assert row(trends.reliance, 2025, "gallium")["name"] == "GALLIUM, metal"
    assert row(trends.critical, 2025, "palladium")["name"] == "Palladium"  # 'Palladium ' with a trailing space
    # cadmium is in Figure 2 of 2023 only
    assert set(trends.reliance[trends.reliance["product"] == "cadmium"]["edition"]) == {2023}


def test_table5_misspelt_and_reordered_columns(trends):
    # 2024 spells Apparent_Consuption / Contsumption_Notes; 2025 moves the share column before the world total
    antimony24, antimony25 = row(trends.critical, 2024, "antimony"), row(trends.critical, 2025, "antimony")
    assert (antimony24["apparent_consumption"], antimony25["apparent_consumption"]) == (22000.0, 24000.0)
    assert (antimony25["leading_share_pct"], antimony25["world_production"]) == (60.0, 100000.0)
    assert row(trends.critical, 2024, "bauxite")["consumption_notes"] == "Reported consumption."
    assert (antimony24["year"], antimony24["estimated"]) == (2023, True)


def test_table5_markers_bounds_and_notes(trends):
    barite = row(trends.critical, 2025, "barite")
    assert math.isnan(barite["apparent_consumption"]) and barite["apparent_consumption_flag"] == "withheld"
    zirconium = row(trends.critical, 2024, "zirconium")
    assert (zirconium["apparent_consumption"], zirconium["apparent_consumption_relation"]) == (100000.0, "<")
    beryllium24, beryllium25 = row(trends.critical, 2024, "beryllium"), row(trends.critical, 2025, "beryllium")
    assert beryllium24["nir_flag"] == "not available" and beryllium25["nir_flag"] == "net exporter"
    assert row(trends.critical, 2025, "indium")["primary_import_source"] == "Korea, Republic of"  # ' Republic of Korea'
    assert row(trends.critical, 2024, "zinc_refined")["leading_country"] == ""  # 'NA'
    assert row(trends.critical, 2025, "graphite")["import_source_notes"] == "Average 2020 to 2023. Includes Hong Kong."
    assert row(trends.critical, 2024, "graphite")["import_source_notes"] == "Average 2019 to 2022. Includes Hong Kong."


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1,800", (1800.0, "=", "")),
        (">95", (95.0, ">", "")),
        ("<100,000", (100000.0, "<", "")),
        ("8.5", (8.5, "=", "")),
        ("W", (math.nan, "", "withheld")),
        ("E", (math.nan, "", "net exporter")),
    ],
)
def test_parse_value(text, expected):
    value = ut.parse_value(text)
    got = (value.value, value.relation, value.flag)
    assert got[1:] == expected[1:]
    assert (math.isnan(got[0]) and math.isnan(expected[0])) or got[0] == expected[0]


def test_parse_value_rejects_other_text(tmp_path):
    with pytest.raises(InputError, match="row 7.*not a number"):
        ut.parse_value("about 5", tmp_path / "x.csv", 7, "Net_Import_Reliance")


FIG2_HEADER = "Source,Import_Share_Order,Commodity,Net_Import_Reliance_pct_2024,Major_Import_Sources_2020_2023,Notes\n"


def test_unknown_commodity_stops_with_file_row_and_name(tmp_path):
    path = write(
        tmp_path / "MCS2025_Fig2_Net_Import_Reliance.csv",
        FIG2_HEADER + 'MCS2025,1,GALLIUM,100,"Japan, China",\nMCS2025,2,UNOBTAINIUM,100,China,\n',
    )
    with pytest.raises(InputError) as err:
        ut.read_fig2(path, 2025)
    assert "row 3" in str(err.value) and "'UNOBTAINIUM'" in str(err.value) and path.name in str(err.value)


def test_unknown_source_country_stops_with_file_row_and_name(tmp_path):
    path = write(
        tmp_path / "MCS2025_Fig2_Net_Import_Reliance.csv", FIG2_HEADER + 'MCS2025,1,GALLIUM,100,"Japan, Atlantis",\n'
    )
    with pytest.raises(InputError) as err:
        ut.read_fig2(path, 2025)
    assert "row 2" in str(err.value) and "'Atlantis'" in str(err.value)


def test_missing_column_is_named(tmp_path):
    path = write(
        tmp_path / "MCS2025_Fig2_Net_Import_Reliance.csv",
        "Source,Import_Share_Order,Commodity,Major_Import_Sources_2020_2023\nMCS2025,1,GALLIUM,Japan\n",
    )
    with pytest.raises(InputError, match="Net_Import_Reliance"):
        ut.read_fig2(path, 2025)


def test_every_product_maps_to_a_commodity_and_the_build_check_reads_the_files(external_dir):
    products = ut.products()
    assert set(ut.name_map().values()) <= set(products.index)
    assert products.loc["palladium", "commodity"] == "platinum_group_metals"
    with data_environment(external_dir):
        ut.check()
