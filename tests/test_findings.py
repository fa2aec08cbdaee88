"""The report's findings: every word that depends on the results is chosen by a rule from the results, on hand-made
results (a result that flips a verdict flips the word; a missing value says "cannot tell")."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from critical_minerals.core.errors import InputError
from critical_minerals.report import findings
from critical_minerals.report.model import Chapter, Heading

COLUMNS = findings.COLUMNS


def write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in COLUMNS})
    return path


def row(**fields) -> dict:
    base = {
        "id": "f",
        "chapter": "04_x",
        "place": "both",
        "section": "ch04-s",
        "rule": "compare",
        "a": "cost",
        "b": "other",
        "words": "more than|about as much as|less than|compared with",
        "text": "It costs {cost:,.0f/1e6} million, {words} the other.",
        "implication": "Act.|Wait.|Prefer it.|Look again.",
    }
    return {**base, **fields}


def one(tmp_path, results: dict, **fields) -> findings.Finding:
    path = write(tmp_path / "findings.csv", [row(**fields)])
    return findings.findings({fields.get("chapter", "04_x"): results}, path)[0]


def test_rules_order_their_outcomes():
    assert [findings.compare(a, 1.0, 0.1) for a in (1.5, 1.05, 0.95, 0.5)] == [0, 1, 1, 2]
    assert findings.compare(2.0, 1.0) == 0 and findings.compare(1.0, 1.0) == 1
    assert [findings.at_most(a, 0.5) for a in (0.1, 0.5, 0.51)] == [0, 0, 1]
    assert [findings.count(n) for n in (0, 1, 7)] == [0, 1, 2]
    assert [findings.count(items) for items in ([], ["x"], ["x", "y"])] == [0, 1, 2]


def test_a_result_that_flips_the_comparison_flips_the_words(tmp_path):
    higher = one(tmp_path, {"cost": 3e8, "other": 1e8})
    assert higher.text == "It costs 300 million, more than the other." and higher.implication == "Act."
    lower = one(tmp_path, {"cost": 1e8, "other": 3e8})
    assert lower.text == "It costs 100 million, less than the other." and lower.implication == "Prefer it."
    within = one(tmp_path, {"cost": 1.04e8, "other": 1e8}, tolerance="5e6")
    assert "about as much as" in within.text and within.outcome == 1


def test_a_missing_value_says_the_data_cannot_tell(tmp_path):
    unknown = one(tmp_path, {"cost": None, "other": 1e8})
    assert unknown.outcome is None
    assert unknown.text == "It costs – million, compared with the other." and unknown.implication == "Look again."
    assert one(tmp_path, {"cost": 1e8, "other": float("nan")}).outcome is None


def test_verdicts_against_a_number_written_in_the_row(tmp_path):
    spec = {
        "rule": "at_most",
        "a": "diff_pp",
        "b": "0.5",
        "words": "agrees with|departs from|cannot be checked against",
        "text": "The table {words} the data (largest difference {diff_pp:.2f} pp).",
        "implication": "Cite it.",
    }
    assert (
        one(tmp_path, {"diff_pp": 0.08}, **spec).text == "The table agrees with the data (largest difference 0.08 pp)."
    )
    assert (
        one(tmp_path, {"diff_pp": 1.2}, **spec).text == "The table departs from the data (largest difference 1.20 pp)."
    )
    assert one(tmp_path, {"diff_pp": None}, **spec).text.startswith("The table cannot be checked against")


def test_counted_words_lists_and_keys_built_from_other_results(tmp_path):
    spec = {
        "rule": "count",
        "a": "gaps",
        "b": "",
        "words": "none is a gap|one is a gap: {gaps:list}|{gaps:count} are gaps: {gaps:list}|cannot tell",
        "text": "Of {n} products {words}.",
        "implication": "x",
    }
    assert one(tmp_path, {"gaps": [], "n": 5}, **spec).text == "Of 5 products none is a gap."
    assert one(tmp_path, {"gaps": ["Indium"], "n": 5}, **spec).text == "Of 5 products one is a gap: Indium."
    assert (
        one(tmp_path, {"gaps": ["Indium", "Tellurium", "Selenium"], "n": 5}, **spec).text
        == "Of 5 products 3 are gaps: Indium, Tellurium and Selenium."
    )
    nested = {
        "rule": "compare",
        "a": "strikes.{metal}.ca",
        "b": "strikes.{metal}.us",
        "tolerance": "1",
        "words": "less than|as much as|more than|?",
        "text": "For {metal}, Canada lowers it {words} the U.S.",
        "implication": "x",
    }
    results = {"metal": "nickel", "strikes": {"nickel": {"ca": 25000.0, "us": 27600.0}}}
    assert one(tmp_path, results, **nested).text == "For nickel, Canada lowers it more than the U.S."
    results["strikes"]["nickel"]["ca"] = 27600.5
    assert one(tmp_path, results, **nested).text == "For nickel, Canada lowers it as much as the U.S."


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"rule": "bigger"}, "unknown rule"),
        ({"place": "sidebar"}, "unknown place"),
        ({"words": "more|less"}, "needs 3 alternatives"),
        ({"implication": "a|b"}, "one implication, or one per alternative"),
        ({"tolerance": "ten"}, "not a number"),
        ({"section": ""}, "links to its evidence"),
        ({"a": "no.such.key"}, "no such value"),
        ({"text": "{nothing}"}, "placeholder names no value"),
        ({"text": "{cost:list/x}"}, "format does not apply"),
    ],
)
def test_a_bad_row_names_its_file_row_and_field(tmp_path, fields, message):
    path = write(tmp_path / "findings.csv", [row(**fields)])
    with pytest.raises(InputError) as error:
        findings.findings({"04_x": {"cost": 1.0, "other": 2.0}}, path)
    text = str(error.value)
    assert message in text and "findings.csv" in text and "row 2" in text


def test_a_finding_linking_to_a_section_the_report_lacks_stops_the_build(tmp_path):
    found = [one(tmp_path, {"cost": 1.0, "other": 2.0})]
    chapter = Chapter("04_x", "ch04", "Chapter 4", [Heading(1, "Chapter 4", "ch04"), Heading(2, "S", "ch04-s")], "", [])
    assert findings.sections_of(found, [chapter]) == {"ch04": "Chapter 4", "ch04-s": "S"}
    renamed = Chapter("04_x", "ch04", "Chapter 4", [Heading(1, "Chapter 4", "ch04"), Heading(2, "T", "ch04-t")], "", [])
    with pytest.raises(InputError, match="ch04-t"):
        findings.sections_of(found, [renamed])


def test_the_key_findings_box_goes_right_after_the_chapter_title():
    head, rest = findings.split_after_title('<div><h1 id="ch02">Title</h1>\n<p>Intro</p></div>')
    assert head == '<div><h1 id="ch02">Title</h1>' and rest == "\n<p>Intro</p></div>"


def test_the_project_findings_file_makes_an_executive_summary():
    rows = findings.read_spec()
    in_summary = [r for r in rows if r["place"] in ("summary", "both")]
    assert findings.SUMMARY_FINDINGS[0] <= len(in_summary) <= findings.SUMMARY_FINDINGS[1]
    assert findings.KEY_FIGURES[0] <= len(findings.key_figures()) <= findings.KEY_FIGURES[1]
    chapters = {r["chapter"] for r in rows}
    assert all(any(r["chapter"] == c and r["place"] in ("chapter", "both") for r in rows) for c in chapters)
    for r in rows:  # every verdict is a rule's choice: the text takes its words from the rule
        assert "{words}" in r["text"] and r["note"].strip(), r["id"]


def test_key_figures_stand_beside_their_finding_in_the_single_column_version(tmp_path):
    from PIL import Image

    from critical_minerals.report.gallery import Figure

    published = []
    for name in ("02_map", "02_map_single", "04_curve"):
        Image.new("RGB", (1050, 600), "white").save(tmp_path / f"{name}.png")
        published.append(Figure(name, tmp_path / f"{name}.png", f"Caption {name}", "Source", "", []))
    path = write(
        tmp_path / "findings.csv",
        [
            row(id="first", place="summary"),
            row(id="boxed", place="chapter", figure="04_curve"),
            row(id="second", place="both", figure="02_map"),
            row(id="third", figure="04_curve"),
        ],
    )
    found = findings.findings({"04_x": {"cost": 1.0, "other": 2.0}}, path)
    shown = findings.key_figure_views(found, published)
    assert [(k.name, k.anchor, k.finding, k.number) for k in shown] == [
        ("02_map_single", "figure-02_map", "second", 2),
        ("04_curve", "figure-04_curve", "third", 3),
    ]
    assert all(k.image.startswith("data:image/png;base64,") for k in shown)
    with pytest.raises(InputError, match="did not publish"):
        findings.key_figure_views(found, published[:2])
