"""Monthly metal prices from the World Bank Pink Sheet and the IMF PCPS, as one tidy panel; annual real prices.

Sources (official workbooks, fetched into data/external/; every reader takes the path as an argument):

- World Bank Commodity Price Data ("Pink Sheet"), CC BY 4.0. `CMO-Historical-Data-Monthly.xlsx`, sheet
  `Monthly Prices` (nominal USD, 1960M01-); `CMO-Historical-Data-Annual.xlsx`, sheets `Annual Prices (Nominal)` and
  `Annual Prices (Real)` (deflated by the MUV index; the base year is read from the sheet title, 2010 in the 2025 file).
- IMF Primary Commodity Price System, `external-data-v2.xls`, sheet `External` (1990M1-). Licence unclear: cite
  "Source: IMF Primary Commodity Prices" and check the IMF terms before republishing the series.

Units (column `unit`, normalised from the source's own labels; `price` stays in that unit):

- 'USD/t' (per metric ton), 'USD/troy_oz' (precious metals), 'USD/lb' (IMF uranium, per lb of U3O8).
- World Bank iron ore is labelled '$/dmtu' but its Description sheet says it is two series: annual contract prices in
  US cents per dry metric ton unit (1 % Fe) up to 2005 -> 'USc/dmtu', and the spot price of fines c.f.r. China in USD
  per dry metric ton from 2006 -> 'USD/dmt'.
- `price_usd_per_t` is the price per metric ton (critical_minerals.sources.units); for 'USD/dmt' it is per tonne
  of dry ore;
  NaN for 'USc/dmtu', which is per Fe unit and depends on the ore grade.
- The IMF's newest columns (lithium, rare earths, vanadium, manganese, chromium, silicon) have no series code, and
  four state no unit: they are USD per metric ton of product, checked against USGS prices (see `_IMF_SERIES`).

Combination rule of `price_panel` (one row per commodity x month):
World Bank monthly for the base and precious metals it carries (aluminum, copper, lead, nickel, tin, zinc, iron ore,
gold, silver, platinum); IMF for every commodity the World Bank frame lacks (cobalt, molybdenum, lithium, rare earths,
vanadium, manganese, and chromium, palladium, uranium, silicon). A commodity always comes from one source: no splicing
of the two within a series, whose bases can differ (iron ore until 2008M11). `overlapping_prices` lines up the metals
both publish, month by month, to cross-check them (LME copper agrees to a median 0.05 %).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pandera.pandas as pa
import xlrd
from openpyxl.utils.exceptions import InvalidFileException

from ..core.errors import InputError
from .units import price_factor_to_usd_per_t

WORLDBANK = "World Bank Pink Sheet"
IMF = "IMF PCPS"

WB_MONTHLY_SHEET = "Monthly Prices"
WB_ANNUAL_SHEETS = {"nominal": "Annual Prices (Nominal)", "real": "Annual Prices (Real)"}
IMF_SHEET = "External"

# Commodities taken from the World Bank in the combined panel (longer history, LME settlement prices).
WORLDBANK_PANEL = ("aluminum", "copper", "lead", "nickel", "tin", "zinc", "iron_ore", "gold", "silver", "platinum")

KNOWN_UNITS = ("USD/t", "USD/dmt", "USc/dmtu", "USD/troy_oz", "USD/lb")

# missing values: the Pink Sheet writes '…' (also '...', '..'); xlrd returns '' for an empty .xls cell
_MISSING = {"", "…", "...", "..", "n.a.", "na"}
_MONTH_RE = re.compile(r"^\s*(\d{4})M(\d{1,2})\s*$")  # '1960M01' (World Bank), '1990M1' (IMF)
_YEAR_RE = re.compile(r"^\s*(\d{4})\s*$")
_FETCH_FIX = (
    "fetch the official file again (`python -m critical_minerals.sources.official_datasets fetch`) "
    "or pass the right path"
)


# --- World Bank ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _WbSeries:
    commodity: str
    name: str  # column name in the names row
    unit_label: str  # the units row, checked so a relabelled vintage fails instead of being mislabelled


_WB_SERIES = (
    _WbSeries("aluminum", "Aluminum", "($/mt)"),
    _WbSeries("iron_ore", "Iron ore, cfr spot", "($/dmtu)"),
    _WbSeries("copper", "Copper", "($/mt)"),
    _WbSeries("lead", "Lead", "($/mt)"),
    _WbSeries("tin", "Tin", "($/mt)"),
    _WbSeries("nickel", "Nickel", "($/mt)"),
    _WbSeries("zinc", "Zinc", "($/mt)"),
    _WbSeries("gold", "Gold", "($/troy oz)"),
    _WbSeries("platinum", "Platinum", "($/troy oz)"),
    _WbSeries("silver", "Silver", "($/troy oz)"),
)
_WB_UNITS = {"($/mt)": "USD/t", "($/troy oz)": "USD/troy_oz"}
_WB_IRON_ORE_SPOT_FROM = 2006  # Description sheet: spot USD/dry ton from 2006, contract US cents/dmtu before


def _worldbank_unit(series: _WbSeries, years: np.ndarray) -> np.ndarray:
    """Normalised unit per observation (iron ore changes unit in 2006, see the module docstring)."""
    if series.commodity == "iron_ore":
        return np.where(years >= _WB_IRON_ORE_SPOT_FROM, "USD/dmt", "USc/dmtu")
    return np.full(len(years), _WB_UNITS[series.unit_label])


def read_worldbank_monthly(path: str | Path) -> pd.DataFrame:
    """World Bank Pink Sheet monthly metal prices (sheet `Monthly Prices`) as a tidy, validated frame.

    Columns: commodity, date (first of month), price (source unit), unit, price_usd_per_t, source, series, source_file.
    """
    path = Path(path)
    rows = _sheet_rows(path, WB_MONTHLY_SHEET)
    long = _worldbank_long(rows, _where(path, WB_MONTHLY_SHEET), key=_parse_month)
    dates = pd.to_datetime(pd.DataFrame({"year": long["year"], "month": long["month"], "day": 1}))
    frame = _tidy_monthly(long, dates, source=WORLDBANK, source_file=path.name)
    return _validate(frame, PANEL_SCHEMA, _where(path, WB_MONTHLY_SHEET))


def read_worldbank_annual(path: str | Path, kind: str = "real") -> pd.DataFrame:
    """World Bank annual metal prices, kind 'real' (constant USD of the sheet's base year, 2010) or 'nominal'.

    Columns: commodity, year, price, unit, basis ('real 2010 USD' / 'nominal USD'), source, series, source_file.
    """
    path = Path(path)
    if kind not in WB_ANNUAL_SHEETS:
        raise InputError("unknown kind of annual price", field="kind", value=kind, fix="use 'real' or 'nominal'")
    sheet = WB_ANNUAL_SHEETS[kind]
    rows = _sheet_rows(path, sheet)
    where = _where(path, sheet)
    long = _worldbank_long(rows, where, key=_parse_year)
    frame = pd.DataFrame(
        {
            "commodity": long["commodity"],
            "year": long["year"].astype("int64"),
            "price": long["price"],
            "unit": long["unit"],
            "basis": _annual_basis(rows, kind, where),
            "source": WORLDBANK,
            "series": long["series"],
            "source_file": path.name,
        }
    )
    return _validate(frame, ANNUAL_SCHEMA, where)


def _annual_basis(rows: list[tuple], kind: str, where: str) -> str:
    """'nominal USD', or 'real <base year> USD' read from the sheet title so a rebased vintage is not mislabelled."""
    if kind == "nominal":
        return "nominal USD"
    for row in rows[:10]:
        match = re.search(r"real (\d{4}) US dollars", str(row[0] or ""), flags=re.IGNORECASE)
        if match:
            return f"real {match[1]} USD"
    raise InputError(
        "no title stating the base year of the real prices (e.g. 'real 2010 US dollars')",
        file=where,
        field="column A title",
        fix="check that this is the World Bank annual CMO workbook; add the base year's wording to _annual_basis",
    )


def _data_rows(rows: list[tuple], key, where: str, example: str) -> list[tuple[int, tuple]]:
    """(row index, parsed date) of every row whose column A is a date; an error naming the sheet when none is."""
    found = [(i, key(row[0])) for i, row in enumerate(rows) if row and key(row[0]) is not None]
    if not found:
        raise InputError(
            f"no data rows: no cell in column A looks like {example}", file=where, field="column A", fix=_FETCH_FIX
        )
    return found


def _worldbank_long(rows: list[tuple], where: str, key) -> dict[str, np.ndarray]:
    """Metal columns of a Pink Sheet price sheet as long arrays: commodity, series, year, month, price, unit.

    Layout: a names row, a units row, then data rows whose column A is a month ('1960M01') or a year. Header rows are
    found by content because vintages differ (some insert a row of series codes before the data).
    """
    data_rows = _data_rows(rows, key, where, "a month '1960M01' or a year '1960'")
    header = rows[: data_rows[0][0]]
    names_at = _best_row(header, lambda cell: _norm(cell) in {_norm(s.name) for s in _WB_SERIES})
    if names_at is None:
        raise InputError(
            "no row of series names above the data (looked for 'Copper', 'Aluminum', ...)",
            file=where,
            field="series names row",
            fix=_FETCH_FIX,
        )
    units_at = _best_row(header[names_at + 1 :], lambda cell: bool(re.fullmatch(r"\(.*\)", str(cell or "").strip())))
    if units_at is None:
        raise InputError(
            "no row of units such as '($/mt)' below the names row", file=where, field="units row", fix=_FETCH_FIX
        )
    names, units = header[names_at], header[names_at + 1 + units_at]

    keys = np.array([k for _, k in data_rows])  # (year, month) or (year, 0)
    parts = []
    for series in _WB_SERIES:
        col = _column_of(names, series.name)
        if col is None:
            raise InputError(
                f"no column for {series.commodity}",
                file=where,
                field=series.name,
                fix=f"the names row (Excel row {names_at + 1}) must contain {series.name!r}; if the World Bank renamed "
                "the series, update _WB_SERIES in critical_minerals/sources/wb_imf_prices.py",
            )
        label = str(units[col] or "").strip()
        if label != series.unit_label:
            raise InputError(
                f"unexpected unit for {series.commodity}",
                file=where,
                field=series.name,
                value=label,
                fix=f"expected {series.unit_label!r}; check the new unit and update _WB_SERIES and _WB_UNITS",
            )
        values = np.array([_number(_cell(rows[i], col), where, i, series.name) for i, _ in data_rows])
        parts.append(
            {
                "commodity": np.full(len(keys), series.commodity),
                "series": np.full(len(keys), series.name),
                "year": keys[:, 0],
                "month": keys[:, 1],
                "price": values,
                "unit": _worldbank_unit(series, keys[:, 0]),
            }
        )
    return _drop_missing(parts)


# --- IMF -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ImfSeries:
    commodity: str
    code: str | None  # IMF series code in the codes row; None for the columns the IMF left without a code
    description: str  # start of the description (matched if the code is absent)
    unit: str
    required: bool = False  # required: the panel takes this commodity from the IMF


# The description states the unit for most series and is checked against `unit` ('USD/ton' for cobalt and molybdenum
# is the metric ton: annual means 2020-24 match USGS MCS 2025 within 7 %). Chromium, lithium, rare earths and vanadium
# state no unit; USD per metric ton of product was verified for all four against USGS MCS prices (see the tests):
# - vanadium pentoxide / 2204.62 lb/t matches USGS V2O5 USD/lb (2020-22: 6.38/8.08/10.84 vs 6.47/8.17/9.29);
# - chromium (>= 99.2 % metal) matches USGS MCS 2023 chromium-metal USD/t (2018-21: 10.9k/9.4k/6.9k/9.1k vs
#   11.3k/10.4k/7.9k/8.8k);
# - lithium metal (peak USD 444k/t in 2022M6) is 5.9-8.1x the USGS battery-grade Li2CO3 USD/t in 2020-24 (5.3 t of
#   carbonate hold 1 t of Li, plus the cost of making the metal);
# - rare-earth carbonate (REO 42-45 %) is 0.6-0.9x the value of its oxide content priced with USGS oxide prices
#   (NdPr ~20 %, La 25 %, Ce 50 % of REO) in 2018-24 and moves with Nd2O3; per kg or in CNY it would be off by orders
#   of magnitude. It is per ton of carbonate, not of contained REO.
# The '=' in 'Chromium =99.2%' and 'Lithium Metal =99%' is in the IMF file (a lost '>=').
_IMF_SERIES = (
    _ImfSeries("aluminum", "PALUM", "Aluminum", "USD/t"),
    _ImfSeries("copper", "PCOPP", "Copper", "USD/t"),
    _ImfSeries("lead", "PLEAD", "Lead", "USD/t"),
    _ImfSeries("nickel", "PNICK", "Nickel", "USD/t"),
    _ImfSeries("tin", "PTIN", "Tin", "USD/t"),
    _ImfSeries("zinc", "PZINC", "Zinc", "USD/t"),
    _ImfSeries("iron_ore", "PIORECR", "China import Iron Ore", "USD/t"),
    _ImfSeries("gold", "PGOLD", "Gold", "USD/troy_oz"),
    _ImfSeries("silver", "PSILVER", "Silver", "USD/troy_oz"),
    _ImfSeries("platinum", "PPLAT", "Platinum", "USD/troy_oz"),
    _ImfSeries("palladium", "PPALLA", "Palladium", "USD/troy_oz"),
    _ImfSeries("uranium", "PURAN", "Uranium", "USD/lb"),
    _ImfSeries("cobalt", "PCOBA", "Cobalt", "USD/t", required=True),
    _ImfSeries("molybdenum", "PLMMODY", "Molybdenum", "USD/t", required=True),
    _ImfSeries("lithium", None, "Lithium Metal", "USD/t", required=True),
    _ImfSeries("rare_earths", None, "Rare Earth Carbonate", "USD/t", required=True),
    _ImfSeries("vanadium", None, "Vanadium Pentoxide", "USD/t", required=True),
    _ImfSeries("manganese", None, "Manganese Electro", "USD/t", required=True),
    _ImfSeries("chromium", None, "Chromium", "USD/t"),
    _ImfSeries("silicon", None, "Silicon Lumps", "USD/t"),
)

# unit wording in IMF descriptions; cents first so 'US cents per pound' is not read as dollars
_IMF_UNIT_WORDING = (
    (re.compile(r"\bUS cents per pound", re.IGNORECASE), "USc/lb"),
    (re.compile(r"troy\s*ounce", re.IGNORECASE), "USD/troy_oz"),
    (re.compile(r"(per|/)\s*(metric\s*)?(ton|tonne|mt)\b", re.IGNORECASE), "USD/t"),
    (re.compile(r"(per|/)\s*pound\b|/lb\b", re.IGNORECASE), "USD/lb"),
)


def _imf_stated_unit(description: str) -> str | None:
    """Unit stated in an IMF description ('..., US$ per metric ton' -> 'USD/t'); None when it states none."""
    for pattern, unit in _IMF_UNIT_WORDING:
        if pattern.search(description):
            return unit
    return None


def read_imf_monthly(path: str | Path) -> pd.DataFrame:
    """IMF PCPS monthly metal prices (sheet `External`) as a tidy, validated frame, same columns as the World Bank's.

    Series are found by IMF code, or by the start of the description where the column has no code. `series` is the
    code, or the description for the uncoded columns.
    """
    path = Path(path)
    where = _where(path, IMF_SHEET)
    rows = _sheet_rows(path, IMF_SHEET)
    data_rows = _data_rows(rows, _parse_month, where, "a month '1990M1'")
    header = rows[: data_rows[0][0]]
    codes_at = _best_row(header, lambda cell: bool(re.fullmatch(r"P[A-Z0-9_]{2,}", str(cell or "").strip())))
    descs_at = _best_row(header, lambda cell: _imf_description_match(cell) is not None)
    if descs_at is None:
        raise InputError(
            "no row of series descriptions above the data (looked for 'Copper, ...', 'Cobalt, ...')",
            file=where,
            field="description row",
            fix=_FETCH_FIX,
        )
    codes = header[codes_at] if codes_at is not None else ()
    descriptions = header[descs_at]

    keys = np.array([k for _, k in data_rows])
    parts = []
    for series in _IMF_SERIES:
        col = _imf_column(series, codes, descriptions, where)
        if col is None:
            if series.required:
                raise InputError(
                    f"no column for {series.commodity}",
                    file=where,
                    field=series.code or series.description,
                    fix=f"the description row needs a cell starting {series.description!r}"
                    + (f" or the codes row the code {series.code!r}" if series.code else "")
                    + "; if the IMF renamed the series, update _IMF_SERIES in "
                    "critical_minerals/sources/wb_imf_prices.py",
                )
            continue
        description = str(descriptions[col] or "").strip()
        stated = _imf_stated_unit(description)
        if stated is not None and stated != series.unit:
            raise InputError(
                f"description of {series.commodity} states a different unit",
                file=where,
                field=series.code or series.description,
                value=description,
                fix=f"expected {series.unit}; check the series and update _IMF_SERIES",
            )
        name = series.code if series.code and _cell_text(codes, col) == series.code else description
        values = np.array([_number(_cell(rows[i], col), where, i, name) for i, _ in data_rows])
        parts.append(
            {
                "commodity": np.full(len(keys), series.commodity),
                "series": np.full(len(keys), name),
                "year": keys[:, 0],
                "month": keys[:, 1],
                "price": values,
                "unit": np.full(len(keys), series.unit),
            }
        )
    long = _drop_missing(parts)
    dates = pd.to_datetime(pd.DataFrame({"year": long["year"], "month": long["month"], "day": 1}))
    frame = _tidy_monthly(long, dates, source=IMF, source_file=path.name)
    return _validate(frame, PANEL_SCHEMA, where)


def _imf_description_match(cell) -> _ImfSeries | None:
    text = str(cell or "").strip().lower()
    for series in _IMF_SERIES:
        if re.match(rf"{re.escape(series.description.lower())}\b", text):
            return series
    return None


def _imf_column(series: _ImfSeries, codes: tuple, descriptions: tuple, where: str) -> int | None:
    """Column of a series: by code, else by description (an ambiguous description is an error, not a guess)."""
    if series.code:
        by_code = [c for c in range(len(codes)) if _cell_text(codes, c) == series.code]
        if by_code:
            return by_code[0]
    by_text = [c for c, cell in enumerate(descriptions) if _imf_description_match(cell) == series]
    if len(by_text) > 1:
        raise InputError(
            f"{len(by_text)} columns match {series.commodity}",
            file=where,
            field=series.description,
            fix="make the description in _IMF_SERIES more specific",
        )
    return by_text[0] if by_text else None


# --- Combined panel ----------------------------------------------------------------------------------------------


def price_panel(worldbank_monthly: pd.DataFrame, imf_monthly: pd.DataFrame) -> pd.DataFrame:
    """One price series per commodity: World Bank for WORLDBANK_PANEL, IMF for the commodities the World Bank lacks.

    Takes the frames of read_worldbank_monthly and read_imf_monthly; see the module docstring for the rule.
    """
    from_wb = worldbank_monthly[worldbank_monthly["commodity"].isin(WORLDBANK_PANEL)]
    from_imf = imf_monthly[~imf_monthly["commodity"].isin(set(from_wb["commodity"]))]
    panel = pd.concat([from_wb, from_imf], ignore_index=True)
    panel = panel.sort_values(["commodity", "date"], ignore_index=True)
    return _validate(panel, PANEL_SCHEMA, "combined price panel")


def overlapping_prices(worldbank_monthly: pd.DataFrame, imf_monthly: pd.DataFrame) -> pd.DataFrame:
    """Metals both sources publish, side by side per month, to cross-check them.

    Columns: commodity, date, price_worldbank, unit_worldbank, price_imf, unit_imf, rel_diff = IMF / World Bank - 1,
    compared in USD per metric ton (NaN where either price is not per mass, e.g. iron ore in US cents per Fe unit).
    """
    cols = ["commodity", "date", "price", "unit", "price_usd_per_t"]
    both = pd.merge(
        worldbank_monthly[cols], imf_monthly[cols], on=["commodity", "date"], suffixes=("_worldbank", "_imf")
    )
    both["rel_diff"] = both["price_usd_per_t_imf"] / both["price_usd_per_t_worldbank"] - 1.0
    out = both[["commodity", "date", "price_worldbank", "unit_worldbank", "price_imf", "unit_imf", "rel_diff"]]
    return out.sort_values(["commodity", "date"], ignore_index=True)


# --- Schemas -------------------------------------------------------------------------------------------------------


def _first_of_month(dates: pd.Series) -> pd.Series:
    return dates.dt.is_month_start & (dates == dates.dt.normalize())


PANEL_SCHEMA = pa.DataFrameSchema(
    {
        "commodity": pa.Column(str),
        "date": pa.Column("datetime64[ns]", pa.Check(_first_of_month, error="date is not the first of a month")),
        "price": pa.Column(float, pa.Check.gt(0)),
        "unit": pa.Column(str, pa.Check.isin(KNOWN_UNITS)),
        "price_usd_per_t": pa.Column(float, pa.Check.gt(0), nullable=True),
        "source": pa.Column(str, pa.Check.isin([WORLDBANK, IMF])),
        "series": pa.Column(str),
        "source_file": pa.Column(str),
    },
    unique=["commodity", "date"],
    strict=True,
    ordered=True,
    name="monthly price panel",
)

ANNUAL_SCHEMA = pa.DataFrameSchema(
    {
        "commodity": pa.Column(str),
        "year": pa.Column("int64", pa.Check.in_range(1900, 2100)),
        "price": pa.Column(float, pa.Check.gt(0)),
        "unit": pa.Column(str, pa.Check.isin(KNOWN_UNITS)),
        "basis": pa.Column(str, pa.Check.str_matches(r"^(nominal USD|real \d{4} USD)$")),
        "source": pa.Column(str, pa.Check.isin([WORLDBANK])),
        "series": pa.Column(str),
        "source_file": pa.Column(str),
    },
    unique=["commodity", "year"],
    strict=True,
    ordered=True,
    name="annual prices",
)


def _validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, where: str) -> pd.DataFrame:
    """Validate with pandera; report failures as InputError (first few failure cases) naming the file and sheet."""
    frame = frame.reset_index(drop=True)  # pandera's failure report needs a unique index
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        fields = sorted({str(c) for c in cases["column"].dropna()})
        sample = [_describe_failure(frame, case) for case in cases.head(5).to_dict("records")]
        raise InputError(
            f"{schema.name} fails validation ({len(cases)} failure cases, e.g. {'; '.join(sample)})",
            file=where,
            field=", ".join(fields),
            fix="inspect these cells in the source; a new vintage may have changed layout or units",
        ) from exc


def _describe_failure(frame: pd.DataFrame, case: dict) -> str:
    """'price=-5.0 fails greater_than(0) (copper 2024-01-01)': the row is named by commodity and date or year."""
    text = f"{case['column']}={case['failure_case']!r} fails {case['check']}"
    index = case.get("index")
    if isinstance(index, (int, np.integer)) and 0 <= index < len(frame):
        row = frame.iloc[int(index)]
        when = row["date"].date() if "date" in frame.columns else row.get("year")
        text += f" ({row['commodity']} {when})"
    return text


# --- Small helpers -------------------------------------------------------------------------------------------------


def _where(path: Path, sheet: str) -> str:
    return f"{path} (sheet {sheet!r})"


def _sheet_rows(path: Path, sheet: str) -> list[tuple]:
    """All rows of one sheet as tuples of cell values; opens only that sheet (.xlsx via openpyxl, .xls via xlrd)."""
    if not path.is_file():
        raise InputError("file not found", file=path, fix=_FETCH_FIX)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                _require_sheet(path, sheet, book.sheetnames)
                return list(book[sheet].iter_rows(values_only=True))
            finally:
                book.close()
        if suffix == ".xls":
            book = xlrd.open_workbook(path, on_demand=True)
            try:
                _require_sheet(path, sheet, book.sheet_names())
                table = book.sheet_by_name(sheet)
                return [tuple(table.row_values(i)) for i in range(table.nrows)]
            finally:
                book.release_resources()
    except (zipfile.BadZipFile, InvalidFileException, xlrd.XLRDError, OSError) as exc:
        raise InputError(f"cannot read the workbook ({exc})", file=path, fix=_FETCH_FIX) from exc
    raise InputError("not an Excel workbook", file=path, value=suffix, fix="pass the .xlsx / .xls file")


def _require_sheet(path: Path, sheet: str, names: list[str]) -> None:
    if sheet not in names:
        raise InputError(
            f"sheet {sheet!r} not found (the workbook has {names})",
            file=path,
            field=f"sheet {sheet}",
            fix=f"pass the official workbook, which has a sheet named {sheet!r}; {_FETCH_FIX}",
        )


def _parse_month(cell) -> tuple[int, int] | None:
    match = _MONTH_RE.match(cell) if isinstance(cell, str) else None
    if match and 1 <= int(match[2]) <= 12:
        return int(match[1]), int(match[2])
    return None


def _parse_year(cell) -> tuple[int, int] | None:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool) and float(cell).is_integer():
        year = int(cell)
    elif isinstance(cell, str) and _YEAR_RE.match(cell):
        year = int(cell)
    else:
        return None
    return (year, 0) if 1800 <= year <= 2200 else None


def _number(cell, where: str, row: int, field: str) -> float:
    """A price cell as float; the source's missing-value markers become NaN, any other text is an error."""
    if cell is None:
        return np.nan
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return float(cell)
    text = str(cell).strip()
    if text.lower() in _MISSING:
        return np.nan
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise InputError(
            "price is neither a number nor a missing-value marker ('…')",
            file=where,
            row=row + 1,
            field=field,
            value=cell,
            fix="correct the cell or add the marker to _MISSING in critical_minerals/sources/wb_imf_prices.py",
        ) from None


def _norm(cell) -> str:
    """Series name without case, footnote stars and extra spaces: 'Coal, South African **' -> 'coal, south african'."""
    return re.sub(r"\s+", " ", str(cell or "").replace("*", "")).strip().lower()


def _column_of(row: tuple, name: str) -> int | None:
    matches = [c for c, cell in enumerate(row) if _norm(cell) == _norm(name)]
    return matches[0] if matches else None


def _cell(row: tuple, col: int):
    return row[col] if col < len(row) else None  # rows can be ragged


def _cell_text(row: tuple, col: int) -> str:
    return str(_cell(row, col) or "").strip()


def _best_row(rows: list[tuple], predicate) -> int | None:
    """Index of the row with the most cells satisfying predicate (None if no cell does)."""
    counts = [sum(1 for cell in row if predicate(cell)) for row in rows]
    if not counts or max(counts) == 0:
        return None
    return counts.index(max(counts))


def _drop_missing(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate per-series arrays and drop the months a series has no price for."""
    long = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    keep = ~np.isnan(long["price"])
    return {key: values[keep] for key, values in long.items()}


def _usd_per_t(price: pd.Series, unit: pd.Series) -> pd.Series:
    """Price per metric ton: via units.py for mass units; 'USD/dmt' is already per (dry) tonne; NaN per Fe unit."""
    factors = {u: price_factor_to_usd_per_t(u) for u in ("USD/t", "USD/troy_oz", "USD/lb")}
    factors["USD/dmt"] = 1.0
    return price * unit.map(factors).astype(float)


def _tidy_monthly(long: dict[str, np.ndarray], dates: pd.Series, *, source: str, source_file: str) -> pd.DataFrame:
    price = pd.Series(long["price"], dtype=float)
    unit = pd.Series(long["unit"], dtype=str)
    frame = pd.DataFrame(
        {
            "commodity": pd.Series(long["commodity"], dtype=str),
            "date": dates.astype("datetime64[ns]").to_numpy(),
            "price": price,
            "unit": unit,
            "price_usd_per_t": _usd_per_t(price, unit),
            "source": source,
            "series": pd.Series(long["series"], dtype=str),
            "source_file": source_file,
        }
    )
    return frame.sort_values(["commodity", "date"], ignore_index=True)
