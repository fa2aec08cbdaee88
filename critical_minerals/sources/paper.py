"""Paper A's production-share table and share claims: read, validate, flag problems in the source, reproduce from USGS.

The table file (data/paper_a_production_shares.csv) is a transcription of the published table, typos included.
Problems are detected here and reported, never fixed in the file; `table_for_analysis` applies the corrections
the checks justify, and says so.
"""

from __future__ import annotations

import difflib
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..core import display, paths
from ..core.errors import InputError
from .countries import PARTNERS, WORLD
from .handwritten_tables import read_data_table

PAPER_TABLE = paths.DATA_DIR / "paper_a_production_shares.csv"
PAPER_CLAIMS = paths.DATA_DIR / "paper_claims.csv"
PAPER_USGS_MAP = paths.DATA_DIR / "paper_usgs_map.csv"
SOURCE_A = "Brookings, USMCA Forward 2025, critical-minerals chapter (paper A), table of production shares"

SHARE_COLUMNS = {"us_pct": "United States", "mexico_pct": "Mexico", "canada_pct": "Canada"}
TEXT_COLUMNS = ["energy_transition_applications", "defense_applications"]
TABLE_COLUMNS = ["mineral", *SHARE_COLUMNS, "total_pct", *TEXT_COLUMNS]
NOT_LISTED = "-"  # the paper's mark for a partner share it does not give
TOTAL_TOLERANCE_PP = 0.1
REPRODUCTION_TOLERANCE_PP = 0.1

# Words that mark an application as military or as energy-transition; used only to spot swapped cells.
DEFENCE_TERMS = ("armor", "armour", "missile", "radar", "weapon", "explosive", "munition", "aircraft", "jet engine")
ENERGY_TERMS = ("fuel cell", "battery", "batteries", "solar", "wind", "hydrogen", "electric vehicle", "grid")


# ---------------------------------------------------------------- reading and validation


def _line(index: int) -> int:
    return int(index) + 2  # CSV line: header is line 1


def read_paper_table(path: Path = PAPER_TABLE) -> pd.DataFrame:
    """The published table as numbers: shares in percent, NaN where the paper gives '-'. Validated."""
    raw = read_data_table(path, TABLE_COLUMNS)
    table = raw[TABLE_COLUMNS].copy()
    table["mineral"] = table["mineral"].str.strip()
    for column in [*SHARE_COLUMNS, "total_pct"]:
        table[column] = [_share(value, path, index, column) for index, value in raw[column].items()]
    return validate_paper_table(table, path)


def _share(value: str, path: Path, index: int, column: str) -> float:
    text = value.strip()
    if text == NOT_LISTED:
        return np.nan
    try:
        return float(text)
    except ValueError:
        raise InputError(
            "not a number",
            file=path,
            row=_line(index),
            field=column,
            value=value,
            fix=f"write a share in percent, or '{NOT_LISTED}' where the paper gives none",
        ) from None


def validate_paper_table(table: pd.DataFrame, path: Path | str = PAPER_TABLE) -> pd.DataFrame:
    """Shares in [0, 100]; total = sum of the partners within 0.1 pp; one row per mineral."""
    partners = table[list(SHARE_COLUMNS)].fillna(0).sum(axis=1)
    schema = pa.DataFrameSchema(
        {
            "mineral": pa.Column(
                str, [pa.Check.str_length(min_value=1), pa.Check(lambda s: ~s.duplicated(), error="duplicated mineral")]
            ),
            **{column: pa.Column(float, pa.Check.in_range(0, 100), nullable=True) for column in SHARE_COLUMNS},
            "total_pct": pa.Column(
                float,
                [
                    pa.Check.in_range(0, 100),
                    pa.Check(
                        lambda s: (s - partners).abs() <= TOTAL_TOLERANCE_PP,
                        error="total differs from the sum of the partners by > 0.1 pp",
                    ),
                ],
            ),
        },
    )
    try:
        return schema.validate(table, lazy=True)
    except pa.errors.SchemaErrors as err:
        case = err.failure_cases.sort_values("index", na_position="last").iloc[0]
        index = case["index"]
        detail = ""
        if case["column"] == "total_pct" and index is not None:
            detail = f"; partners sum to {partners.loc[index]:g}"
        raise InputError(
            f"fails check {case['check']}{detail}",
            file=path,
            row=_line(index) if index is not None else None,
            field=case["column"],
            value=case["failure_case"],
            fix="correct the transcription to match the published table",
        ) from None


def read_claims(path: Path = PAPER_CLAIMS) -> pd.DataFrame:
    claims = read_data_table(
        path, ["claim_id", "paper", "measure", "country", "mineral", "mineral_as_written", "value_pct"]
    )
    numbers = pd.to_numeric(claims["value_pct"], errors="coerce")  # whole numbers stay integers
    if numbers.isna().any():
        index = numbers.isna().idxmax()
        raise InputError(
            "not a number",
            file=path,
            row=_line(index),
            field="value_pct",
            value=claims["value_pct"][index],
            fix="write the share in percent as the text states it",
        )
    claims["value_pct"] = numbers
    bad = claims[(claims["value_pct"] < 0) | (claims["value_pct"] > 100)]
    if not bad.empty:
        raise InputError(
            "share outside [0, 100]",
            file=path,
            row=_line(bad.index[0]),
            field="value_pct",
            value=bad["value_pct"].iloc[0],
            fix="correct the transcription",
        )
    return claims


# ---------------------------------------------------------------- problems in the source


def source_problems(table: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Everything in the paper that looks wrong or inconsistent, one row each: check, mineral, field, value, finding."""
    rows = [*_misspellings(table), *_swapped_applications(table), *_claims_against_table(table, claims)]
    return pd.DataFrame(rows, columns=["check", "mineral", "field", "value", "finding"])


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z-]+", text)


def _misspellings(table: pd.DataFrame) -> list[dict]:
    """A word that is one or two letters off a word used elsewhere in the table is a likely typo."""
    counts = pd.Series([w.lower() for column in TEXT_COLUMNS for cell in table[column] for w in _words(cell)])
    frequency = counts.value_counts()
    found = []
    for _, row in table.iterrows():
        for column in TEXT_COLUMNS:
            for word in _words(row[column]):
                others = [w for w in frequency.index if w != word.lower() and frequency[w] > frequency[word.lower()]]
                close = difflib.get_close_matches(word.lower(), others, n=1, cutoff=0.9)
                if close:
                    found.append(
                        {
                            "check": "spelling",
                            "mineral": row["mineral"],
                            "field": column,
                            "value": word,
                            "finding": f"likely typo of '{close[0]}' (used elsewhere in the table)",
                        }
                    )
    return found


def _mentions(text: str, terms: tuple[str, ...]) -> list[str]:
    return [term for term in terms if term in text.lower()]


def _swapped_applications(table: pd.DataFrame) -> list[dict]:
    found = []
    for _, row in table.iterrows():
        defence_in_energy = _mentions(row["energy_transition_applications"], DEFENCE_TERMS)
        energy_in_defence = _mentions(row["defense_applications"], ENERGY_TERMS)
        if defence_in_energy and energy_in_defence:
            found.append(
                {
                    "check": "swapped cells",
                    "mineral": row["mineral"],
                    "field": "energy/defense applications",
                    "value": f"{row['energy_transition_applications']} | {row['defense_applications']}",
                    "finding": f"energy column names defence uses ({', '.join(defence_in_energy)}) "
                    "and the defence column "
                    f"names energy uses ({', '.join(energy_in_defence)}): the two cells look swapped",
                }
            )
    return found


def _claims_against_table(table: pd.DataFrame, claims: pd.DataFrame) -> list[dict]:
    """Production claims in the text must have a table row and agree with it up to rounding to whole percent."""
    found = []
    by_mineral = table.set_index("mineral")
    column_of = {country: column for column, country in SHARE_COLUMNS.items()}
    for claim in claims[claims["measure"] == "production"].itertuples():
        if claim.mineral not in by_mineral.index:
            found.append(
                {
                    "check": "text vs table",
                    "mineral": claim.mineral,
                    "field": "mineral",
                    "value": f"{claim.country} {claim.value_pct:g} %",
                    "finding": f"stated in the text ({claim.claim_id}) but the table has no row for it",
                }
            )
            continue
        in_table = by_mineral.loc[claim.mineral, column_of[claim.country]]
        if np.isnan(in_table) or abs(in_table - claim.value_pct) > 0.5:
            found.append(
                {
                    "check": "text vs table",
                    "mineral": claim.mineral,
                    "field": column_of[claim.country],
                    "value": f"text {claim.value_pct:g} %, table {in_table:g}",
                    "finding": f"text ({claim.claim_id}) and table disagree beyond rounding",
                }
            )
        if claim.mineral_as_written != claim.mineral and claim.mineral_as_written.lower() != claim.mineral.lower():
            found.append(
                {
                    "check": "spelling",
                    "mineral": claim.mineral,
                    "field": "text",
                    "value": claim.mineral_as_written,
                    "finding": f"misspelt in the text ({claim.claim_id})",
                }
            )
    return found


def table_for_analysis(table: pd.DataFrame, problems: pd.DataFrame) -> pd.DataFrame:
    """The table with the corrections that `problems` justify: typos fixed, swapped application cells put back."""
    fixed = table.copy()
    for problem in problems.itertuples():
        rows = fixed["mineral"] == problem.mineral
        if problem.check == "spelling" and problem.field in TEXT_COLUMNS:
            correct = re.search(r"typo of '([^']+)'", problem.finding).group(1)
            fixed.loc[rows, problem.field] = fixed.loc[rows, problem.field].str.replace(
                problem.value, correct.capitalize() if problem.value[0].isupper() else correct, regex=False
            )
        elif problem.check == "swapped cells":
            fixed.loc[rows, TEXT_COLUMNS] = fixed.loc[rows, TEXT_COLUMNS[::-1]].to_numpy()
    return fixed


# ---------------------------------------------------------------- reproduction from USGS


def usgs_map(path: Path = PAPER_USGS_MAP) -> pd.DataFrame:
    return read_data_table(path, ["mineral", "commodity", "series", "stage", "world_series"])


def partner_shares(world: pd.DataFrame, mapping: pd.DataFrame, measure: str = "production") -> pd.DataFrame:
    """Each partner's share of the world total, per mapped mineral, edition and year (percent).

    Share = country value / 'World total' value of the same edition and year, for the mapped commodity and series
    (the world total of `world_series` where the mapping names one). Production also matches on stage; reserves,
    reported once per series, do not.
    """
    rows = world[world["measure"] == measure]
    mapping = mapping.assign(
        world_series=mapping["world_series"].where(mapping["world_series"] != "", mapping["series"])
    )
    keys = ["commodity", "series"] + (["stage"] if measure != "reserves" else [])
    group = ["mineral", "edition", "year"]
    countries = rows.merge(mapping[["mineral", *keys]], on=keys)
    world_rows = rows.merge(mapping[["mineral", *keys]].assign(series=mapping["world_series"]), on=keys)
    totals = world_rows[world_rows["country_kind"] == WORLD].groupby(group)["value"].max().rename("world")
    # a qualified country row ('Canada (shipments)') is not the country's series value
    partners = countries[
        countries["country"].isin(PARTNERS)
        & (countries["country_kind"] == "country")
        & (countries["country_detail"] == "")
    ]
    wide = partners.pivot_table(index=group, columns="country", values="value", aggfunc="max")
    withheld = partners[partners["withheld"]].groupby(group)["country"].agg(lambda s: ", ".join(sorted(s)))
    shares = wide.join(totals, how="right")
    for country in PARTNERS:
        shares[country] = 100 * shares.get(country, np.nan) / shares["world"]
    shares["withheld"] = withheld.reindex(shares.index).fillna("")
    return shares[[*PARTNERS, "world", "withheld"]].reset_index()


CLAIM_ROUNDING_PP = 0.5  # the text gives whole percents


def claims_against_usgs(claims: pd.DataFrame, world: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """Each share stated in the text beside the USGS share in every edition (its reserves year, or for production
    its first, non-estimated year), and the editions that agree with it up to rounding to whole percent."""
    rows = []
    for measure, part in claims.groupby("measure"):
        shares = partner_shares(world, mapping, measure)
        if measure == "production":
            shares = shares[shares["year"] == shares["edition"] - 2]
        long = shares.melt(
            id_vars=["mineral", "edition"], value_vars=list(PARTNERS), var_name="country", value_name="usgs_pct"
        )
        rows.append(part.merge(long, on=["mineral", "country"], how="left"))
    both = pd.concat(rows, ignore_index=True)
    wide = both.pivot_table(
        index=["claim_id", "measure", "country", "mineral", "value_pct"],
        columns="edition",
        values="usgs_pct",
        aggfunc="first",
    )
    wide.columns = [f"MCS {int(edition)}" for edition in wide.columns]
    editions = list(wide.columns)
    agree = wide[editions].sub(wide.index.get_level_values("value_pct"), axis=0).abs() <= CLAIM_ROUNDING_PP
    wide["agrees with"] = agree.apply(lambda row: ", ".join(e for e in editions if row[e]) or "none", axis=1)
    return wide.reset_index().sort_values("claim_id", ignore_index=True)


def reproduction_candidates(paper: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """For every edition and year: how many of the paper's listed shares USGS reproduces within 0.1 pp."""
    long_paper = paper.melt(id_vars="mineral", value_vars=list(SHARE_COLUMNS), var_name="column", value_name="paper")
    long_paper["country"] = long_paper["column"].map(SHARE_COLUMNS)
    long_paper = long_paper.dropna(subset=["paper"])
    long_usgs = shares.melt(
        id_vars=["mineral", "edition", "year"], value_vars=list(PARTNERS), var_name="country", value_name="usgs"
    )
    both = long_paper.merge(long_usgs, on=["mineral", "country"])
    both["diff"] = (both["usgs"] - both["paper"]).abs()
    both["within"] = both["diff"] <= REPRODUCTION_TOLERANCE_PP
    summary = both.groupby(["edition", "year"]).agg(
        cells=("within", "size"), cells_within=("within", "sum"), max_abs_diff_pp=("diff", "max")
    )
    rows_within = both.groupby(["edition", "year", "mineral"])["within"].all().groupby(["edition", "year"]).sum()
    summary["minerals_within"] = rows_within
    return summary.reset_index().sort_values(
        ["cells_within", "max_abs_diff_pp"], ascending=[False, True], ignore_index=True
    )


def reproduce(paper: pd.DataFrame, shares: pd.DataFrame, edition: int, year: int) -> pd.DataFrame:
    """Paper shares beside USGS-derived shares of one edition and year, with differences (pp)."""
    chosen = shares[(shares["edition"] == edition) & (shares["year"] == year)].set_index("mineral")
    out = paper[["mineral"]].copy()
    for column, country in SHARE_COLUMNS.items():
        out[f"{column}_paper"] = paper[column]
        out[f"{column}_usgs"] = out["mineral"].map(chosen[country])
        out[f"{column}_diff"] = out[f"{column}_usgs"] - out[f"{column}_paper"]
    out["total_pct_paper"] = paper["total_pct"]
    listed = paper[list(SHARE_COLUMNS)].notna().to_numpy()
    usgs = out[[f"{column}_usgs" for column in SHARE_COLUMNS]].to_numpy()
    out["total_pct_usgs"] = np.where(listed, np.nan_to_num(usgs), 0).sum(axis=1)  # same partners as the paper lists
    out["total_pct_diff"] = out["total_pct_usgs"] - out["total_pct_paper"]
    diffs = out[[f"{column}_diff" for column in SHARE_COLUMNS]].abs()
    out["max_abs_diff_pp"] = diffs.max(axis=1)
    out["matches"] = (diffs.fillna(0) <= REPRODUCTION_TOLERANCE_PP).all(axis=1) & out["mineral"].isin(chosen.index)
    out["usgs_edition"], out["usgs_year"] = edition, year
    out["usgs_withheld"] = out["mineral"].map(chosen["withheld"]).fillna("")
    return out


PAPER_DECIMALS = 1  # the paper prints shares to one decimal


def rounded(value: float, decimals: int = PAPER_DECIMALS) -> float:
    """`value` rounded half up to `decimals`, as a table printed to that precision should show it."""
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def rounding_departures(reproduction: pd.DataFrame, decimals: int = PAPER_DECIMALS) -> pd.DataFrame:
    """The paper's listed shares that are not the USGS share correctly rounded to `decimals`, one row each.

    Returns mineral, partner, the USGS share, it rounded, the paper's value and the difference (pp); `attrs["cells"]`
    is the number of listed shares compared.
    """
    rows, cells = [], 0
    for column, country in SHARE_COLUMNS.items():
        both = reproduction[reproduction[f"{column}_paper"].notna() & reproduction[f"{column}_usgs"].notna()]
        cells += len(both)
        for row in both.itertuples():
            usgs, printed = getattr(row, f"{column}_usgs"), getattr(row, f"{column}_paper")
            if rounded(usgs, decimals) != rounded(printed, decimals):
                rows.append(
                    {
                        "mineral": row.mineral,
                        "partner": country,
                        "usgs_pct": usgs,
                        "usgs_rounded_pct": rounded(usgs, decimals),
                        "paper_pct": printed,
                        "difference_pp": printed - rounded(usgs, decimals),
                    }
                )
    table = pd.DataFrame(
        rows, columns=["mineral", "partner", "usgs_pct", "usgs_rounded_pct", "paper_pct", "difference_pp"]
    )
    table.attrs["cells"] = cells
    return table


def rounding_text(reproduction: pd.DataFrame, decimals: int = PAPER_DECIMALS) -> str:
    """Whether the paper's table is USGS rounded to `decimals`, and the cells where it is not."""
    departures = rounding_departures(reproduction, decimals)
    cells, places = departures.attrs["cells"], f"{decimals} decimal place" + ("s" if decimals != 1 else "")
    if departures.empty:
        return (
            f" All {cells} listed shares are the USGS value rounded to {places}: the table is a copy of USGS "
            "figures for that year."
        )
    listed = "; ".join(
        f"{row.mineral} ({row.partner}): USGS {row.usgs_pct:.4f} % rounds to "
        f"{row.usgs_rounded_pct:.{decimals}f}, the paper prints {row.paper_pct:.{decimals}f}"
        for row in departures.itertuples()
    )
    return (
        f" {cells - len(departures)} of the {cells} listed shares are the USGS value correctly rounded to "
        f"{places}; {len(departures)} are not, though each is within {REPRODUCTION_TOLERANCE_PP} pp of USGS: "
        f"{listed}. "
        "The table is a transcription of USGS figures for that year with these departures, not an exact "
        "rounded copy."
    )


def reproduction_verdict(reproduction: pd.DataFrame) -> str:
    """One paragraph, computed from the comparison, on what the reproduction shows."""
    edition, year = int(reproduction["usgs_edition"].iloc[0]), int(reproduction["usgs_year"].iloc[0])
    matched = reproduction[reproduction["matches"]]
    text = (
        f"{len(matched)} of the {len(reproduction)} rows agree with USGS MCS {edition} (production year {year}) "
        f"within {REPRODUCTION_TOLERANCE_PP} pp for every share the paper lists."
    )
    if len(matched) < len(reproduction):
        text += " Rows that differ: " + ", ".join(reproduction.loc[~reproduction["matches"], "mineral"]) + "."
    text += rounding_text(reproduction)
    dashes = []
    for column, country in SHARE_COLUMNS.items():
        usgs = reproduction[f"{column}_usgs"]
        hidden = reproduction[reproduction[f"{column}_paper"].isna() & usgs.notna() & (usgs > 0)]
        dashes += [f"{row.mineral} ({country}, {row[f'{column}_usgs']:.1f} %)" for _, row in hidden.iterrows()]
    if dashes:
        text += " Where the paper shows a dash, USGS has a small positive share: " + "; ".join(dashes) + "."
    withheld = reproduction[reproduction["usgs_withheld"] != ""]
    if not withheld.empty:
        text += (
            " USGS withholds the U.S. figure for "
            + ", ".join(withheld["mineral"])
            + " to avoid disclosing company data, which is why the paper gives none."
        )
    return text


def check_comparison(edition: int, year: int, candidates: pd.DataFrame) -> None:
    """The chosen edition and year must be one USGS published; the error lists the ones that exist."""
    available = sorted(zip(candidates["edition"].astype(int), candidates["year"].astype(int)))
    if (edition, year) not in available:
        raise InputError(
            "no USGS production data for this edition and year",
            field="comparison_edition/_year",
            value=f"{edition}/{year}",
            fix="choose one of " + ", ".join(f"{e}/{y}" for e, y in available) + ", or 0 for the best",
        )


def reproduction_view(reproduction: pd.DataFrame) -> pd.DataFrame:
    """The comparison as readers see it: per partner, the paper's share, the USGS share and the difference (pp); the
    differences are the table's details (the report shows them in its all-columns copy, in the data appendix)."""
    view = reproduction.set_index("mineral")
    parts = {}
    for column, country in [*SHARE_COLUMNS.items(), ("total_pct", "Total")]:
        parts[(country, "paper")] = view[f"{column}_paper"]
        parts[(country, "USGS")] = view[f"{column}_usgs"]
        parts[(country, "difference")] = view[f"{column}_diff"]
    parts[("", "matches")] = view["matches"].astype(bool)
    parts[("", "USGS withheld")] = view["usgs_withheld"]
    return display.details(pd.DataFrame(parts), ["difference"])


def claims_verdict(checked: pd.DataFrame) -> str:
    """What the text's share statements show, computed from `claims_against_usgs`."""
    parts = []
    for measure, part in checked.groupby("measure"):
        editions = [c for c in part.columns if c.startswith("MCS ")]
        every = [e for e in editions if part["agrees with"].str.contains(e).all()]
        none = part[part["agrees with"] == "none"]
        counts = {e: int(part["agrees with"].str.contains(e).sum()) for e in editions}
        best = [e for e, n in counts.items() if n == max(counts.values())]
        text = f"Of the {len(part)} {measure} shares stated in the text, " + (
            f"all agree with {' and '.join(every)} up to rounding"
            if every
            else f"no single edition reproduces all of them; {' and '.join(best)} each agree with "
            f"{max(counts.values())}, so the statements draw on more than one vintage"
        )
        if not none.empty:
            text += "; none agrees with " + ", ".join(
                f"{row.country} {row.mineral.lower()} ({row.value_pct:g} %)" for row in none.itertuples()
            )
        parts.append(text + ".")
    return " ".join(parts)
