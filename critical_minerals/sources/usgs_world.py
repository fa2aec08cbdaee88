"""USGS Mineral Commodity Summaries world production, capacity and reserves -> one tidy long table.

Editions differ and are messy; each quirk is handled here, in one place:
- 2023/2024: one CSV per commodity (commodity known only from the file name), units and years in column names
  (``Prod_kt_est_2022``, ``Reserves_Mt``, ``Cap_Sponge_t_2021``), the type column sometimes mis-headed
  (fluorspar 2024); 2025: one CSV with per-row units (``UNIT_MEAS``) and stray spaces in names (``PROD_EST_ 2024``).
- UTF-8 byte-order mark; CRLF; trailing empty columns and blank rows (Excel export artefacts).
- Markers: ``W`` withheld, ``NA`` not available, ``XX`` not applicable, ``—`` zero; 2025 leaves withheld cells blank
  and says ``W for 23-24`` in the notes; lower bounds such as ``>130,000,000`` (value kept, ``bound`` = '>');
  thousands separators and stray spaces in numbers.
- Missing values: every marker or text in a value cell, and every note on a blank value cell, is classified by
  data/usgs_missing_notes.csv (column ``missing``): withheld, not available or applicable, included in the world total
  only, folded into 'Other countries' or into another row, described in words, below half a unit, or a note that
  only describes the row (no record). A note the file does not know stops the build with file, row, column and note:
  an unread note could hide a value (MCS 2025 leaves U.S. graphite reserves blank, "Included in World total").
- Country names with footnotes and markers glued on (``Other countries6``, ``Russiae``), non-breaking spaces,
  qualifiers (see countries.py); aggregate rows kept and marked in ``country_kind``.
- World-total rows whose type label differs from the country rows (platinum-group metals 2023/2024): types are mapped
  to a ``series`` through data/usgs_series.csv, so both land in one series.
- 2025 reserves whose unit differs from ``UNIT_MEAS`` and is stated only in some rows' notes (molybdenum, vanadium:
  "Reserve data is thousand metric tons"; iron ore: "million metric tons"): applied to the whole commodity series.
- Units stated wrongly in a few files (MCS 2025 titanium concentrates in 'metric tons' that are thousands...):
  corrected from data/usgs_unit_corrections.csv, each with its evidence, and marked in the notes. The cross-edition
  check in tables.py finds such errors.
Quantities are converted to canonical units (t, carat, m3) by units.py.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ..core import paths
from ..core.errors import InputError
from . import units
from .countries import COUNTRY, GROUP, OTHER, UNKNOWN, WORLD, normalise_country
from .handwritten_tables import read_data_table
from .usgs_csv import ZERO_MARKERS, clean_text, commodity_for_code, load_commodity_map, read_rows

EDITIONS = (2023, 2024, 2025)
MEASURES = ("production", "capacity", "reserves")
STAGES = ("mine", "refinery", "smelter", "plant", "primary", "production")
WITHHELD = "W"
MISSING_MARKERS = {"NA", "XX", "NAN", "N/A"}

MISSING_NOTES_FILE = paths.DATA_DIR / "usgs_missing_notes.csv"
# what a missing value can be, and how a table says it; DESCRIPTIVE notes say nothing about the blank cell they sit
# next to
MISSING_WORDS = {
    "withheld": "withheld",
    "not_available": "not available",
    "not_applicable": "not applicable",
    "in_world_total": "in world total only",
    "in_other_countries": "in 'Other countries'",
    "in_other_row": "in another row",
    "qualitative": "in words only",
    "below_half_unit": "< 0.5 unit",
}
MISSING_CLASSES = tuple(MISSING_WORDS)
DESCRIPTIVE = "descriptive"

COLUMNS = [
    "edition",
    "source_file",
    "source_row",
    "commodity",
    "type",
    "series",
    "stage",
    "country",
    "country_raw",
    "country_kind",
    "country_detail",
    "measure",
    "measure_detail",
    "year",
    "estimated",
    "value",
    "unit",
    "withheld",
    "missing",
    "flag",
    "bound",
    "notes",
]
KEY = [
    "edition",
    "commodity",
    "series",
    "stage",
    "country",
    "country_kind",
    "country_detail",
    "measure",
    "measure_detail",
    "year",
]


# ---------------------------------------------------------------- cell values


@dataclass(frozen=True)
class Cell:
    value: float  # NaN when there is no number
    flag: str  # the raw marker ('W', 'NA', 'XX', '—', a text) or '' for a plain number or blank
    bound: str  # '>' or '<' when the number is a bound, else ''
    estimated: bool = False  # the number carried the USGS estimate marker, as in 'e3,900'

    @property
    def withheld(self) -> bool:
        return self.flag == WITHHELD


def parse_cell(raw: object) -> Cell:
    """'1,230 ' -> 1230; 'W' -> withheld; '>130,000,000' -> 1.3e8 with bound '>'; '—' -> 0; 'e3,900' -> estimated."""
    text = clean_text("" if raw is None else raw)
    if not text:
        return Cell(math.nan, "", "")
    if text.upper() == WITHHELD:
        return Cell(math.nan, WITHHELD, "")
    if text in ZERO_MARKERS:
        return Cell(0.0, text, "")
    bound, estimated = "", False
    if re.fullmatch(r"e[\d,.]+", text):
        estimated, text = True, text[1:]
    if text[0] in "<>":
        bound, text = text[0], text[1:].strip()
    number = text.replace(",", "").replace(" ", "")
    try:
        return Cell(float(number), "e" if estimated else "", bound, estimated)
    except ValueError:
        return Cell(math.nan, text.upper() if text.upper() in MISSING_MARKERS else text, "")


@lru_cache(maxsize=1)
def missing_notes() -> tuple[tuple[re.Pattern, str], ...]:
    """(pattern, class) of every USGS note or marker that stands for a missing value, from the data file."""
    frame = read_data_table(MISSING_NOTES_FILE, ["pattern", "class", "meaning"])
    patterns = []
    for index, row in frame.iterrows():
        line = int(index) + 2
        if row["class"] not in (*MISSING_CLASSES, DESCRIPTIVE):
            raise InputError(
                "unknown class of missing value",
                file=MISSING_NOTES_FILE,
                row=line,
                field="class",
                value=row["class"],
                fix=f"use one of {[*MISSING_CLASSES, DESCRIPTIVE]}",
            )
        try:
            patterns.append((re.compile(row["pattern"], re.I), row["class"]))
        except re.error as error:
            raise InputError(
                f"not a regular expression ({error})",
                file=MISSING_NOTES_FILE,
                row=line,
                field="pattern",
                value=row["pattern"],
                fix="escape special characters with \\",
            ) from None
    return tuple(patterns)


def classify_note(note: str, path: Path, line: int, column: str) -> str:
    """The class of a note or marker that stands in for a value; an unknown one stops the build."""
    for pattern, kind in missing_notes():
        if pattern.fullmatch(note):
            return kind
    raise InputError(
        "USGS note that the parser does not know",
        file=path,
        row=line,
        field=column,
        value=note,
        fix=f"classify it in {MISSING_NOTES_FILE.name} (pattern, class, meaning): withheld, missing, "
        "included in the world total or in another row, or descriptive",
    )


def missing_cell(cell: Cell, notes: str, path: Path, line: int, column: str, notes_column: str) -> tuple[Cell, str]:
    """A value cell with its missing-value class ('' for a number); (cell, DESCRIPTIVE) when the cell is blank and
    its note (if any) only describes the row: then there is no record."""
    if not math.isnan(cell.value):
        return cell, ""
    if cell.flag:
        return cell, classify_note(cell.flag, path, line, column)
    if not notes:
        return cell, DESCRIPTIVE
    kind = classify_note(notes, path, line, notes_column)
    marker = {"withheld": WITHHELD, "not_available": "NA", "not_applicable": "XX"}.get(kind, notes)
    return Cell(math.nan, marker, ""), kind


# ---------------------------------------------------------------- 2023/2024 value columns


@dataclass(frozen=True)
class ValueColumn:
    measure: str
    unit: str  # canonical unit
    factor: float  # to canonical unit
    year: int | None  # None: the edition's reserves year
    estimated: bool
    detail: str  # qualifier such as 'Sponge', 'ore', 'ore_K2O_equiv'


# unit tokens as they occur in MCS 2023/2024 column names
_COLUMN_UNITS = {
    "t": ("t", 1.0),
    "kt": ("t", 1e3),
    "kg": ("t", 1e-3),
    "Mt": ("t", 1e6),
    "mmt": ("t", 1e6),
    "mt": ("t", 1e6),  # only MCS 2024 iron ore reserves ('Reserves_mt'); its notes say million metric tons
    "mct": ("carat", 1e6),
    "kct": ("carat", 1e3),
    "mcm": ("m3", 1e6),
}
_MEASURE_PREFIX = {"prod": "production", "cap": "capacity", "reserves": "reserves"}


def parse_value_column(name: str) -> ValueColumn | None:
    """'Prod_kt_est_2022' -> production, t x 1000, 2022, estimated; notes and other columns -> None."""
    tokens = clean_text(name).split("_")
    measure = _MEASURE_PREFIX.get(tokens[0].lower())
    if measure is None or tokens[-1].lower() in ("notes", "note"):
        return None
    rest = tokens[1:]
    year = int(rest.pop()) if rest and re.fullmatch(r"\d{4}", rest[-1]) else None
    estimated = any(token.lower() == "est" for token in rest)
    rest = [token for token in rest if token.lower() != "est"]
    unit_tokens = [token for token in rest if token in _COLUMN_UNITS]
    if len(unit_tokens) != 1:
        raise InputError(
            "cannot tell the unit from the column name",
            field=name,
            fix="add the unit token to _COLUMN_UNITS in critical_minerals/sources/usgs_world.py",
        )
    unit, factor = _COLUMN_UNITS[unit_tokens[0]]
    detail = "_".join(token for token in rest if token != unit_tokens[0])
    return ValueColumn(measure, unit, factor, year, estimated, detail)


# ---------------------------------------------------------------- type -> stage and series

NAMED_STAGES = ("mine", "refinery", "smelter", "plant", "primary")
STAGES = (*NAMED_STAGES, "production")  # "production": the type names no stage


def stage_of(type_text: str) -> str:
    text = type_text.lower()
    for stage in NAMED_STAGES:
        if stage in text or (stage == "mine" and "mine poduction" in text):
            return stage
    return "production"


@lru_cache(maxsize=1)
def _series_patterns() -> dict[str, list[tuple[re.Pattern, str]]]:
    table = read_data_table(paths.DATA_DIR / "usgs_series.csv", ["commodity", "pattern", "series"])
    patterns: dict[str, list[tuple[re.Pattern, str]]] = {}
    for row in table.itertuples():
        patterns.setdefault(row.commodity, []).append((re.compile(row.pattern, re.I), row.series))
    return patterns


def series_of(commodity: str, *texts: str) -> str:
    """The material a row measures (platinum vs palladium...); the first text that matches a pattern decides."""
    for text in texts:
        for pattern, series in _series_patterns().get(commodity, []):
            if text and pattern.search(text):
                return series
    return commodity


def _aggregate_detail(country) -> str:
    """An aggregate row's qualifier can name its material ('World total (ilmenite and rutile, rounded)')."""
    return country.detail if country.kind in (WORLD, OTHER) else ""


def _is_estimated(declared: bool, year: int, type_text: str, notes: str, country_estimated: bool) -> bool:
    lower = notes.lower()
    return (
        declared
        or country_estimated
        or "estimated" in type_text.lower()
        or ("estimat" in lower and str(year) in lower)
        or lower.strip(" .") == "estimated"
    )


# ---------------------------------------------------------------- readers


def _read_rows(path: Path) -> list[list[str]]:
    """Rows padded to one width, trailing empty columns (Excel export artefacts) dropped."""
    rows = read_rows(path)
    width = max(i + 1 for row in rows for i, cell in enumerate(row) if cell.strip())
    return [(row + [""] * width)[:width] for row in rows]


@lru_cache(maxsize=1)
def commodity_map() -> pd.DataFrame:
    return load_commodity_map()


@lru_cache(maxsize=1)
def _commodity_by_name() -> dict[str, str]:
    """Each cleaned MCS 2025 name -> its commodity (the first row naming it), read once: the data step looks up
    every row of the world file, and scanning the map for each took 40 % of the step."""
    found: dict[str, str] = {}
    for commodity, names in zip(commodity_map()["commodity"], commodity_map()["mcs2025_world_names"]):
        for name in names.split(";"):
            found.setdefault(clean_text(name), commodity)
    return found


def commodity_for_name(name: str) -> str:
    cleaned = clean_text(name)
    if cleaned in _commodity_by_name():
        return _commodity_by_name()[cleaned]
    raise InputError(
        "unknown MCS 2025 commodity name",
        field="COMMODITY",
        value=cleaned,
        fix="add the name to data/usgs_commodities.csv (column mcs2025_world_names)",
    )


def world_file_code(path: Path) -> str:
    match = re.match(r"^mcs\d{4}-?(?P<code>[a-z-]+)_world\.csv$", path.name, re.I)
    if not match:
        raise InputError("not an MCS world-data file name", file=path, fix="expected mcsYYYY-<code>_world.csv")
    return match["code"]


def _record(
    edition,
    path,
    line,
    commodity,
    type_text,
    series,
    country,
    measure,
    detail,
    year,
    estimated,
    cell,
    missing,
    value,
    unit,
    notes,
) -> dict:
    return {
        "edition": edition,
        "source_file": path.name,
        "source_row": line,
        "commodity": commodity,
        "type": type_text,
        "series": series,
        "stage": stage_of(type_text),
        "country": country.country,
        "country_raw": country.raw,
        "country_kind": country.kind,
        "country_detail": country.detail,
        "measure": measure,
        "measure_detail": detail,
        "year": year,
        "estimated": estimated,
        "value": value,
        "unit": unit,
        "withheld": missing == "withheld",
        "missing": missing,
        "flag": cell.flag,
        "bound": cell.bound,
        "notes": notes,
    }


def read_world_file(path: Path, edition: int) -> list[dict]:
    """One MCS 2023/2024 per-commodity world file -> records (the commodity comes from the file name)."""
    commodity = commodity_for_code(world_file_code(path), edition, commodity_map(), path)
    header, *body = _read_rows(path)
    header = [clean_text(name) for name in header]
    columns = {i: parse_value_column(name) for i, name in enumerate(header)}
    columns = {i: column for i, column in columns.items() if column}
    notes_for = {
        measure: i
        for i, name in enumerate(header)
        for measure, prefix in _MEASURE_PREFIX.items()
        if name.lower().startswith(f"{measure}_note")
    }
    records = []
    for line, row in enumerate(body, start=2):
        if not clean_text(row[1]):
            continue
        country = normalise_country(row[1])
        type_text = clean_text(row[2])  # third column is the type even where its header is not 'Type'
        for i, column in columns.items():
            note_col = notes_for.get({"production": "prod", "capacity": "cap"}.get(column.measure, "reserves"))
            notes = clean_text(row[note_col]) if note_col is not None else ""
            cell, missing = missing_cell(
                parse_cell(row[i]), notes, path, line, header[i], header[note_col] if note_col is not None else ""
            )
            if missing == DESCRIPTIVE:
                continue  # a blank cell says nothing
            year = column.year if column.year is not None else edition - 1
            estimated = _is_estimated(column.estimated or cell.estimated, year, type_text, notes, country.estimated)
            records.append(
                _record(
                    edition,
                    path,
                    line,
                    commodity,
                    type_text,
                    series_of(commodity, column.detail, _aggregate_detail(country), type_text),
                    country,
                    column.measure,
                    column.detail,
                    year,
                    estimated,
                    cell,
                    missing,
                    cell.value * column.factor,
                    column.unit,
                    notes,
                )
            )
    return records


_RESERVE_UNIT_NOTE = re.compile(
    r"(?:reserve data is|crude ore,|iron content,)\s*(?P<unit>thousand metric tons|million metric tons)", re.I
)


def read_world_2025(path: Path) -> list[dict]:
    """The single MCS 2025 world file (per-row units) -> records."""
    header, *body = _read_rows(path)
    index = {re.sub(r"\s+", "", name).upper(): i for i, name in enumerate(header)}
    required = [
        "COMMODITY",
        "COUNTRY",
        "TYPE",
        "UNIT_MEAS",
        "PROD_2023",
        "PROD_EST_2024",
        "PROD_NOTES",
        "CAP_2023",
        "CAP_EST_2024",
        "CAP_NOTES",
        "RESERVES_2024",
        "RESERVE_NOTES",
    ]
    missing = [name for name in required if name not in index]
    if missing:
        raise InputError("missing column", file=path, field=missing[0], fix="fetch the original MCS 2025 file")
    value_columns = [
        ("PROD_2023", "production", 2023, False, "PROD_NOTES"),
        ("PROD_EST_2024", "production", 2024, True, "PROD_NOTES"),
        ("CAP_2023", "capacity", 2023, False, "CAP_NOTES"),
        ("CAP_EST_2024", "capacity", 2024, True, "CAP_NOTES"),
        ("RESERVES_2024", "reserves", 2024, False, "RESERVE_NOTES"),
    ]
    get = lambda row, name: clean_text(row[index[name]])  # noqa: E731
    # units stated once per (commodity, type): fill rows that leave UNIT_MEAS blank, and reserve-unit notes
    group_unit: dict[tuple[str, str], str] = {}
    reserve_unit: dict[tuple[str, str], str] = {}
    for row in body:
        key = (get(row, "COMMODITY"), get(row, "TYPE"))
        if get(row, "UNIT_MEAS"):
            group_unit.setdefault(key, get(row, "UNIT_MEAS"))
        if match := _RESERVE_UNIT_NOTE.search(get(row, "RESERVE_NOTES")):
            reserve_unit[key] = match["unit"].lower()
    records = []
    for line, row in enumerate(body, start=2):
        if not get(row, "COUNTRY"):
            continue
        commodity = commodity_for_name(get(row, "COMMODITY"))
        key = (get(row, "COMMODITY"), get(row, "TYPE"))
        type_text = get(row, "TYPE")
        country = normalise_country(row[index["COUNTRY"]])
        series = series_of(commodity, _aggregate_detail(country), type_text)
        for column, measure, year, declared_estimate, notes_column in value_columns:
            notes, raw = get(row, notes_column), row[index[column]]
            # 2025 leaves withheld and unavailable cells blank and gives the reason in the notes (read for capacity
            # too, so no note goes unclassified, but a blank capacity cell makes no record, as before)
            cell, missing = missing_cell(parse_cell(raw), notes, path, line, column, notes_column)
            if missing == DESCRIPTIVE or (measure == "capacity" and not clean_text(raw)):
                continue
            unit_text = reserve_unit.get(key) if measure == "reserves" and key in reserve_unit else group_unit.get(key)
            if not unit_text:
                raise InputError(
                    "no unit for this commodity and type",
                    file=path,
                    row=line,
                    field="UNIT_MEAS",
                    fix="state the unit in data/usgs_series.csv or correct the source",
                )
            value, unit = units.to_canonical(cell.value, unit_text)
            estimated = _is_estimated(declared_estimate or cell.estimated, year, type_text, notes, country.estimated)
            records.append(
                _record(
                    2025,
                    path,
                    line,
                    commodity,
                    type_text,
                    series,
                    country,
                    measure,
                    "",
                    year,
                    estimated,
                    cell,
                    missing,
                    value,
                    unit,
                    notes,
                )
            )
    return records


def world_files(folder: Path, edition: int) -> list[Path]:
    if edition == 2025:
        return [folder / "MCS2025_World_Data.csv"]
    return sorted(path for path in folder.glob("*.csv") if re.match(r"^mcs\d{4}", path.name, re.I))


def read_world(external_dir: Path | None = None, editions: tuple[int, ...] = EDITIONS) -> pd.DataFrame:
    """All editions' world production, capacity and reserves, validated, in canonical units."""
    root = external_dir or paths.external_dir()
    records: list[dict] = []
    for edition in editions:
        folder = root / f"usgs_mcs{edition}" / "world"
        files = world_files(folder, edition)
        if not files or not all(path.is_file() for path in files):
            raise InputError(
                f"MCS {edition} world files not found",
                file=folder,
                fix="run `python -m critical_minerals.sources.official_datasets fetch`",
            )
        for path in files:
            records.extend(read_world_2025(path) if edition == 2025 else read_world_file(path, edition))
    table = pd.DataFrame.from_records(records, columns=COLUMNS)
    return validate_world(apply_unit_corrections(table, unit_corrections()))


def unit_corrections() -> pd.DataFrame:
    table = read_data_table(
        paths.DATA_DIR / "usgs_unit_corrections.csv",
        ["edition", "commodity", "measure", "stated_unit", "actual_unit", "evidence"],
    )
    return table.astype({"edition": int})  # whole numbers: the reader checks every year and edition column


def apply_unit_corrections(table: pd.DataFrame, corrections: pd.DataFrame) -> pd.DataFrame:
    """Rescale values whose stated unit the evidence shows to be wrong; say so in the row's notes."""
    table = table.copy()
    for fix in corrections.itertuples():
        rows = (
            (table["edition"] == fix.edition)
            & (table["commodity"] == fix.commodity)
            & (table["measure"] == fix.measure)
        )
        if not rows.any():
            raise InputError(
                "correction matches no row",
                file=paths.DATA_DIR / "usgs_unit_corrections.csv",
                field="commodity",
                value=f"{fix.edition} {fix.commodity} {fix.measure}",
                fix="remove the correction or fix its keys",
            )
        factor = units.canonical_quantity_unit(fix.actual_unit)[1] / units.canonical_quantity_unit(fix.stated_unit)[1]
        table.loc[rows, "value"] *= factor
        note = f"[unit corrected: stated {fix.stated_unit}, values are {fix.actual_unit}]"
        table.loc[rows, "notes"] = (table.loc[rows, "notes"] + " " + note).str.strip()
    return table


def _schema() -> pa.DataFrameSchema:
    text = pa.Column(str)
    return pa.DataFrameSchema(
        {
            "edition": pa.Column(int, pa.Check.isin(EDITIONS)),
            "source_file": text,
            "source_row": pa.Column(int, pa.Check.ge(2)),
            "commodity": pa.Column(str, pa.Check.isin(list(commodity_map()["commodity"]))),
            "type": text,
            "series": text,
            "stage": pa.Column(str, pa.Check.isin(STAGES)),
            "country": text,
            "country_raw": text,
            "country_kind": pa.Column(str, pa.Check.isin([COUNTRY, OTHER, WORLD, GROUP, UNKNOWN])),
            "country_detail": text,
            "measure": pa.Column(str, pa.Check.isin(MEASURES)),
            "measure_detail": text,
            "year": pa.Column(int, pa.Check.in_range(2015, 2030)),
            "estimated": pa.Column(bool),
            "value": pa.Column(float, pa.Check.ge(0), nullable=True),
            "unit": pa.Column(str, pa.Check.isin(["t", "carat", "m3"])),
            "withheld": pa.Column(bool),
            "missing": pa.Column(str, pa.Check.isin(["", *MISSING_CLASSES])),
            "flag": text,
            "bound": pa.Column(str, pa.Check.isin(["", ">", "<"])),
            "notes": text,
        },
        checks=[pa.Check(lambda df: ~df.duplicated(KEY), error=f"duplicate key {KEY}")],
        strict=True,
    )


def validate_world(table: pd.DataFrame) -> pd.DataFrame:
    """Schema check; a failure names the file, row, field and value of the first offending record."""
    try:
        return _schema().validate(table, lazy=True)
    except pa.errors.SchemaErrors as err:
        case = err.failure_cases.iloc[0]
        index = case["index"]
        where = table.loc[index] if index is not None and index in table.index else None
        raise InputError(
            f"fails check {case['check']} ({len(err.failure_cases)} failure(s) in all)",
            file=where["source_file"] if where is not None else None,
            row=int(where["source_row"]) if where is not None else None,
            field=case["column"],
            value=case["failure_case"],
            fix="correct the parser or the mapping tables in data/; raw files are never edited",
        ) from None
