"""Complementarity and concentration: hand-computed indices, classification edge cases, real USGS checks, the
chapter."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import papermill
import pytest

from critical_minerals.core import paths
from critical_minerals.core.errors import InputError
from critical_minerals.figures import complementarity as plots
from critical_minerals.models.complementarity import model as cm
from critical_minerals.models.complementarity import tables as cm_tables
from critical_minerals.models.complementarity import text as cm_text
from critical_minerals.sources import paper

# ---------------------------------------------------------------- indices on hand-computed cases


def test_hhi_sums_squared_percent_shares_and_ignores_unknown_ones():
    assert cm.hhi([50, 30, 20]) == 2500 + 900 + 400
    assert cm.hhi([100]) == 10_000
    assert cm.hhi([60, np.nan, 40]) == 3600 + 1600


def test_pooled_hhi_replaces_the_members_squares_by_the_square_of_their_sum():
    shares = pd.Series({"United States": 10.0, "Mexico": 20.0, "Canada": 5.0, "China": 65.0})
    # 100 + 400 + 25 + 4225 = 4750; pooled: 4750 - 525 + 35**2 = 5450
    assert cm.hhi(shares) == 4750
    assert cm.pooled_hhi(shares, cm.PARTNERS) == 5450
    # a member that does not produce adds nothing
    assert cm.pooled_hhi(shares.drop("Canada"), cm.PARTNERS) == 100 + 400 + 4225 - 500 + 900


def test_finger_kreinin_similarity():
    assert cm.finger_kreinin([1, 1, 0], [0, 1, 1]) == pytest.approx(0.5)  # min(.5,0)+min(.5,.5)+min(0,.5)
    assert cm.finger_kreinin([2, 6], [1, 3]) == pytest.approx(1.0)  # same structure, different scale
    assert cm.finger_kreinin([1, 0], [0, 4]) == 0.0
    assert np.isnan(cm.finger_kreinin([0, 0], [1, 1]))
    with pytest.raises(ValueError):
        cm.finger_kreinin([-1, 2], [1, 1])


def test_similarity_matrix_agrees_with_the_pairwise_index():
    profiles = pd.DataFrame({"A": [10.0, 0.0, 30.0], "B": [5.0, 5.0, 0.0], "C": [0.0, 0.0, 0.0]}, index=["x", "y", "z"])
    matrix = cm.similarity_matrix(profiles)
    assert matrix.loc["A", "B"] == pytest.approx(cm.finger_kreinin(profiles["A"], profiles["B"]))  # 0.25
    assert matrix.loc["A", "B"] == pytest.approx(0.25)
    assert matrix.loc["A", "A"] == pytest.approx(1.0)
    assert matrix["C"].isna().all()


# ---------------------------------------------------------------- classification on a synthetic world table


def _rows(
    product: str,
    year: int,
    world_value,
    countries: dict,
    other=None,
    other_note="",
    world_note="",
    withheld=(),
    measure="production",
    missing=None,
) -> list[dict]:
    """`missing`: country -> usgs_world missing-value class of a blank cell (as 'Included in World total')."""
    base = {
        "edition": 2025,
        "commodity": product,
        "series": product,
        "stage": "mine",
        "measure": measure,
        "measure_detail": "",
        "year": year,
        "unit": "t",
        "estimated": False,
        "missing": "",
    }
    rows = [
        base
        | {
            "country": "World total",
            "country_kind": "world_total",
            "country_detail": "rounded",
            "value": world_value,
            "withheld": False,
            "notes": world_note,
        }
    ]
    for country, value in countries.items():
        rows.append(
            base
            | {
                "country": country,
                "country_kind": "country",
                "country_detail": "",
                "value": value,
                "withheld": False,
                "notes": "",
            }
        )
    for country in withheld:
        rows.append(
            base
            | {
                "country": country,
                "country_kind": "country",
                "country_detail": "",
                "value": np.nan,
                "withheld": True,
                "missing": "withheld",
                "notes": "W",
            }
        )
    for country, kind in (missing or {}).items():
        rows.append(
            base
            | {
                "country": country,
                "country_kind": "country",
                "country_detail": "",
                "value": np.nan,
                "withheld": False,
                "missing": kind,
                "notes": kind,
            }
        )
    if other is not None:
        rows.append(
            base
            | {
                "country": "Other countries",
                "country_kind": "other_countries",
                "country_detail": "",
                "value": other,
                "withheld": False,
                "notes": other_note,
            }
        )
    return rows


@pytest.fixture
def synthetic():
    rows = (
        _rows("single", 2023, 100, {"United States": 30, "Mexico": 1, "China": 69})
        + _rows("overlap", 2023, 100, {"United States": 5, "Mexico": 3, "China": 92})
        + _rows(
            "withheld_unbounded",
            2023,
            100,
            {"Canada": 3, "China": 97},
            withheld=["United States"],
            world_note="Excludes U.S. production.",
        )
        + _rows("withheld_small", 2023, 100, {"Canada": 3, "China": 96}, withheld=["United States"])
        + _rows(
            "folded_large",
            2023,
            100,
            {"China": 90},
            other=10,
            other_note="Other countries with reported reserves include Mexico and Peru.",
        )
        + _rows(
            "folded_small",
            2023,
            100,
            {"China": 99},
            other=1,
            other_note="Other countries with reported reserves include Mexico.",
        )
        + _rows("no_total", 2023, np.nan, {"United States": 5})
        + _rows("slipped_total", 2023, 10, {"United States": 50, "China": 40}, other=10)  # a digit lost
        # MCS 2025 graphite reserves: the U.S. cell blank, "Included in World total"
        + _rows("in_world_large", 2023, 100, {"Canada": 3, "China": 93}, missing={"United States": "in_world_total"})
        + _rows("in_world_small", 2023, 100, {"Canada": 3, "China": 96}, missing={"United States": "in_world_total"})
        + _rows("folded_by_note", 2023, 100, {"China": 95}, other=5, missing={"Mexico": "in_other_countries"})
        + _rows("not_available", 2023, 100, {"Canada": 3, "China": 90}, missing={"Mexico": "not_available"})
    )
    world = pd.DataFrame(rows)
    products = pd.DataFrame({"label": world["commodity"].unique()}).assign(
        commodity=lambda d: d["label"], series=lambda d: d["label"], stage="mine"
    )
    supply = cm.supply(world, products, 2025, 2023, "production")
    return products, supply


def test_classification_edge_cases(synthetic):
    products, supply = synthetic
    classified = cm.classify(cm.partner_status(supply), 2.0, 5.0).set_index("label")
    assert classified.loc["single", "class"] == cm.SINGLE
    assert classified.loc["single", "leading_partner"] == "United States"
    assert classified.loc["single", "lead_pp"] == 29  # 30 - 1 (Mexico)
    assert classified.loc["overlap", "class"] == cm.OVERLAPPING
    assert classified.loc["overlap", "partners_present"] == "United States, Mexico"
    assert not classified.loc["overlap", "clear_lead"]  # 5 - 3 < 5 pp
    # withheld U.S. value, world total without the U.S.: cannot be bounded, so the class is open
    assert classified.loc["withheld_unbounded", "class"] == cm.UNDETERMINED
    assert np.isnan(classified.loc["withheld_unbounded", "United States"])
    # withheld, but the world total leaves only 1 % unassigned: below the threshold whatever it is
    assert classified.loc["withheld_small", "class"] == cm.SINGLE
    # a partner named only among 'Other countries'
    assert classified.loc["folded_large", "class"] == cm.UNDETERMINED
    assert "Mexico: in 'Other countries'" in classified.loc["folded_large", "unknown"]
    assert classified.loc["folded_small", "class"] == cm.ABSENT
    # a value only in the world total is unknown, like a withheld one: 100 - 3 - 93 = 4 % could be the U.S.
    assert classified.loc["in_world_large", "class"] == cm.UNDETERMINED
    assert "United States: in the world total only" in classified.loc["in_world_large", "unknown"]
    assert classified.loc["in_world_small", "class"] == cm.SINGLE  # at most 1 %: below the threshold
    assert classified.loc["folded_by_note", "class"] == cm.UNDETERMINED  # Mexico at most 5 %
    assert classified.loc["not_available", "class"] == cm.SINGLE  # 'NA' counts as not listed, as before
    # no world total: left out, and reported
    assert "no_total" not in classified.index
    assert cm.missing_world_totals(products, supply)["label"].tolist() == ["no_total"]


def test_partner_status_bounds_every_unknown_share(synthetic):
    _, supply = synthetic
    status = cm.partner_status(supply).set_index(["label", "partner"])
    assert len(status) == 3 * len(supply.products)
    columns = ["status", "share_pct", "upper_pct"]
    assert status.loc[("single", "United States"), columns].tolist() == [cm.REPORTED, 30.0, 30.0]
    assert status.loc[("single", "Canada"), columns].tolist() == [cm.NOT_LISTED, 0.0, 0.0]
    # withheld: at most what the world total leaves unassigned, 100 - 3 (Canada) - 96 (China)
    assert status.loc[("withheld_small", "United States"), ["status", "upper_pct"]].tolist() == [cm.WITHHELD, 1.0]
    # withheld from a world total that leaves out the United States: no bound
    assert np.isnan(status.loc[("withheld_unbounded", "United States"), "upper_pct"])
    # named among 'Other countries': at most that aggregate's share
    assert status.loc[("folded_large", "Mexico"), ["status", "upper_pct"]].tolist() == [cm.IN_OTHER, 10.0]
    assert np.isnan(status.loc[("folded_large", "Mexico"), "share_pct"])


def test_aggregates_are_not_countries_and_the_caveats_name_each_gap(synthetic):
    products, supply = synthetic
    assert not supply.shares["country"].isin(["World total", "Other countries"]).any()
    status = cm.partner_status(supply)
    concentration = cm.concentration(supply, status).set_index("label")
    assert concentration.loc["single", "hhi"] == 30**2 + 1 + 69**2
    assert concentration.loc["single", "hhi_pooled"] == 31**2 + 69**2
    assert concentration.loc["folded_large", "unassigned_pct"] == 10
    assert concentration.loc["folded_large", "hhi_upper"] == 90**2 + 10**2
    caveats = cm_tables.caveats(supply, supply, status, status, cm.missing_world_totals(products, supply))
    issues = set(zip(caveats["product"], caveats["issue"]))
    assert ("withheld_unbounded", cm.WITHHELD) in issues
    assert ("withheld_unbounded", "world total excludes the United States") in issues
    assert ("folded_large", cm.IN_OTHER) in issues
    assert ("no_total", "no world total in the selected edition and year") in issues
    assert any(product == "slipped_total" and "below the sum of its countries" in issue for product, issue in issues)


def test_a_world_total_below_the_sum_of_its_parts_is_replaced_by_the_sum(synthetic):
    _, supply = synthetic
    shares = supply.shares[supply.shares["label"] == "slipped_total"].set_index("country")["share_pct"]
    assert shares.to_dict() == {"United States": 50.0, "China": 40.0}  # of 50 + 40 + 10 'Other countries'
    assert supply.products.loc["slipped_total", "world_published"] == 10


# ---------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"production_year": 1999}, "no USGS edition reports this production year"),
        ({"usgs_edition": 2022}, "unknown USGS edition"),
        ({"production_year": 2021, "usgs_edition": 2025}, "MCS 2025 has no production for this year"),
    ],
)
def test_bad_parameters_are_rejected_with_the_allowed_values(world, kwargs, message):
    with pytest.raises(InputError, match=message) as error:
        cm.select(world, **kwargs)
    assert "Fix:" in str(error.value)


def test_year_and_edition_defaults(world):
    latest = cm.select(world)
    assert (latest.year, latest.edition, latest.estimated, latest.reserves_year) == (2023, 2025, False, 2024)
    assert (cm.select(world, production_year=2022).edition) == 2024  # the paper's year, final in MCS 2024
    estimated = cm.select(world, production_year=2024)
    assert (estimated.edition, estimated.estimated) == (2025, True)


# ---------------------------------------------------------------- real USGS data


def _paper15(world, year=2022, stage="mine"):
    selection = cm.select(world, production_year=year, stage=stage)
    minerals = paper.read_paper_table()["mineral"].tolist()
    return selection, cm.catalogue(world, selection, paper.usgs_map(), minerals)


def test_club_shares_reproduce_paper_a_table_for_its_year(world):
    """Independent cross-check: the paper's totals (MCS 2024, production year 2022) from our shares."""
    selection, products = _paper15(world)
    supply = cm.supply(world, products, selection.edition, selection.year, "production")
    classified = cm.classify(cm.partner_status(supply), 2.0, 5.0).set_index("label")
    published = paper.read_paper_table().set_index("mineral").rename(columns=paper.SHARE_COLUMNS)
    ours = classified[list(cm.PARTNERS)].stack()
    theirs = published[list(cm.PARTNERS)].stack().dropna()  # only the shares the paper gives
    compared = (ours.reindex(theirs.index) - theirs).abs()
    assert compared.notna().sum() == len(theirs) == 25
    assert compared.max() < 0.1, compared.sort_values().tail(3)


def test_refinery_stage_swaps_copper_for_refined_copper(world):
    _, products = _paper15(world, stage="refinery")
    copper = products[products["commodity"] == "copper"].iloc[0]
    assert (copper["label"], copper["stage"]) == ("Copper (refinery)", "refinery")
    assert len(products) == 15


def test_paper_b_examples_on_real_data(world):
    selection = cm.select(world)
    claims = cm.claims_check(world, selection, 2.0, 5.0).set_index(["label", "measure"])
    # US lithium production is withheld in every edition; Mexico's lithium reserves are in 'Other countries'
    assert claims.loc[("Lithium", "production"), "class"] == cm.UNDETERMINED
    assert "Mexico: in 'Other countries'" in claims.loc[("Lithium", "reserves"), "unknown"]
    assert claims.loc[("Copper", "production"), "class"] == cm.OVERLAPPING
    # U.S. graphite reserves: "Included in World total" in MCS 2025, and the world total leaves more than the 2 %
    # threshold unassigned, so the data cannot tell whether the United States holds a share
    graphite = claims.loc[("Graphite (natural)", "reserves")]
    assert graphite["class"] == cm.UNDETERMINED and graphite["data_agree"] == "cannot tell"
    assert "United States: in the world total only" in graphite["unknown"]


def test_gap_minerals_in_the_full_scope(world):
    selection = cm.select(world, scope="all")
    products = cm.catalogue(world, selection, paper.usgs_map(), [])
    assert not products["label"].duplicated().any()
    assert "Iron ore (usable ore)" not in set(products["label"])  # an excluded alternative series
    supply = cm.supply(world, products, selection.edition, selection.year, "production")
    concentration = cm.concentration(supply, cm.partner_status(supply)).set_index("label")
    gaps = set(concentration.index[concentration["gap"]])
    assert {"Gallium", "Graphite (natural)", "Tungsten", "Antimony"} <= gaps
    # U.S. output (Mountain Pass) keeps rare earths out of the gap: club share at least 10 %
    assert concentration.loc["Rare earths", "club_pct"] >= 10 and "Rare earths" not in gaps


def test_concentration_agrees_with_the_index_definitions(world):
    """The table's indices equal hhi() and pooled_hhi() on each product's shares, to the last bit: the figures'
    data files must not depend on how the table is computed."""
    selection = cm.select(world, scope="all")
    supply = cm.supply(
        world, cm.catalogue(world, selection, paper.usgs_map(), []), selection.edition, selection.year, "production"
    )
    table = cm.concentration(supply, cm.partner_status(supply)).set_index("label")
    assert len(table) > 60
    for label, part in supply.shares.groupby("label"):
        shares = part.set_index("country")["share_pct"].dropna()
        assert table.loc[label, "hhi"] == cm.hhi(shares)
        assert table.loc[label, "hhi_pooled"] == cm.pooled_hhi(shares, cm.PARTNERS)
        assert table.loc[label, "unassigned_pct"] == max(0.0, 100 - shares.sum())


def test_trend_reads_each_year_as_the_single_year_computation_does(world):
    minerals = paper.read_paper_table()["mineral"].tolist()
    history = cm.trend(world, cm.select(world), paper.usgs_map(), minerals)
    assert history.loc[history["estimated"], "year"].unique().tolist() == [history["year"].max()]
    selection = cm.select(world, production_year=2022)
    supply = cm.supply(
        world, cm.catalogue(world, selection, paper.usgs_map(), minerals), selection.edition, 2022, "production"
    )
    classified = cm.classify(cm.partner_status(supply), 2.0, 5.0).set_index("label")
    year = history[history["year"] == 2022].set_index("label")
    assert (year["edition"] == selection.edition).all() and len(year) == len(classified)
    assert year["club_pct"].to_dict() == classified[cm.CLUB].to_dict()


# ---------------------------------------------------------------- figures


def test_similarity_heatmap_writes_each_value_in_its_cell():
    partners = list(cm.PARTNERS)
    matrix = pd.DataFrame([[1.0, 0.31, 0.14], [0.31, 1.0, 0.19], [0.14, 0.19, 1.0]], index=partners, columns=partners)
    context = pd.DataFrame(
        {"pair": ["United States – Mexico"], "similarity": [0.31], "percentile": [40.0], "partner_pair": [True]}
    )
    context.attrs.update(all_pairs=np.array([0.1, 0.3, 0.5]), peers=["A", "B", "C"])
    fig, _ = plots.similarity(matrix, context)
    heatmap = fig.axes[0]
    cells = {(tuple(text.get_position()), text.get_text(), text.get_color()) for text in heatmap.texts}
    assert len(cells) == 9
    assert ((0.5, 0.5), "1.00", "w") in cells  # light text on the dark diagonal, first row at the top
    assert ((1.5, 0.5), "0.31", ".15") in cells  # dark text on light cells; x is the column
    assert [label.get_text() for label in heatmap.get_xticklabels()] == partners
    assert heatmap.get_ylim() == (3.0, 0.0)
    plt.close(fig)


def test_trend_panels_share_limits_and_year_ticks():
    history = pd.DataFrame(
        {
            "label": ["A"] * 3 + ["B"] * 3,
            "year": [2021, 2022, 2023] * 2,
            "estimated": [False, False, True] * 2,
            "club_pct": [1.0, 2, 3, 4, 5, 6],
            "china_pct": [60.0, 61, 62, 10, 11, 12],
        }
    )
    fig, data = plots.trend(history, ["B", "A"], columns=2)
    assert len(data) == 6 and [ax.get_title() for ax in fig.axes] == ["B", "A"]
    for ax in fig.axes:
        assert ax.get_ylim() == (0, 100)
        assert [label.get_text() for label in ax.get_xticklabels()] == ["'21", "'22", "'23"]
        assert {label.get_fontsize() for label in ax.get_xticklabels() + ax.get_yticklabels()} == {6}
    plt.close(fig)


# ---------------------------------------------------------------- the chapter


def test_chapter_runs_under_papermill_with_other_parameters(chapter01, tmp_path):
    out = tmp_path / "out"
    (out / "tables").mkdir(parents=True)
    for table in (chapter01 / "tables").iterdir():
        (out / "tables" / table.name).symlink_to(table)
    papermill.execute_notebook(
        str(paths.NOTEBOOKS_DIR / "02_complementarity.ipynb"),
        str(tmp_path / "02.ipynb"),
        parameters={
            "output_dir": str(out),
            "production_year": 2022,
            "commodity_scope": "all",
            "supply_stage": "refinery",
            "overlap_threshold_pp": 5.0,
        },
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    results = json.loads((out / "results/02_complementarity.json").read_text(encoding="utf-8"))
    assert (results["selection"]["production_year"], results["selection"]["usgs_edition"]) == (2022, 2024)
    assert (results["selection"]["scope"], results["selection"]["stage"]) == ("all", "refinery")
    assert results["selection"]["overlap_threshold_pp"] == 5.0
    assert results["products"] > 60
    assert sum(results["classes"].values()) == results["products"]
    assert results["median_hhi_pooled"] >= results["median_hhi"]
    for name in ("02_partner_shares", "02_china_vs_club", "02_similarity", "02_headroom", "02_trend"):
        assert (out / "figures" / f"{name}.svg").is_file()


def test_copper_verdict_says_the_share_test_is_the_chapters_reading_of_a_claim_about_market_room():
    """Regression: the chapter said the data 'contradict' paper B on copper; paper B's claim is about room in the
    market, and the two-producer test is the chapter's interpretation of it."""
    claims = pd.DataFrame(
        {
            "label": ["Copper (mine)", "Copper (mine)"],
            "measure": ["production", "reserves"],
            "class": [cm.OVERLAPPING, cm.SINGLE],
            cm.CLUB: [12.3, 4.5],
            "unknown": ["", ""],
            "paper_b_says": ["not zero-sum: room for several North American projects"] * 2,
            "data_agree": ["no", "yes"],
        }
    )
    verdict = cm_text.claims_verdict(claims, 5.0)
    assert "about room in the market" in verdict and "at least 5 % of world output" in verdict
    assert "production: overlapping, club share 12.3 % — does not fit the chapter's reading" in verdict
    assert "contradict" not in verdict
    results = {
        "classes": {cm.SINGLE: 3, cm.OVERLAPPING: 1, cm.ABSENT: 2, cm.UNDETERMINED: 0},
        "overlapping": ["Copper (mine)"],
        "similarity_context": {"United States – Canada": {"percentile_among_peer_pairs": 30.0}},
        "similarity_reserves_context": {"United States – Canada": {"percentile_among_peer_pairs": 40.0}},
        "paper_b_claims": claims.rename(columns={cm.CLUB: "club_pct"}).to_dict("records"),
        "median_hhi": 3000,
        "median_hhi_pooled": 3100,
        "gap_minerals": [],
        "headroom_candidates": [],
    }
    text = cm_text.conclusions(results)
    assert "contradict" not in text and "room in the market" in text and "chapter's test" in text
    assert "do not fit it for Copper (mine) (production)" in text
