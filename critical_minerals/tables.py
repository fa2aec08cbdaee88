"""The tidy tables every chapter reads: built once by the build's data step from the fetched data, as Parquet.

Chapters call `read_table(name, out)` or `load_built(out)`; they never parse raw files again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .chapter.results import Outputs
from .core import digest, paths
from .core.errors import InputError
from .sources import official_datasets, paper, usgs_salient, usgs_world, wb_imf_prices
from .sources.countries import OTHER, UNKNOWN, WORLD

TABLE_NAMES = (
    "world",
    "salient",
    "prices_monthly",
    "prices_annual_real",
    "paper_table",
    "paper_table_corrected",
    "paper_problems",
    "paper_claims",
    "paper_claims_vs_usgs",
    "paper_reproduction",
    "paper_reproduction_candidates",
)
# Consecutive editions whose world totals for one series and year differ by more than this factor point to a unit error.
EDITION_RATIO_LIMIT = 3.0
# Countries plus 'Other countries' should add up to the (rounded) world total within this share.
WORLD_SUM_TOLERANCE = 0.10


@dataclass
class Built:
    tables: dict[str, pd.DataFrame]
    checks: pd.DataFrame  # every validation that ran, with its result
    agreement: pd.DataFrame  # World Bank vs IMF, per metal both publish
    skipped: list[str] = field(default_factory=list)


def build_tables(external_dir: Path | None = None) -> Built:
    """Read every source, validate, and return the tidy tables with the list of checks that ran."""
    root = external_dir or paths.external_dir()
    checks: list[dict] = []

    problems = official_datasets.verify(dest=root)
    _check(
        checks,
        "fetched files match their recorded SHA-256",
        "data/datasets.yaml",
        not problems,
        f"{sum(len(d.files) for d in official_datasets.load_registry().values())} files verified"
        if not problems
        else "; ".join(problems[:3]),
    )
    if problems:
        raise InputError("fetched data do not match the registry:\n  " + "\n  ".join(problems[:10]))

    table = paper.read_paper_table()
    _check(
        checks,
        "paper table: shares in [0, 100], total = sum of partners within 0.1 pp, one row per mineral",
        "paper_a_production_shares.csv",
        True,
        f"{len(table)} rows",
    )
    claims = paper.read_claims()
    problems_found = paper.source_problems(table, claims)
    _check(
        checks,
        "paper: spelling, swapped cells, text claims against the table",
        "paper_a_production_shares.csv",
        REPORTED,
        f"{len(problems_found)} problem(s) reported below, none fixed in the source file",
    )

    world = usgs_world.read_world(root)
    _check(
        checks,
        "USGS world: schema (types, ranges, units, unique key)",
        "usgs_mcs2023-2025 world files",
        True,
        f"{len(world):,} rows",
    )
    _check(
        checks,
        "USGS world: every country name recognised",
        "data/countries.csv",
        not (world["country_kind"] == UNKNOWN).any(),
        f"{(world['country_kind'] == UNKNOWN).sum()} unrecognised name(s)",
    )
    ratio = edition_consistency(world)
    _check(
        checks,
        f"USGS world: world totals of consecutive editions within a factor {EDITION_RATIO_LIMIT:g}",
        "usgs_mcs2023-2025 world files",
        ratio.empty,
        f"{len(ratio)} series-year(s) outside",
    )
    sums = world_sum_gaps(world)
    _check(
        checks,
        f"USGS world: countries + 'Other countries' within {WORLD_SUM_TOLERANCE:.0%} of the world total",
        "usgs_mcs2023-2025 world files",
        REPORTED,
        f"{len(sums)} of {world_sum_count(world)} production series-years outside (listed below; "
        f"mostly rounding of small totals or withheld U.S. values)",
    )

    salient, skipped = [], []
    for edition in usgs_world.EDITIONS:
        part, skipped_here = usgs_salient.read_salient_edition(
            root / f"usgs_mcs{edition}" / "salient", edition, usgs_world.commodity_map()
        )
        salient.append(part)
        skipped.extend(skipped_here)
    salient = pd.concat(salient, ignore_index=True)
    _check(
        checks,
        "USGS salient statistics: schema",
        "usgs_mcs2023-2025 salient files",
        True,
        f"{len(salient):,} rows; {len(skipped)} file(s) skipped",
    )

    wb_monthly = wb_imf_prices.read_worldbank_monthly(root / "worldbank_pinksheet" / "CMO-Historical-Data-Monthly.xlsx")
    imf_monthly = wb_imf_prices.read_imf_monthly(root / "imf_pcps" / "external-data-v2.xls")
    prices = wb_imf_prices.price_panel(wb_monthly, imf_monthly)
    _check(
        checks,
        "price panel: schema (positive prices, monthly dates, one row per commodity and month)",
        "World Bank Pink Sheet, IMF PCPS",
        True,
        f"{len(prices):,} rows, {prices['commodity'].nunique()} metals",
    )
    agreement = source_agreement(wb_monthly, imf_monthly)
    base = agreement.drop(index="iron_ore", errors="ignore")  # iron ore: contract vs spot price until 2008
    worst = base["median_abs_rel_diff"].max()
    _check(
        checks,
        "price panel: World Bank and IMF agree on the metals both publish (median monthly difference "
        "< 1 %; iron ore excluded, contract vs spot until 2008)",
        "World Bank Pink Sheet, IMF PCPS",
        bool(worst < 0.01),
        f"largest median difference {worst:.2%} ({base['median_abs_rel_diff'].idxmax()})",
    )
    real = wb_imf_prices.read_worldbank_annual(root / "worldbank_pinksheet" / "CMO-Historical-Data-Annual.xlsx", "real")

    shares = paper.partner_shares(world, paper.usgs_map())
    candidates = paper.reproduction_candidates(table, shares)
    best = candidates.iloc[0]
    reproduction = paper.reproduce(table, shares, int(best["edition"]), int(best["year"]))
    _check(
        checks,
        "paper table reproduced from USGS within 0.1 pp",
        "paper vs USGS world",
        bool(reproduction["matches"].all()),
        f"{int(reproduction['matches'].sum())} of {len(reproduction)} minerals, "
        f"MCS {int(best['edition'])} production year {int(best['year'])}",
    )

    tables = {
        "world": world,
        "salient": salient,
        "prices_monthly": prices,
        "prices_annual_real": real,
        "paper_table": table,
        "paper_table_corrected": paper.table_for_analysis(table, problems_found),
        "paper_problems": problems_found,
        "paper_claims": claims,
        "paper_claims_vs_usgs": paper.claims_against_usgs(claims, world, paper.usgs_map()),
        "paper_reproduction": reproduction,
        "paper_reproduction_candidates": candidates,
    }
    return Built(tables, pd.DataFrame(checks), agreement, skipped)


REPORTED = "reported"  # a finding listed for the reader, not a pass/fail test


def source_agreement(worldbank_monthly: pd.DataFrame, imf_monthly: pd.DataFrame) -> pd.DataFrame:
    """Per metal published by both: months compared and the median absolute relative difference IMF vs World Bank."""
    overlap = wb_imf_prices.overlapping_prices(worldbank_monthly, imf_monthly)
    return (
        overlap.assign(abs_diff=overlap["rel_diff"].abs())
        .groupby("commodity")
        .agg(
            months=("abs_diff", "size"),
            median_abs_rel_diff=("abs_diff", "median"),
            max_abs_rel_diff=("abs_diff", "max"),
        )
    )


def _check(checks: list[dict], check: str, subject: str, passed: bool | str, detail: str) -> None:
    result = passed if isinstance(passed, str) else ("passed" if passed else "FAILED")
    checks.append({"check": check, "applies to": subject, "result": result, "detail": detail})


# ---------------------------------------------------------------- cross-checks on the USGS world table


def _world_totals(world: pd.DataFrame) -> pd.DataFrame:
    rows = world[(world["country_kind"] == WORLD) & world["value"].notna()]
    return rows.groupby(["commodity", "series", "stage", "measure", "year", "edition"])["value"].max().reset_index()


def edition_consistency(world: pd.DataFrame) -> pd.DataFrame:
    """World totals that change by more than EDITION_RATIO_LIMIT between consecutive editions (unit errors).

    Production and capacity are compared for the same year; reserves, which each edition gives for its own
    year only, edition against edition.
    """
    totals = _world_totals(world)
    totals.loc[totals["measure"] == "reserves", "year"] = 0  # compare reserves edition to edition
    wide = totals.pivot_table(
        index=["commodity", "series", "stage", "measure", "year"], columns="edition", values="value"
    )
    flagged = []
    editions = sorted(wide.columns)
    for older, newer in zip(editions, editions[1:]):
        ratio = (wide[newer] / wide[older]).replace([np.inf, 0], np.nan).dropna()
        bad = ratio[(ratio > EDITION_RATIO_LIMIT) | (ratio < 1 / EDITION_RATIO_LIMIT)]
        for key, value in bad.items():
            flagged.append(dict(zip(wide.index.names, key)) | {"editions": f"{older}->{newer}", "ratio": value})
    return pd.DataFrame(flagged)


def _country_sums(world: pd.DataFrame) -> pd.DataFrame:
    keys = ["edition", "commodity", "series", "stage", "year"]
    production = world[world["measure"] == "production"]
    parts = production[production["country_kind"].isin(["country", OTHER]) & (production["country_detail"] == "")]
    parts = parts.groupby(keys)["value"].sum(min_count=1)
    total = production[production["country_kind"] == WORLD].groupby(keys)["value"].max()
    return pd.concat({"sum_of_countries": parts, "world_total": total}, axis=1).dropna()


def world_sum_count(world: pd.DataFrame) -> int:
    return len(_country_sums(world))


def world_sum_gaps(world: pd.DataFrame) -> pd.DataFrame:
    """Production series-years where countries + 'Other countries' miss the world total by > WORLD_SUM_TOLERANCE."""
    sums = _country_sums(world)
    sums["gap"] = sums["sum_of_countries"] / sums["world_total"] - 1
    return sums[sums["gap"].abs() > WORLD_SUM_TOLERANCE].reset_index()


# ---------------------------------------------------------------- data quality summaries


def rows_read(world: pd.DataFrame, salient: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    by_edition = world.groupby("edition").agg(
        files=("source_file", "nunique"),
        rows=("value", "size"),
        commodities=("commodity", "nunique"),
        countries=("country", "nunique"),
        years=("year", lambda s: f"{s.min()}–{s.max()}"),
    )
    by_edition.index = [f"USGS MCS {edition} world" for edition in by_edition.index]
    salient_by = salient.groupby("edition").agg(
        files=("source_file", "nunique"),
        rows=("value", "size"),
        commodities=("commodity", "nunique"),
        years=("year", lambda s: f"{s.min()}–{s.max()}"),
    )
    salient_by.index = [f"USGS MCS {edition} salient" for edition in salient_by.index]
    price_by = prices.groupby("source").agg(
        rows=("price", "size"),
        commodities=("commodity", "nunique"),
        years=("date", lambda s: f"{s.min():%Y-%m}–{s.max():%Y-%m}"),
    )
    combined = pd.concat([by_edition, salient_by, price_by])
    for column in ("files", "rows", "commodities", "countries"):
        combined[column] = combined[column].astype("Int64")
    return combined


def withheld_summary(world: pd.DataFrame) -> pd.DataFrame:
    """Withheld values per edition and country (USGS withholds to avoid disclosing company data)."""
    rows = world[world["withheld"]]
    return (
        rows.groupby(["edition", "country"])
        .agg(values=("value", "size"), commodities=("commodity", lambda s: ", ".join(sorted(set(s)))))
        .reset_index()
    )


def renamed_names(world: pd.DataFrame) -> pd.DataFrame:
    """Raw country names that the parser changed, beyond white space: footnotes, markers, qualifiers."""
    rows = world[["country_raw", "country", "country_kind", "country_detail"]].drop_duplicates().copy()
    rows["raw_cleaned"] = rows["country_raw"].str.replace("\xa0", " ").str.split().str.join(" ")
    changed = rows[rows["raw_cleaned"] != rows["country"]]
    return (
        changed.groupby(["raw_cleaned", "country", "country_kind", "country_detail"])
        .size()
        .reset_index(name="variants")
        .rename(columns={"raw_cleaned": "as written"})
    )


SNAPSHOT_COMMODITIES = ("copper", "nickel", "lithium", "cobalt", "graphite", "zinc", "molybdenum", "rare_earths")
SNAPSHOT_COUNTRIES = ("United States", "Mexico", "Canada", "China", "World total")


def partner_snapshot(world: pd.DataFrame, commodities=SNAPSHOT_COMMODITIES) -> pd.DataFrame:
    """Latest edition, mine production of its latest year and reserves, for the partners, China and the world."""
    latest = world[
        (world["edition"] == world["edition"].max())
        & world["commodity"].isin(commodities)
        & (world["stage"] == "mine")
        & world["country"].isin(SNAPSHOT_COUNTRIES)
        & (world["country_detail"].eq("") | world["country_kind"].eq(WORLD))
    ]
    latest = latest[(latest["measure"] == "reserves") | (latest["year"] == latest["year"].max())]

    def cell_text(row):
        if row["missing"]:  # say why there is no number, as USGS does
            return usgs_world.MISSING_WORDS[row["missing"]]
        return "" if pd.isna(row["value"]) else f"{row['value']:,.0f}" + (" (bound)" if row["bound"] else "")

    latest = latest.assign(
        cell_text=latest.apply(cell_text, axis=1), column=latest["measure"] + " " + latest["year"].astype(str) + " (t)"
    )
    return latest.pivot_table(
        index=["commodity", "column"], columns="country", values="cell_text", aggfunc="first", fill_value=""
    )[list(SNAPSHOT_COUNTRIES)]


def salient_snapshot(salient: pd.DataFrame, commodities=SNAPSHOT_COMMODITIES) -> pd.DataFrame:
    """Latest edition: U.S. net import reliance per year for a few commodities (percent)."""
    latest = salient[
        (salient["edition"] == salient["edition"].max())
        & salient["commodity"].isin(commodities)
        & (salient["measure"] == "net_import_reliance")
    ]
    return latest.pivot_table(index="commodity", columns="year", values="value", aggfunc="first")


def unit_corrections_table() -> pd.DataFrame:
    return usgs_world.unit_corrections()


def headline_results(built: Built, comparison: pd.DataFrame) -> dict:
    """Chapter 01's headline numbers for the summary and the results file.

    `comparison` is the paper-vs-USGS table for the edition and year the reader chose (by default the best match).
    """
    t = built.tables
    world, reproduction = t["world"], t["paper_reproduction"]
    return {
        "world_rows": len(world),
        "world_rows_by_edition": world.groupby("edition").size().to_dict(),
        "commodities": int(world["commodity"].nunique()),
        "withheld_values": int(world["withheld"].sum()),
        "salient_rows": len(t["salient"]),
        "price_metals": int(t["prices_monthly"]["commodity"].nunique()),
        "price_months": len(t["prices_monthly"]),
        "paper_rows": len(t["paper_table"]),
        "paper_rows_reproduced": int(reproduction["matches"].sum()),
        "paper_source_edition": int(reproduction["usgs_edition"].iloc[0]),
        "paper_source_year": int(reproduction["usgs_year"].iloc[0]),
        "paper_max_abs_diff_pp": float(reproduction["max_abs_diff_pp"].max()),
        "comparison_edition": int(comparison["usgs_edition"].iloc[0]),
        "comparison_year": int(comparison["usgs_year"].iloc[0]),
        "comparison_rows_within_tolerance": int(comparison["matches"].sum()),
        "comparison_max_abs_diff_pp": float(comparison["max_abs_diff_pp"].max()),
        "paper_problems": t["paper_problems"][["check", "mineral", "value"]].to_dict("records"),
        "unit_corrections": len(usgs_world.unit_corrections()),
        "checks_failed": int((built.checks["result"] == "FAILED").sum()),
    }


# ---------------------------------------------------------------- storage

# The stamp lets a chapter run on its own tell fresh tables from stale ones: a digest of what the data step reads
# (as notebooks/chapters.yaml declares it: the registry with every fetched file's SHA-256, the hand-written tables)
# and of the package code.
STAMP_FILE = "inputs.json"
CHECKS_TABLE, AGREEMENT_TABLE, SKIPPED_FILE = "build_checks", "source_agreement", "skipped.json"


STEP = "tables"  # this data step's name in notebooks/chapters.yaml: the files it reads there make the stamp


def inputs_stamp() -> str:
    """What the tables are built from: the files their step reads (the build's own list, read here without the
    engine, as a chapter run alone needs it) and the package code."""
    reads = yaml.safe_load(paths.STEPS_FILE.read_text(encoding="utf-8"))[STEP]["reads"]
    return digest.combine(
        digest.files_digest(digest.matching(list(reads))), digest.files_digest(digest.package_sources())
    )


def build_step(out: Outputs, external_dir: Path | None = None) -> Built:
    """The build's data step: every source read and validated once; tidy tables, checks and stamp written for the
    chapters, which only read them."""
    built = build_tables(external_dir)
    write_tables(built.tables, out)
    built.checks.to_parquet(out.tables / f"{CHECKS_TABLE}.parquet", index=False)
    built.agreement.to_parquet(out.tables / f"{AGREEMENT_TABLE}.parquet")
    (out.tables / SKIPPED_FILE).write_text(json.dumps(built.skipped), encoding="utf-8")
    (out.tables / STAMP_FILE).write_text(json.dumps({"inputs": inputs_stamp()}), encoding="utf-8")
    return built


def is_fresh(out: Outputs) -> bool:
    stamp = out.tables / STAMP_FILE
    return stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")).get("inputs") == inputs_stamp()


def ensure_tables(out: Outputs) -> None:
    """Tables written by the build's data step for these inputs, or built now (a chapter run on its own)."""
    if not is_fresh(out):
        official_datasets.fetch()
        build_step(out)


def load_built(out: Outputs) -> Built:
    """The data step's tables with its checks, building them first when missing or stale."""
    ensure_tables(out)
    tables = {name: pd.read_parquet(out.tables / f"{name}.parquet") for name in TABLE_NAMES}
    return Built(
        tables,
        pd.read_parquet(out.tables / f"{CHECKS_TABLE}.parquet"),
        pd.read_parquet(out.tables / f"{AGREEMENT_TABLE}.parquet"),
        json.loads((out.tables / SKIPPED_FILE).read_text(encoding="utf-8")),
    )


def write_tables(tables: dict[str, pd.DataFrame], out: Outputs) -> None:
    out.tables.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_parquet(out.tables / f"{name}.parquet", index=False)


def read_table(name: str, out: Outputs) -> pd.DataFrame:
    """A tidy table of the data step, built first if this output folder has none or stale ones."""
    if name not in TABLE_NAMES:
        raise InputError("unknown table", field="name", value=name, fix=f"choose from {TABLE_NAMES}")
    ensure_tables(out)
    return pd.read_parquet(out.tables / f"{name}.parquet")
