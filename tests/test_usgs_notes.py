"""Every note USGS uses for a missing value is classified as data (data/usgs_missing_notes.csv); an unknown note
stops the build with file, row, column and note. U.S. graphite reserves, blank with "Included in World total" in
MCS 2025, are an unknown share, not zero."""

from __future__ import annotations

import math

import pytest
from conftest import write

from critical_minerals.core.errors import InputError
from critical_minerals.sources import usgs_world

HEADER = (
    "SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023,PROD_EST_ 2024,PROD_NOTES,CAP_2023,CAP_EST_ 2024,"
    "CAP_NOTES,RESERVES_2024,RESERVE_NOTES\n"
)
GRAPHITE = (
    "MCS2025,Graphite,United States,Mine production,metric tons,,,,,,,,Included in World total\n"
    "MCS2025,Graphite,Brazil,Mine production,metric tons,66300,68000,,,,,74000000,\n"
    "MCS2025,Graphite,Austria,Mine production,metric tons,500,500,,,,,,Large\n"
    "MCS2025,Graphite,Canada,Mine production,metric tons,3500,3500,estimated for 2023,,,,,\n"
)


def test_a_blank_cell_included_in_the_world_total_is_kept_as_unknown(tmp_path):
    rows = usgs_world.read_world_2025(write(tmp_path / "MCS2025_World_Data.csv", HEADER + GRAPHITE))
    by = {(r["country"], r["measure"], r["year"]): r for r in rows}
    us = by[("United States", "reserves", 2024)]
    assert us["missing"] == "in_world_total" and math.isnan(us["value"]) and not us["withheld"]
    assert by[("Austria", "reserves", 2024)]["missing"] == "qualitative"
    assert by[("Brazil", "reserves", 2024)]["missing"] == ""
    # a blank U.S. production cell without a note, and a note that only describes the row, make no record
    assert ("United States", "production", 2023) not in by and ("Canada", "reserves", 2024) not in by


def test_older_editions_classify_the_text_in_value_cells(tmp_path):
    text = (
        "Source,Country,Type,Prod_t_2021,Prod_t_est_2022,Prod_notes,Reserves_t,Reserves_notes\n"
        'MCS2023,United States,"Mine production, graphite",0,0,,Included in World total.,\n'
        'MCS2023,Mexico,"Mine production, graphite",1000,1000,,Included with “Other countries.”,\n'
        'MCS2023,Canada,"Mine production, graphite",W,Less than ½ unit.,,NA,\n'
    )
    rows = usgs_world.read_world_file(write(tmp_path / "mcs2023-graph_world.csv", text), 2023)
    by = {(r["country"], r["measure"], r["year"]): r["missing"] for r in rows}
    assert by[("United States", "reserves", 2022)] == "in_world_total"
    assert by[("Mexico", "reserves", 2022)] == "in_other_countries"
    assert by[("Canada", "production", 2021)] == "withheld" and by[("Canada", "production", 2022)] == "below_half_unit"
    assert by[("Canada", "reserves", 2022)] == "not_available"
    assert by[("United States", "production", 2021)] == ""


@pytest.mark.parametrize(
    "edition, name, text, where",
    [
        (
            2025,
            "MCS2025_World_Data.csv",
            HEADER + "MCS2025,Graphite,United States,Mine production,metric tons,,,,,,,,Counted with Mexico\n",
            "row 2, field 'RESERVE_NOTES' (value 'Counted with Mexico')",
        ),
        (
            2023,
            "mcs2023-graph_world.csv",
            "Source,Country,Type,Prod_t_2021,Prod_t_est_2022,Prod_notes,Reserves_t,Reserves_notes\n"
            'MCS2023,United States,"Mine production, graphite",0,0,,See text,\n',
            "row 2, field 'Reserves_t' (value 'See text')",
        ),
    ],
)
def test_an_unknown_note_names_file_row_column_and_note(tmp_path, edition, name, text, where):
    path = write(tmp_path / name, text)
    with pytest.raises(InputError) as error:
        usgs_world.read_world_2025(path) if edition == 2025 else usgs_world.read_world_file(path, edition)
    message = str(error.value)
    assert name in message and where in message and "USGS note that the parser does not know" in message
    assert "usgs_missing_notes.csv" in message


def test_every_note_of_the_three_editions_is_classified(world):
    """read_world stops at the first unknown note, so reading every edition proves the classification complete;
    the classes also land where the analysis needs them."""
    graphite = world[
        (world["commodity"] == "graphite") & (world["country"] == "United States") & (world["measure"] == "reserves")
    ].set_index("edition")
    assert (graphite["missing"] == "in_world_total").all() and list(graphite.index) == [2023, 2024, 2025]
    assert set(world["missing"]) == {"", *usgs_world.MISSING_CLASSES}
    assert (world["withheld"] == (world["missing"] == "withheld")).all()
    assert world.loc[world["missing"] != "", "value"].isna().all()


def test_an_unknown_note_stops_the_build_without_traceback(project):
    notes = project.root / "data" / "usgs_missing_notes.csv"
    original = notes.read_bytes()
    before = project.published()
    try:
        lines = original.decode("utf-8").splitlines(keepends=True)
        notes.write_text(
            "".join(line for line in lines if not line.startswith("Included in World total")), encoding="utf-8"
        )
        result = project.build()
    finally:
        notes.write_bytes(original)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-2000:]
    assert "Traceback" not in output
    assert "USGS note that the parser does not know" in output and "'Included in World total" in output
    assert "row " in output and "_world.csv" in output
    assert project.published() == before


def test_the_partner_snapshot_says_why_a_value_is_missing(world):
    from critical_minerals import tables

    snapshot = tables.partner_snapshot(world)
    assert snapshot.loc[("graphite", "reserves 2024 (t)"), "United States"] == "in world total only"
    assert snapshot.loc[("lithium", "production 2024 (t)"), "United States"] == "withheld"
