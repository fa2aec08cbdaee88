"""Chapter 3 (notebooks/02b_import_dependence): where U.S. mineral imports come from, how concentrated each stage of
supply is, and what a supplier's withdrawal would leave uncovered after Canadian and Mexican production.

Pure functions over the tables of `usgs_trends` (USGS MCS Figure 2 and Table 5) and the world production table.
USGS publishes the major import sources in descending order of import share, not the shares themselves; the shock
test is therefore given as a range (see `supplier_part`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ...core import paths
from ...core.errors import InputError
from ...sources.countries import PARTNERS
from ...sources.critical_lists import entered, list_commodities
from ...sources.handwritten_tables import read_data_table
from ..complementarity.model import label_sums, supply
from ..complementarity.text import listing

NEIGHBOURS = ("Canada", "Mexico")  # the United States' two partners: the import sources that count as partners
RANKED = ("Canada", "Mexico", "China")
CHAINS_FILE = paths.DATA_DIR / "processing_chains.csv"
HONG_KONG_NOTE_TEXT = "includes Hong Kong"  # USGS counts imports from Hong Kong with China
PARTNER_FIRST, CHINA_FIRST = "Canada or Mexico first", "China first"
OTHER_FIRST, NONE_LISTED = "another country first", "no source listed"


# ---------------------------------------------------------------- which minerals are critical


def in_scope(
    reliance: pd.DataFrame, critical: pd.DataFrame, products: pd.DataFrame, lists: pd.DataFrame, scope: str
) -> list[str]:
    """Products of Figure 2 (any edition) in the chosen scope: on a critical-minerals list, in Table 5, or all. The
    scope is one of notebooks/parameters.yaml's choices for dependence_scope."""
    candidates = sorted(set(reliance["product"]) | set(critical["product"]))
    if scope == "all":
        return candidates
    if scope == "t5":
        return sorted(set(critical["product"]))
    codes = list_commodities(lists, scope.split("_")[1])
    return [p for p in candidates if products.loc[p, "commodity"] in codes]


# ---------------------------------------------------------------- import dependence by source


def first_group(country: str | float) -> str:
    if not isinstance(country, str) or not country:
        return NONE_LISTED
    return PARTNER_FIRST if country in NEIGHBOURS else CHINA_FIRST if country == "China" else OTHER_FIRST


def source_ranks(reliance: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Per edition and product: net import reliance, the rank of Canada, Mexico and China among the listed major
    import sources (NaN when not listed), the first source and which group it belongs to."""
    ranks = sources[sources["country"].isin(RANKED)].pivot_table(
        index=["edition", "product"], columns="country", values="rank", aggfunc="min"
    )
    ranks = ranks.reindex(columns=list(RANKED)).add_prefix("rank_")
    first = sources[sources["rank"] == 1].set_index(["edition", "product"])["country"].rename("first_source")
    listed = sources.groupby(["edition", "product"])["listed"].max().rename("sources_listed")
    table = reliance.set_index(["edition", "product"]).join([ranks, first, listed])
    table["sources_listed"] = table["sources_listed"].fillna(0).astype(int)
    table["first_group"] = table["first_source"].map(first_group)
    table["china_note"] = np.where(table["hong_kong_with_china"] & table["rank_China"].notna(), HONG_KONG_NOTE_TEXT, "")
    return table.reset_index()


def rank_movement(ranks: pd.DataFrame, country: str) -> pd.DataFrame:
    """One country's rank per product in each edition, and how it moved from the first to the last edition that
    lists the product: 'up 2' (closer to first), 'down 1', 'same', 'entered', 'left', 'not listed'."""
    wide = ranks.pivot_table(index="product", columns="edition", values=f"rank_{country}", aggfunc="min")
    wide = wide.reindex(index=sorted(ranks["product"].unique()), columns=sorted(ranks["edition"].unique()))
    present = ranks.pivot_table(index="product", columns="edition", values="nir_text", aggfunc="first")
    present = present.reindex_like(wide).notna()

    def move(product: str) -> str:
        editions = [e for e in wide.columns if present.loc[product, e]]
        if len(editions) < 2:
            return "one edition only"
        start, end = wide.loc[product, editions[0]], wide.loc[product, editions[-1]]
        if math.isnan(start) and math.isnan(end):
            return "not listed"
        if math.isnan(start):
            return "entered"
        if math.isnan(end):
            return "left"
        step = int(start - end)
        return "same" if step == 0 else f"up {step}" if step > 0 else f"down {-step}"

    movement = [move(product) for product in wide.index]
    wide.columns = [f"rank {edition}" for edition in wide.columns]
    return wide.assign(movement=movement)


def nir_bounds(value: float, relation: str, flag: str) -> tuple[float, float]:
    """Net import reliance as a range in percent: exact -> (v, v); '>v' -> (v, 100); '<v' -> (0, v);
    a net exporter -> (0, 0); not available or withheld -> (NaN, NaN)."""
    if flag == "net exporter":
        return 0.0, 0.0
    if relation == "=":
        return value, value
    if relation == ">":
        return value, 100.0
    if relation == "<":
        return 0.0, value
    return math.nan, math.nan


# ---------------------------------------------------------------- shock test


def supplier_part(rank: float, listed: int) -> tuple[float, float]:
    """The range of a supplier's part of U.S. imports that USGS's ranking allows (fractions).

    USGS lists the major sources in descending order of import share. A source ranked k cannot have more than 1/k
    of imports (the k sources ahead of or level with it would otherwise exceed the whole): the upper bound, which
    treats a first-ranked source as all imports. The lower value treats it as an equal share of the n listed
    sources, 1/n. It is not a strict bound: a source ranked below first may have less. A supplier not listed counts
    as zero in both, as USGS lists every major source.
    """
    if rank is None or (isinstance(rank, float) and math.isnan(rank)) or not listed:
        return 0.0, 0.0
    return 1.0 / listed, 1.0 / rank


def shock(
    ranks: pd.DataFrame, sources: pd.DataFrame, edition: int, supplier: str, withdrawn_share: float
) -> pd.DataFrame:
    """Per product of an edition: share of U.S. apparent consumption exposed if `supplier` withdrew
    `withdrawn_share` of its supply to the United States, as a low and a high value (percent).

    exposed = net import reliance x supplier's part of imports x withdrawn share; reliance bounds and the ranking
    bounds of `supplier_part` combine low with low and high with high."""
    if not 0 < withdrawn_share <= 1:
        raise InputError(
            "withdrawn share out of range",
            field="dependence_withdrawn_share",
            value=withdrawn_share,
            fix="give a fraction above 0 and at most 1",
        )
    rows = ranks[ranks["edition"] == edition].set_index("product")
    mine = sources[(sources["edition"] == edition) & (sources["country"] == supplier)].groupby("product")["rank"].min()
    table = pd.DataFrame(index=rows.index)
    table["nir_text"] = rows["nir_text"]
    bounds = [nir_bounds(v, r, f) for v, r, f in zip(rows["nir_pct"], rows["nir_relation"], rows["nir_flag"])]
    table["nir_low_pct"] = [low for low, _ in bounds]
    table["nir_high_pct"] = [high for _, high in bounds]
    table["supplier_rank"] = mine.reindex(table.index)
    table["sources_listed"] = rows["sources_listed"]
    parts = [supplier_part(r, n) for r, n in zip(table["supplier_rank"], table["sources_listed"])]
    table["part_low"] = [low for low, _ in parts]
    table["part_high"] = [high for _, high in parts]
    table["exposed_low_pct"] = table["nir_low_pct"] * table["part_low"] * withdrawn_share
    table["exposed_high_pct"] = table["nir_high_pct"] * table["part_high"] * withdrawn_share
    return table


def partner_production(world: pd.DataFrame, products: pd.DataFrame, edition: int) -> pd.DataFrame:
    """Canada's and Mexico's production of each product's world series in the edition's latest year (tonnes),
    with a flag when a value is withheld (then the sum is a lower bound). A partner USGS does not list among the
    producers of a series it reports counts as zero; a series the edition does not report gives NaN."""
    rows = world[(world["edition"] == edition) & (world["measure"] == "production")]
    year = int(rows["year"].max())
    wanted = products[products["world_series"] != ""]
    keys = wanted[["commodity", "world_series", "world_stage"]].rename_axis("product").reset_index()
    series = keys.merge(
        rows[rows["year"] == year], left_on=["commodity", "world_series"], right_on=["commodity", "series"]
    )
    # a product names a stage where its series has several; a stage the edition lacks keeps all of them
    at_stage = (series["world_stage"] != "") & (series["stage"] == series["world_stage"])
    has_stage = at_stage.groupby(series["product"]).transform("any")
    series = series[~has_stage | at_stage]
    found = series[series["country"].isin(NEIGHBOURS) & (series["country_detail"] == "")]
    # a withheld value (NaN) adds nothing, as Series.sum skips it
    value = label_sums(found["product"], found["value"].fillna(0.0)).reindex(wanted.index, fill_value=0.0)
    by_product = found.groupby("product")
    units = by_product["unit"].agg(lambda found_units: ";".join(sorted(set(found_units))))
    return pd.DataFrame(
        {
            "year": year,
            "partner_production_t": value.where(wanted.index.isin(series["product"])),
            "partner_withheld": by_product["withheld"].any().reindex(wanted.index, fill_value=False).astype(bool),
            "unit": units.reindex(wanted.index, fill_value=""),
        },
        index=wanted.index.rename("product"),
    )


def cover(
    exposure: pd.DataFrame, critical: pd.DataFrame, production: pd.DataFrame, products: pd.DataFrame, edition: int
) -> pd.DataFrame:
    """Exposed quantity (tonnes, from Table 5's apparent consumption) and the share of it that Canada's and Mexico's
    production could cover, capped at 100 %. The cover is an upper bound on what the partners could divert: it counts
    all of their output as available, though part already reaches the United States and the rest has other buyers.
    Where the world series measures another material than U.S. consumption, or a value is missing, the cover is left
    blank with the reason."""
    t5 = critical[critical["edition"] == edition].set_index("product")
    table = exposure.join(
        t5[["apparent_consumption", "apparent_consumption_relation", "apparent_consumption_flag"]], how="inner"
    ).join(production, how="left")
    table["exposed_low_t"] = table["exposed_low_pct"] / 100 * table["apparent_consumption"]
    table["exposed_high_t"] = table["exposed_high_pct"] / 100 * table["apparent_consumption"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["cover_low_pct"] = np.minimum(100.0, 100 * table["partner_production_t"] / table["exposed_high_t"])
        table["cover_high_pct"] = np.minimum(100.0, 100 * table["partner_production_t"] / table["exposed_low_t"])
    reasons = []
    for product, row in table.iterrows():
        basis = products.loc[product, "cover_basis"]
        if row["exposed_high_pct"] == 0:
            reason = "not exposed"
        elif row["apparent_consumption_flag"] or row["apparent_consumption_relation"] != "=":
            reason = f"apparent consumption {row['apparent_consumption_flag'] or 'given only as a bound'}"
        elif products.loc[product, "world_series"] == "":
            reason = "no world production series"
        elif basis:
            reason = basis
        elif math.isnan(row["partner_production_t"]):
            reason = f"no world production of this series in MCS {edition}"
        elif row["partner_withheld"]:
            reason = "a partner's production is withheld"
        else:
            reason = ""
        reasons.append(reason)
    table["cover_note"] = reasons
    blank = table["cover_note"] != ""
    table.loc[blank, ["cover_low_pct", "cover_high_pct"]] = np.nan
    table.loc[table["cover_note"] == "not exposed", ["exposed_low_t", "exposed_high_t"]] = 0.0
    return table


# ---------------------------------------------------------------- stage by stage


def read_chains(path: Path = CHAINS_FILE) -> pd.DataFrame:
    table = read_data_table(path, ["chain", "step", "label", "commodity", "series", "stage", "host_of", "note"])
    table["step"] = table["step"].astype(int)
    return table


def stage_concentration(world: pd.DataFrame, chains: pd.DataFrame, edition: int, year: int) -> pd.DataFrame:
    """Per chain step: China's share, the top-3 share, the three partners' combined share and the HHI of world
    production in one edition and year (percent; HHI over named countries). Steps USGS does not report in that
    edition are kept with blank values and a note, so a reader sees which stages an edition lacks. The top three are
    the largest shares, equal shares in the order USGS lists the countries."""
    steps = chains.drop_duplicates("label")[["label", "commodity", "series", "stage"]]
    result = supply(world, steps, edition, year, "production")
    shares = result.shares.dropna(subset=["share_pct"])
    # each stage's countries, largest share first: every sum below adds them in this order
    ranked = shares.sort_values(["label", "share_pct"], ascending=[True, False], kind="stable")
    top3 = ranked.groupby("label", sort=False).head(3)
    partners = ranked[ranked["country"].isin(PARTNERS)]
    labels = chains["label"]
    reported = labels.isin(result.products.index).to_numpy()

    def per_step(per_label: pd.Series, fill):
        """A per-stage value on each chain step; a stage without a world total has none."""
        values = per_label.reindex(labels, fill_value=fill).to_numpy()
        return np.where(reported, values, np.nan if isinstance(fill, float) else fill)

    return pd.DataFrame(
        {
            "chain": chains["chain"].to_numpy(),
            "step": chains["step"].to_numpy(),
            "label": labels.to_numpy(),
            "host_of": chains["host_of"].to_numpy(),
            "china_pct": per_step(shares[shares["country"] == "China"].set_index("label")["share_pct"], 0.0),
            "top3_pct": per_step(label_sums(top3["label"], top3["share_pct"]), 0.0),
            "top3": per_step(top3.groupby("label")["country"].agg(", ".join), ""),
            "partners_pct": per_step(label_sums(partners["label"], partners["share_pct"]), 0.0),
            "hhi": per_step(label_sums(ranked["label"], ranked["share_pct"] ** 2), 0.0),
            "note": np.where(reported, "", f"no world total in MCS {edition}"),
        }
    )


def bottleneck(stages: pd.DataFrame) -> pd.DataFrame:
    """Per chain: China's share at the first and the last stage reported, and where it is larger."""
    rows = []
    for chain, steps in stages.dropna(subset=["china_pct"]).groupby("chain", sort=False):
        steps = steps.sort_values("step")
        if len(steps) < 2:
            continue
        first, last = steps.iloc[0], steps.iloc[-1]
        rows.append(
            {
                "chain": chain,
                "first_stage": first["label"],
                "china_first_pct": first["china_pct"],
                "last_stage": last["label"],
                "china_last_pct": last["china_pct"],
                "processing_more_concentrated": bool(last["china_pct"] > first["china_pct"]),
            }
        )
    return pd.DataFrame(rows)


def world_year(world: pd.DataFrame, edition: int) -> int:
    """The latest production year of an edition (a preliminary estimate in that edition)."""
    return int(world[(world["edition"] == edition) & (world["measure"] == "production")]["year"].max())


# ---------------------------------------------------------------- words and headline numbers


def dependence_text(ranks: pd.DataFrame, products: pd.DataFrame, edition: int, scope_products: list[str]) -> str:
    rows = ranks[(ranks["edition"] == edition) & ranks["product"].isin(scope_products)]
    counts = rows["first_group"].value_counts()
    full = rows[(rows["nir_relation"] == "=") & (rows["nir_pct"] >= 100)]
    label = products["label"].to_dict()
    partner = rows[rows["first_group"] == PARTNER_FIRST]
    text = (
        f"Of the {len(rows)} minerals in scope that USGS MCS {edition} lists, the United States imports all it uses "
        f"of {len(full)}. China is the first import source for {counts.get(CHINA_FIRST, 0)}, Canada or Mexico for "
        f"{counts.get(PARTNER_FIRST, 0)} and another country for {counts.get(OTHER_FIRST, 0)}."
    )
    if len(partner):
        text += (
            " The partners lead for "
            + listing([f"{label[p]} ({s})" for p, s in zip(partner["product"], partner["first_source"])])
            + "."
        )
    return text


def shock_text(table: pd.DataFrame, supplier: str, withdrawn_share: float, labels: dict[str, str]) -> str:
    exposed = table[table["exposed_high_pct"] > 0]
    covered = table[table["cover_low_pct"] >= 100]
    some = table[(table["cover_high_pct"] > 0) & (table["cover_low_pct"] < 100)]
    worst = exposed.sort_values("exposed_high_pct", ascending=False).head(5)
    return (
        f"If {supplier} withdrew {100 * withdrawn_share:.0f} % of its supply to the United States, {len(exposed)} of "
        f"the {len(table)} minerals of USGS's critical-minerals table in scope would lose supply. The largest "
        f"exposures are "
        + listing(
            [
                f"{labels[p]} ({r.exposed_low_pct:.0f}–{r.exposed_high_pct:.0f} % of U.S. use)"
                for p, r in worst.iterrows()
            ]
        )
        + f". Canadian and Mexican production today would cover the whole exposed quantity, even at the upper bound "
        f"of exposure, for {len(covered)} of them"
        + (f" ({listing([labels[p] for p in covered.index])})" if len(covered) else "")
        + f", and part of it for {len(some)} more."
    )


def stage_text(turn: pd.DataFrame) -> str:
    more = turn[turn["processing_more_concentrated"]]
    return (
        f"In {len(more)} of {len(turn)} chains China's share of world output is larger at the last stage USGS "
        f"reports than at the first: "
        + listing(
            [
                f"{r.chain} ({r.china_first_pct:.0f} % at {r.first_stage.lower()}, "
                f"{r.china_last_pct:.0f} % at {r.last_stage.lower()})"
                for r in more.itertuples()
            ]
        )
        + "."
    )


def headline_results(
    ranks: pd.DataFrame,
    exposure: pd.DataFrame,
    stages: pd.DataFrame,
    turn: pd.DataFrame,
    lists: pd.DataFrame,
    settings: dict,
    scope_products: list[str],
    labels: dict[str, str],
) -> dict:
    """The chapter's headline numbers for results/02b_import_dependence.json."""
    edition = settings["edition"]
    rows = ranks[(ranks["edition"] == edition) & ranks["product"].isin(scope_products)]
    exposed = exposure[exposure["exposed_high_pct"] > 0]
    covered = exposure[exposure["cover_low_pct"] >= 100]
    return {
        "settings": settings,
        "minerals": len(rows),
        "full_reliance": int(((rows["nir_relation"] == "=") & (rows["nir_pct"] >= 100)).sum()),
        "china_first": sorted(labels[p] for p in rows[rows["first_group"] == CHINA_FIRST]["product"]),
        "partner_first": sorted(labels[p] for p in rows[rows["first_group"] == PARTNER_FIRST]["product"]),
        "shock_minerals": len(exposure),
        "shock_exposed": sorted(labels[p] for p in exposed.index),
        "shock_covered_by_partners": sorted(labels[p] for p in covered.index),
        "shock_max_exposed_pct": float(exposure["exposed_high_pct"].max()),
        "processing_more_concentrated": turn[turn["processing_more_concentrated"]]["chain"].tolist(),
        "stage_china_pct": {
            row.label: None if math.isnan(row.china_pct) else float(row.china_pct)
            for row in stages.drop_duplicates("label").itertuples()
        },
        "critical_2025_entered": entered(lists),
    }
