"""In-text citations: chapter prose cites the bibliography by key (`[@usgs_mcs2025]`), and the report shows each as
its number linked to the entry, in the HTML and in the PDF."""

from __future__ import annotations

import re

import nbformat
import pytest
from test_figure_descriptions import parts_of
from test_report import CHAPTERS, Page, report_site, section  # noqa: F401  (the built report, shared)

from critical_minerals.core import paths
from critical_minerals.core.errors import InputError
from critical_minerals.report import references, typeset
from critical_minerals.sources import official_datasets

NOTEBOOKS = sorted((paths.ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def bibliography():
    return references.load(official_datasets.load_registry())


def test_a_citation_becomes_its_number_linked_to_the_entry(bibliography):
    by_key = {ref.key: ref for ref in bibliography}
    fragment = (
        '<div id="cell-ch02-a1"><p>USGS [@usgs_mcs2025] and the papers [@brookings2025a; @brookings2025b].'
        '</p></div><details class="cell-code"><summary>code</summary><span class="s1">"[@unknown]"</span>'
        "</details>"
    )
    page = Page(references.cite_in_text(fragment, bibliography, "notebooks/02_complementarity.ipynb"))
    links = [attrs["href"] for tag, attrs in page.tags if tag == "a" and attrs.get("class") == "cite"]
    assert links == ["#ref-usgs_mcs2025", "#ref-brookings2025a", "#ref-brookings2025b"]
    numbers = [by_key[key].number for key in ("usgs_mcs2025", "brookings2025a", "brookings2025b")]
    assert f"USGS [{numbers[0]}] and the papers [{numbers[1]}, {numbers[2]}]." in page.text
    assert '"[@unknown]"' in page.text  # code is shown as written


def test_an_unknown_key_stops_the_build_naming_notebook_cell_and_key(bibliography):
    fragment = (
        '<div id="cell-ch02-a1"><p>Fine [@usgs_mcs2025].</p><details class="cell-code">code</details></div>'
        '<div id="cell-ch02-e58f8d99"><p>As the guidelines say [@merger_guidelines_2099].</p></div>'
    )
    with pytest.raises(InputError) as raised:
        references.cite_in_text(fragment, bibliography, "notebooks/02_complementarity.ipynb")
    message = str(raised.value)
    assert "notebooks/02_complementarity.ipynb, cell e58f8d99" in message
    assert "merger_guidelines_2099" in message and "data/references.csv" in message


def test_every_citation_in_the_chapters_resolves_and_every_chapter_cites(bibliography):
    keys = {ref.key for ref in bibliography}
    assert len(NOTEBOOKS) == len(CHAPTERS)
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        cited = references.citation_keys("\n".join(cell.source for cell in cells if cell.cell_type == "markdown"))
        assert cited, f"{path.name} cites nothing in its prose"
        assert set(cited) <= keys, (path.name, set(cited) - keys)
        # "[@" outside a well-formed citation would show as written: a typo such as "[@key" or "[@ key]"
        for cell in cells:
            if cell.cell_type == "markdown":
                assert cell.source.count("[@") == len(references.CITATION.findall(cell.source)), (path.name, cell.id)


def test_the_report_cites_in_each_chapter_and_lists_every_cited_entry(report_site):  # noqa: F811
    html = report_site.default.report.read_text(encoding="utf-8")
    listed = {attrs["id"] for tag, attrs in section(html, "references").tags if tag == "li"}
    prose = re.sub(
        r'<span class="figure-source">.*?</span>|<details class="cell-code">.*?</details>', "", html, flags=re.DOTALL
    )
    chapters = re.findall(r'<article class="chapter" aria-labelledby="(ch\w+)">(.*?)</article>', prose, re.DOTALL)
    assert len(chapters) == len(CHAPTERS)
    for anchor, body in chapters:
        links = [attrs["href"][1:] for tag, attrs in Page(body).tags if tag == "a" and attrs.get("class") == "cite"]
        assert links, f"chapter {anchor} has no in-text citation"
        assert set(links) <= listed, set(links) - listed
    assert "[@" not in prose  # every citation was resolved


def test_the_pdf_links_each_citation_to_its_entry(report_site):  # noqa: F811
    scenario = report_site.default
    model = typeset.document_model(scenario.report.read_text(encoding="utf-8"), scenario.figures)["sections"]
    refs = [part["target"] for part in parts_of(model, "ref") if part["target"].startswith("ref-")]
    anchors = [part["id"] for part in parts_of(model, "anchor")]
    # a link the PDF could not lead anywhere would have become plain text ("span"): each is a link to its entry
    assert refs and set(refs) <= set(anchors)
    assert len(anchors) == len(set(anchors))
    entries = [anchor for anchor in anchors if anchor.startswith("ref-")]
    assert entries == [
        ref.anchor for ref in references.load(official_datasets.load_registry())
    ]  # every entry, in order
