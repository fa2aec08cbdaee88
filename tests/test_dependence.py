"""Chapter 3's computations (critical_minerals/models/dependence/model.py) on hand-computed cases; the chapter
under papermill."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import papermill
import pytest
from conftest import data_environment

from critical_minerals.core import paths
from critical_minerals.core.errors import InputError
from critical_minerals.models.dependence import model as dp
from critical_minerals.sources import critical_lists as cl
from critical_minerals.sources import usgs_trends


def reliance(rows):
    """Figure 2 rows: (edition, product, nir_pct, relation, flag, text)."""
    return pd.DataFrame(
        [
            {
                "edition": e,
                "product": p,
                "nir_pct": v,
                "nir_relation": r,
                "nir_flag": f,
                "nir_text": t,
                "hong_kong_with_china": p == "graphite",
                "nir_year": e - 1,
                "sources_period": "x",
                "notes": "",
            }
            for e, p, v, r, f, t in rows
        ]
    )


def sources(rows):
    """(edition, product, [countries in order])."""
    out = []
    for edition, product, countries in rows:
        for rank, country in enumerate(countries, start=1):
            out.append(
                {
                    "edition": edition,
                    "product": product,
                    "rank": rank,
                    "listed": len(countries),
                    "country": country,
                    "kind": "country",
                }
            )
    return pd.DataFrame(out)


REL = reliance(
    [
        (2024, "graphite", 100.0, "=", "", "100"),
        (2025, "graphite", 100.0, "=", "", "100"),
        (2024, "nickel", 57.0, "=", "", "57"),
        (2025, "nickel", 48.0, "=", "", "48"),
        (2024, "gallium", 95.0, ">", "", ">95"),
        (2025, "gallium", 25.0, "<", "", "<25"),
    ]
)
SRC = sources(
    [
        (2024, "graphite", ["China", "Mexico", "Canada", "Madagascar"]),
        (2025, "graphite", ["China", "Canada", "Mexico"]),
        (2024, "nickel", ["Canada", "Norway"]),
        (2025, "nickel", ["Canada", "Norway", "China"]),
        (2024, "gallium", ["Japan", "China"]),
        (2025, "gallium", ["Japan", "Germany"]),
    ]
)


def test_source_ranks_and_first_group():
    ranks = dp.source_ranks(REL, SRC).set_index(["edition", "product"])
    assert ranks.loc[(2025, "graphite"), ["rank_Canada", "rank_Mexico", "rank_China"]].tolist() == [2, 3, 1]
    assert ranks.loc[(2025, "graphite"), "first_group"] == dp.CHINA_FIRST
    assert ranks.loc[(2025, "graphite"), "china_note"] == "includes Hong Kong"
    assert ranks.loc[(2024, "nickel"), "first_group"] == dp.PARTNER_FIRST
    assert math.isnan(ranks.loc[(2024, "nickel"), "rank_China"])
    assert ranks.loc[(2025, "gallium"), "first_group"] == dp.OTHER_FIRST


def test_rank_movement():
    ranks = dp.source_ranks(REL, SRC)
    canada = dp.rank_movement(ranks, "Canada")
    assert canada.loc["graphite", "movement"] == "up 1"  # 3rd -> 2nd
    assert canada.loc["nickel", "movement"] == "same"
    china = dp.rank_movement(ranks, "China")
    assert china.loc["nickel", "movement"] == "entered"
    assert china.loc["gallium", "movement"] == "left"
    assert dp.rank_movement(ranks, "Mexico").loc["graphite", "movement"] == "down 1"


@pytest.mark.parametrize(
    "args, expected",
    [
        ((100.0, "=", ""), (100.0, 100.0)),
        ((95.0, ">", ""), (95.0, 100.0)),
        ((25.0, "<", ""), (0.0, 25.0)),
        ((math.nan, "", "net exporter"), (0.0, 0.0)),
    ],
)
def test_nir_bounds(args, expected):
    assert dp.nir_bounds(*args) == expected


def test_supplier_part_bounds():
    assert dp.supplier_part(1, 4) == (0.25, 1.0)  # first of four: between an equal share and all imports
    assert dp.supplier_part(3, 3) == (pytest.approx(1 / 3), pytest.approx(1 / 3))
    assert dp.supplier_part(2, 4) == (0.25, 0.5)  # second: at most half
    assert dp.supplier_part(math.nan, 4) == (0.0, 0.0)  # not listed


def test_shock_hand_computed():
    ranks = dp.source_ranks(REL, SRC)
    table = dp.shock(ranks, SRC, 2025, "China", 0.5)
    # graphite: NIR 100, China 1st of 3 -> part 1/3..1, half withdrawn -> 16.67..50 % of consumption
    assert table.loc["graphite", "exposed_low_pct"] == pytest.approx(100 / 3 / 2)
    assert table.loc["graphite", "exposed_high_pct"] == pytest.approx(50.0)
    # nickel: NIR 48, China 3rd of 3 -> part 1/3..1/3 -> 8 % both
    assert table.loc["nickel", ["exposed_low_pct", "exposed_high_pct"]].tolist() == pytest.approx([8.0, 8.0])
    # gallium: China not listed
    assert table.loc["gallium", "exposed_high_pct"] == 0.0
    with pytest.raises(InputError, match="withdrawn share"):
        dp.shock(ranks, SRC, 2025, "China", 1.5)


def test_cover_hand_computed():
    ranks = dp.source_ranks(REL, SRC)
    exposure = dp.shock(ranks, SRC, 2025, "China", 1.0)
    critical = pd.DataFrame(
        {
            "edition": 2025,
            "product": ["graphite", "nickel", "gallium"],
            "apparent_consumption": [60000.0, 180000.0, 19.0],
            "apparent_consumption_relation": "=",
            "apparent_consumption_flag": "",
        }
    )
    production = pd.DataFrame(
        {"partner_production_t": [30000.0, 250000.0, 0.0], "partner_withheld": False, "year": 2024, "unit": "t"},
        index=pd.Index(["graphite", "nickel", "gallium"], name="product"),
    )
    products = usgs_trends.products()
    table = dp.cover(exposure, critical, production, products, 2025)
    # graphite: exposed 33.3 %..100 % of 60,000 t = 20,000..60,000 t; partners 30,000 t -> cover 50 %..100 %
    assert table.loc["graphite", ["exposed_low_t", "exposed_high_t"]].tolist() == pytest.approx([20000, 60000])
    assert table.loc["graphite", ["cover_low_pct", "cover_high_pct"]].tolist() == pytest.approx([50.0, 100.0])
    # nickel: exposed 16 % of 180,000 t = 28,800 t; partners 250,000 t -> cover capped at 100 %
    assert table.loc["nickel", "cover_low_pct"] == 100.0
    assert table.loc["gallium", "cover_note"] == "not exposed"
    labels = {"graphite": "Graphite", "nickel": "Nickel", "gallium": "Gallium"}
    assert dp.shock_text(table, "China", 1.0, labels) == (
        "If China withdrew 100 % of its supply to the United States, 2 of the 3 minerals of USGS's critical-minerals "
        "table in scope would lose supply. The largest exposures are Graphite (33–100 % of U.S. use) and Nickel "
        "(16–16 % of U.S. use). Canadian and Mexican production today would cover the whole exposed quantity, even "
        "at the upper bound of exposure, for 1 of them (Nickel), and part of it for 1 more."
    )


def production_row(series, country, value, stage="mine", **extra):
    """One row of the world table: production of MCS 2025 in 2024, in tonnes."""
    return {
        "edition": 2025,
        "commodity": series,
        "series": series,
        "stage": stage,
        "measure": "production",
        "year": 2024,
        "country": country,
        "country_detail": "",
        "value": value,
        "withheld": False,
        "unit": "t",
        **extra,
    }


def test_partner_production_zero_when_not_listed_nan_when_not_reported():
    world = pd.DataFrame(
        [
            production_row("graphite", "Canada", 1000.0),
            production_row("graphite", "Mexico", 500.0),
            production_row("gallium", "China", 750.0),
            production_row("gallium", "World total", 760.0),
        ]
    )
    products = usgs_trends.products().loc[["graphite", "gallium", "germanium"]]
    production = dp.partner_production(world, products, 2025)["partner_production_t"]
    assert production["graphite"] == 1500.0 and production["gallium"] == 0.0 and math.isnan(production["germanium"])


def test_partner_production_reads_the_products_stage_and_flags_withheld_values():
    world = pd.DataFrame(
        [
            production_row("copper", "Canada", 400.0),
            production_row("copper", "Canada", 300.0, stage="refinery"),
            production_row("copper", "Mexico", math.nan, stage="refinery", withheld=True),
            # a qualified value is left out
            production_row("copper", "Mexico", 50.0, stage="refinery", country_detail="shipments"),
            # tin's stage is 'mine', which this edition lacks: all of tin counts
            production_row("tin", "Mexico", 20.0, stage="smelter"),
            production_row("tin", "Canada", 5.0, stage="smelter", unit="kg"),
            production_row("tin", "Bolivia", 100.0, year=2023),  # another year
        ]
    )
    table = dp.partner_production(world, usgs_trends.products().loc[["copper_refined", "tin_refined"]], 2025)
    # copper at the refinery only: Canada's 300 t, Mexico's withheld (the sum is a lower bound)
    assert table.loc["copper_refined", ["partner_production_t", "partner_withheld", "unit"]].tolist() == [
        300.0,
        True,
        "t",
    ]
    assert table.loc["tin_refined", ["partner_production_t", "partner_withheld", "unit"]].tolist() == [
        25.0,
        False,
        "kg;t",
    ]
    assert table["year"].tolist() == [2024, 2024]


def test_stage_concentration_hand_computed():
    def rows(series, stage, values):
        out = [
            {
                "edition": 2025,
                "commodity": "copper",
                "series": series,
                "stage": stage,
                "measure": "production",
                "year": 2024,
                "country": c,
                "country_kind": "country",
                "country_detail": "",
                "value": v,
                "measure_detail": "",
                "withheld": False,
                "missing": "",
                "notes": "",
                "unit": "t",
            }
            for c, v in values.items()
        ]
        out.append(
            {**out[0], "country": "World total", "country_kind": "world_total", "value": float(sum(values.values()))}
        )
        return out

    world = pd.DataFrame(
        rows("copper", "mine", {"Chile": 50.0, "China": 10.0, "Canada": 20.0, "Peru": 20.0})
        + rows("copper", "refinery", {"China": 60.0, "Chile": 20.0, "Mexico": 10.0, "Japan": 10.0})
    )
    chains = pd.DataFrame(
        {
            "chain": "copper",
            "step": [1, 2],
            "label": ["Copper: mine", "Copper: refinery"],
            "commodity": "copper",
            "series": "copper",
            "stage": ["mine", "refinery"],
            "host_of": "",
            "note": "",
        }
    )
    table = dp.stage_concentration(world, chains, 2025, 2024).set_index("label")
    assert table.loc["Copper: mine", ["china_pct", "top3_pct", "partners_pct"]].tolist() == [10.0, 90.0, 20.0]
    assert table.loc["Copper: mine", "top3"] == "Chile, Canada, Peru"  # equal shares in the order USGS lists them
    assert table.loc["Copper: mine", "hhi"] == pytest.approx(50**2 + 10**2 + 20**2 + 20**2)
    assert table.loc["Copper: refinery", ["china_pct", "top3_pct", "partners_pct"]].tolist() == [60.0, 90.0, 10.0]
    turn = dp.bottleneck(table.reset_index())
    assert turn.iloc[0]["processing_more_concentrated"]
    assert "copper (10 % at copper: mine, 60 % at copper: refinery)" in dp.stage_text(turn)


def test_lists_2022_and_2025():
    lists = cl.critical_lists()
    assert (lists["list"] == "2022").sum() == 50 and (lists["list"] == "2025").sum() == 60
    assert cl.entered(lists) == [
        "Boron",
        "Copper",
        "Lead",
        "Metallurgical coal",
        "Phosphate",
        "Potash",
        "Rhenium",
        "Silicon",
        "Silver",
        "Uranium",
    ]
    assert {"aluminum", "bauxite", "rare_earths"} <= cl.list_commodities(lists, "2022")
    assert "copper" in cl.list_commodities(lists, "2025") and "copper" not in cl.list_commodities(lists, "2022")


def test_chapter_2_scope_from_a_critical_minerals_list(world):
    from critical_minerals.models.complementarity import model as cm

    def catalogue(scope):
        selection = cm.select(world, 2023, 2024, "mine", scope)
        return set(cm.catalogue(world, selection, pd.DataFrame(), [])["commodity"])

    older, newer, every = catalogue("critical_2022"), catalogue("critical_2025"), catalogue("all")
    assert {"gallium", "rare_earths", "bauxite"} <= older and "copper" not in older
    assert {"copper", "silver", "potash"} <= newer and older < newer < every
    assert "gold" not in newer


def test_texts_follow_the_numbers():
    ranks = dp.source_ranks(REL, SRC)
    products = usgs_trends.products()
    text = dp.dependence_text(ranks, products, 2025, ["graphite", "nickel", "gallium"])
    assert text.startswith(
        "Of the 3 minerals in scope that USGS MCS 2025 lists, the United States imports all it "
        "uses of 1. China is the first import source for 1, Canada or Mexico for 1"
    )
    assert "The partners lead for Nickel (Canada)." in text


def test_chapter_runs_under_papermill_with_other_parameters(chapter01, external_dir, tmp_path):
    with data_environment(external_dir):
        papermill.execute_notebook(
            str(paths.NOTEBOOKS_DIR / "02b_import_dependence.ipynb"),
            str(tmp_path / "02b.ipynb"),
            parameters={
                "output_dir": str(chapter01),
                "dependence_edition": 2024,
                "dependence_scope": "t5",
                "shock_supplier": "Canada",
                "shock_withdrawn_share": 0.5,
            },
            kernel_name="python3",
            progress_bar=False,
        )
    results = json.loads((chapter01 / "results" / "02b_import_dependence.json").read_text(encoding="utf-8"))
    assert results["settings"] == {
        "edition": 2024,
        "scope": "t5",
        "supplier": "Canada",
        "withdrawn_share": 0.5,
        "stage_year": 2023,
    }
    assert "Nickel" in results["partner_first"]
    for name in ("02b_reliance_by_leader", "02b_stages", "02b_shock_cover"):
        for suffix in ("png", "svg", "pdf", "csv", "txt"):
            assert (chapter01 / "figures" / f"{name}.{suffix}").is_file()
    plotted = pd.read_csv(chapter01 / "figures" / "02b_reliance_by_leader.csv")
    assert len(plotted) == results["minerals"]
    assert np.isfinite(results["shock_max_exposed_pct"])


def test_figures_plot_their_data():
    import matplotlib

    from critical_minerals.figures import dependence as plots

    matplotlib.use("Agg")
    ranks = dp.source_ranks(REL, SRC)
    edition = ranks[ranks["edition"] == 2024]
    fig, data = plots.reliance_by_leader(edition, {"graphite": "Graphite", "nickel": "Nickel", "gallium": "Gallium"})
    widths = sorted(round(bar.get_width(), 6) for bar in fig.axes[0].patches)
    # graphite 100 and nickel 57 exact; gallium >95: a bar to 95 and a hatched one from 95 to 100
    assert widths == [5.0, 57.0, 95.0, 100.0]
    assert data["label"].tolist() == ["Nickel", "Gallium", "Graphite"]  # ascending reliance, bottom to top
    exposure = dp.shock(ranks, SRC, 2025, "China", 1.0).assign(
        exposed_low_t=0.0,
        exposed_high_t=0.0,
        partner_production_t=0.0,
        cover_low_pct=[np.nan, 40.0, np.nan],
        cover_high_pct=[np.nan, 80.0, np.nan],
        cover_note=["no data", "", "not exposed"],
    )
    fig, data = plots.shock_cover(exposure, {"graphite": "Graphite", "nickel": "Nickel", "gallium": "Gallium"})
    assert data["label"].tolist() == ["Nickel", "Graphite"]  # gallium is not exposed to China
    left = fig.axes[0].collections[0].get_segments()
    assert [tuple(segment[:, 0]) for segment in left] == [(16.0, 16.0), pytest.approx((100 / 3, 100.0))]
