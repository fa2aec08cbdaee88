"""The comparison's figures share their value axes: each scenario's version is drawn again from its plotted data
with the union of all scenarios' values as limits, so a halved cost reads as half."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from critical_minerals.report import compare, compare_figures


def write(folder, name: str, frame: pd.DataFrame):
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / f"{name}.csv", index=False)
    return folder / f"{name}.csv"


def acquisition(scale: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "design": ["defence"] * 3 + ["market"] * 2,
            "mineral": ["Cobalt", "Gallium", "Tungsten", "Cobalt", "Nickel"],
            "cost_usd_bn": [4.0 * scale, 1.0 * scale, 2.0 * scale, 3.0 * scale, 0.5 * scale],
        }
    )


def bar_lengths_in_pixels(ax) -> list[float]:
    """Each bar's drawn length on screen: its data extent through the axes' transform."""
    lengths = []
    for patch in ax.patches:
        (x0, _), (x1, _) = ax.transData.transform([(patch.get_x(), 0), (patch.get_x() + patch.get_width(), 0)])
        lengths.append(abs(x1 - x0))
    return lengths


def test_a_halved_cost_reads_as_half_on_shared_axes(tmp_path):
    spec = compare_figures.SHARED["03_acquisition_by_mineral"]
    full, half = acquisition(1.0), acquisition(0.5)
    x, y = compare_figures.shared_limits([full, half], spec)
    assert x[0] == 0 and x[1] >= 4.0 and y is None  # bars from 0 to past the largest value of either scenario
    names = ["defence", "market"]
    with pytest.MonkeyPatch.context():
        figure_full, axes_full = compare_figures.draw(full, spec, x, y, names, [])
        figure_half, axes_half = compare_figures.draw(half, spec, x, y, names, [])
    for ax_full, ax_half in zip(axes_full, axes_half):
        assert ax_full.get_xlim() == ax_half.get_xlim() == x
        # the same figure size and limits: each bar of the halved scenario is drawn half as long
        for long, short in zip(bar_lengths_in_pixels(ax_full), bar_lengths_in_pixels(ax_half)):
            assert short == pytest.approx(long / 2, rel=1e-6)
    # against the CSV: the longest bar ends at the largest cost
    widths = [patch.get_width() for patch in axes_full[0].patches]
    assert max(widths) == full.loc[full["design"] == "defence", "cost_usd_bn"].max()


def test_redraw_gives_equal_limits_to_both_scenarios_and_the_page_says_them(tmp_path):
    csvs = [
        write(tmp_path / "a", "03_acquisition_by_mineral", acquisition(1.0)),
        write(tmp_path / "b", "03_acquisition_by_mineral", acquisition(0.5)),
    ]
    drawn = compare_figures.redraw("03_acquisition_by_mineral", csvs)
    assert drawn and drawn[0].x == drawn[1].x and drawn[0].png.startswith("data:image/png;base64,")
    text = compare_figures.limits_text(drawn[0], compare_figures.SHARED["03_acquisition_by_mineral"])
    assert re.fullmatch(r"horizontal 0 to 4\.20", text), text


def test_lines_share_both_axes():
    spec = compare_figures.SHARED["04_payment_timeline"]
    a = pd.DataFrame(
        {
            "year": [2030, 2031, 2032],
            "instrument": "floor",
            "expected_payment": [10.0, 20.0, 40.0],
            "se": 0.0,
            "p_paying": 0.5,
        }
    )
    b = a.assign(year=a["year"] + 2, expected_payment=a["expected_payment"] / 2)
    x, y = compare_figures.shared_limits([a, b], spec)
    assert x[0] < 2030 and x[1] > 2034 and y[0] < 5 and y[1] > 40
    _, axes_a = compare_figures.draw(a, spec, x, y, [], ["floor"])
    _, axes_b = compare_figures.draw(b, spec, x, y, [], ["floor"])
    assert axes_a[0].get_xlim() == axes_b[0].get_xlim() and axes_a[0].get_ylim() == axes_b[0].get_ylim()


def test_a_figure_that_cannot_be_redrawn_says_its_axes_are_its_own(tmp_path):
    matrix = pd.DataFrame({"pair": ["a–b"], "similarity": [0.4], "percentile": [0.5], "kind": ["marked pair"]})
    csvs = [write(tmp_path / "a", "02_similarity", matrix), write(tmp_path / "b", "02_similarity", matrix)]
    assert compare_figures.redraw("02_similarity", csvs) is None
    stale = pd.DataFrame({"design": ["defence"], "mineral": ["Cobalt"]})  # an older build's CSV lacks a column
    csvs = [
        write(tmp_path / "c", "03_acquisition_by_mineral", stale),
        write(tmp_path / "d", "03_acquisition_by_mineral", acquisition(1.0)),
    ]
    assert compare_figures.redraw("03_acquisition_by_mineral", csvs) is None


def test_every_declared_redrawing_names_columns_its_figure_writes(project):
    """Guard against a chapter renaming a figure or a plotted column: the declared ones are those a build writes."""
    published = project.root / "figures" / "default"
    written = {path.stem: set(pd.read_csv(path).columns) for path in published.glob("*.csv")}
    for name, spec in compare_figures.SHARED.items():
        assert name in written, (name, sorted(written))
        assert compare_figures.columns_needed(spec) <= written[name], (name, spec)


def test_an_unusual_value_links_to_the_paragraph_that_explains_it():
    from critical_minerals.report import summary

    statement = summary.Statement(
        chapter="04_price_support",
        key="zero_cost_revenue_share",
        label="α*",
        value="4.77",
        unit="",
        number=4.77,
        format=".2f",
        items=None,
    )
    rows = compare.result_rows([[statement], [statement]], hrefs=["a/report.html", "b/report.html"])
    cell = rows[0].cells[1]
    assert cell.flag == "above 1: see why"
    assert cell.href == "b/report.html#ch04-p-zero-cost-revenue-share"


def test_titles_come_from_the_report_and_figures_follow_its_numbering(tmp_path, monkeypatch):
    report = tmp_path / "report.html"
    report.write_text(
        '<h1 id="ch04">Chapter 5 — Contracts for difference</h1>'
        '<figure class="report-figure" id="figure-04_b"><img src="x"><figcaption><strong>Figure 5.1.</strong> '
        'Bankability of the project: P(NPV &lt; 0). <span class="figure-source">Source: own.</span></figcaption>'
        '</figure><figure class="report-figure" id="figure-04_a"><img src="x"><figcaption><strong>Figure 5.2.'
        '</strong> Cost per instrument; a box. <span class="figure-source">Source: own.</span></figcaption></figure>',
        encoding="utf-8",
    )
    chapters, figures = compare.report_titles(report)
    assert chapters == {"ch04": "Chapter 5 — Contracts for difference"}
    assert figures == {
        "04_b": "Figure 5.1. Bankability of the project: P(NPV < 0).",
        "04_a": "Figure 5.2. Cost per instrument; a box.",
    }
    assert compare.short_title(figures["04_a"]) == "Figure 5.2. Cost per instrument"
    for stem in ("04_a", "04_b"):  # drawn like the acquisition costs
        monkeypatch.setitem(compare_figures.SHARED, stem, compare_figures.SHARED["03_acquisition_by_mineral"])
    scenarios = []
    for name, scale in (("a", 1.0), ("b", 0.5)):
        folder = tmp_path / name
        for stem in ("04_a", "04_b"):
            write(folder, stem, acquisition(scale))
            (folder / f"{stem}.png").write_bytes(name.encode() + stem.encode())
            (folder / f"{stem}.txt").write_text(f"{stem} caption\nSource: own\n", encoding="utf-8")
        scenarios.append({"scenario": name, "figures": folder})
    changed, _ = compare.figure_rows(scenarios, ["", "b: x 1 → 2"], figures)
    assert [row.name for row in changed] == ["04_b", "04_a"]  # the report's order, not the files'
    assert changed[0].title == "Figure 5.1. Bankability of the project: P(NPV < 0)."
    assert changed[0].panels[1][1] == "04_b caption [b: x 1 → 2]" and changed[0].shared
