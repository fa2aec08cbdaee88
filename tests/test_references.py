"""The bibliography: every source a data row or a figure names is in it, and the report links to it."""

from __future__ import annotations

import csv
import re

import pytest

from critical_minerals import datasets, paths
from critical_minerals.report import references
from test_report import Page, report_site, section  # noqa: F401  (the built report, shared with test_report.py)


@pytest.fixture(scope="module")
def bibliography():
    return references.load(datasets.load_registry())


def data_row_sources() -> list[tuple[str, str]]:
    """(file, source text) of every row of data/*.csv that has a source column."""
    found = []
    for path in sorted(paths.DATA_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                found += [(path.name, text) for column, text in row.items()
                          if column and re.fullmatch(r"(\w+_)?source", column) and text]
    return found


def test_every_data_row_source_is_in_the_bibliography(bibliography):
    sources = data_row_sources()
    assert len(sources) > 50
    missing = [(name, text, references.uncited(text, bibliography)) for name, text in sources
               if references.uncited(text, bibliography)]
    assert missing == []


def test_the_bibliography_holds_the_papers_and_every_dataset(bibliography):
    keys = [ref.key for ref in bibliography]
    assert len(keys) == len(set(keys))
    assert references.cited("Paper A, same section", bibliography).key == "brookings2025a"
    assert references.cited("paper B (critical-minerals club)", bibliography).key == "brookings2025b"
    with open(references.REFERENCES_FILE, encoding="utf-8") as handle:
        linked = {row["dataset"] for row in csv.DictReader(handle) if row["dataset"]}
    assert linked == set(datasets.load_registry())
    by_key = {ref.key: ref for ref in bibliography}
    assert "10.5066/P13XCP3R" in by_key["usgs_mcs2025"].text  # the registry's citation, not a second copy
    assert references.cited("26 U.S.C. 45X(c)(6) list of applicable critical minerals", bibliography).key == "usc_45x"
    assert references.cited("World Bank, World Development Indicators, GDP", bibliography).key == "wb_wdi"


def test_a_source_naming_no_known_work_is_found(bibliography):
    assert references.uncited("Ministry of Mines, Annual Report 2031; our calculation", bibliography) == [
        "Ministry of Mines, Annual Report 2031"]


def test_figure_sources_cite_the_bibliography_in_the_report(report_site, bibliography):  # noqa: F811
    scenario = report_site.default
    captions = [path.read_text(encoding="utf-8").splitlines()[1].removeprefix("Source: ")
                for path in sorted(scenario.figures.glob("*.txt"))]
    assert captions and all(references.uncited(text, bibliography) == [] for text in captions), [
        (text, references.uncited(text, bibliography)) for text in captions]
    html = scenario.report.read_text(encoding="utf-8")
    listed = section(html, "references")
    ids = [attrs["id"] for tag, attrs in listed.tags if tag == "li"]
    assert ids == [ref.anchor for ref in bibliography]
    cites = [attrs["href"] for tag, attrs in Page(html).tags if tag == "a" and "cite" in attrs.get("class", "")]
    assert len(cites) >= 2 * len(captions)  # each figure's source line, in its chapter and in the gallery
    assert {href[1:] for href in cites} <= set(ids)
