"""The front-matter tables of the USGS Mineral Commodity Summaries: net import reliance with the major import sources
(Figure 2, editions 2023-2025) and the critical-minerals salient table (Table 5, editions 2024 and 2025).

The editions differ in ways a reader must not lose (each is tested in tests/test_usgs_trends.py):
- Figure 2: the order column is `Import_Share_Rank` in 2023 and `Import_Share_Order` later; it is the row's place in
  the published chart (sorted by reliance), not an import rank. The years sit in the column names
  (`Net_Import_Reliance_pct_2024`, `Major_Import_Sources_2020_2023`). Only 2024 and 2025 have a `Notes` column
  ("Imports from Hong Kong are included with China", kept). Reliance is a number or a bound (`>95`, `<25`). Sources
  are one comma-separated cell in descending order of import share, with stray spaces and footnote digits glued to
  names (`China3`); MCS 2023 lists a region (`Europe`) for scandium.
- Table 5: column names are misspelt in 2024 (`Apparent_Consuption`, `Contsumption_Notes`) and the columns are in
  another order in 2025; quantities are numbers, `W` (withheld), `NA`, or bounds (`<100,000`); reliance can be
  `E` (net exporter, 2025) or `NA`; names carry trailing and leading spaces (`Palladium `, ` Republic of Korea`);
  notes such as "Average 2020 to 2023. Includes Hong Kong." are kept.

Every commodity name must be listed in data/usgs_trends_names.csv and every source country must be known to
data/countries.csv (or listed in data/import_source_names.csv): anything else stops the build with the file, row and
name, so nothing is dropped silently.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..core import paths
from ..core.errors import InputError
from .countries import COUNTRY, normalise_country
from .handwritten_tables import read_data_table
from .usgs_csv import clean_text, read_rows

FIG2_EDITIONS = (2023, 2024, 2025)
T5_EDITIONS = (2024, 2025)
NAMES_FILE = paths.DATA_DIR / "usgs_trends_names.csv"
PRODUCTS_FILE = paths.DATA_DIR / "import_products.csv"
SOURCE_NAMES_FILE = paths.DATA_DIR / "import_source_names.csv"

MISSING = {"NA": "not available", "W": "withheld", "E": "net exporter", "": "blank"}


def fig2_path(edition: int, root: Path | None = None) -> Path:
    root = root or paths.external_dir()
    return root / f"usgs_mcs{edition}" / "industry_trends" / f"MCS{edition}_Fig2_Net_Import_Reliance.csv"


def t5_path(edition: int, root: Path | None = None) -> Path:
    root = root or paths.external_dir()
    return root / f"usgs_mcs{edition}" / "industry_trends" / f"MCS{edition}_T5_Critical_Minerals_Salient.csv"


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Value:
    """A USGS cell: a number, a bound ('>' at least, '<' at most) or a marker (withheld, not available, exporter)."""

    value: float  # NaN when only a marker is given
    relation: str  # '=' exact, '>' more than, '<' less than, '' none
    flag: str  # '' or a MISSING meaning
    text: str  # as written, cleaned


def parse_value(text: object, file: Path | None = None, row: int | None = None, field: str | None = None) -> Value:
    """'1,800' -> 1800; '>95' -> more than 95; '<100,000' -> less than 100,000; 'W', 'NA', 'E' -> markers."""
    cleaned = clean_text(text)
    if cleaned in MISSING:
        return Value(math.nan, "", MISSING[cleaned], cleaned)
    match = re.fullmatch(r"([<>]?)\s*(\d[\d,]*(?:\.\d+)?)", cleaned)
    if not match:
        raise InputError(
            "not a number, a bound or a USGS marker (W, NA, E)",
            file=file,
            row=row,
            field=field,
            value=cleaned,
            fix="check the file against the registry checksum and re-fetch it",
        )
    return Value(float(match[2].replace(",", "")), match[1] or "=", "", cleaned)


# ---------------------------------------------------------------- names


@lru_cache(maxsize=1)
def products(path: Path = PRODUCTS_FILE) -> pd.DataFrame:
    """data/import_products.csv: one row per product of the import tables, with its commodity and world series."""
    table = read_data_table(
        path, ["product", "commodity", "label", "world_series", "world_stage", "note", "cover_basis"]
    )
    commodities = set(read_data_table(paths.DATA_DIR / "usgs_commodities.csv", ["commodity"])["commodity"])
    for number, row in table.iterrows():
        if row["commodity"] not in commodities:
            raise InputError(
                "commodity not in data/usgs_commodities.csv",
                file=path,
                row=number + 2,
                field="commodity",
                value=row["commodity"],
                fix="use a commodity key of that file",
            )
    repeated = table[table["product"].duplicated()]
    if len(repeated):
        raise InputError(
            "product listed twice",
            file=path,
            row=int(repeated.index[0]) + 2,
            field="product",
            value=repeated["product"].iloc[0],
            fix="keep one row per product",
        )
    return table.set_index("product")


@lru_cache(maxsize=1)
def name_map(path: Path = NAMES_FILE) -> dict[str, str]:
    """Commodity name as USGS writes it (cleaned) -> product key; every product must be in data/import_products.csv."""
    table = read_data_table(path, ["as_written", "product", "note"])
    known = set(products().index)
    mapping = {}
    for number, row in table.iterrows():
        if row["product"] not in known:
            raise InputError(
                "product not in data/import_products.csv",
                file=path,
                row=number + 2,
                field="product",
                value=row["product"],
                fix="add the product there or correct the key",
            )
        name = clean_text(row["as_written"])
        if name in mapping:
            raise InputError(
                "name listed twice",
                file=path,
                row=number + 2,
                field="as_written",
                value=name,
                fix="keep one row per name",
            )
        mapping[name] = row["product"]
    return mapping


def product_for(name: str, file: Path, row: int, field: str) -> str:
    cleaned = clean_text(name)
    product = name_map().get(cleaned)
    if product is None:
        raise InputError(
            "commodity name not matched to a product",
            file=file,
            row=row,
            field=field,
            value=cleaned,
            fix=f"add a row for it to {NAMES_FILE.relative_to(paths.ROOT).as_posix()}",
        )
    return product


@lru_cache(maxsize=1)
def source_aliases(path: Path = SOURCE_NAMES_FILE) -> dict[str, tuple[str, str]]:
    table = read_data_table(path, ["as_written", "country", "kind", "note"])
    return {clean_text(row["as_written"]): (row["country"], row["kind"]) for _, row in table.iterrows()}


@dataclass(frozen=True)
class Source:
    country: str  # canonical name (data/countries.csv) or the region's name
    kind: str  # country | group
    raw: str
    footnote: str


def source_country(raw: str, file: Path, row: int, field: str) -> Source:
    """A source country as the import tables write it -> its canonical name; an unknown name stops the build."""
    cleaned = clean_text(raw)
    name = normalise_country(cleaned)
    alias = source_aliases().get(name.country if name.footnote else cleaned)
    if alias:
        return Source(alias[0], alias[1], raw, name.footnote)
    if name.kind != COUNTRY:
        raise InputError(
            "source country not recognised",
            file=file,
            row=row,
            field=field,
            value=cleaned,
            fix="add it to data/countries.csv, or to data/import_source_names.csv if USGS names it "
            "otherwise or it is a region",
        )
    return Source(name.country, COUNTRY, raw, name.footnote)


# ---------------------------------------------------------------- Figure 2: net import reliance and sources


def _column(header: list[str], pattern: str, file: Path) -> tuple[int, re.Match]:
    for index, name in enumerate(header):
        if match := re.fullmatch(pattern, clean_text(name)):
            return index, match
    raise InputError(
        "expected column missing",
        file=file,
        field=pattern,
        fix="the file's layout differs from the editions this reader knows; review it",
    )


def read_fig2(path: Path, edition: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One edition's Figure 2: (reliance, one row per product; sources, one row per product and source, by rank)."""
    rows = read_rows(path)
    header = rows[0]
    order_at, _ = _column(header, r"Import_Share_(?:Rank|Order)", path)
    name_at, _ = _column(header, r"Commodity", path)
    nir_at, nir = _column(header, r"Net_Import_Reliance_pct_(\d{4})", path)
    src_at, period = _column(header, r"Major_Import_Sources_(\d{4})_(\d{4})", path)
    notes_at = next((i for i, name in enumerate(header) if clean_text(name) == "Notes"), None)
    reliance, sources = [], []
    for number, row in enumerate(rows[1:], start=2):
        row = row + [""] * (len(header) - len(row))
        product = product_for(row[name_at], path, number, "Commodity")
        value = parse_value(row[nir_at], path, number, header[nir_at])
        notes = clean_text(row[notes_at]) if notes_at is not None else ""
        reliance.append(
            {
                "edition": edition,
                "source_file": path.name,
                "source_row": number,
                "chart_order": int(row[order_at]),
                "name": clean_text(row[name_at]),
                "product": product,
                "nir_year": int(nir[1]),
                "nir_pct": value.value,
                "nir_relation": value.relation,
                "nir_flag": value.flag,
                "nir_text": value.text,
                "sources_period": f"{period[1]}–{period[2]}",
                "notes": notes,
                "hong_kong_with_china": "Hong Kong are included with China" in notes,
            }
        )
        listed = [part for part in row[src_at].split(",") if clean_text(part)]
        for rank, part in enumerate(listed, start=1):
            source = source_country(part, path, number, header[src_at])
            sources.append(
                {
                    "edition": edition,
                    "product": product,
                    "rank": rank,
                    "listed": len(listed),
                    "country": source.country,
                    "kind": source.kind,
                    "as_written": clean_text(part),
                    "footnote": source.footnote,
                }
            )
    reliance = pd.DataFrame(reliance)
    repeated = reliance[reliance["product"].duplicated()]
    if len(repeated):
        raise InputError(
            "two rows for one product",
            file=path,
            row=int(repeated["source_row"].iloc[0]),
            field="Commodity",
            value=repeated["name"].iloc[0],
            fix="map the names to different products in data/usgs_trends_names.csv",
        )
    return reliance, pd.DataFrame(sources)


# ---------------------------------------------------------------- Table 5: critical-minerals salient statistics

# the columns each edition must have, under every spelling USGS has used
T5_COLUMNS = {
    "mineral": ("Critical_mineral",),
    "year": ("Year",),
    "primary_production": ("Primary_prod",),
    "secondary_production": ("Secondary_prod",),
    "production_notes": ("Prod_notes",),
    "apparent_consumption": ("Apparent_Consumption", "Apparent_Consuption"),
    "consumption_notes": ("Consumption_Notes", "Contsumption_Notes"),
    "nir": ("Net_Import_Reliance",),
    "primary_import_source": ("Primary_import_source",),
    "import_source_notes": ("Import_source_notes",),
    "leading_country": ("Leading_source_country",),
    "leading_country_production": ("Leading_country_prod",),
    "world_production": ("World_total_prod",),
    "world_production_notes": ("World_prod_notes",),
    "leading_share_pct": ("Leading_source_precent_world",),
}
T5_QUANTITIES = (
    "primary_production",
    "secondary_production",
    "apparent_consumption",
    "nir",
    "leading_country_production",
    "world_production",
    "leading_share_pct",
)


def read_t5(path: Path, edition: int) -> pd.DataFrame:
    """One edition's Table 5, one row per critical mineral; each quantity as value, relation and flag columns."""
    rows = read_rows(path)
    header = [clean_text(name) for name in rows[0]]
    at = {}
    for key, spellings in T5_COLUMNS.items():
        found = [header.index(name) for name in spellings if name in header]
        if not found:
            raise InputError(
                "expected column missing",
                file=path,
                field=spellings[0],
                fix="the file's layout differs from the editions this reader knows; review it",
            )
        at[key] = found[0]
    records = []
    for number, row in enumerate(rows[1:], start=2):
        row = row + [""] * (len(header) - len(row))
        cell = {key: row[index] for key, index in at.items()}
        year = re.fullmatch(r"(\d{4})(_estimated)?", clean_text(cell["year"]))
        if not year:
            raise InputError(
                "not a year", file=path, row=number, field="Year", value=cell["year"], fix="review the file"
            )
        record = {
            "edition": edition,
            "source_file": path.name,
            "source_row": number,
            "name": clean_text(cell["mineral"]),
            "product": product_for(cell["mineral"], path, number, "Critical_mineral"),
            "year": int(year[1]),
            "estimated": bool(year[2]),
        }
        for key in T5_QUANTITIES:
            value = parse_value(cell[key], path, number, rows[0][at[key]])
            record |= {key: value.value, f"{key}_relation": value.relation, f"{key}_flag": value.flag}
        for key in ("primary_import_source", "leading_country"):
            text = clean_text(cell[key])
            record[key] = "" if text in MISSING else source_country(text, path, number, rows[0][at[key]]).country
        for key in ("production_notes", "consumption_notes", "import_source_notes", "world_production_notes"):
            record[key] = clean_text(cell[key])
        records.append(record)
    return pd.DataFrame(records)


# ---------------------------------------------------------------- all editions


@dataclass
class Trends:
    reliance: pd.DataFrame  # Figure 2, every edition
    sources: pd.DataFrame  # Figure 2's import sources, long
    critical: pd.DataFrame  # Table 5, every edition that has it


def read_trends(root: Path | None = None) -> Trends:
    """Figure 2 of every edition and Table 5 of the editions that publish it, from the fetched files."""
    reliance, sources, critical = [], [], []
    for edition in FIG2_EDITIONS:
        part, listed = read_fig2(fig2_path(edition, root), edition)
        reliance.append(part)
        sources.append(listed)
    for edition in T5_EDITIONS:
        critical.append(read_t5(t5_path(edition, root), edition))
    return Trends(
        pd.concat(reliance, ignore_index=True),
        pd.concat(sources, ignore_index=True),
        pd.concat(critical, ignore_index=True),
    )


def check() -> None:
    """The build's check before any kernel starts: the mapping tables are consistent and every name in the fetched
    files is matched (an unknown commodity or country stops the build here with its file, row and name)."""
    products.cache_clear()
    name_map.cache_clear()
    source_aliases.cache_clear()
    read_trends()
