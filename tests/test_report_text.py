"""The built report read as a reader reads it: every number it shows from a results file agrees with that file at
the precision shown, no non-zero value is shown as zero, and the text speaks about its subject, never about how the
project is organised (no "issue", "TODO", "FIXME", no paths of the package's internals outside the appendices)."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser

import pytest

from critical_minerals.report import summary
from critical_minerals.report.page import unspelled

# ids of the report's appendix sections, and its references (the titles of cited works are not the report's words:
# "IRS issues proposed regulations ...")
APPENDICES = ("parameters", "sources", "provenance", "data-appendix", "references")
SKIPPED = ("script", "style", "pre")  # not prose; code cells are folded away (details.cell-code), shown on request
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
DEVELOPMENT = re.compile(
    r"\bissues?\b|\bTODO\b|\bFIXME\b|\bXXX\b|critical_minerals[/\\.]|\b[\w/]+\.py\b|"
    r"\b[\w/]+\.ipynb\b",
    re.IGNORECASE,
)


class ReadingText(HTMLParser):
    """The text a reader reads: no code cells, scripts or styles, and (optionally) no appendices; tables kept."""

    def __init__(self, skip_appendices: bool = True):
        super().__init__(convert_charrefs=True)
        self.skip_appendices, self.stack, self.hidden, self.parts = skip_appendices, [], 0, []
        self.tables, self._table = [], None

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        hide = (
            tag in SKIPPED
            or "cell-code" in (attrs.get("class") or "").split()
            or (self.skip_appendices and attrs.get("id") in APPENDICES)
        )
        self.stack.append((tag, hide))
        self.hidden += hide
        if tag == "table" and not self.hidden:
            self._table = {"caption": "", "rows": []}
        elif self._table is not None and tag == "tr":
            self._table["rows"].append([])
        elif self._table is not None and tag in ("td", "th"):
            self._table["rows"][-1].append("")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            open_tag, hide = self.stack.pop()
            self.hidden -= hide
            if open_tag == "table" and self._table is not None:
                self.tables.append(self._table)
                self._table = None
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.hidden:
            return
        self.parts.append(data)
        if self._table is not None:
            inside = [t for t, _ in self.stack]
            if "caption" in inside:
                self._table["caption"] += data
            elif inside and inside[-1] in ("td", "th") and self._table["rows"]:
                self._table["rows"][-1][-1] += data.strip()

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.parts))


def reading(html: str, skip_appendices: bool = True) -> ReadingText:
    parser = ReadingText(skip_appendices)
    parser.feed(html)
    return parser


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def shown_number(text: str) -> tuple[float, float]:
    """(value, half a unit of its last digit) of a number as displayed: '1,234.5', '94%', '0.270', '−3'."""
    clean = text.replace(",", "").replace("−", "-").replace("\u2009", "").strip()
    percent = clean.endswith("%")
    clean = clean.rstrip("%").strip()
    value, half = float(clean), 0.5 * 10 ** -decimals(clean)
    return (value / 100, half / 100) if percent else (value, half)


def significant(text: str) -> int:
    digits = re.sub(r"\D", "", text.split("e")[0]).lstrip("0")
    return len(digits)


def agrees(text: str, value: float, min_significant: int = 1) -> bool:
    """`text` is `value` at the precision shown, a non-zero value is not shown as zero, and (for a value that is not
    a whole number) at least `min_significant` figures are shown."""
    shown, half = shown_number(text)
    return (
        abs(shown - value) <= half * (1 + 1e-9) + 1e-12
        and (value == 0 or shown != 0)
        and (float(value).is_integer() or significant(text) >= min_significant)
    )


@pytest.mark.parametrize(
    "text, value, least, ok",
    [
        ("0.272", 0.2718, 3, True),
        ("0", 0.2718, 1, False),
        ("4", 4.44, 1, True),
        ("4", 4.44, 3, False),
        ("4.44", 4.4391, 3, True),
        ("94%", 0.9412, 1, True),
        ("0%", 0.003, 1, False),
        ("1,234", 1234.4, 3, True),
        ("9.1", 9.06, 1, True),
        ("9.0", 9.06, 1, False),
        ("0.00120", 0.0012, 3, True),
    ],
)
def test_displayed_precision_check_on_hand_cases(text, value, least, ok):
    assert agrees(text, value, least) is ok


def test_reading_text_skips_code_and_appendices():
    page = reading(
        '<p>A finding.</p><details class="cell-code"><pre>see issue 12</pre></details>'
        '<section id="provenance"><p>critical_minerals/x.py</p></section>'
        "<table><caption>Costs</caption><tr><th>Design</th></tr><tr><td>defence</td></tr></table>"
    )
    assert page.text.strip() == "A finding. Costs Design defence"
    assert page.tables == [{"caption": "Costs", "rows": [["Design"], ["defence"]]}]


def test_report_speaks_about_its_subject_only(project):
    """Regression: chapter 3 told readers what 'the issue asks for'."""
    text = reading(project.report.read_text(encoding="utf-8")).text
    # a source's web address or quoted title is not the report speaking (…/irs-issues-…, 'IRS issues proposed …')
    text = re.sub(r"https?://\S+|'[^'\n]{3,200}'|‘[^’\n]{3,200}’|“[^”\n]{3,200}”", "", text)
    found = sorted({match.group(0) for match in DEVELOPMENT.finditer(text)})
    assert not found, [text[max(0, m.start() - 80) : m.end() + 80] for m in DEVELOPMENT.finditer(text)][:5]


# a code from the data or the package in a table cell (net_imports, low_purity), or a boolean as Python writes it
# (a file's name, which a reader looks up in data/, is not a code)
RAW_CODE = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-]|\.[a-z]{2,4}\b)|^(?:True|False)$")


def raw_codes(html: str) -> list[tuple[str, str]]:
    """(table caption or header, cell) of every reading-path table cell that shows a code instead of words."""
    return [
        (table["caption"] or " | ".join(table["rows"][0]), text)
        for table in reading(html).tables
        for row in table["rows"]
        for text in row
        if RAW_CODE.search(text)
    ]


def test_raw_code_check_on_hand_cases():
    page = (
        "<table><tr><th>Basis</th></tr><tr><td>net_imports</td></tr><tr><td>False</td></tr>"
        "<tr><td>net imports</td></tr><tr><td>No</td></tr><tr><td>data/stockpile_design_x.csv</td></tr></table>"
        '<section id="data-appendix"><table><tr><td>kept_in_appendix</td></tr></table></section>'
    )
    assert raw_codes(page) == [("Basis", "net_imports"), ("Basis", "False")]


def test_reading_path_tables_show_words_not_codes(project):
    """Regression: chapter 3's design tables showed `net_imports`, chapter 1's matches True / False."""
    html = project.report.read_text(encoding="utf-8")
    assert len(reading(html).tables) > 10
    assert raw_codes(html) == []


def test_summary_numbers_agree_with_the_results_at_the_displayed_precision(project):
    root = project.root / "build" / "default"
    html = project.report.read_text(encoding="utf-8")
    text = reading(html).text
    checked = 0
    for statement in summary.statements(summary.read_results(root)):
        if statement.number is None or statement.format in ("count", "list", "d", ""):
            continue
        assert f"{statement.label}: {statement.value}" in text, statement
        assert agrees(statement.value, statement.number), statement
        checked += 1
    assert checked >= 5


def test_holding_cost_table_agrees_with_the_results(project):
    """Regression: the table showed a yearly carrying cost of 0.27 bn as '0' and net present costs as '4' and '3'."""
    results = json.loads((project.root / "build/default/results/03_stockpile_cost.json").read_text(encoding="utf-8"))
    tables = [
        t
        for t in reading(project.report.read_text(encoding="utf-8")).tables
        if t["caption"].startswith("Acquisition, yearly carrying cost and net present cost")
    ]
    assert len(tables) == 1
    header, *rows = tables[0]["rows"]
    columns = {
        "Acquisition (USD bn)": "acquisition_usd",
        "Yearly carrying cost (USD bn)": "yearly_carrying_cost_usd",
        f"Net present cost over {results['horizon_years']} years (USD bn)": "net_present_cost_usd",
    }
    assert set(columns) <= set(header), header
    for row in rows:
        cells = dict(zip(header, row))
        design = results["designs"][cells["Design"]]
        for column, key in columns.items():
            assert agrees(cells[column], design[key] / 1e9, 3), (cells["Design"], column, cells[column], design[key])


def test_nds_comparison_table_agrees_with_the_results(project):
    results = json.loads((project.root / "build/default/results/03_stockpile_cost.json").read_text(encoding="utf-8"))
    tables = [
        t
        for t in reading(project.report.read_text(encoding="utf-8")).tables
        if t["rows"] and "Multiple of NDS material" in t["rows"][0]
    ]
    assert len(tables) == 1
    header, *rows = tables[0]["rows"]
    assert len(rows) == len(results["designs"])
    for row in rows:
        cells = dict(zip(header, row))
        design = results["designs"][cells["Design"]]
        assert agrees(cells["Acquisition (USD bn)"], design["acquisition_usd"] / 1e9, 3), cells
        assert agrees(cells["Multiple of NDS material"], design["acquisition_vs_nds_material"], 3), cells


WARNING_OR_TRACEBACK = re.compile(r"[A-Z]\w*Warning: |Traceback \(most recent call last\)|site-packages")


def test_no_warning_or_traceback_reaches_the_report(project):
    """Regression: numpy's 'RuntimeWarning: invalid value encountered in subtract' (a batch SE of an IRR quantile
    below the bracket) printed under chapter 4's summary table, with the path of the builder's site-packages."""
    html = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\n]+", "", project.report.read_text(encoding="utf-8"))
    found = [html[max(0, m.start() - 80) : m.end() + 80] for m in WARNING_OR_TRACEBACK.finditer(html)]
    assert found == []


def test_no_folder_of_the_build_reaches_the_report(project):
    """Regression: chapters 2b and 6 ended on `write_results(...)`, whose returned path printed as
    PosixPath('.../build/.cache/<step>/.tmp-<key>/outputs/results/...json') in the data appendix."""
    html = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\n]+", "", project.report.read_text(encoding="utf-8"))
    assert [m.group(0) for m in re.finditer(r"(PosixPath|WindowsPath|\.cache|\.tmp-)[^<]{0,60}", html)] == []


def test_the_page_spells_no_development_word_not_even_by_chance_in_base64(project):
    """Regression: 'tODo' and the like turned up inside embedded downloads; and a cited title said 'issues'."""
    html = project.report.read_text(encoding="utf-8")
    assert re.findall(r"(?i)todo|fixme", html) == [] and "issue" not in html


def test_a_payload_broken_where_it_spells_a_word_decodes_to_the_same_bytes():
    payload = base64.b64encode(b"\xb6\x87\x43" * 7 + bytes(range(256))).decode()
    page = f'<a href="data:text/csv;base64,{payload}tODoFixMEiSSuE=">x</a>'
    kept = unspelled(page)
    assert not re.search(r"(?i)todo|fixme|issue", kept)
    assert kept.replace("\n", "") == page  # only line feeds, which URL parsing drops, were added
