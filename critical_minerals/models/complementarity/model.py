"""How the three partners' mineral supply fits together: shares, complementarity, concentration, headroom, trend.

Works on chapter 01's tidy USGS world table. The unit of analysis is a *product*: one USGS commodity series at one
stage (copper at the mine, refined copper, kaolin...). A share is a country's value over the world total of the same
product, edition, year and measure detail, in percent. Withheld values stay unknown: they are never read as zero
without saying so, and every metric reports what they do to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ...core import display, paths
from ...core.errors import InputError
from ...sources import usgs_world
from ...sources.countries import OTHER, PARTNERS, WORLD
from ...sources.critical_lists import critical_lists, list_commodities
from ...sources.handwritten_tables import read_data_table
from ...tables import WORLD_SUM_TOLERANCE

CHINA = "China"
CLUB = "US+CA+MX"
# 2023 Merger Guidelines (U.S. DOJ and FTC, 18 Dec 2023), Guideline 1: markets with an HHI above 1,800 are
# highly concentrated.
HHI_HIGHLY_CONCENTRATED = 1800.0
GAP_CHINA_ABOVE_PCT = 50.0  # a 'gap mineral': China above this share of world output...
GAP_CLUB_BELOW_PCT = 10.0  # ...and the three partners together below this one
SERIES_CHOICE = paths.DATA_DIR / "production_series_choice.csv"
COMMODITY_NAMES = paths.DATA_DIR / "usgs_commodities.csv"

REPORTED, WITHHELD, IN_OTHER, NOT_LISTED = "reported", "withheld", "in 'Other countries'", "not listed"
IN_WORLD, IN_OTHER_ROW = "in the world total only", "reported with another series"
# how a partner's missing value (usgs_world's `missing` class) enters the analysis; other classes count as not listed
STATUS_OF_MISSING = {
    "withheld": WITHHELD,
    "in_world_total": IN_WORLD,
    "in_other_row": IN_OTHER_ROW,
    "in_other_countries": IN_OTHER,
}
BOUNDED_BY_UNASSIGNED = (WITHHELD, IN_WORLD, IN_OTHER_ROW)  # at most what the world total leaves unassigned
UNKNOWN_STATUSES = (*BOUNDED_BY_UNASSIGNED, IN_OTHER)
SINGLE, OVERLAPPING, ABSENT, UNDETERMINED = "single partner", "overlapping", "absent", "undetermined"


# ---------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Selection:
    """The edition, production year and products a chapter run looks at."""

    edition: int
    year: int
    estimated: bool  # the year's production figures are preliminary estimates in that edition
    reserves_year: int
    stage: str
    scope: str


def edition_years(world: pd.DataFrame) -> pd.DataFrame:
    """Per edition: its production years; the latest is preliminary (estimated), the earlier ones are reported."""
    years = world[world["measure"] == "production"].groupby("edition")["year"].agg(["min", "max"])
    reserves = world[world["measure"] == "reserves"].groupby("edition")["year"].max()
    return years.assign(reserves_year=reserves).rename(columns={"min": "first_year", "max": "estimated_year"})


def default_year(editions: pd.DataFrame) -> int:
    """The latest production year that some edition reports as final rather than estimated (`edition_years`)."""
    return int(editions["first_year"].max())


def edition_for_year(editions: pd.DataFrame, year: int) -> int:
    """The edition to read a production year from: the latest in which it is final, else the latest that has it.

    `editions` is the `edition_years` table."""
    final = editions.index[editions["first_year"] == year]
    having = editions.index[(editions["first_year"] <= year) & (editions["estimated_year"] >= year)]
    if len(final):
        return int(final.max())
    if len(having):
        return int(having.max())
    first, last = int(editions["first_year"].min()), int(editions["estimated_year"].max())
    raise InputError(
        "no USGS edition reports this production year",
        field="production_year",
        value=year,
        fix=f"choose a year from {first} to {last}, or 0 for the latest final year",
    )


def select(
    world: pd.DataFrame,
    production_year: int = 0,
    usgs_edition: int = 0,
    stage: str = "mine",
    scope: str = "paper15",
    overlap_threshold_pp: float = 2.0,
    leading_margin_pp: float = 5.0,
) -> Selection:
    """Check the chapter's parameters against the data, before any computation, and resolve the defaults. The static
    choices and ranges (stage, scope, thresholds) are rules of notebooks/parameters.yaml, checked before this runs."""
    editions = edition_years(world)
    year = production_year or default_year(editions)
    if usgs_edition and usgs_edition not in editions.index:
        raise InputError(
            "unknown USGS edition",
            field="usgs_edition",
            value=usgs_edition,
            fix=f"choose one of {', '.join(map(str, editions.index))}, or 0 for the best for the year",
        )
    edition = usgs_edition or edition_for_year(editions, year)
    row = editions.loc[edition]
    if not row["first_year"] <= year <= row["estimated_year"]:
        raise InputError(
            f"MCS {edition} has no production for this year",
            field="production_year",
            value=year,
            fix=f"choose {row['first_year']} or {row['estimated_year']}, or set usgs_edition to 0",
        )
    return Selection(
        int(edition), int(year), bool(year == row["estimated_year"]), int(row["reserves_year"]), stage, scope
    )


# ---------------------------------------------------------------- products


def series_choice(path: Path = SERIES_CHOICE) -> pd.DataFrame:
    """Which of a commodity's series stand for the mine and the refinery stage, and which are left out, and why."""
    table = read_data_table(path, ["commodity", "series", "stage", "role", "label", "reason"])
    allowed_values = {"role": {"mine_stage", "refinery_stage", "excluded"}, "stage": set(usgs_world.STAGES)}
    for column, allowed in allowed_values.items():
        bad = table[~table[column].isin(allowed)]
        if len(bad):
            raise InputError(
                f"unknown {column}",
                file=path,
                row=int(bad.index[0]) + 2,
                field=column,
                value=bad[column].iloc[0],
                fix=f"use one of {', '.join(sorted(allowed))}",
            )
    repeated = table[table.duplicated(["commodity", "series", "stage"])]
    if len(repeated):
        raise InputError(
            "series listed twice",
            file=path,
            row=int(repeated.index[0]) + 2,
            field="series",
            value=repeated["series"].iloc[0],
            fix="keep one row per commodity, series and stage",
        )
    return table


def _label(commodity: str, series: str, names: dict[str, str]) -> str:
    name = names.get(commodity, commodity.replace("_", " ").capitalize())
    return name if series == commodity else f"{name} ({series.replace('_', ' ')})"


def catalogue(
    world: pd.DataFrame,
    selection: Selection,
    paper_map: pd.DataFrame,
    paper_minerals: list[str],
    choice: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The products in scope, one row each: label, commodity, series, stage.

    `paper15`: the minerals of paper A's table, as mapped to USGS series in data/paper_usgs_map.csv.
    `all`: every production series of the edition, less the alternatives left out in
    data/production_series_choice.csv. Either way, where a commodity has a mine and a refinery series, the
    selected stage decides which one stands for it.
    """
    choice = series_choice() if choice is None else choice
    alternatives = choice[choice["role"].str.endswith("_stage")]
    chosen = alternatives[alternatives["role"] == f"{selection.stage}_stage"].set_index("commodity")
    keys = ["commodity", "series", "stage"]
    if selection.scope == "paper15":
        products = paper_map[paper_map["mineral"].isin(paper_minerals)][["mineral", *keys]].copy()
        switch = products["commodity"].isin(chosen.index)
        for column in ("series", "stage"):
            products.loc[switch, column] = products.loc[switch, "commodity"].map(chosen[column])
        products = products.rename(columns={"mineral": "label"})
        staged = switch & (products["stage"] != "mine")
        products.loc[staged, "label"] += " (" + products.loc[staged, "stage"] + ")"
    else:
        rows = world[(world["edition"] == selection.edition) & (world["measure"] == "production")]
        products = rows[keys].drop_duplicates()
        excluded = choice[choice["role"] == "excluded"][keys]
        products = products.merge(excluded, on=keys, how="left", indicator=True)
        products = products[products["_merge"] == "left_only"].drop(columns="_merge")
        other_stage = alternatives[alternatives["role"] != f"{selection.stage}_stage"][keys]
        products = products.merge(other_stage, on=keys, how="left", indicator=True)
        products = products[products["_merge"] == "left_only"].drop(columns="_merge")
        names = read_data_table(COMMODITY_NAMES, ["commodity", "name"]).set_index("commodity")["name"].to_dict()
        products["label"] = [_label(c, s, names) for c, s in zip(products["commodity"], products["series"])]
        named = products.merge(alternatives[[*keys, "label"]], on=keys, how="left")["label_y"].fillna("")
        products["label"] = np.where(named != "", named, products["label"])
        if selection.scope.startswith("critical_"):
            listed = list_commodities(critical_lists(), selection.scope[-4:])
            products = products[products["commodity"].isin(listed)]
    return products[["label", *keys]].sort_values("label", ignore_index=True)


# ---------------------------------------------------------------- shares


@dataclass
class Supply:
    """Per product: the world total and its caveats (`products`), and every country's share (`shares`, long)."""

    products: pd.DataFrame  # index label: world (used), world_published, world_replaced, unit, measure_detail,
    #                         world_excludes_us, other_pct, named_in_other
    shares: pd.DataFrame  # label, country, value, share_pct, withheld, missing, qualified


def label_sums(labels: pd.Series, values: pd.Series) -> pd.Series:
    """Sum of `values` per label, indexed by label. Each label's values are added in row order with numpy's pairwise
    sum, as Series.sum adds them (groupby's compensated sum can differ in the last bit and so change the figures'
    data files)."""
    order = np.argsort(labels.to_numpy(), kind="stable")
    keys, numbers = labels.to_numpy()[order], values.to_numpy(dtype=float)[order]
    if not len(keys):
        return pd.Series(dtype=float)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return pd.Series([part.sum() for part in np.split(numbers, starts[1:])], index=keys[starts], dtype=float)


def supply(world: pd.DataFrame, products: pd.DataFrame, edition: int, year: int, measure: str) -> Supply:
    """Shares of world production (the given year) or reserves (the edition's) for every product and country.

    Reserves are reported once per series, so they match on commodity and series only. Country values are
    compared with the world total of the same measure detail (potash ore vs K2O content). Where USGS gives a
    country only a qualified value (Canada's lime: shipments), that value is used and marked.
    """
    keys = ["commodity", "series"] + (["stage"] if measure == "production" else [])
    rows = world[(world["edition"] == edition) & (world["measure"] == measure)]
    if measure == "production":
        rows = rows[rows["year"] == year]
    rows = rows.merge(products[["label", *keys]], on=keys)
    totals = rows[(rows["country_kind"] == WORLD) & rows["value"].notna()]
    totals = totals.assign(blank=totals["measure_detail"] != "").sort_values(["label", "blank", "value"])
    totals = totals.drop_duplicates("label", keep="first").set_index("label")
    detail = rows["label"].map(totals["measure_detail"])
    rows = rows[rows["measure_detail"] == detail]

    countries = rows[rows["country_kind"] == "country"].assign(qualified=lambda d: d["country_detail"])
    countries = countries.assign(plain=countries["qualified"] == "").sort_values(["label", "country", "plain", "value"])
    countries = countries.drop_duplicates(["label", "country"], keep="last")  # the plain row, else the largest
    folded = rows[rows["country_kind"] == OTHER].groupby("label")
    other = pd.DataFrame({"other": folded["value"].sum(), "notes": folded["notes"].agg(" ".join)})
    table = pd.DataFrame(index=totals.index)
    parts = countries.groupby("label")["value"].sum().add(other["other"], fill_value=0).reindex(totals.index)
    # a world total well below the sum of its parts is a slip in the source (MCS 2025 kaolin, 2024: 4.4 Mt for
    # 44.4 Mt): the sum of the parts is used instead, and reported
    table["world_replaced"] = parts > totals["value"] * (1 + WORLD_SUM_TOLERANCE)
    table["world_published"] = totals["value"]
    table["world"] = totals["value"].where(~table["world_replaced"], parts)
    table["unit"] = totals["unit"]
    table["measure_detail"] = totals["measure_detail"]
    table["world_excludes_us"] = (totals["country_detail"] + " " + totals["notes"]).str.contains(
        r"exclud\w* (?:the )?(?:U\.S\.|United States)", case=False, regex=True
    )
    table["other_pct"] = 100 * other["other"].reindex(table.index) / table["world"]
    table["named_in_other"] = (
        other["notes"]
        .reindex(table.index)
        .fillna("")
        .map(lambda text: ", ".join(p for p in PARTNERS if p in text and "Other countries" in text))
    )
    shares = countries[countries["label"].isin(table.index)][
        ["label", "country", "value", "withheld", "missing", "qualified"]
    ]
    shares = shares.assign(share_pct=100 * shares["value"] / shares["label"].map(table["world"]))
    shares = shares.reset_index(drop=True)[
        ["label", "country", "value", "share_pct", "withheld", "missing", "qualified"]
    ]
    return Supply(table, shares)


def missing_world_totals(products: pd.DataFrame, supply_: Supply) -> pd.DataFrame:
    """Products in scope that have no usable world total in the selection (USGS gives none, or withholds it)."""
    return products[~products["label"].isin(supply_.products.index)]


def partner_status(supply_: Supply) -> pd.DataFrame:
    """One row per product and partner: share (NaN when unknown), how it is known, and the most it can be.

    reported: USGS gives the value. withheld, in the world total only (USGS: "Included in World total"), reported with
    another series (U.S. rutile with ilmenite): at most what the world total leaves unassigned, unbounded when the
    world total excludes the United States. in 'Other countries': USGS names the partner among
    the countries folded into 'Other countries'; at most that aggregate's share. not listed: taken as zero (USGS lists
    every producer it considers significant).
    """
    products = supply_.products
    grid = pd.MultiIndex.from_product([products.index, PARTNERS], names=["label", "partner"])
    entry = supply_.shares.set_index(["label", "country"]).reindex(grid)
    listed = entry["withheld"].notna().to_numpy()  # a listed country always has a withheld flag
    share = entry["share_pct"].to_numpy()
    row_product = products.reindex(grid.get_level_values("label"))
    reported = supply_.shares.dropna(subset=["share_pct"])
    reported_sum = label_sums(reported["label"], reported["share_pct"]).reindex(products.index, fill_value=0.0)
    unassigned = np.maximum(0.0, 100 - reported_sum - products["other_pct"].fillna(0.0))
    partner = grid.get_level_values("partner").to_numpy()
    is_reported = ~np.isnan(share)
    kind = np.array([STATUS_OF_MISSING.get(m, "") for m in entry["missing"].fillna("")], dtype=object)
    is_withheld = ~is_reported & listed & np.isin(kind, BOUNDED_BY_UNASSIGNED)
    in_other = (
        ~is_reported
        & ~is_withheld
        & (
            (kind == IN_OTHER)
            | np.array([name in named for name, named in zip(partner, row_product["named_in_other"])], dtype=bool)
        )
    )
    unbounded = row_product["world_excludes_us"].to_numpy(bool) & (partner == "United States")
    withheld_bound = np.where(unbounded, np.nan, unassigned.reindex(grid.get_level_values("label")).to_numpy())
    return pd.DataFrame(
        {
            "label": grid.get_level_values("label"),
            "partner": partner,
            "share_pct": np.where(is_reported, share, np.where(is_withheld | in_other, np.nan, 0.0)),
            "status": np.select([is_reported, is_withheld, in_other], [REPORTED, kind, IN_OTHER], NOT_LISTED),
            "upper_pct": np.select(
                [is_reported, is_withheld, in_other], [share, withheld_bound, row_product["other_pct"].to_numpy()], 0.0
            ),
            "qualified": entry["qualified"].where(listed, "").to_numpy(),
        }
    )


# ---------------------------------------------------------------- complementarity


def classify(status: pd.DataFrame, overlap_threshold_pp: float, leading_margin_pp: float) -> pd.DataFrame:
    """Per product: partner shares, club share, leading partner and class.

    A partner is present at or above `overlap_threshold_pp`. Single partner: exactly one present and no unknown
    share that could reach the threshold; overlapping: two or more present; absent: none present and none possible;
    undetermined: the answer turns on a withheld or folded value. The leading partner has the largest reported
    share; its lead is clear when it exceeds every other partner's share, or the most that share can be, by at least
    `leading_margin_pp`.
    """
    labels = status["label"].unique()

    def wide(column: str) -> pd.DataFrame:
        return status.pivot(index="label", columns="partner", values=column).reindex(
            index=labels, columns=list(PARTNERS)
        )

    shares, upper, kinds = wide("share_pct"), wide("upper_pct"), wide("status")
    present = shares >= overlap_threshold_pp
    unknown = kinds.isin(UNKNOWN_STATUSES)
    possible = unknown & ~(upper < overlap_threshold_pp)
    count = present.sum(axis=1).to_numpy()
    any_possible = possible.any(axis=1).to_numpy()
    known = shares.fillna(0)
    best = known.max(axis=1).to_numpy()
    leader = np.where(best > 0, known.idxmax(axis=1), "")
    is_leader = known.columns.to_numpy() == leader[:, None]
    runner_up = np.where(is_leader, -np.inf, upper).max(axis=1)  # NaN when a rival is unbounded: lead unknown
    lead = np.where(leader != "", best - runner_up, np.nan)

    def partners(mask: pd.DataFrame) -> list[str]:
        return [", ".join(mask.columns[row]) for row in mask.to_numpy()]

    return pd.DataFrame(
        {
            "label": labels,
            **{p: shares[p].to_numpy() for p in PARTNERS},
            CLUB: known.sum(axis=1).to_numpy(),
            "partners_present": partners(present),
            "could_reach_threshold": partners(possible),
            "class": np.select(
                [count >= 2, ~any_possible & (count > 0), ~any_possible], [OVERLAPPING, SINGLE, ABSENT], UNDETERMINED
            ),
            "leading_partner": leader,
            "lead_pp": lead,
            "clear_lead": (leader != "") & (lead >= leading_margin_pp),
            "unknown": [
                "; ".join(f"{p}: {s}" for p, s, is_unknown in zip(PARTNERS, row_kinds, row_unknown) if is_unknown)
                for row_kinds, row_unknown in zip(kinds.to_numpy(), unknown.to_numpy())
            ],
        }
    )


def threshold_sensitivity(
    status: pd.DataFrame, thresholds=(1.0, 2.0, 5.0, 10.0), leading_margin_pp: float = 5.0
) -> pd.DataFrame:
    """How many products fall in each class as the overlap threshold changes."""
    counts = {t: classify(status, t, leading_margin_pp)["class"].value_counts() for t in thresholds}
    table = pd.DataFrame(counts).reindex([SINGLE, OVERLAPPING, ABSENT, UNDETERMINED]).fillna(0).astype(int)
    table.columns = [f"{t:g} pp" for t in thresholds]
    return table.rename_axis("class").reset_index()


def rank_at_threshold(supply_: Supply, threshold_pp: float) -> float:
    """Median rank among a product's producers of the smallest country share at or above the threshold."""
    shares = supply_.shares.dropna(subset=["share_pct"])
    ranks = shares.groupby("label")["share_pct"].rank(ascending=False, method="min")
    above = ranks[shares["share_pct"] >= threshold_pp]
    return float(above.groupby(shares.loc[above.index, "label"]).max().median())


# ---------------------------------------------------------------- similarity


def finger_kreinin(a, b) -> float:
    """Finger–Kreinin similarity of two non-negative profiles: sum of the element-wise minimum of each profile
    normalised to sum to one. 1 = the same structure, 0 = nothing in common. NaN if either profile is all zero."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if (a < 0).any() or (b < 0).any():
        raise ValueError("profiles must be non-negative")
    if a.sum() == 0 or b.sum() == 0:
        return float("nan")
    return float(np.minimum(a / a.sum(), b / b.sum()).sum())


def share_profiles(supply_: Supply) -> pd.DataFrame:
    """Products × countries matrix of world shares (percent); withheld and unlisted values count as zero."""
    return supply_.shares.pivot_table(
        index="label", columns="country", values="share_pct", aggfunc="max", fill_value=0.0
    ).reindex(supply_.products.index, fill_value=0.0)


def similarity_matrix(profiles: pd.DataFrame, countries=None) -> pd.DataFrame:
    """Finger–Kreinin similarity of every pair of countries' profiles of world shares across products.

    A country's profile is its share of world output in each product, normalised to sum to one: where in the
    product range its weight in world supply lies. Similar profiles mean the same minerals; low similarity means
    each supplies different ones — the papers' complementarity.
    """
    matrix = profiles[list(countries)] if countries is not None else profiles
    totals = matrix.sum(axis=0).to_numpy()
    weights = np.divide(matrix.to_numpy(), totals, out=np.zeros(matrix.shape), where=totals > 0)
    similarity = np.minimum(weights[:, :, None], weights[:, None, :]).sum(axis=0)
    similarity[:, totals == 0] = np.nan
    similarity[totals == 0, :] = np.nan
    return pd.DataFrame(similarity, index=matrix.columns, columns=matrix.columns)


def peers(profiles: pd.DataFrame, count: int = 20) -> list[str]:
    """The `count` countries producing the most products in scope (ties: larger summed share first)."""
    breadth = pd.DataFrame({"products": (profiles > 0).sum(axis=0), "total": profiles.sum(axis=0)})
    return breadth.sort_values(["products", "total"], ascending=False).index[:count].tolist()


def pair_context(profiles: pd.DataFrame, pairs: list[tuple[str, str]], peer_count: int = 20) -> pd.DataFrame:
    """Similarity of chosen pairs and where each stands among all pairs of the `peer_count` most diversified
    producers (percentile: share of those pairs that are less similar). Like is compared with like: countries that
    produce one or two minerals are dissimilar to everyone, which says nothing about complementarity."""
    producers = peers(profiles, peer_count)
    matrix = similarity_matrix(profiles, producers)
    upper = matrix.to_numpy()[np.triu_indices(len(producers), k=1)]
    upper = upper[~np.isnan(upper)]
    full = similarity_matrix(profiles)
    rows = []
    for a, b in pairs:
        value = full.loc[a, b] if a in full.index and b in full.index else np.nan
        rows.append(
            {
                "pair": f"{a} – {b}",
                "similarity": value,
                "percentile": round(float((upper < value).mean() * 100)) if pd.notna(value) else np.nan,
                "partner_pair": a in PARTNERS and b in PARTNERS,
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["all_pairs"] = upper
    table.attrs["peers"] = producers
    return table


# ---------------------------------------------------------------- concentration


def hhi(shares_pct) -> float:
    """Herfindahl–Hirschman index on the 0–10,000 scale from shares in percent (NaN entries ignored)."""
    values = np.asarray(shares_pct, dtype=float)
    return float(np.nansum(values**2))


def pooled_hhi(shares_pct: pd.Series, pool) -> float:
    """HHI with the members of `pool` merged into one supplier: their squares replaced by the square of their sum."""
    members = shares_pct.reindex(list(pool)).fillna(0.0)
    return hhi(shares_pct) - float((members**2).sum()) + float(members.sum()) ** 2


def club_share(status: pd.DataFrame) -> pd.Series:
    """Per product (index, sorted): the three partners' combined share of world supply, unknown shares as zero."""
    shares = status.pivot(index="label", columns="partner", values="share_pct").reindex(columns=list(PARTNERS))
    return shares.fillna(0).sum(axis=1)


def concentration(supply_: Supply, status: pd.DataFrame) -> pd.DataFrame:
    """Per product: HHI of the named countries, as is and with the three partners pooled, China's and the club's
    share, and the share no named country accounts for ('Other countries', withheld values, rounding).

    The HHI counts named countries only; were the unassigned share one supplier it would add at most its square
    (`hhi_upper`). That bound and the unassigned share are the table's details: the report shows them in its
    all-columns copy in the data appendix (display.table).
    """
    labels = supply_.shares["label"].unique()
    known = supply_.shares.dropna(subset=["share_pct"])
    hhi_ = label_sums(known["label"], known["share_pct"] ** 2).reindex(labels, fill_value=0.0)
    assigned = label_sums(known["label"], known["share_pct"]).reindex(labels, fill_value=0.0)
    unassigned = np.maximum(0.0, 100 - assigned)
    partners = (
        known.pivot(index="label", columns="country", values="share_pct")
        .reindex(index=labels, columns=list(PARTNERS))
        .fillna(0.0)
    )
    china = known[known["country"] == CHINA].set_index("label")["share_pct"]
    top = known.sort_values("share_pct", ascending=False, kind="stable").drop_duplicates("label").set_index("label")
    table = pd.DataFrame(
        {
            "label": labels,
            "hhi": hhi_.to_numpy(),
            # pooling replaces the members' squares by the square of their sum
            "hhi_pooled": (hhi_ - (partners**2).sum(axis=1) + partners.sum(axis=1) ** 2).to_numpy(),
            "hhi_upper": (hhi_ + unassigned**2).to_numpy(),
            "china_pct": china.reindex(labels, fill_value=0.0).to_numpy(),
            "club_pct": club_share(status).reindex(labels, fill_value=0.0).to_numpy(),
            "unassigned_pct": unassigned.to_numpy(),
            "top_country": top["country"].reindex(labels).fillna("").to_numpy(),
            "top_pct": top["share_pct"].reindex(labels).to_numpy(),
        }
    )
    table["highly_concentrated"] = table["hhi"] > HHI_HIGHLY_CONCENTRATED
    table["gap"] = (table["china_pct"] > GAP_CHINA_ABOVE_PCT) & (table["club_pct"] < GAP_CLUB_BELOW_PCT)
    return display.details(
        table.sort_values("hhi", ascending=False, ignore_index=True), ["hhi_upper", "unassigned_pct"]
    )


# ---------------------------------------------------------------- headroom


def headroom(production: pd.DataFrame, reserves: pd.DataFrame) -> pd.DataFrame:
    """Per product and partner with a reported reserve share: reserve share minus production share (pp).

    Positive headroom — a larger share of the world's reserves than of its output — marks a candidate for expanding
    production. Inputs are `partner_status` tables for production and for reserves.
    """
    both = production.merge(reserves, on=["label", "partner"], suffixes=("_production", "_reserves"))
    both = both[both["status_reserves"] == REPORTED]
    both = both.assign(headroom_pp=both["share_pct_reserves"] - both["share_pct_production"])
    columns = ["label", "partner", "share_pct_production", "status_production", "share_pct_reserves", "headroom_pp"]
    return both[columns].sort_values("headroom_pp", ascending=False, ignore_index=True)


# ---------------------------------------------------------------- trend


def trend(
    world: pd.DataFrame,
    selection: Selection,
    paper_map: pd.DataFrame,
    paper_minerals: list[str],
    choice: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Club and China shares of world production for every year the editions cover, each year read from the
    latest edition in which it is final (the latest year from the newest edition, as an estimate)."""
    rows = []
    editions = edition_years(world)
    choice = series_choice() if choice is None else choice
    for year in range(int(editions["first_year"].min()), int(editions["estimated_year"].max()) + 1):
        edition = edition_for_year(editions, year)
        here = Selection(
            edition,
            year,
            year == editions.loc[edition, "estimated_year"],
            int(editions.loc[edition, "reserves_year"]),
            selection.stage,
            selection.scope,
        )
        products = catalogue(world, here, paper_map, paper_minerals, choice)
        supply_ = supply(world, products, edition, year, "production")
        status = partner_status(supply_)
        club = club_share(status)
        withheld = status[status["status"] == WITHHELD].groupby("label")["partner"].agg(", ".join)
        china = supply_.shares[supply_.shares["country"] == CHINA].set_index("label")["share_pct"]
        frame = pd.DataFrame(
            {
                "club_pct": club,
                "china_pct": china.reindex(club.index).fillna(0.0),
                "withheld": withheld.reindex(club.index).fillna(""),
            }
        )
        rows.append(frame.reset_index().assign(year=year, edition=edition, estimated=here.estimated))
    return pd.concat(rows, ignore_index=True)[
        ["label", "year", "edition", "estimated", "club_pct", "china_pct", "withheld"]
    ]


def trend_change(trend_: pd.DataFrame) -> pd.DataFrame:
    """Per product: club and China shares in the first and last year and the change (pp)."""
    first, last = trend_["year"].min(), trend_["year"].max()
    wide = trend_.pivot_table(index="label", columns="year", values=["club_pct", "china_pct"])
    table = pd.DataFrame(
        {
            f"club {first}": wide[("club_pct", first)],
            f"club {last}": wide[("club_pct", last)],
            f"China {first}": wide[("china_pct", first)],
            f"China {last}": wide[("china_pct", last)],
        }
    )
    table["club change (pp)"] = table[f"club {last}"] - table[f"club {first}"]
    table["China change (pp)"] = table[f"China {last}"] - table[f"China {first}"]
    return table.reset_index()


# ---------------------------------------------------------------- the papers' claims

PAPER_B_OVERLAP = ("lithium",)  # paper B: all three partners have deposits, so their support must be aligned
PAPER_B_NOT_OVERLAP = ("copper", "nickel", "graphite")  # paper B: no zero-sum competition among the partners


def claims_check(
    world: pd.DataFrame,
    selection: Selection,
    overlap_threshold_pp: float,
    leading_margin_pp: float,
    choice: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Paper B's examples classified on production and on reserves, whatever the chapter's scope. The values a
    partner withholds (`unknown`) are a detail the report shows in the table's all-columns copy."""
    everything = Selection(
        selection.edition, selection.year, selection.estimated, selection.reserves_year, selection.stage, "all"
    )
    products = catalogue(world, everything, pd.DataFrame(), [], choice)
    products = products[products["commodity"].isin((*PAPER_B_OVERLAP, *PAPER_B_NOT_OVERLAP))]
    rows = []
    for measure in ("production", "reserves"):
        supply_ = supply(world, products, selection.edition, selection.year, measure)
        table = classify(partner_status(supply_), overlap_threshold_pp, leading_margin_pp)
        rows.append(table.assign(measure=measure))
    table = pd.concat(rows, ignore_index=True)
    said_overlapping = table["label"].map(products.set_index("label")["commodity"]).isin(PAPER_B_OVERLAP)
    table["paper_b_says"] = np.where(
        said_overlapping,
        "zero-sum: all three partners hold strong deposits",
        "not zero-sum: room for several North American projects",
    )
    table["data_agree"] = np.where(
        table["class"] == UNDETERMINED,
        "cannot tell",
        np.where((table["class"] == OVERLAPPING) == said_overlapping, "yes", "no"),
    )
    return display.details(
        table[["label", "measure", *PARTNERS, CLUB, "class", "unknown", "paper_b_says", "data_agree"]], ["unknown"]
    )


# ---------------------------------------------------------------- the trend figure's products


def trend_panels(change: pd.DataFrame, limit: int = 20) -> list[str]:
    """Products for the trend figure: all when few; else those where the club ever reached 10 % or China 50 %,
    largest latest club share first."""
    if len(change) <= limit:
        return change["label"].tolist()
    club, china = change.filter(like="club ").drop(columns="club change (pp)"), change.filter(like="China ")
    notable = change[(club.max(axis=1) >= GAP_CLUB_BELOW_PCT) | (china.max(axis=1) >= GAP_CHINA_ABOVE_PCT)]
    return notable.sort_values(club.columns[-1], ascending=False)["label"].head(limit).tolist()
