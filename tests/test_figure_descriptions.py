"""Every figure's text alternative: its caption plus one computed line of what its data show.

The line is written by a function beside the figure's drawing code, from the data the figure plots (the data its
CSV file holds), with the report's one number formatter; figures.save writes it into the caption file, the
chapter's image alt text and, through the HTML, the PDF's figure alt text.
"""

from __future__ import annotations

import html
import re

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from test_report import Page, report_site  # noqa: E402,F401  (the built report, shared with test_report.py)

from critical_minerals import figures  # noqa: E402
from critical_minerals.core.display import number  # noqa: E402
from critical_minerals.figures import cfd, complementarity, data_checks, dependence, instruments, stockpile  # noqa: E402
from critical_minerals.report import gallery, typeset  # noqa: E402

# each published figure -> the function that describes it (the notebooks choose the names)
DESCRIBERS = {
    "01_paper_vs_usgs": data_checks.paper_vs_usgs_description,
    "01_price_coverage": data_checks.price_coverage_description,
    "02_partner_shares": complementarity.partner_shares_description,
    "02_similarity": complementarity.similarity_description,
    "02_china_vs_club": complementarity.china_vs_club_description,
    "02_pooling": complementarity.pooling_description,
    "02_headroom": complementarity.headroom_description,
    "02_trend": complementarity.trend_description,
    "02b_reliance_by_leader": dependence.reliance_by_leader_description,
    "02b_stages": dependence.stages_description,
    "02b_shock_cover": dependence.shock_cover_description,
    "03_acquisition_by_mineral": stockpile.acquisition_by_mineral_description,
    "03_calibration": stockpile.calibration_chart_description,
    "03_monte_carlo": stockpile.monte_carlo_histogram_description,
    "03_tornado": stockpile.tornado_chart_description,
    "03_burden_sharing": stockpile.burden_chart_description,
    "04_price_fan": cfd.fan_chart_description,
    "04_fiscal_cost": cfd.fiscal_cost_distribution_description,
    "04_payment_timeline": cfd.payment_timeline_description,
    "04_bankability": cfd.bankability_curve_description,
    "04_subsidies": cfd.subsidy_comparison_description,
    "04_tariff": cfd.tariff_effect_description,
    "05_ndpr_floor": instruments.floor_outlays_description,
    "05_stockpile_benchmarks": instruments.benchmark_months_description,
}


def parts_of(value, kind: str) -> list[dict]:
    """Every part of the PDF's document model (typeset.document_model) of one kind ("figure", "ref", ...)."""
    if isinstance(value, list):
        return [part for child in value for part in parts_of(child, kind)]
    if isinstance(value, dict):
        return [value] * (value.get("t") == kind) + [part for child in value.values() for part in parts_of(child, kind)]
    return []


def test_china_vs_club_is_described_by_its_extremes_on_a_hand_computed_case():
    data = pd.DataFrame(
        {
            "label": ["Gallium", "Copper", "Niobium", "Tin"],
            "china_pct": [98.04, 8.0, 0.0, 0.0],
            "club_pct": [0.0, 19.96, 6.1, 0.0],
            "hhi": [9613.0, 1200.0, 8636.0, 2500.0],
            "highly_concentrated": [True, False, True, True],
            "gap": [True, False, False, False],
        }
    )
    assert complementarity.china_vs_club_description(data) == (
        "Points: China's share is highest for gallium (98.0 %) and lowest for niobium and 1 other (0 %); 1 of the 4 "
        "products are gap minerals and 3 are highly concentrated."
    )


def test_tariff_effect_is_described_by_its_ends_on_a_hand_computed_case():
    data = pd.DataFrame(
        {
            "basis": ["world"] * 3 + ["us_delivered"] * 3,
            "pass_through": [0, 0.5, 1] * 2,
            "fiscal_npv_mean": [120.4e6, 120.4e6, 120.4e6, 120.4e6, 100.2e6, 80.04e6],
            "fiscal_npv_mean_se": [1e6] * 6,
        }
    )
    assert cfd.tariff_effect_description(data) == (
        "Lines: as the pass-through rises from 0 % to 100 %, the expected fiscal cost changes per reference price: "
        "with the world benchmark it stays at 120 million USD; with the U.S.-delivered price it moves from "
        "120 million USD to 80.0 million USD."
    )


def test_pooling_and_the_floor_are_described_on_hand_computed_cases():
    pooled = pd.DataFrame(
        {"label": ["Silver", "Zinc"], "hhi": [1120.0, 1900.0], "hhi_pooled": [1387.0, 1950.0], "club_pct": [20.0, 12.0]}
    )
    # silver: +267, zinc: +50; above 1,800: zinc only, apart and pooled
    assert complementarity.pooling_description(pooled) == (
        "Dots: pooling the partners raises the HHI most for silver, from 1,120 to 1,387; 1 of the 2 products are "
        "above 1,800 with the partners apart, 1 with them pooled."
    )
    floor = pd.DataFrame(
        {
            "year": [2025, 2026, None, None],
            "expected outlay (USD m)": [10.0, 12.5, None, None],
            "volatility": [None, None, 0.2, 0.4],
            "expected cost (USD m)": [None, None, 50.0, 75.25],
            "panel": ["outlay by year"] * 2 + ["cost by volatility"] * 2,
        }
    )
    assert instruments.floor_outlays_description(floor) == (
        "Bars and line: the expected outlay is largest in the contract year from 2026 (12.5 million USD); the "
        "present value of the outlays moves from 50 to 75.2 million USD as the volatility rises from 0.200 to "
        "0.400 a year."
    )


def test_publish_writes_the_description_into_the_caption_file_and_the_alt_text(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(figures, "display", shown.append)
    data = pd.DataFrame(
        {
            "label": ["Gallium", "Copper"],
            "china_pct": [98.0, 8.0],
            "club_pct": [0.0, 20.0],
            "hhi": [9613.0, 1200.0],
            "highly_concentrated": [True, False],
            "gap": [True, False],
        }
    )
    fig, _ = complementarity.china_vs_club(data)
    figures.save(fig, "02_example", tmp_path, data, "China against the club.", "USGS", "Figure 9.9")
    line = complementarity.china_vs_club_description(data)
    assert (tmp_path / "02_example.txt").read_text(encoding="utf-8").splitlines() == [
        "China against the club.",
        "Source: USGS",
        f"Description: {line}",
    ]
    assert gallery.read_caption(tmp_path / "02_example.txt") == ("China against the club.", "USGS", line)
    alts = [attrs["alt"] for tag, attrs in Page(shown[0].data).tags if tag == "img"]
    assert alts == [f"China against the club. {line}"]


def test_a_figure_without_a_description_is_not_published(tmp_path, monkeypatch):
    monkeypatch.setattr(figures, "display", lambda *_: None)
    fig, ax = plt.subplots(figsize=figures.SINGLE_COLUMN_IN)
    with pytest.raises(ValueError, match="no description of what its data show"):
        figures.save(fig, "odd", tmp_path, pd.DataFrame({"x": [1]}), "Caption.", "Source", "Figure 1")
    plt.close(fig)
    assert not (tmp_path / "odd.png").exists()


def test_every_descriptions_numbers_are_the_figures_csv(report_site):  # noqa: F811
    """Each published description is what its function computes from the figure's CSV file: the numbers in the
    words are the plotted data's, formatted by the report's formatter."""
    folder = report_site.default.figures
    published = {path.stem.removesuffix(figures.SINGLE_SUFFIX) for path in folder.glob("*.png")}
    assert published and published <= set(DESCRIBERS), published - set(DESCRIBERS)
    for path in sorted(folder.glob("*.txt")):
        name = path.stem.removesuffix(figures.SINGLE_SUFFIX)
        _, _, description = gallery.read_caption(path)
        assert description == DESCRIBERS[name](pd.read_csv(path.with_suffix(".csv"))), name
    # one read by hand: the highest Chinese share is the CSV's largest value, as the formatter writes it
    data = pd.read_csv(folder / "02_china_vs_club.csv")
    top = data.loc[data["china_pct"].idxmax()]
    words = gallery.read_caption(folder / "02_china_vs_club.txt")[2]
    assert f"highest for {top['label'].lower()} ({number(top['china_pct'])} %)" in words
    assert re.search(rf"{int(data['gap'].sum())} of the {len(data)} products are gap minerals", words)


def test_every_figure_in_the_report_has_its_caption_and_description_as_alt_text(report_site):  # noqa: F811
    scenario = report_site.default
    report = scenario.report.read_text(encoding="utf-8")
    by_name = {figure.name: figure for figure in gallery.figures_in(scenario.figures)}
    assert by_name
    page = Page(report)
    alts = [attrs.get("alt", "") for tag, attrs in page.tags if tag == "img"]
    for name, figure in by_name.items():
        assert figure.description and len(figure.alt) > len(figure.caption) + 20, name
        assert figure.alt == f"{figure.caption} {figure.description}"
        assert alts.count(figure.alt) >= 1, name  # the gallery's thumbnail (and the summary's key figures)
    for match in re.finditer(r'<figure class="report-figure" id="figure-([^"]+)">\s*<img [^>]*alt="([^"]*)"', report):
        name, alt = match.group(1), html.unescape(match.group(2))
        assert alt == by_name[name].alt, name  # the chapter's figure
    # the PDF sets the same text as each figure's alt text
    placed = parts_of(typeset.document_model(report, scenario.figures)["sections"], "figure")
    assert placed and all(block["alt"] == by_name[block["name"]].alt for block in placed)
