"""USGS Mineral Commodity Summaries (MCS 2023-2025) "salient statistics" CSVs -> one tidy long table.

One row per file x year x data column: edition, commodity, year, estimated, measure, detail, value, unit,
withheld, flag, source_column, source_unit, source_file.

Measure vocabulary: `measure` (controlled) + `detail` (the rest of the column name, lower case, misspellings fixed):
  production            US production of any kind, the variant in `detail`: 'mine', 'refinery_primary',
                        'smelter_secondary', 'secondary_old', 'sold_used', 'bauxite_mine', 'extracted' ...
                        (`USprod_*`, `Prod_*`, `*_Mine_*`, `*_Refinery_*`, `Sold_*`, `Sales_*`, `Recycled_*` ...).
  shipments             producer shipments and Government-stockpile shipments (`Shipments_*`; negative = receipts).
  imports, exports      `Imports_*`, `Exports_*` (detail = form: 'ores', 'refined', 'scrap' ...).
  apparent_consumption  `Consump_*`, `AppCons_*`, `*_Apparent_*`, `Consump_Est_*` (USGS estimate of consumption).
  reported_consumption  `Consump_Reported|Rprtd|Rpt_*` and cobalt's "estimated" consumption (a survey figure).
  net_import_reliance   `NIR_*`, percent of apparent consumption.
  price                 `Price_*`: prices, unit values and price indexes.
  stocks                `Stocks_*` (industry, producer, Government, exchange ...).
  employment            `Employment_*`, number of people.
  other                 anything else: furnace and casting shares, apparent supply, wallboard products.

Units: the unit is the last `_` token of the column name. Quantities become 't' (or 'carat', 'm3') through
critical_minerals.sources.units, prices 'USD/t' through units.price_factor_to_usd_per_t, million dollars 'USD';
'percent' for NIR and shares, 'count' for employment. Units that cannot be converted stay as they are
('USD/carat', 'USD/mtu' = per metric ton unit of contained metal, 'index', 'million ft2').
`source_unit` is the token the number was read in (after a header correction, the corrected token).
A few prices are given in two units (nickel $/t and $/lb, soda ash $/t and $/short ton): both rows are kept.

Quirks handled (one line each):
- UTF-8 byte-order mark (all files but one); CRLF line ends; quoted header names containing commas.
- Trailing empty columns and blank rows (Excel export artefacts) are dropped.
- Non-breaking spaces, surrounding spaces and thousands separators in numbers ('1,230 ' -> 1230.0).
- Unicode minus signs ('−88' t, stockpile receipts) are read as negative numbers.
- 'W' = withheld: value NaN, withheld True, flag 'W'. Other markers give NaN with the marker in `flag`: 'NA',
  '-', 'XX', 'E' (net exporter), 'Small', 'Less than ½ unit.'; footnote digits glued to a marker are dropped.
  '—' (and '–') means zero in USGS tables: value 0.0, flag '—'.
- Bounds ('>50', '<1,000') and ranges ('50–300') are not point values: value NaN, the text kept in `flag`.
- A leading 'e' on a number ('e150') marks an estimate: value kept, estimated True, flag 'e'.
- Year cells may carry an estimate marker ('2024e', 'Est. 2024') or footnote digits; in addition the latest year
  of each edition (edition - 1) is estimated (FGDC metadata: "Data are estimated for the most recent year").
- Unit tokens glued to the name ('USprod_Primarykg', 'Price_WO3dt') are split off; 'CASE STATEMENT ERROR'
  prefixes (a USGS export bug) are removed and a lone money unit then means a price.
- Employment and NIR columns carry garbled unit tokens ('um', 'm', 'mmt', 't', 'ct'): they are 'count'/'percent'.
- Repeated or empty header names get '#<n>' suffixes in `source_column` so every column stays unique.
- Wrong, permuted, shifted or unit-less header labels are corrected in `_HEADER_FIXES` (explicit, per edition and
  commodity, with the evidence: FGDC metadata, or the same series in the neighbouring edition);
  `source_column` still shows the raw header.
- Files that are not salient tables (three MCS 2024 'salient' files hold world production tables) are skipped
  and reported by read_salient_edition, as are the two MCS 2023 .xlsx workbooks.
Left as published: MCS 2024 rounds some $/lb and $/kg prices to whole dollars (arsenic, bismuth, bromine, cadmium,
chromium, iron oxide pigments, selenium), MCS 2025 rounds bort prices to 0, and a few trade cells are negative
(asbestos and tellurium 2024, diamond stones 2025).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ..core.errors import InputError
from . import units
from .usgs_csv import ZERO_MARKERS, clean_text, commodity_for_code, read_rows

MEASURES = (
    "production",
    "shipments",
    "imports",
    "exports",
    "apparent_consumption",
    "reported_consumption",
    "net_import_reliance",
    "price",
    "stocks",
    "employment",
    "other",
)

COLUMNS = [
    "edition",
    "commodity",
    "year",
    "estimated",
    "measure",
    "detail",
    "value",
    "unit",
    "withheld",
    "flag",
    "source_column",
    "source_unit",
    "source_file",
]


class NotSalientTableError(InputError):
    """The file is readable but is not a salient-statistics table (no Year column); callers may skip it."""


# --------------------------------------------------------------------------------------------- file names

_FILE_RE = re.compile(r"^mcs(?P<edition>\d{4})-?(?P<code>.+)_salient\.csv$", re.IGNORECASE)


def commodity_for_file(path: Path, edition: int, commodities: pd.DataFrame) -> str:
    """Canonical commodity key for a salient file name: 'mcs2023tellu_salient.csv' -> 'tellurium'."""
    match = _FILE_RE.match(path.name)
    if not match:
        raise InputError("file name is not mcs<edition>-<code>_salient.csv", file=path, fix="rename it or leave it out")
    if int(match["edition"]) != edition:
        raise InputError(
            f"file belongs to edition {match['edition']}, not {edition}", file=path, fix="pass the right edition"
        )
    return commodity_for_code(match["code"], edition, commodities, path)


# --------------------------------------------------------------------------------------------- cells

_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_MARKER_RE = re.compile(r"^(?P<marker>W|NA|XX|E|—|–|-)\d{0,2}$")  # footnote digits glued to a marker
_MINUS = str.maketrans({"−": "-", "\u2012": "-"})  # Unicode minus / figure dash used as a sign


def parse_cell(raw: str) -> tuple[float, str, bool, bool]:
    """One data cell -> (value, flag, withheld, estimated). Non-numeric cells give NaN and keep their text."""
    text = clean_text(raw)
    if not text:
        return math.nan, "", False, False
    estimated = bool(re.match(r"^e\s*[\d.]", text))  # 'e150': USGS estimate marker glued to the number
    body = text[1:].strip() if estimated else text
    number = body.translate(_MINUS).replace(",", "").replace(" ", "")
    if _NUMBER_RE.match(number):
        return float(number), "e" if estimated else "", False, estimated
    marker = _MARKER_RE.match(body)
    flag = marker["marker"] if marker else text
    return (0.0 if flag in ZERO_MARKERS else math.nan), flag, flag == "W", False


_YEAR_RE = re.compile(
    r"^(?P<pre>est(?:imated)?\.?\s*)?(?P<year>(?:19|20)\d{2})(?P<post>\s*(?:e|est(?:imated)?\.?))?(?P<note>\d{1,2})?$",
    re.IGNORECASE,
)


def parse_year(raw: str) -> tuple[int, bool]:
    """'2024' -> (2024, False); '2024e', 'Est. 2024', '2024 est' -> (2024, True); footnote digits are ignored."""
    match = _YEAR_RE.match(clean_text(raw))
    if not match:
        raise ValueError(raw)
    return int(match["year"]), bool(match["pre"] or match["post"])


# --------------------------------------------------------------------------------------------- column names

# raw unit token -> (kind, unit string understood by critical_minerals.sources.units, or a raw unit label)
_UNIT_TOKENS: dict[str, tuple[str, str]] = {
    "t": ("quantity", "t"),
    "kt": ("quantity", "kt"),
    "kg": ("quantity", "kg"),
    "g": ("quantity", "g"),
    "mmt": ("quantity", "Mt"),  # million metric tons
    "mct": ("quantity", "mct"),  # million carats
    "mcm": ("quantity", "mcm"),  # million cubic meters (helium)
    "dt": ("price", "USD/t"),
    "dkg": ("price", "USD/kg"),
    "dg": ("price", "USD/g"),
    "dlb": ("price", "USD/lb"),
    "ctslb": ("price", "USc/lb"),
    "dtoz": ("price", "USD/troy_oz"),
    "dto": ("price", "USD/troy_oz"),
    "dst": ("price", "USD/short_ton"),
    "dct": ("raw", "USD/carat"),
    "df": ("raw", "USD/flask"),
    "dmtu": ("raw", "USD/mtu"),  # dollars per metric ton unit (10 kg of contained metal or oxide)
    "pct": ("percent", "percent"),
    "num": ("count", "count"),
    "mdol": ("usd_million", "USD"),
    "msqft": ("raw", "million ft2"),
    "index": ("raw", "index"),
    "um": ("typo", ""),  # 'Employment_um' (num)
    "m": ("typo", ""),  # 'Employment_m' (num)
    "ct": ("typo", ""),  # 'NIR_ct' (pct)
}
# tokens seen glued to the previous word ('Primarykg', 'WO3dt'); money units only count after 'Price'
_GLUED_UNITS = ("mcm", "kg", "kt", "pct", "t")
_GLUED_PRICE_UNITS = ("dkg", "dt")
_JUNK_PREFIX = "CASE STATEMENT ERROR"

# measure keywords; the left-most one in the name decides, except NIR/employment/price which win anywhere
_OVERRIDING = (("net_import_reliance", r"NIR"), ("employment", r"(?i:employment)"), ("price", r"(?i:price)"))
_KEYWORDS = (
    (
        "production",
        r"(?i:usprod|(?:^|_)prod(?=_|$)|production|(?:^|_)mine(?=_|$)|refinery|sold|sales|extracted|"
        r"withdrawn|recycl)",
    ),
    ("shipments", r"(?i:shipments)"),
    ("imports", r"(?i:imports)"),
    ("exports", r"(?i:exports)"),
    ("consumption", r"(?i:consum|appcons|(?:^|_)apparent(?=_|$))"),
    ("stocks", r"(?i:stocks)"),
)
_REPORTED_RE = re.compile(r"(?i:(?:^|_)(?:reported|rprtd|rpt)(?=_|$))")
# misspellings in USGS headers, corrected so the same series has the same `detail` in every edition
_SPELLING = {
    "ferrrochromium": "ferrochromium",
    "ilmente": "ilmenite",
    "seconday": "secondary",
    "hyraulic": "hydraulic",
    "silco": "silico",
    "foms": "forms",
    "mll": "mill",
    "compds": "compounds",
    "cmpds": "compounds",
    "consumtion": "consumption",
}
# generic words dropped from `detail` (the measure already says them)
_NOISE = {
    "usprod",
    "prod",
    "production",
    "imports",
    "exports",
    "shipments",
    "stocks",
    "price",
    "employment",
    "nir",
    "consump",
    "appcons",
    "consumption",
    "apparent",
    "apprnt",
    "app",
    "reported",
    "rprtd",
    "rpt",
}


def split_unit(label: str) -> tuple[str, str]:
    """'USprod_Mine_kt' -> ('USprod_Mine', 'kt'); glued 'USprod_Primarykg' -> ('USprod_Primary', 'kg')."""
    stem, _, last = label.rpartition("_")
    if last.lower() in _UNIT_TOKENS:
        return stem, last.lower()
    glued = _GLUED_PRICE_UNITS if re.search(r"(?i:price)", label) else _GLUED_UNITS
    for token in glued:
        head = last[: -len(token)]
        if last.endswith(token) and len(head) >= 3:  # 'Consump_Reportedt' -> 'Reported' + 't', not + 'dt'
            return (f"{stem}_{head}" if stem else head), token
    return label.rstrip("_"), ""


def classify(label: str) -> tuple[str, str]:
    """Measure and detail of a column label without its unit: 'USprod_Refinery-primary' -> ('production', ...)."""
    for measure, pattern in _OVERRIDING:  # noqa: B007 (the measure found is returned after the loop)
        if re.search(pattern, label):
            break
    else:
        hits = [(m.start(), measure) for measure, pattern in _KEYWORDS if (m := re.search(pattern, label))]
        measure = min(hits)[1] if hits else "other"
        if measure == "consumption":
            measure = "reported_consumption" if _REPORTED_RE.search(label) else "apparent_consumption"
    return measure, _detail(label)


_GLUED_KEYWORD_RE = re.compile(r"^usprod(?=[a-z])|(?<=[a-z0-9])(?:production|imports|exports|price|nir)$")


def _detail(label: str) -> str:
    """Lower-case words of the label minus the measure words: 'USprod_Refinery-primary' -> 'refinery_primary'."""
    kept: list[str] = []
    for word in re.split(r"[_\s,]+", label.lower().replace("-", "_")):
        word = _GLUED_KEYWORD_RE.sub("", word)  # 'HPQProduction' -> 'hpq', 'USprodCrude' -> 'crude'
        word = _SPELLING.get(word, word)
        if word and word not in _NOISE and word not in kept:
            kept.append(word)
    return "_".join(kept)


def describe_column(label: str) -> tuple[str, str, str]:
    """(measure, detail, raw unit token) of a header label, e.g. 'Price_Metal_dkg' -> ('price', 'metal', 'dkg')."""
    stem, token = split_unit(label.removeprefix(_JUNK_PREFIX).strip())
    measure, detail = classify(stem)
    if measure == "other" and _UNIT_TOKENS.get(token, ("", ""))[0] == "price":
        measure = "price"  # a money-per-mass unit with no keyword left (the 'Price_' lost to an export bug)
    return measure, detail, token


def canonical_unit(measure: str, token: str) -> tuple[str, float]:
    """(unit, factor) for a measure and raw unit token; raises InputError when they cannot go together."""
    if measure == "employment":
        return "count", 1.0  # head counts: the token is often garbled ('um', 'm', 'mmt', 't')
    if measure == "net_import_reliance":
        return "percent", 1.0  # always percent of apparent consumption ('ct', 't' are typos)
    kind, unit = _UNIT_TOKENS.get(token, ("", ""))
    if kind == "typo":
        raise InputError(f"unit token {token!r} is a typo that only employment and NIR columns are known to carry")
    if measure == "price" and kind == "price":
        return "USD/t", units.price_factor_to_usd_per_t(unit)
    if measure == "price" and (kind == "raw" or not token):
        return unit, 1.0
    if measure == "price" or kind == "price":
        raise InputError(f"unit token {token!r} does not fit measure {measure!r}")
    if kind == "quantity":
        canonical, factor = units.canonical_quantity_unit(unit)
        return canonical, factor
    if kind == "usd_million":
        return "USD", 1e6
    return unit, 1.0


# Header corrections, (edition, commodity) -> {source_column: corrected label}. Evidence: the FGDC metadata
# (meta/*.xml attribute labels and units) and the same series, by value, in the neighbouring editions.
# An empty label marks a spurious empty data column that pushed the following data one column to the right.
_LEAD_2024_2025 = {  # labels permuted against the data; values match the MCS 2023 series named on the right
    "USprod_Refinery_Primary_kt": "USprod_Mine_Recoverable_kt",  # 266 kt < 274 kt lead in concentrates
    "USprod_Refinery_Secondary_kt": "USprod_Refinery_Primary_kt",  # 0 since 2014, as in MCS 2023
    "USprod_Concentrates_kt": "USprod_Refinery_Secondary_kt",
    "Imports_Metal_kt": "Imports_Concentrates_kt",
    "Imports_Concentrates_kt": "Imports_Metal_kt",
    "Exports_Metal_kt": "Exports_Concentrates_kt",
    "Exports_kt": "Exports_Metal_kt",
    "Consump_North_American_kt": "Consump_kt",
    "Price_LME_ctslb": "Price_North_American_ctslb",
}
_MICA_2024_2025 = {
    "USprod_Flake_t": "USprod_Flake_Sold_t",
    "USprod_Flake_t#2": "USprod_Flake_Ground_t",
    "Price_Sheet-Block_dt": "Price_Sheet-Block_dkg",  # metadata: dollars per kilogram (1.66 in MCS 2023)
    "Price_Sheet-Splittings_dt": "Price_Sheet-Splittings_dkg",
}
_ZIRCONIUM_2024_2025 = {  # price columns lost their money units; metadata gives $/t and $/kg
    "Price_Zircon_premium_CIF_CN_t": "Price_Zircon_premium_CIF_CN_dt",
    "Price_Zircon_imported_t": "Price_Zircon_imported_dt",
    "Price_Zircon_sponge_CN_t": "Price_Zircon_sponge_CN_dkg",
    "Price_Hf_unwrought_t": "Price_Hf_unwrought_dkg",
}
_DIAMOND = {"Bort_Price_Imports_mct": "Bort_Price_Imports_dct", "Stones_Price_Imports_mct": "Stones_Price_Imports_dct"}
# cobalt: "Consumption (includes secondary): Estimated. Includes reported data" (metadata), next to apparent
_COBALT = {"Consump_Estimated_t": "Consump_Reported_Estimated_t"}
_IODINE = {"Consump_t": "Consump_App_t", "Consump_t#2": "Consump_Rpt_t"}  # duplicated name; order as in MCS 2023
_STONE_PRICES = {"Price_Average_mdol": "Price_Average", "Granite_Price_mdol": "Granite_Price"}  # text only
_HEADER_FIXES: dict[tuple[int, str], dict[str, str]] = {
    (2023, "cobalt"): _COBALT,
    (2023, "iron_steel"): {"Exports_Total": "Exports_Total_mmt"},
    (2023, "lead"): {"Consump_t": "Consump_kt"},  # metadata: thousand metric tons (1,640 kt in 2018)
    (2023, "manganese"): {"Price_CN_CIF_dt": "Price_CN_CIF_dmtu"},  # metadata: dollars per metric ton unit
    (2023, "niobium"): {"Price_kg": "Price_dkg"},
    (2023, "titanium"): {"Stocks_Dioxide_t": "Price_Dioxide_PPI_index"},  # metadata: PPI, index 1982 = 100
    (2023, "tungsten"): {"Price_WO3_dt": "Price_WO3_dmtu"},  # metadata: dollars per dry metric ton unit of WO3
    (2024, "aluminum"): {"CASE STATEMENT ERRORkt": "Supply_kt"},
    (2024, "arsenic"): {"Price_Mtl_US_dkg": "Price_Mtl_US_dlb"},  # metadata: dollars per pound
    (2024, "bauxite"): {"Bauxite_Price_kt": "Bauxite_Price_dt", "Alumina_Price_kt": "Alumina_Price_dt"},
    (2024, "diamond_industrial"): _DIAMOND,
    (2024, "feldspar"): {  # one blank cell under Consump_Feldspar_kt shifts the rest of each row right
        "Consump_Feldspar_kt": "",
        "Consump_Felds-plus-neph_kt": "Consump_Feldspar_kt",
        "Price_Feldspar_dt": "Consump_Felds-plus-neph_kt",
        "Price_Nepheline_syenite_dt": "Price_Feldspar_dt",
        "Employment_num": "Price_Nepheline_syenite_dt",
        "NIR_Feldspar_pct": "Employment_num",
        "NIR_Nepheline_syenite_pct": "NIR_Feldspar_pct",
        "#15": "NIR_Nepheline_syenite_pct",
    },
    (2024, "fluorspar"): {  # a blank first cell shifts every row right, and the header is itself out of order
        "USprod_Metallurgical_kt": "",
        "USprod_H2SiF6_kt": "USprod_Metallurgical_kt",
        "Imports_Acid_kt": "USprod_H2SiF6_kt",
        "Imports_Metallurgical_kt": "Imports_Acid_kt",
        "Imports_Total_Fl_kt": "Imports_Metallurgical_kt",
        "Imports_HF_kt": "Imports_Total_Fl_kt",
        "Imports_AlF3_kt": "Imports_HF_kt",
        "Exports_Cryolite_kt": "Imports_AlF3_kt",
        "Consump_All_kt": "Imports_Cryolite_kt",
        "Price_dt": "Exports_All_kt",
        "Price_Acid_dt": "Consump_kt",
        "Employment_Metallurgical_num": "Price_Acid_dt",
        "NIR_Mine_pct": "Price_Metallurgical_dt",
        "#17": "Employment_Mine_num",
        "#18": "NIR_pct",
    },
    (2024, "gallium"): {"Exports_g": "Exports_kg", "Consump_g": "Consump_kg", "Stocks_g": "Stocks_kg"},
    (2024, "iodine"): _IODINE,
    (2024, "iron_oxide_pigments"): {
        "CASE STATEMENT ERRORt": "USprodCrude_t",
        "CASE STATEMENT ERRORt#2": "SoldFinished_t",
    },
    (2024, "iron_steel"): {  # the first Consump_mmt holds the continuous-casting share (99.8 %)
        "Furnace_BOF_mmt": "Furnace_BOF_pct",
        "Furnace_EAF_mmt": "Furnace_EAF_pct",
        "Consump_mmt": "Continuous_cast_pct",
        "Price_Index_mmt": "Price_Index",
    },
    (2024, "lead"): _LEAD_2024_2025,
    (2024, "manganese"): {"Price_CN_CIF_dt": "Price_CN_CIF_dmtu"},
    (2024, "mercury"): {"Price_Imports_df": "Price_Imports_dkg"},  # metadata: $/kg; a flask would be ~100x more
    (2024, "mica"): _MICA_2024_2025,
    (2024, "nickel"): {"Price_dt dlb (both used)": "Price_LME_dt", "Price_dt dlb (both used)#2": "Price_LME_dlb"},
    (2024, "selenium"): {  # values are $/kg: 20 = 9.15 $/lb in MCS 2023 and 18.18 $/kg in MCS 2025 (2021)
        "Price_US_dlb": "Price_US_dkg",
        "Price_Europe_dlb": "Price_Europe_dkg",
    },
    (2024, "stone_dimension"): _STONE_PRICES | {"Granite_Quantity_kt": "Granite_Sold_kt"},
    (2024, "tin"): {"Consump_": "Consump_t"},
    (2024, "tungsten"): {"Price_WO3dt": "Price_WO3_dmtu", "Stocks_": "Stocks_t"},
    (2024, "zirconium_hafnium"): _ZIRCONIUM_2024_2025,
    (2025, "arsenic"): {"Price_Mtl_US_dkg": "Price_Mtl_US_dlb"},
    (2025, "bauxite"): {"Alumina_Price_kt": "Alumina_Price_dt"},
    (2025, "cobalt"): _COBALT,
    (2025, "diamond_industrial"): _DIAMOND,
    (2025, "germanium"): {"Consump_g": "Consump_kg"},  # 30,000 kg as in MCS 2023; metadata: kilograms
    (2025, "helium"): {"Grade-A-Salescm": "Grade-A-Salesmcm"},
    (2025, "iodine"): _IODINE,
    (2025, "iron_ore"): {  # reported consumption is NA since 2020; the values track MCS 2024 apparent consumption
        "Consump_Reported_kt": "Consump_Apparent_kt",
        "Price_Apparent_dt": "Price_dt",
    },
    (2025, "lead"): _LEAD_2024_2025,
    (2025, "magnesium_metal"): {"Price_European_dlb": "Price_US_spot_dlb", "Price_dt": "Price_European_dt"},
    (2025, "manganese"): {"Price_CN_CIF_dt": "Price_CN_CIF_dmtu"},
    (2025, "mercury"): {"Imports_Secondary_t": "Imports_Metal_t", "Price_Imports_df": "Price_Imports_dkg"},
    (2025, "mica"): _MICA_2024_2025,
    (2025, "nickel"): {"Price_dt": "Price_LME_dt", "Price_dlb": "Price_LME_dlb"},  # metadata labels
    (2025, "stone_dimension"): _STONE_PRICES,
    (2025, "titanium_mineral_concentrates"): {  # four identical 'Price_dt'; order from MCS 2024 and the metadata
        "Price_dt": "Price_Rutile_dt",
        "Price_dt#2": "Price_Ilmente_Leucoxene_dt",
        "Price_dt#3": "Price_Ilmenite_dt",
        "Price_dt#4": "Price_Slag_dt",
    },
    (2025, "tungsten"): {"Price_WO3_dt": "Price_WO3_dmtu", "Stocks_": "Stocks_t"},
    (2025, "zirconium_hafnium"): _ZIRCONIUM_2024_2025,
}


# --------------------------------------------------------------------------------------------- reading


def _source_names(header: list[str]) -> list[str]:
    """Stripped header names made unique: empty -> '#<position>', repeats -> 'name#2', 'name#3'."""
    seen: dict[str, int] = {}
    names = []
    for position, raw in enumerate(header, start=1):
        name = clean_text(raw)
        if not name:
            names.append(f"#{position}")
            continue
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return names


def _columns(path: Path, header: list[str], first: int, edition: int, commodity: str) -> list[tuple[int, str, str]]:
    """(position, source_column, label to interpret) of the columns from `first` on; label '' = blank column."""
    names = _source_names(header)
    fixes = _HEADER_FIXES.get((edition, commodity), {})
    unknown = set(fixes) - set(names)
    if unknown:  # the file changed since the fix was written: better to stop than to mislabel data
        raise InputError(
            f"header fixes name columns not in the file: {sorted(unknown)}",
            file=path,
            fix="review _HEADER_FIXES in critical_minerals/sources/usgs_salient.py against the new file",
        )
    return [(i, names[i], fixes.get(names[i], header[i])) for i in range(first, len(header))]


def _column_meaning(path: Path, source_column: str, label: str) -> tuple[str, str, str, str, float]:
    """(measure, detail, unit, source unit token, factor to the canonical unit) for one column label."""
    measure, detail, token = describe_column(label)
    try:
        unit, factor = canonical_unit(measure, token)
    except InputError as error:
        raise InputError(
            error.problem,
            file=path,
            field=source_column,
            fix="correct the column in _HEADER_FIXES in critical_minerals/sources/usgs_salient.py",
        ) from None
    return measure, detail, unit, token, factor


def _year(path: Path, raw: str) -> tuple[int, bool]:
    try:
        return parse_year(raw)
    except ValueError:
        raise InputError("Year is not a year", file=path, field="Year", value=raw, fix="fix or drop the row") from None


def read_salient_file(path: Path, edition: int, commodities: pd.DataFrame) -> pd.DataFrame:
    """Parse one MCS salient CSV into the tidy long table (validated)."""
    return validate(_as_table(_file_records(Path(path), edition, commodities)))


def _file_records(path: Path, edition: int, commodities: pd.DataFrame) -> list[dict]:
    commodity = commodity_for_file(path, edition, commodities)
    rows = read_rows(path)
    width = max(len(row) for row in rows)  # data rows may run past the header (shifted rows)
    header = [clean_text(cell) for cell in rows[0]] + [""] * (width - len(rows[0]))
    data = [row + [""] * (width - len(row)) for row in rows[1:]]
    lowered = [name.lower() for name in header]
    if "year" not in lowered:
        raise NotSalientTableError(
            f"no Year column (header starts {', '.join(header[:4])}); this is not a salient-statistics table",
            file=path,
            fix="skip it; USGS published a world-production table under this salient file name",
        )
    year_at = lowered.index("year")
    years = [_year(path, row[year_at]) for row in data]

    records = []
    for index, source_column, label in _columns(path, header, year_at + 1, edition, commodity):
        cells = [row[index] for row in data]
        if not label:
            if any(clean_text(cell) for cell in cells):
                raise InputError(
                    "values under a column without a name: header and data are misaligned",
                    file=path,
                    field=source_column,
                    fix="label the columns in _HEADER_FIXES in critical_minerals/sources/usgs_salient.py",
                )
            continue  # trailing empty column (Excel artefact) or a known spurious blank column
        measure, detail, unit, token, factor = _column_meaning(path, source_column, label)
        for (year, year_estimated), cell in zip(years, cells):
            value, flag, withheld, cell_estimated = parse_cell(cell)
            records.append(
                {
                    "edition": edition,
                    "commodity": commodity,
                    "year": year,
                    "estimated": year_estimated or cell_estimated or year == edition - 1,
                    "measure": measure,
                    "detail": detail,
                    "value": value * factor,
                    "unit": unit,
                    "withheld": withheld,
                    "flag": flag,
                    "source_column": source_column,
                    "source_unit": token,
                    "source_file": path.name,
                }
            )
    return records


def read_salient_edition(folder: Path, edition: int, commodities: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Parse every salient CSV of one edition; returns (table, messages for files that were skipped)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("folder not found", file=folder, fix="fetch the MCS data release first")
    records, skipped = [], []
    for path in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
        if path.suffix.lower() != ".csv":
            skipped.append(f"{path.name}: not a CSV file ({path.suffix or 'no extension'}); skipped")
            continue
        try:
            records.extend(_file_records(path, edition, commodities))
        except NotSalientTableError as error:
            skipped.append(f"{path.name}: {error.problem}; skipped")
    return validate(_as_table(records)), skipped  # validated once per edition: per file costs seconds


def _as_table(records: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame.from_records(records, columns=COLUMNS)
    types = {"edition": "int64", "year": "int64", "value": "float64", "estimated": "bool", "withheld": "bool"}
    return table.astype(types | {c: "str" for c in COLUMNS if c not in types})


# --------------------------------------------------------------------------------------------- validation

_text = pa.Column(str)
SCHEMA = pa.DataFrameSchema(
    {
        "edition": pa.Column(int, pa.Check.in_range(2015, 2030)),
        "commodity": pa.Column(str, pa.Check.str_length(min_value=1)),
        "year": pa.Column(int, pa.Check.in_range(2015, 2030)),
        "estimated": pa.Column(bool),
        "measure": pa.Column(str, pa.Check.isin(MEASURES)),
        "detail": _text,
        "value": pa.Column(float, nullable=True),
        "unit": _text,
        "withheld": pa.Column(bool),
        "flag": _text,
        "source_column": pa.Column(str, pa.Check.str_length(min_value=1)),
        "source_unit": _text,
        "source_file": pa.Column(str, pa.Check.str_length(min_value=1)),
    },
    checks=[
        # NIR is a share of apparent consumption: 1..100 in MCS 2023-2025; net exporters are flagged 'E' instead
        # of a negative number, so a value outside 0..100 means a misread column
        pa.Check(
            lambda t: ~(t["measure"] == "net_import_reliance") | t["value"].isna() | t["value"].between(0, 100),
            name="nir_range",
            error="net import reliance outside [0, 100] percent",
        ),
        pa.Check(lambda t: ~t["withheld"] | t["value"].isna(), error="withheld cell with a value"),
        pa.Check(
            lambda t: t["value"].isna() | (t["unit"] != ""),
            error="number without a unit (header has no unit token; correct it in _HEADER_FIXES)",
        ),
        pa.Check(lambda t: ~(t["measure"] == "price") | ~(t["value"] < 0), error="negative price"),
    ],
    unique=["edition", "commodity", "year", "source_column"],
    strict=True,
    ordered=True,
)


def validate(table: pd.DataFrame) -> pd.DataFrame:
    """Check the tidy table against SCHEMA (all errors at once) and return it; errors name file and column."""
    try:
        return SCHEMA.validate(table, lazy=True)
    except pa.errors.SchemaErrors as error:
        cases = error.failure_cases
        # table-wide checks are reported once per column by pandera: name them once, as 'table'
        subject = cases["column"].where(cases["schema_context"] != "DataFrameSchema", "table")
        problems = []
        for (name, check), group in cases.assign(subject=subject).groupby(["subject", "check"], sort=False):
            rows = table.loc[table.index.isin(group["index"].dropna()), ["source_file", "source_column"]]
            where = sorted({f"{f}:{c}" for f, c in rows.itertuples(index=False)})[:5]
            problems.append(f"{name}: {check} fails for {where or group['failure_case'].head(5).tolist()}")
        raise InputError("salient table fails validation: " + "; ".join(problems)) from None
