"""The typeset report.pdf: what a reader holds in hand, checked on the PDF itself (pdfplumber reads it).

Made from the same realistic build as the HTML report's tests (test_report.report_site).
"""

from __future__ import annotations

import re
import shutil

import pdfplumber
import pytest
from test_report import report_site  # noqa: F401  (the built report, shared with test_report.py)

from critical_minerals.report import thumbnails, typeset

POINTS = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}
BODY_FONTS = ("Libertinus", "DejaVuSansMono")  # the report's own type; figures bring theirs (DejaVu Sans)
SMALLEST_BODY_PT = 10


def typeset_pdf(site, paper: str, folder):
    scenario = site.default
    destination = folder / "report.pdf"
    typeset.write_pdf(scenario.report, scenario.figures, destination, paper)
    return destination


@pytest.fixture(scope="module")
def printed(report_site, tmp_path_factory):  # noqa: F811
    """The A4 PDF as pdfplumber reads it: every page's size, text, characters (font, size) and pictures."""
    destination = typeset_pdf(report_site, "a4", tmp_path_factory.mktemp("pdf"))
    with pdfplumber.open(destination) as pdf:
        pages = [
            {
                "size": (float(page.width), float(page.height)),
                "text": page.extract_text() or "",
                "chars": [(char["fontname"], char["size"]) for char in page.chars],
                "images": len(page.images),
                "upright": [char["size"] for char in page.chars if char["upright"]],
            }
            for page in pdf.pages
        ]
        fonts = embedded_fonts(pdf)
    return pages, fonts, report_site.default


def embedded_fonts(pdf) -> dict[str, bool]:
    """Every font the pages use (the figures' too) -> whether the file carries it."""
    found = {}

    def visit(resources):
        resources = resolve(resources) or {}
        for font in (resolve(resources.get("Font")) or {}).values():
            font = resolve(font)
            name = name_of(resolve(font.get("BaseFont")))
            descendants = [resolve(d) for d in resolve(font.get("DescendantFonts")) or []]
            descriptor = resolve((descendants[0] if descendants else font).get("FontDescriptor"))
            kind = name_of(resolve(font.get("Subtype")))
            found[name] = kind.endswith("Type3") or any(
                key in (descriptor or {}) for key in ("FontFile", "FontFile2", "FontFile3")
            )
        for xobject in (resolve(resources.get("XObject")) or {}).values():
            stream = resolve(xobject)
            if name_of(stream.attrs.get("Subtype")) == "Form":
                visit(stream.attrs.get("Resources"))

    for page in pdf.pages:
        visit(page.page_obj.resources)
    return found


def name_of(value) -> str:
    """A PDF name as text (pdfminer gives a PSLiteral, or bytes)."""
    value = getattr(value, "name", value)
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def resolve(value):
    from pdfminer.pdftypes import resolve1

    return resolve1(value)


def test_pdf_pages_sizes_and_contents(printed):
    pages, _, scenario = printed
    width, height = POINTS["a4"]
    assert len(pages) >= 10 * len(scenario.executed)  # title, contents, four chapters of tables and figures, appendices
    for number, page in enumerate(pages, start=1):
        size = sorted(page["size"])  # a wide table is set on a turned page of the same paper
        assert size == pytest.approx(sorted((width, height)), abs=0.5), f"page {number} is {page['size']}"
    assert "Scenario default" in pages[0]["text"]
    contents = pages[1]["text"]
    assert contents.startswith("Contents") and re.search(r"Chapter 1\b.*\d+$", contents, re.M)
    everything = "\n".join(page["text"] for page in pages)
    assert "Appendix A" in everything and "Methods and caveats" in everything
    assert "import critical_minerals" not in everything and "from critical_minerals" not in everything  # no code


def test_pdf_tables_repeat_their_header_on_each_page(printed):
    pages, _, _ = printed
    repeated = []
    for number in range(1, len(pages)):
        before, lines = pages[number - 1]["text"].splitlines(), pages[number]["text"].splitlines()
        # line 0 is the running head; a table continued from the page before starts with its header row again
        if len(lines) > 1 and len(lines[1].split()) >= 4 and lines[1] in before[1:]:
            repeated.append(number + 1)
    assert repeated, "no table continues on a next page under its header"


def test_pdf_text_is_at_least_10_pt_and_figures_are_vector(printed):
    pages, _, _ = printed
    body = [
        (number, font, size)
        for number, page in enumerate(pages, start=1)
        for font, size in page["chars"]
        if any(name in font for name in BODY_FONTS)
    ]
    assert len(body) > 10_000
    smallest = min(size for _, _, size in body)
    assert smallest >= SMALLEST_BODY_PT - 0.01, [b for b in body if b[2] < SMALLEST_BODY_PT][:5]
    assert sum(page["images"] for page in pages) == 0  # figures are embedded as vector drawings, not pictures
    figure_text = [
        size for page in pages for font, size in page["chars"] if "DejaVuSans" in font and "Mono" not in font
    ]
    assert figure_text  # the figures' own text is text, not outlines
    # the figures keep the 6-pt text they are drawn with: a double-column figure reaches into the margins instead of
    # shrinking (pdfplumber's size of rotated text is its glyph width, so upright text only)
    assert min(size for page in pages for size in page["upright"]) >= 6 - 0.05


def test_pdf_fonts_are_embedded(printed):
    _, fonts, _ = printed
    assert fonts and all(fonts.values()), {name: ok for name, ok in fonts.items() if not ok}
    assert any("Libertinus" in name for name in fonts) and any("DejaVuSans" in name for name in fonts)


def test_pdf_on_us_letter(report_site, tmp_path):  # noqa: F811
    destination = typeset_pdf(report_site, "letter", tmp_path)
    with pdfplumber.open(destination) as pdf:
        sizes = {tuple(sorted((round(float(page.width)), round(float(page.height))))) for page in pdf.pages}
    assert sizes == {(612, 792)}


def test_unknown_paper_is_refused(tmp_path):
    with pytest.raises(ValueError, match="a4, letter"):
        typeset.write_pdf(tmp_path / "report.html", tmp_path, tmp_path / "report.pdf", "a5")


def test_each_outermost_section_converted_alone_gives_the_model_of_the_whole_page(report_site, monkeypatch):  # noqa: F811
    scenario = report_site.default
    html = scenario.report.read_text(encoding="utf-8")
    split = typeset.outermost_sections(html)
    assert split is not None and len(split[1]) >= 10  # summary, chapters, appendices: each one a part
    by_part = typeset.document_model(html, scenario.figures)
    monkeypatch.setattr(typeset, "outermost_sections", lambda html: None)  # the whole page parsed at once
    assert by_part == typeset.document_model(html, scenario.figures)


def test_a_rebuild_converts_only_the_sections_whose_html_changed_and_reads_figure_sizes_again(
    report_site,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    scenario = report_site.default
    figures = tmp_path / "figures"
    shutil.copytree(scenario.figures, figures)
    html = scenario.report.read_text(encoding="utf-8")
    converted = []
    part_of = typeset.part_of
    monkeypatch.setattr(
        typeset, "part_of", lambda section, converter: converted.append(1) or part_of(section, converter)
    )
    thumbnails.use(tmp_path / "memo")
    try:
        first = typeset.document_model(html, figures)
        parts = len(converted)
        assert typeset.document_model(html, figures) == first and len(converted) == parts  # all from the memo
        chapter = html.index('<article class="chapter"')
        changed = html[:chapter] + html[chapter:].replace("<p>", "<p>Changed. ", 1)
        model = typeset.document_model(changed, figures)
        assert len(converted) == parts + 1  # that chapter only
        [name, *_] = first["figures"]
        pdf = figures / f"{name}.pdf"
        pdf.write_bytes(typeset.MEDIA_BOX.sub(b"/MediaBox [ 0 0 100 50 ]", pdf.read_bytes(), count=1))
        resized = typeset.document_model(changed, figures)
        assert len(converted) == parts + 1
    finally:
        thumbnails.use(None)
    assert model == typeset.document_model(changed, scenario.figures)  # as made afresh, without the memo
    assert model != first
    [size] = {tuple(block["size"]) for block in parts_of(resized, "figure") if block["name"] == name}
    assert size == (100.0, 50.0)


def parts_of(value, kind: str) -> list[dict]:
    if isinstance(value, dict):
        return ([value] if value.get("t") == kind else []) + [
            p for child in value.values() for p in parts_of(child, kind)
        ]
    if isinstance(value, list):
        return [p for child in value for p in parts_of(child, kind)]
    return []


@pytest.mark.parametrize(
    "body",
    [
        "<section><p>never closed</p>",
        "</section><section><p>x</p></section>",  # an end tag with nothing open
    ],
)
def test_sections_that_do_not_nest_are_converted_from_the_whole_page(body):
    html = f"<html><head><title>T</title></head><body>{body}</body></html>"
    assert typeset.outermost_sections(html) is None


def test_tags_in_comments_scripts_and_styles_do_not_split_the_page(tmp_path, monkeypatch):
    html = (
        "<html><head><style>/* <section> */</style><title>T</title></head><body>"
        '<header class="title-page" id="title"><p class="kicker">K</p><h1>Title</h1></header><!-- <article> -->'
        '<section id="a"><h1 id="a-title">A</h1><section><h2 id="b">B</h2><p>Text <a href="#a">back</a></p>'
        "</section></section><script>const s = '<section>';</script></body></html>"
    )
    rest, [section] = typeset.outermost_sections(html)
    assert section.startswith('<section id="a">') and section.endswith("</section></section>")
    assert "<script>const s = '<section>';</script>" in rest
    by_part = typeset.document_model(html, tmp_path)
    monkeypatch.setattr(typeset, "outermost_sections", lambda html: None)
    assert by_part == typeset.document_model(html, tmp_path)
    assert [block["t"] for block in by_part["sections"][0]["blocks"]] == ["h", "h", "par"]
