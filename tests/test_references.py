"""The bibliography: every source a data row or a figure names is in it, and the report links to it."""

from __future__ import annotations

import csv
import re

import pytest
from test_report import Page, report_site, section  # noqa: F401  (the built report, shared with test_report.py)

from critical_minerals.core import paths
from critical_minerals.report import references
from critical_minerals.sources import official_datasets


@pytest.fixture(scope="module")
def bibliography():
    return references.load(official_datasets.load_registry())


def data_row_sources() -> list[tuple[str, str]]:
    """(file, source text) of every row of data/*.csv that has a source column."""
    found = []
    for path in sorted(paths.DATA_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                found += [
                    (path.name, text)
                    for column, text in row.items()
                    if column and re.fullmatch(r"(\w+_)?source", column) and text
                ]
    return found


def test_every_data_row_source_is_in_the_bibliography(bibliography):
    sources = data_row_sources()
    assert len(sources) > 50
    missing = [
        (name, text, references.uncited(text, bibliography))
        for name, text in sources
        if references.uncited(text, bibliography)
    ]
    assert missing == []


def test_the_bibliography_holds_the_papers_and_every_dataset(bibliography):
    keys = [ref.key for ref in bibliography]
    assert len(keys) == len(set(keys))
    assert references.cited("Paper A, same section", bibliography).key == "brookings2025a"
    assert references.cited("paper B (critical-minerals club)", bibliography).key == "brookings2025b"
    with open(references.REFERENCES_FILE, encoding="utf-8") as handle:
        linked = {row["dataset"] for row in csv.DictReader(handle) if row["dataset"]}
    assert linked == set(official_datasets.load_registry())
    by_key = {ref.key: ref for ref in bibliography}
    assert "10.5066/P13XCP3R" in by_key["usgs_mcs2025"].text  # the registry's citation, not a second copy
    assert references.cited("26 U.S.C. 45X(c)(6) list of applicable critical minerals", bibliography).key == "usc_45x"
    assert references.cited("World Bank, World Development Indicators, GDP", bibliography).key == "wb_wdi"


def test_a_source_naming_no_known_work_is_found(bibliography):
    assert references.uncited("Ministry of Mines, Annual Report 2031; our calculation", bibliography) == [
        "Ministry of Mines, Annual Report 2031"
    ]


def test_figure_sources_cite_the_bibliography_in_the_report(report_site, bibliography):  # noqa: F811
    scenario = report_site.default
    captions = [
        path.read_text(encoding="utf-8").splitlines()[1].removeprefix("Source: ")
        for path in sorted(scenario.figures.glob("*.txt"))
    ]
    assert captions and all(references.uncited(text, bibliography) == [] for text in captions), [
        (text, references.uncited(text, bibliography)) for text in captions
    ]
    html = scenario.report.read_text(encoding="utf-8")
    listed = section(html, "references")
    ids = [attrs["id"] for tag, attrs in listed.tags if tag == "li"]
    assert ids == [ref.anchor for ref in bibliography]
    cites = [attrs["href"] for tag, attrs in Page(html).tags if tag == "a" and "cite" in attrs.get("class", "")]
    assert len(cites) >= 2 * len(captions)  # each figure's source line, in its chapter and in the gallery
    assert {href[1:] for href in cites} <= set(ids)


def test_the_reports_own_assumptions_and_labelled_project_files_cite_no_outside_work(bibliography):
    for own in [
        "assumption",
        "Illustrative choice of this report (battery metals)",
        "terms from data/x.csv",
        "Designs and NDS figures: data/stockpile_*.csv",
        "programmes: data/policy_facts_2025_26.csv",
    ]:
        assert references.OWN_WORK.match(own), own
    # a labelled project file after a publication stays a part of its own, so the publication is still cited
    assert references.parts("USGS MCS 2025, salient statistics; terms from data/x.csv") == [
        "USGS MCS 2025, salient statistics",
        "terms from data/x.csv",
    ]
    assert references.uncited("Illustrative values from Ministry of Mines; assumption of a vendor", bibliography) == [
        "Illustrative values from Ministry of Mines; assumption of a vendor"
    ]


def test_a_work_is_cited_by_its_own_name_not_by_a_law_or_dataset_it_mentions(bibliography):
    cases = {
        "Raw Materials, 'One Big Beautiful Bill Act becomes law, expands funding' (4 July 2025)": (
            "rawmaterials_obbba_2025"
        ),
        "Discovery Alert, 'One Big Beautiful Bill: critical minerals funding'": "discoveryalert_obbba",
        "26 CFR 1.45X-4(b)(19)": "cfr_1_45x_4",
        "U.S. Geological Survey, 2022 Final List of Critical Minerals, Federal Register 87 FR 10381; list as "
        "given on usgs.gov/faqs/what-a-critical-mineral": "usgs_critical_minerals_2022",
        "Stock Titan, summary of MP Materials' Form 8-K of July 2025": "stocktitan_mp_8k_2025",
    }
    assert {text: references.cited(text, bibliography).key for text in cases} == cases


def test_an_entry_without_a_year_or_publisher_prints_no_empty_field(tmp_path):
    path = tmp_path / "references.csv"
    path.write_text(
        "key,dataset,authors,year,title,publisher,url,accessed,cited_as\na,,Deyuan,,News reprint,,,2026-11-30,Deyuan\n",
        encoding="utf-8",
    )
    assert references.load({}, path)[0].text == "Deyuan (n.d.). News reprint. (accessed 2026-11-30)"
