"""The figure standard, the report and the scenario comparison.

The report tests read a realistic build: the four chapters run under papermill into one folder (chapter 01 from the
session's `chapter01` fixture), a second scenario with chapter 04 rerun for another project, both rendered with
hand-made manifests like the build's.
"""

from __future__ import annotations

import ast
import base64
import copy
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import matplotlib.layout_engine
import nbformat
import pandas as pd
import papermill
import pytest
from conftest import data_environment
from markupsafe import escape
from PIL import Image

from critical_minerals import figures
from critical_minerals.chapter.parameters import BUILD_PARAMETERS
from critical_minerals.core import paths
from critical_minerals.core.errors import InputError
from critical_minerals.report import findings, plumbing, summary, write_comparison, write_report
from critical_minerals.report.compare import difference
from critical_minerals.report.page import TEMPLATES
from critical_minerals.sources import official_datasets

CHAPTERS = sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]*_*.ipynb"))
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
OUR_SCRIPT = (TEMPLATES / "report.js").read_text(encoding="utf-8").strip()  # the only script a page may hold


# ---------------------------------------------------------------- the figure standard

FIGURE_SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    from critical_minerals import figures

    figures.use_theme()
    data = pd.DataFrame({"country": list(figures.COUNTRY_COLOURS), "share_pct": [12.5, 7.25, 30.0, 41.0, 9.25]})
    for folder in sys.argv[1:]:
        fig, ax = plt.subplots(figsize=figures.SINGLE_COLUMN_IN)
        ax.bar(data["country"], data["share_pct"], color=[figures.COUNTRY_COLOURS[c] for c in data["country"]])
        ax.set_title("Share of world output")
        ax.set_ylabel("Share (%)")
        ax.tick_params(axis="x", labelrotation=30)
        figures.save_figure(fig, "shares", Path(folder), data, "Shares & more, 2023.", "USGS; own calculation")
        plt.close(fig)
    print(json.dumps({"seaborn_imported": "seaborn" in sys.modules,
                      "cycle": [c.upper() for c in plt.rcParams["axes.prop_cycle"].by_key()["color"]],
                      "svg_fonttype": plt.rcParams["svg.fonttype"], "pdf_fonttype": plt.rcParams["pdf.fonttype"],
                      "savefig_dpi": plt.rcParams["savefig.dpi"]}))
""")


@pytest.fixture(scope="module")
def saved_figures(tmp_path_factory):
    """The same figure saved by two processes with different hash seeds, the second saving it twice."""
    root = tmp_path_factory.mktemp("figures")
    runs = []
    for seed, folders in (("1", [root / "a"]), ("2", [root / "b", root / "c"])):
        env = {**os.environ, "PYTHONHASHSEED": seed, "MPLBACKEND": "Agg"}
        done = subprocess.run(
            [sys.executable, "-c", FIGURE_SCRIPT, *map(str, folders)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(done.stdout))
    return root, runs


def test_saving_the_same_figure_again_gives_identical_bytes_in_every_format(saved_figures):
    root, _ = saved_figures
    for suffix in figures.FORMATS:
        first = (root / "a" / f"shares.{suffix}").read_bytes()
        assert first == (root / "b" / f"shares.{suffix}").read_bytes(), suffix  # another process, another hash seed
        assert first == (root / "c" / f"shares.{suffix}").read_bytes(), suffix  # the same process, again


def test_saved_files_are_what_a_journal_asks_for(saved_figures):
    folder = saved_figures[0] / "a"
    with Image.open(folder / "shares.png") as png:
        assert [round(value) for value in png.info["dpi"]] == [300, 300]
        assert png.width == 3.5 * 300  # a single-column figure at 300 dpi, its full declared width
    svg = (folder / "shares.svg").read_text(encoding="utf-8")
    assert ">Share of world output</text>" in svg  # text stays text, in fonts every system has
    assert set(re.findall(r"font-family: ([^;\"]+)", svg)) == {figures.SVG_FONT_STACK}
    pdf = (folder / "shares.pdf").read_bytes()
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf  # TrueType embedded, no Type 3 fonts
    assert pd.read_csv(folder / "shares.csv")["share_pct"].tolist() == [12.5, 7.25, 30.0, 41.0, 9.25]
    assert (folder / "shares.txt").read_text(
        encoding="utf-8"
    ) == "Shares & more, 2023.\nSource: USGS; own calculation\n"


def test_theme_is_the_style_file_with_the_colour_blind_safe_palette_and_no_seaborn(saved_figures):
    _, runs = saved_figures
    settings = runs[0]
    assert settings["seaborn_imported"] is False  # every kernel saves its import time
    assert settings["cycle"][:7] == [
        figures.OKABE_ITO[name]
        for name in ("blue", "orange", "bluish green", "vermillion", "reddish purple", "sky blue", "yellow")
    ]
    assert (settings["svg_fonttype"], settings["pdf_fonttype"], settings["savefig_dpi"]) == ("none", 42, 300)
    assert set(figures.COUNTRY_COLOURS) == {"United States", "Mexico", "Canada", "China", "Rest of world"}
    assert len(set(figures.COUNTRY_COLOURS.values())) == 5
    assert figures.SINGLE_COLUMN_IN[0] < figures.DOUBLE_COLUMN_IN[0]


def test_chapter_shows_the_saved_png_at_half_resolution_with_its_caption_as_text(saved_figures):
    png = (saved_figures[0] / "a" / "shares.png").read_bytes()
    shown = figures.figure_html(png, "shares", "Shares <b>&</b> more", "USGS & co", "Figure 9.1")
    page = Page(shown)
    image = Image.open(io.BytesIO(page.image_bytes()[0]))
    with Image.open(io.BytesIO(png)) as full:
        assert image.size == (math.ceil(full.width / 2), math.ceil(full.height / 2))
        assert image.convert("RGB").getpixel((0, 0)) == full.convert("RGB").getpixel((0, 0)) == (255, 255, 255)
    assert "Shares <b>&</b> more" in page.text and "<b>" not in shown and "Source: USGS & co." in page.text
    assert page.ids == ["figure-shares"]


def test_tables_show_data_text_as_text():
    shown = figures.table(pd.DataFrame({"application <i>": [HOSTILE], "share": [1234.5]})).to_html()
    page = Page(shown)
    assert HOSTILE in page.text and "Application <i>" in page.text and "1,234" in page.text
    assert page.starts("script") == [] and page.starts("img") == [] and page.starts("i") == []


def svg_geometry(svg: str) -> tuple[float, list[float]]:
    """An SVG's width (inches) and the font size of every text in it (points: matplotlib's SVG user unit is 1 pt)."""
    width_pt = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"', svg).group(1))
    return width_pt / 72, [float(size) for size in re.findall(r"font-size: ([\d.]+)px", svg)]


def test_every_published_figure_has_a_journal_width_and_text_of_at_least_6_pt(report_site):
    folder = report_site.default.figures
    published = sorted(folder.glob("*.svg"))
    assert len(published) >= 19
    for path in published:
        width, sizes = svg_geometry(path.read_text(encoding="utf-8"))
        assert any(math.isclose(width, w, abs_tol=0.01) for w in figures.WIDTHS_IN), (path.name, width)
        assert sizes and min(sizes) >= figures.MIN_FONT_PT, (path.name, min(sizes))
        assert set(re.findall(r"font-family: ([^;\"]+)", path.read_text(encoding="utf-8"))) == {figures.SVG_FONT_STACK}
        with Image.open(path.with_suffix(".png")) as png:
            assert abs(png.width - width * figures.SAVE_DPI) <= 1, path.name
    for name in figures.KEY_FIGURES:  # key figures in a single-column version, same data
        single = folder / f"{name}{figures.SINGLE_SUFFIX}.svg"
        assert math.isclose(
            svg_geometry(single.read_text(encoding="utf-8"))[0], figures.SINGLE_COLUMN_IN[0], abs_tol=0.01
        )
        assert single.with_suffix(".csv").read_bytes() == (folder / f"{name}.csv").read_bytes()
    assert set(findings.key_figures()) <= set(figures.KEY_FIGURES) | {
        p.stem for p in published if math.isclose(svg_geometry(p.read_text(encoding="utf-8"))[0], 3.5, abs_tol=0.01)
    }


def test_a_figure_not_at_a_column_width_is_refused(tmp_path):
    fig = matplotlib.figure.Figure(figsize=(6.0, 3.0))
    fig.add_subplot().plot([1, 2], [3, 4])
    with pytest.raises(ValueError, match="6.00 in wide"):
        figures.save_figure(fig, "odd", tmp_path, pd.DataFrame({"x": [1]}), "Caption.", "Source")


def test_the_svg_keeps_the_pngs_layout_and_the_figure_lays_itself_out_again_afterwards(tmp_path):
    import matplotlib.pyplot as plt

    def drawn():
        fig, ax = plt.subplots(figsize=figures.DOUBLE_COLUMN_IN, layout="constrained")
        ax.plot([1, 2, 3], [1000, 25000, 3000], label="a long label for the legend below")
        ax.set(xlabel="Strike (USD per tonne of product)", ylabel="P(project NPV < 0)")
        fig.legend(loc="outside lower center")
        return fig, ax

    def axes_left_pt(svg: str) -> float:  # the axes' background, the first path of the first axes group
        return float(re.search(r'<g id="axes_1">\s*<g id="patch_2">\s*<path d="M ([\d.]+) ', svg).group(1))

    with plt.style.context(figures.STYLE_FILE):
        fig, ax = drawn()  # the PNG alone, as save_figure draws it: where its axes sit
        fig.savefig(io.BytesIO(), format="png", dpi=figures.SAVE_DPI, bbox_inches=figures.column_bbox(fig, "x"))
        png_left_pt = ax.get_position().x0 * figures.DOUBLE_COLUMN_IN[0] * 72
        plt.close(fig)
        fig, ax = drawn()
        figures.save_figure(fig, "x", tmp_path, pd.DataFrame({"x": [1]}), "Caption.", "Source")
        assert isinstance(fig.get_layout_engine(), matplotlib.layout_engine.ConstrainedLayoutEngine)
        figures.save_figure(figures.single_column(fig), "x_single", tmp_path, pd.DataFrame({"x": [1]}), "C.", "S")
        plt.close(fig)
    assert axes_left_pt((tmp_path / "x.svg").read_text(encoding="utf-8")) == pytest.approx(png_left_pt, abs=1e-3)
    with Image.open(tmp_path / "x_single.png") as single:  # laid out again at its own width, legend and all
        assert single.width == figures.SINGLE_COLUMN_IN[0] * figures.SAVE_DPI


# ---------------------------------------------------------------- the summary and differences


def write_spec(folder: Path, rows: list[tuple]) -> Path:
    path = folder / "report_summary.csv"
    pd.DataFrame(rows, columns=summary.COLUMNS).to_csv(path, index=False)
    return path


RESULTS = {
    "chapter": {
        "total_t": 1234567.0,
        "share": 0.125,
        "year": 2023,
        "found": None,
        "items": ["A", "B"],
        "designs": {"defence": {"cost_usd": 2.0e9}, "market": {"cost_usd": 3.46e9}},
    }
}


def test_summary_statements_take_every_number_from_the_results(tmp_path):
    spec = write_spec(
        tmp_path,
        [
            ("chapter", "total_t", "Total output in {year}", ",.0f", "", "t"),
            ("chapter", "share", "Share of {total_t:,.0f} t", ".1%", "", ""),
            ("chapter", "designs.*.cost_usd", "Cost of the {*} design", ".1f", "1e9", "billion USD"),
            ("chapter", "items", "Listed", "list", "", ""),
            ("chapter", "items", "How many listed", "count", "", "of {year}"),
            ("chapter", "found", "Strike found", ",.0f", "", "USD/t"),
        ],
    )
    found = [(s.label, s.value, s.unit) for s in summary.statements(RESULTS, spec)]
    assert found == [
        ("Total output in 2023", "1,234,567", "t"),
        ("Share of 1,234,567 t", "12.5%", ""),
        ("Cost of the defence design", "2.0", "billion USD"),
        ("Cost of the market design", "3.5", "billion USD"),
        ("Listed", "A, B", ""),
        ("How many listed", "2", "of 2023"),
        ("Strike found", summary.MISSING, ""),  # recorded as not found: no unit after a dash
    ]


@pytest.mark.parametrize(
    "row, message",
    [
        (("chapter", "total", "Total", ",.0f", "", ""), "row 2, field 'key' (value 'total'): no such value"),
        (("chapter", "designs", "Designs", "", "", ""), "names a group of values"),
        (("chapter", "share", "Share in {yeer}", ".1%", "", ""), "row 2, field 'label' (value '{yeer}')"),
        (("chapter", "items", "Listed", ".1f", "", ""), "field 'format'"),
        (("other", "share", "Share", ".1%", "", ""), "field 'chapter' (value 'other')"),
        (("chapter", "share", "Share", ".1%", "million", ""), "field 'scale' (value 'million')"),
    ],
)
def test_a_bad_summary_row_names_its_file_row_and_field(tmp_path, row, message):
    spec = write_spec(tmp_path, [row])
    with pytest.raises(InputError) as error:
        summary.statements(RESULTS, spec)
    assert str(spec) in str(error.value) and message in str(error.value)


def statement(value: str, number: float | None, spec: str, unit: str = "", items=None) -> summary.Statement:
    return summary.Statement("04", "key", "label", value, unit, spec, number, items)


def test_differences_between_scenarios_are_stated_in_the_results_own_terms():
    assert difference(statement("94%", 0.94, ".0%"), statement("90%", 0.90, ".0%")) == "+4 percentage points"
    assert (
        difference(statement("618", 618.4, ",.0f", "million USD"), statement("700", 700.1, ",.0f", "million USD"))
        == "-82 million USD (-11.7%)"
    )
    assert (
        difference(statement("A, C", None, "list", items=("A", "C")), statement("A, B", None, "list", items=("A", "B")))
        == "+ C; − B"
    )
    assert (
        difference(statement("2", 2.0, "count", items=("A", "C")), statement("3", 3.0, "count", items=("A", "B", "D")))
        == "-1"
    )
    assert difference(statement("nickel", None, ""), statement("nickel", None, "")) == ""
    assert difference(statement("15 of 15", 15.0, "d"), statement("15 of 15", 15.0, "d")) == ""
    assert difference(statement("lithium", None, ""), statement("nickel", None, "")) == "changed"


# ---------------------------------------------------------------- a realistic build


@dataclass
class Scenario:
    name: str
    root: Path
    figures: Path
    executed: list[Path]
    manifest: dict
    report: Path


@dataclass
class Site:
    folder: Path
    scenarios: list[Scenario]
    comparison: Path

    @property
    def default(self) -> Scenario:
        return self.scenarios[0]

    # what test_browser.py reads
    @property
    def report(self) -> Path:
        return self.default.report

    @property
    def chapters(self) -> list[Path]:
        return self.default.executed

    @property
    def figure_count(self) -> int:
        return len(list(self.default.figures.glob("*.png")))


def manifest_for(scenario: str, values: dict) -> dict:
    """What the build writes: every parameter a reader can set, its value and whether it differs from the default."""
    parameters = []
    for notebook in CHAPTERS:
        for item in papermill.inspect_notebook(str(notebook)).values():
            if item["name"] in BUILD_PARAMETERS:
                continue
            default = ast.literal_eval(item["default"])
            value = values.get(item["name"], default)
            parameters.append(
                {
                    "notebook": notebook.stem,
                    "name": item["name"],
                    "type": item["inferred_type_name"],
                    "value": value,
                    "default": default,
                    "differs": value != default,
                    "allowed": "any",
                    "help": item["help"],
                }
            )
    return {
        "scenario": scenario,
        "parameters": parameters,
        "data_files": [
            {"path": "data/countries.csv", "sha256": official_datasets.sha256_of(paths.DATA_DIR / "countries.csv")}
        ],
        "git": {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": False},
        "packages": {"matplotlib": matplotlib.__version__, "pandas": pd.__version__},
        "built_at": "2025-07-04T14:03:00+00:00",
    }


def run(notebook: Path, folder: Path, parameters: dict) -> Path:
    executed = folder / "notebooks" / notebook.name
    executed.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(notebook),
        str(executed),
        parameters={"output_dir": str(folder), **parameters},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(notebook.parent),
    )
    return executed


_SITE: list[Site] = []  # built once: test_browser.py imports the fixture too


@pytest.fixture(scope="session")
def report_site(tmp_path_factory, chapter01, external_dir) -> Site:
    if _SITE:
        return _SITE[0]
    folder = tmp_path_factory.mktemp("site")
    with data_environment(external_dir):
        default = folder / "staging" / "default"
        shutil.copytree(chapter01, default, ignore=shutil.ignore_patterns("*.ipynb"))
        first = default / "notebooks" / CHAPTERS[0].name
        first.parent.mkdir()
        shutil.copy(chapter01 / "01.ipynb", first)
        executed = [first, *(run(notebook, default, {"scenario": "default"}) for notebook in CHAPTERS[1:])]

        lithium_values = {"project_archetype": "lithium", "simulation_paths": 2000}
        lithium = folder / "staging" / "lithium"
        shutil.copytree(default, lithium)
        lithium_executed = [
            run(notebook, lithium, {"scenario": "lithium", **lithium_values})  # only chapter 04 changes
            if notebook.stem == "04_price_support"
            else lithium / "notebooks" / path.name
            for notebook, path in zip(CHAPTERS, executed)
        ]

    scenarios = []
    for name, root, chapter_files, values in (
        ("default", default, executed, {}),
        ("lithium", lithium, lithium_executed, lithium_values),
    ):
        published = folder / "figures" / name
        shutil.copytree(root / "figures", published)
        manifest = manifest_for(name, values)
        report = write_report(
            chapter_files,
            root,
            published,
            name,
            manifest,
            folder / "build" / name / "report.html",
            f"../../figures/{name}/",
        )
        scenarios.append(Scenario(name, root, published, chapter_files, manifest, report))
    comparison = write_comparison(
        [
            {
                "scenario": s.name,
                "root": s.root,
                "figures": s.figures,
                "manifest": s.manifest,
                "report_href": f"{s.name}/report.html",
            }
            for s in scenarios
        ],
        folder / "build" / "compare.html",
    )
    _SITE.append(Site(folder, scenarios, comparison))
    return _SITE[0]


class Page(HTMLParser):
    """The parts of an HTML page the tests look at: start tags with their attributes, ids, script bodies, text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.ids: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.text = ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text += data

    def starts(self, tag: str) -> list[dict]:
        return [attributes for name, attributes in self.tags if name == tag]

    def image_bytes(self) -> list[bytes]:
        return [base64.b64decode(img["src"].split(",", 1)[1]) for img in self.starts("img")]


def section_html(html: str, anchor: str) -> str:
    """The markup of the element with this id, up to its own end tag."""
    start = html.rindex("<", 0, html.index(f'id="{anchor}"'))
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    depth = 0
    for match in re.finditer(rf"<(/?){tag}\b[^>]*>", html[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return html[start : start + match.end()]
    raise AssertionError(f"no end tag for #{anchor}")


def section(html: str, anchor: str) -> Page:
    """The element with this id, up to its own end tag."""
    return Page(section_html(html, anchor))


def test_report_opens_on_a_title_page_and_a_summary_read_from_the_results(report_site):
    scenario = report_site.default
    html = scenario.report.read_text(encoding="utf-8")
    page = Page(html)
    assert len(page.ids) == len(set(page.ids))  # every anchor unique in the page
    order = [
        html.index(f'id="{anchor}"')
        for anchor in (
            "title",
            "summary",
            "contents",
            "ch01",
            "methods",
            "figures",
            "parameters",
            "sources",
            "provenance",
        )
    ]
    assert order == sorted(order)
    assert "North American critical-minerals cooperation" in section(html, "title").text

    results = summary.read_results(scenario.root)
    found = findings.findings(results)
    executive = section_html(html, "summary")
    listed = [executive.index(str(escape(f.text))) for f in found if f.in_summary]  # in the file's order
    assert listed == sorted(listed) and findings.SUMMARY_FINDINGS[0] <= len(listed) <= findings.SUMMARY_FINDINGS[1]
    for f in found:
        if f.in_summary:
            assert str(escape(f.implication)) in executive and f'href="#{f.section}"' in executive
        if f.in_chapter:  # the chapter's key-findings box, right after its title
            start = html.index(f'<article class="chapter" aria-labelledby="ch{f.chapter.split("_", 1)[0]}">')
            chapter = html[start : html.index("</article>", start)]
            box = chapter.index('class="key-findings"')
            assert chapter.index("</h1>") < box < chapter.index(str(escape(f.text))) < chapter.index("</aside>")
    assert executive.count('class="key-figure"') == len(findings.key_figures())
    shown = section(html, "key-numbers").text  # the chapters' key numbers, an appendix
    first = results["01_minerals_tables"]
    assert f"{first['paper_rows_reproduced']} of {first['paper_rows']}" in shown
    floor = results["04_price_support"]["instruments"]["floor"]["fiscal_npv_mean"]
    assert f"{floor / 1e6:,.0f} million USD" in shown
    designs = results["03_stockpile_cost"]["designs"]
    for name, design in designs.items():  # one statement per costed design
        assert (
            f"Cost of buying the {name} stockpile design" in shown and f"{design['acquisition_usd'] / 1e9:.1f}" in shown
        )
    statements = summary.statements(results)
    assert all(s.value in shown for s in statements)


def test_contents_link_every_chapter_and_section_in_order(report_site):
    scenario = report_site.default
    html = scenario.report.read_text(encoding="utf-8")
    page = Page(html)
    contents = section(html, "contents")
    links = [a["href"] for a in contents.starts("a")]
    assert all(link.startswith("#") and link[1:] in page.ids for link in links)
    for notebook in scenario.executed:
        cells = nbformat.read(notebook, as_version=4).cells
        headings = [
            line.lstrip("#").strip()
            for cell in cells
            if cell.cell_type == "markdown"
            and plumbing.APPENDIX_TAG not in cell.metadata.get("tags", [])  # moved to the data appendix
            for line in cell.source.splitlines()
            if line.startswith(("# ", "## "))
        ]
        for heading in headings:
            assert heading in contents.text, heading
    chapter_anchors = [f"#ch{notebook.name[:2]}" for notebook in scenario.executed]
    assert [links.index(anchor) for anchor in chapter_anchors] == sorted(links.index(a) for a in chapter_anchors)
    assert [html.index(f'id="{anchor[1:]}"') for anchor in chapter_anchors] == sorted(
        html.index(f'id="{anchor[1:]}"') for anchor in chapter_anchors
    )


def test_code_is_in_the_report_but_folded_away(report_site):
    html = report_site.default.report.read_text(encoding="utf-8")
    page = Page(html)
    folded = [d for d in page.starts("details") if "cell-code" in d.get("class", "")]
    assert folded and not any("open" in d for d in folded)
    assert "from critical_minerals import" in page.text  # revealed by the switch, not missing
    assert page.starts("button")[0]["id"] == "toggle-code"


def test_report_is_one_self_contained_file(report_site):
    report = report_site.default.report
    html = report.read_text(encoding="utf-8")
    page = Page(html)
    assert page.starts("link") == [] and all("src" not in script for script in page.starts("script"))
    assert [script.strip() for script in page.scripts] == [OUR_SCRIPT]
    assert all(img["src"].startswith("data:image/png;base64,") for img in page.starts("img"))
    lowered = html.lower()
    for outside in ("mathjax", "require.js", "cdn.", "@import", "@font-face", "url(http"):
        assert outside not in lowered, outside
    size_mb = report.stat().st_size / 2**20
    print(f"\nreport size: {size_mb:.2f} MB")
    # six chapters: about 2 MB of report and 7 MB of embedded figure files (PNG 300 dpi, SVG, PDF, CSV, caption) for
    # some 40 figures, still under what mail services take (20-25 MB)
    assert size_mb < 12


def test_parameters_appendix_lists_every_parameter_and_marks_those_that_differ(report_site):
    scenario = report_site.scenarios[1]
    html = scenario.report.read_text(encoding="utf-8")
    appendix = section(html, "parameters")
    rows = appendix.starts("tr")
    assert len(rows) == len(scenario.manifest["parameters"]) + len(CHAPTERS)  # one header row per chapter
    assert sum(row.get("class") == "differs" for row in rows) == sum(
        p["differs"] for p in scenario.manifest["parameters"]
    )
    for parameter in scenario.manifest["parameters"]:
        assert parameter["name"] in appendix.text and parameter["help"] in appendix.text
    title_page = section(html, "title").text
    assert "project_archetype = lithium" in title_page and "simulation_paths = 2000" in title_page


def test_sources_appendix_comes_from_the_registry(report_site):
    html = report_site.default.report.read_text(encoding="utf-8")
    appendix = section(html, "sources")
    for name, dataset in official_datasets.load_registry().items():
        for key in ("title", "publisher", "licence", "url"):
            assert str(dataset.meta[key]) in appendix.text, (name, key)
        assert f"{len(dataset.files)} file" in appendix.text
        assert all(file.sha256 in appendix.text for file in dataset.files)
    assert all(a["href"].startswith(("https://", "http://")) for a in appendix.starts("a"))


def test_no_link_needs_a_file_beside_the_page(report_site):
    """Mailed alone, every link and image of the report still works: each is inline, in-page or on the web."""
    for page in (report_site.default.report, report_site.comparison):
        tags = Page(page.read_text(encoding="utf-8")).tags
        targets = [attrs.get(key) for _, attrs in tags for key in ("href", "src") if attrs.get(key) is not None]
        outside = [t for t in targets if not t.startswith(("#", "data:", "https://", "http://", "mailto:"))]
        if page == report_site.comparison:  # the comparison page links to each scenario's report, beside it
            outside = [t for t in outside if not t.split("#", 1)[0].endswith("/report.html")]
        assert targets and outside == [], (page.name, outside[:5])


def test_methods_gather_the_chapters_caveats_with_a_link_back(report_site):
    html = report_site.default.report.read_text(encoding="utf-8")
    page = Page(html)
    methods = section(html, "methods")
    assert "6. Caveats, computed" in methods.text  # chapter 2's tagged cells, quoted
    back = [a["href"] for a in methods.starts("a") if a["href"].startswith("#cell-ch02-")]
    assert len(back) == 2 and all(link[1:] in page.ids for link in back)


def test_gallery_shows_every_figure_with_links_to_every_format(report_site):
    scenario = report_site.default
    html = scenario.report.read_text(encoding="utf-8")
    gallery = section(html, "figures")
    names = sorted(png.stem for png in scenario.figures.glob("*.png"))
    items = [figure["id"].removeprefix("gallery-") for figure in gallery.starts("figure")]
    assert sorted(items) == names
    downloads = [a for a in gallery.starts("a") if not a["href"].startswith("#")]
    assert len(downloads) == len(names) * len(figures.FORMATS)
    for link in downloads:  # each file is in the page itself: the report works mailed alone
        media, content = link["href"].removeprefix("data:").split(";base64,")
        assert base64.b64decode(content) == (scenario.figures / link["download"]).read_bytes(), link["download"]
        assert (
            media.split(";")[0]
            == {
                "png": "image/png",
                "svg": "image/svg+xml",
                "pdf": "application/pdf",
                "csv": "text/csv",
                "txt": "text/plain",
            }[link["download"].rsplit(".", 1)[1]]
        )
    for name in names:
        caption, source, _ = (scenario.figures / f"{name}.txt").read_text(encoding="utf-8").splitlines()
        shown = re.sub(r" \[\d+\]", "", gallery.text)  # the source line without its links into the references
        assert caption in shown and source in shown
    in_text = [a["href"][1:] for a in gallery.starts("a") if a["href"].startswith("#figure-")]
    assert len(in_text) == len(names) and set(in_text) <= set(Page(html).ids)  # each thumbnail leads to its figure


def test_comparison_puts_parameters_results_and_changed_figures_side_by_side(report_site):
    html = report_site.comparison.read_text(encoding="utf-8")
    parameters = section(html, "parameters")
    differing = [row for row in parameters.starts("tr") if row.get("class") == "differs"]
    # the two chapter-04 settings; the build's own (scenario, output folder) are the columns, not rows
    assert len(differing) == 2
    assert "lithium" in parameters.text and "nickel" in parameters.text

    results = section(html, "results")
    # another project: its results are flagged, not differenced against the nickel project's
    assert "not comparable: project_archetype lithium against nickel" in results.text
    assert "the lithium project" in results.text  # the lithium scenario's own wording where labels differ

    changed = section(html, "figures")
    headings = [h["id"].removeprefix("figure-") for h in changed.starts("h3")]
    assert headings and all(name.startswith("04_") for name in headings)
    assert len(changed.starts("img")) == 2 * len(headings)
    assert "01_paper_vs_usgs" in changed.text  # listed among the unchanged ones
    links = [a["href"] for a in Page(html).starts("a") if a["href"].endswith("report.html")]
    assert all((report_site.comparison.parent / link).is_file() for link in links) and len(links) == 2


def test_text_from_data_files_shows_as_text_everywhere(report_site, tmp_path, monkeypatch):
    """A string with markup in it — from a data file, a results file, a caption, a parameter or the registry —
    appears in the report and the comparison as that text, and adds no element to the page."""
    scenario = report_site.default
    root = tmp_path / "root"
    shutil.copytree(scenario.root, root, ignore=shutil.ignore_patterns("notebooks", "tables"))
    results = json.loads((root / "results/02_complementarity.json").read_text(encoding="utf-8"))
    results["overlapping"].append(HOSTILE)
    (root / "results/02_complementarity.json").write_text(json.dumps(results), encoding="utf-8")
    caption_file = next((root / "figures").glob("*.txt"))
    caption_file.write_text(f"{HOSTILE}\nSource: {HOSTILE}\n", encoding="utf-8")

    monkeypatch.setattr(
        summary,
        "SUMMARY_FILE",
        write_spec(tmp_path, [("02_complementarity", "overlapping", f"Overlapping {HOSTILE}", "list", "", HOSTILE)]),
    )
    hostile_findings = tmp_path / "findings.csv"
    pd.DataFrame(
        [
            {
                "id": "hostile",
                "chapter": "01_minerals_tables",
                "place": "both",
                "section": "ch01",
                "figure": "",
                "rule": "count",
                "a": "checks_failed",
                "b": "",
                "tolerance": "",
                "words": f"none {HOSTILE}|one|many|unknown",
                "text": f"{{words}} {HOSTILE}",
                "implication": HOSTILE,
                "note": "x",
            }
        ]
    ).to_csv(hostile_findings, index=False)
    monkeypatch.setattr(findings, "FINDINGS_FILE", hostile_findings)
    registry_file = tmp_path / "datasets.yaml"
    registry_file.write_text(
        json.dumps(
            {
                "datasets": {
                    "hostile": {
                        "title": HOSTILE,
                        "publisher": HOSTILE,
                        "citation": HOSTILE,
                        "licence": HOSTILE,
                        "url": "javascript:alert(1)",
                        "files": {HOSTILE: {"sha256": "0" * 64, "url": "https://example.org/x"}},
                    }
                }
            }
        ),
        encoding="utf-8",
    )
    load_registry = official_datasets.load_registry
    # beside the real datasets, which the chapters' text cites
    monkeypatch.setattr(official_datasets, "load_registry", lambda: {**load_registry(), **load_registry(registry_file)})

    chapter = nbformat.read(scenario.executed[0], as_version=4)
    png = next(scenario.figures.glob("*.png")).read_bytes()
    chapter.cells.append(
        nbformat.v4.new_code_cell(
            "shown()",
            outputs=[
                nbformat.v4.new_output("display_data", {"text/markdown": f"The application is {HOSTILE}."}),
                nbformat.v4.new_output(
                    "display_data", {"text/html": figures.table(pd.DataFrame({"application": [HOSTILE]})).to_html()}
                ),
                nbformat.v4.new_output(
                    "display_data", {"text/html": figures.figure_html(png, "hostile", HOSTILE, HOSTILE, "Figure 1.9")}
                ),
            ],
        )
    )
    executed = tmp_path / CHAPTERS[0].name
    nbformat.write(chapter, executed)

    manifest = copy.deepcopy(scenario.manifest)
    manifest["parameters"][2].update(value=HOSTILE, help=HOSTILE, differs=True)
    report = write_report([executed], root, root / "figures", "default", manifest, tmp_path / "report.html", "../")
    comparison = write_comparison(
        [
            {
                "scenario": "default",
                "root": scenario.root,
                "figures": scenario.figures,
                "manifest": scenario.manifest,
                "report_href": "a.html",
            },
            {
                "scenario": HOSTILE,
                "root": root,
                "figures": root / "figures",
                "manifest": manifest,
                "report_href": "b.html",
            },
        ],
        tmp_path / "compare.html",
    )

    for path, expected in ((report, 9), (comparison, 4)):
        html = path.read_text(encoding="utf-8")
        page = Page(html)
        assert [script.strip() for script in page.scripts] == [OUR_SCRIPT]
        assert all(img["src"].startswith("data:image/png;base64,") for img in page.starts("img"))
        assert not any(name.startswith("on") for _, attributes in page.tags for name in attributes)
        assert not any(a.get("href", "").startswith("javascript:") for a in page.starts("a"))
        assert page.text.count(HOSTILE) >= expected, path.name
    report_text = Page(report.read_text(encoding="utf-8")).text
    for where in ("summary", "parameters", "sources", "figures"):
        assert HOSTILE in section(report.read_text(encoding="utf-8"), where).text, where
    assert f"The application is {HOSTILE}." in report_text


def test_a_chapter_and_what_belongs_to_it_share_one_anchor_rule():
    """Regression: the comparison linked chapter 3 (02b_import_dependence) to chapter 2's anchor, `ch02`."""
    from critical_minerals.report.model import chapter_anchor

    assert chapter_anchor("02b_import_dependence") == chapter_anchor("02b_stages") == "ch02b"
    assert chapter_anchor("04_price_support") == chapter_anchor("04_bankability_single") == "ch04"
    assert chapter_anchor("references") is None
