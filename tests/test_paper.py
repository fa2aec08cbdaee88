"""Paper A's table: validation of corrupted copies, detection of the source's problems, reproduction from USGS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from critical_minerals.core.errors import InputError
from critical_minerals.sources import paper

ORIGINAL = paper.PAPER_TABLE.read_text(encoding="utf-8")


def corrupted(tmp_path, old: str, new: str):
    assert old in ORIGINAL
    path = tmp_path / "paper.csv"
    path.write_text(ORIGINAL.replace(old, new, 1), encoding="utf-8")
    return path


def test_published_table_reads_as_fifteen_valid_rows():
    table = paper.read_paper_table()
    assert len(table) == 15
    assert table.loc[table.mineral == "Beryllium", "us_pct"].item() == 55.9
    assert pd.isna(table.loc[table.mineral == "Nickel", "mexico_pct"].item())  # '-' in the paper


@pytest.mark.parametrize(
    "old, new, row, field, value",
    [
        ("Silver,4,24.2", "Silver,4,120", 3, "mexico_pct", "120"),  # share above 100
        ("Zinc,6.1,6,-,12.1", "Zinc,6.1,6,-,15.1", 6, "total_pct", "15.1"),  # total != sum of partners
        ("Copper,5.6,3.4", "Beryllium,5.6,3.4", 7, "mineral", "Beryllium"),  # duplicated mineral
        ("Niobium,-,-,8,8", "Niobium,-,-,eight,8", 8, "canada_pct", "eight"),  # non-numeric cell
    ],
)
def test_corrupted_copies_are_rejected_naming_row_and_field(tmp_path, old, new, row, field, value):
    path = corrupted(tmp_path, old, new)
    with pytest.raises(InputError) as err:
        paper.read_paper_table(path)
    message = str(err.value)
    assert str(path) in message and f"row {row}" in message and f"field {field!r}" in message
    assert value in message


def test_missing_column_is_named(tmp_path):
    path = corrupted(tmp_path, "mineral,us_pct,mexico_pct,canada_pct,total_pct", "mineral,us_pct,mexico_pct,total_pct")
    with pytest.raises(InputError, match="field 'canada_pct'"):
        paper.read_paper_table(path)


def test_problems_in_the_source_are_found_not_fixed():
    table, claims = paper.read_paper_table(), paper.read_claims()
    problems = paper.source_problems(table, claims)
    found = {(p.check, p.mineral, p.value.split(" |")[0]) for p in problems.itertuples()}
    assert ("spelling", "Cadmium", "Elecronics") in found
    assert ("swapped cells", "Platinum", "High-strength alloys, armor plating") in found
    assert ("text vs table", "Palladium", "Canada 8 %") in found
    assert ("spelling", "Beryllium", "Berrilyum") in found
    assert len(problems) == 4  # and nothing else: the other 30 claims agree with the table up to rounding
    assert "Elecronics" in paper.PAPER_TABLE.read_text(encoding="utf-8")  # the transcription keeps the typo
    fixed = paper.table_for_analysis(table, problems)
    cadmium = fixed.set_index("mineral").loc["Cadmium", "defense_applications"]
    platinum = fixed.set_index("mineral").loc["Platinum"]
    assert cadmium == "Electronics, optics"
    assert platinum["energy_transition_applications"] == "Electronics, fuel cells"
    assert platinum["defense_applications"] == "High-strength alloys, armor plating"


def test_claim_that_disagrees_with_the_table_is_flagged():
    table = paper.read_paper_table()
    claims = paper.read_claims()
    claims.loc[claims.claim_id == "A-P07", "value_pct"] = 30  # Mexico silver: table says 24.2
    problems = paper.source_problems(table, claims)
    assert ("text vs table", "Silver") in set(zip(problems.check, problems.mineral))


def test_table_is_reproduced_from_usgs_mcs2024_for_2022(world):
    table = paper.read_paper_table()
    shares = paper.partner_shares(world, paper.usgs_map())
    candidates = paper.reproduction_candidates(table, shares)
    best = candidates.iloc[0]
    assert (best.edition, best.year) == (2024, 2022)
    assert best.cells_within == best.cells == 25
    reproduced = paper.reproduce(table, shares, 2024, 2022)
    assert reproduced["matches"].all()
    assert reproduced["max_abs_diff_pp"].max() <= 0.1
    # hand check: US beryllium 175 t of a 313 t world total
    assert reproduced.set_index("mineral").loc["Beryllium", "us_pct_usgs"] == pytest.approx(100 * 175 / 313)
    # no other edition-year comes close
    assert candidates.iloc[1].cells_within < 10


def test_text_claims_against_every_usgs_edition(world):
    checked = paper.claims_against_usgs(paper.read_claims(), world, paper.usgs_map()).set_index("claim_id")
    production = checked[checked.measure == "production"]
    assert len(production) == 21 and production["agrees with"].str.contains("MCS 2024").all()
    # Canada palladium, in the text but not the table: 7.93 % in MCS 2024 (2022)
    assert checked.loc["A-P15", "MCS 2024"] == pytest.approx(7.93, abs=0.01)
    # US molybdenum reserves: 2,700 kt of 12,000 kt in MCS 2023 = 22.5 %; 3,500 of 14,000 in MCS 2024 = 25 %
    assert checked.loc["A-R01", "MCS 2023"] == pytest.approx(22.5)
    assert checked.loc["A-R01", "MCS 2024"] == pytest.approx(25.0)
    assert checked.loc["A-R06", "agrees with"] == "none"  # Mexico zinc reserves, 7 % in the text
    # Canada titanium: its ilmenite over the world total of ilmenite and rutile (31 of 700 Mt TiO2, MCS 2023)
    assert checked.loc["A-R09", "MCS 2023"] == pytest.approx(100 * 31 / 700)


@pytest.mark.parametrize(
    "value, shown",
    [(3.945312, 3.9), (4.049708, 4.0), (0.376285, 0.4), (0.25, 0.3), (2.45, 2.5), (55.910543, 55.9), (4.0, 4.0)],
)
def test_rounded_is_half_up_to_one_decimal(value, shown):
    assert paper.rounded(value) == shown


def test_cells_that_are_not_usgs_correctly_rounded_are_a_finding(world):
    """Regression: the chapter called the table a copy 'rounded to one decimal'; 3 of its 25 cells are not."""
    table = paper.read_paper_table()
    reproduced = paper.reproduce(table, paper.partner_shares(world, paper.usgs_map()), 2024, 2022)
    departures = paper.rounding_departures(reproduced)
    assert departures.attrs["cells"] == 25
    found = {(row.mineral, row.partner): (row.usgs_rounded_pct, row.paper_pct) for row in departures.itertuples()}
    assert found == {
        ("Silver", "United States"): (3.9, 4.0),
        ("Molybdenum", "Canada"): (0.4, 0.3),
        ("Aluminum", "Canada"): (4.0, 4.1),
    }
    text = paper.reproduction_verdict(reproduced)
    assert "22 of the 25 listed shares are the USGS value correctly rounded" in text
    assert "Silver (United States): USGS 3.9453 % rounds to 3.9, the paper prints 4.0" in text
    assert "rounded to one decimal:" not in text and "faithful copy" not in text


def test_a_table_that_is_usgs_correctly_rounded_is_called_a_copy():
    reproduction = pd.DataFrame(
        {
            "mineral": ["A", "B"],
            "us_pct_paper": [1.2, np.nan],
            "us_pct_usgs": [1.24, 3.0],
            "canada_pct_paper": [0.4, 2.0],
            "canada_pct_usgs": [0.35, 2.04],
            "mexico_pct_paper": [np.nan, np.nan],
            "mexico_pct_usgs": [np.nan, np.nan],
        }
    )
    assert paper.rounding_departures(reproduction).empty
    assert "All 3 listed shares are the USGS value rounded to 1 decimal place" in paper.rounding_text(reproduction)
    reproduction.loc[0, "canada_pct_paper"] = 0.3  # 0.35 rounds half up to 0.4
    assert paper.rounding_departures(reproduction)[["mineral", "partner"]].values.tolist() == [["A", "Canada"]]
