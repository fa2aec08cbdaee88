"""Numbers and tables as the report shows them: one formatter for every chapter.

A number keeps SIGNIFICANT figures whatever its size (0.27 stays 0.270, 4.44 stays 4.44, 12,345 keeps every digit
before the point), thousands are separated, and a non-zero value is never shown as zero. Tables get human headers
with their units (HEADERS; a column not listed loses its underscores and gains a capital), booleans read Yes / No,
years and editions show as labels (2024, not 2,024), missing values show as a dash, and a code from the data
(`net_imports`, `rare_earths`) reads as words (CODE_WORDS; any other snake_case code loses its underscores).

A table fits the report's text column: the columns a reader does not need to follow the argument (notes, sources,
tail percentiles, values derivable from the others) are its *details*, named by the function that builds the table
in `frame.attrs["details"]` or listed in DETAILS. `table` then shows the table without them, followed by a closed
block holding every column; the report moves that block to the data appendix (report/plumbing.py), so nothing is
lost and the reading path carries no table wider than its column.
"""

from __future__ import annotations

import hashlib
import html
import math
import numbers
import re

import pandas as pd
from pandas.io.formats.style import Styler

SIGNIFICANT = 3  # figures a displayed number keeps
MISSING = "–"
SMALLEST_FIXED = 1e-4  # below this, a value is written as 1.23e-05 rather than as a row of zeros
NOISE = 1e-9  # floating-point residue (a share computed as 100 - 100 = 1.4e-14); no quantity here is this small
YEAR_WORD = re.compile(r"(^|[ _])(year|edition)($|[ _])", re.IGNORECASE)
YEAR_RANGE = (1800, 2200)

DETAILS_ATTR = "details"  # frame.attrs key: the columns a table shows only in its all-columns copy
# detail columns of tables a chapter assembles itself (so no function names them): notes that explain one row
DETAILS = frozenset({"content_note"})
# a whole cell that is a code from the data: net_imports, or a keyed one such as s30d_battery_share.2024
CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?:\.[a-z0-9]+)?")
# codes whose words are not just the code without underscores
CODE_WORDS = {
    "rare_earths_nd_oxide": "rare earths (Nd oxide)",
    "net_imports": "net imports",
    "cn_cif": "CIF China",
    "apparent_consumption": "apparent consumption",
    "not_available": "not available",
    "not_applicable": "not applicable",
    "in_world_total": "in the world total",
    "net_trade": "net trade",
    "carry_forward": "last published year carried forward",
}

# column name in the package's tables -> header a reader sees (with the unit)
HEADERS = {
    # chapter 1: data checks and paper A
    "actual_unit": "Actual unit",
    "stated_unit": "Stated unit",
    "cells_within": "Cells within rounding",
    "minerals_within": "Minerals within rounding",
    "max_abs_diff_pp": "Largest difference (pp)",
    "max_abs_rel_diff": "Largest relative difference",
    "median_abs_rel_diff": "Median relative difference",
    "claim_id": "Claim",
    "country_detail": "Country detail",
    "country_kind": "Kind of row",
    "sum_of_countries": "Sum of countries",
    "world_total": "World total",
    "gap": "Gap (share of world total)",
    "value_pct": "Value (%)",
    "world_series": "World series",
    "data_agree": "Data agree",
    "paper_b_says": "Paper B says",
    "defense_applications": "Defence applications",
    "energy_transition_applications": "Energy-transition applications",
    "us_value": "U.S. value (USGS)",
    "usgs_value": "USGS value",
    "paper_value": "Paper A value",
    "correctly_rounded": "USGS value rounded to one decimal",
    "difference_pp": "Difference (pp)",
    # chapter 2: shares and concentration
    "us_pct": "United States (%)",
    "canada_pct": "Canada (%)",
    "mexico_pct": "Mexico (%)",
    "china_pct": "China (%)",
    "club_pct": "US+CA+MX (%)",
    "total_pct": "Total (%)",
    "top_pct": "Top country (%)",
    "unassigned_pct": "Not assigned to a country (%)",
    "top_country": "Top country",
    "share_pct_production": "Share of world production (%)",
    "share_pct_reserves": "Share of world reserves (%)",
    "status_production": "Production status",
    "headroom_pp": "Reserves minus production share (pp)",
    "issue": "Limitation",
    "leading_partner": "Leading partner",
    "clear_lead": "Clear lead",
    "highly_concentrated": "Highly concentrated",
    "hhi": "HHI (0–10,000)",
    "hhi_pooled": "HHI, partners pooled (0–10,000)",
    "hhi_upper": "HHI, upper bound (0–10,000)",
    # chapter 3: stockpile
    "consumption_t": "Apparent consumption (t/yr)",
    "consumption_note": "Consumption note",
    "net_import_reliance": "Net import reliance (share)",
    "nir_note": "Net import reliance note",
    "net_imports_t": "Net imports (t/yr)",
    "net_imports_note": "Net imports note",
    "months_of_cover": "Months of cover",
    "price_usd_per_t": "Price (USD/t)",
    "first_year": "First year",
    "last_year": "Last year",
    "years_used": "Years used",
    "price_source": "Price source",
    "price_note": "Price years",
    "price_basis": "Price basis",
    "content_factor": "Content factor",
    "content_note": "Content note",
    "cost_usd_bn": "Cost (USD bn)",
    # chapter 4: price support
    "strike_multiple": "Strike (multiple of the reference price)",
    "max_commitment": "Largest commitment",
    "totals_above": "Share of paths whose total exceeds the threshold",
    "years_above": "Share of years above",
}


def _integral(value: float) -> bool:
    return math.isfinite(value) and float(value).is_integer()


def number(value, significant: int = SIGNIFICANT) -> str:
    """One number as the report shows it: `significant` figures, thousands separated, never a non-zero as zero."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, bool):
        return "Yes" if value else "No"
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if abs(value) < NOISE:
        return "0"
    if _integral(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) < SMALLEST_FIXED:
        return f"{value:.{significant - 1}e}"
    magnitude = math.floor(math.log10(abs(value)))
    return f"{value:,.{max(0, significant - 1 - magnitude)}f}"


def header(name) -> str:
    """The header a reader sees for a column: the mapped one, else the name without underscores, capitalised."""
    if not isinstance(name, str):
        return str(name)
    text = HEADERS.get(name, name.replace("_", " "))
    return text[:1].upper() + text[1:]


def is_year_column(name, values: pd.Series) -> bool:
    """Years and editions are labels, not quantities: a column named for them whose values are whole years."""
    if not YEAR_WORD.search(str(name)):
        return False
    known = pd.to_numeric(values, errors="coerce").dropna() if values.dtype != bool else pd.Series(dtype=float)
    return (
        len(known) > 0
        and len(known) == values.notna().sum()
        and known.map(_integral).all()
        and known.between(*YEAR_RANGE).all()
    )


def cell(value, year: bool = False) -> str:
    """One cell: booleans as Yes / No, numbers by `number`, years plain, anything else as its text."""
    if isinstance(value, (bool, numbers.Number)) and not isinstance(value, complex) or value is None:
        if year and not (value is None or pd.isna(value)):
            return str(int(value))
        return number(value)
    if value is pd.NA or value is pd.NaT:
        return MISSING
    return words(str(value))


def words(text: str) -> str:
    """A cell's text as a reader reads it: a code from the data becomes words, a boolean written out reads Yes / No."""
    if CODE.fullmatch(text):
        return CODE_WORDS.get(text, text.replace("_", " ").replace(".", ", "))
    return {"True": "Yes", "False": "No"}.get(text, text)


def _row_numbers(index: pd.Index) -> bool:
    """An unnamed integer index (0, 1, 2, ..., or what is left of it after filtering): row numbers, not data."""
    return not isinstance(index, pd.MultiIndex) and index.name is None and pd.api.types.is_integer_dtype(index.dtype)


def view(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as text: every cell formatted, headers (and index names) human."""
    if isinstance(frame.index, pd.MultiIndex):
        frame = frame.reset_index()
    if isinstance(frame.columns, pd.MultiIndex):
        frame = frame.set_axis([" ".join(str(part) for part in name if str(part)) for name in frame.columns], axis=1)
    view = pd.DataFrame(index=frame.index)
    for position, name in enumerate(frame.columns):
        values = frame.iloc[:, position]
        year = is_year_column(name, values)
        view[position] = [cell(value, year) for value in values]
    view.columns = [header(name) for name in frame.columns]
    if not _row_numbers(frame.index):
        year = is_year_column(frame.index.name, frame.index.to_series())
        view.index = pd.Index(
            [cell(value, year) for value in frame.index],
            name=header(frame.index.name) if frame.index.name is not None else None,
        )
    return view


def details(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """`frame`, with `columns` named as its details: the report shows them in the all-columns copy only."""
    frame.attrs[DETAILS_ATTR] = tuple(columns)
    return frame


def _is_detail(name, named) -> bool:
    """A detail column: named as one, or (under a grouped header) with a part named as one."""
    parts = name if isinstance(name, tuple) else (name,)
    return name in named or any(isinstance(part, str) and part in named for part in parts)


class WithDetails:
    """A table shown without its detail columns, followed by a closed block holding every column (the report moves
    that block to its data appendix; a notebook shows it in place)."""

    def __init__(self, reading: Styler, full: Styler, columns: int):
        self.reading, self.full, self.columns = reading, full, columns

    def to_html(self) -> str:
        return (
            f'{self.reading.to_html()}\n<details class="{ALL_COLUMNS}"><summary>All {self.columns} columns'
            f"</summary>\n{self.full.to_html()}\n</details>\n"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


ALL_COLUMNS = "all-columns"  # class of the block that holds a table with every column


def table(frame: pd.DataFrame, caption: str | None = None) -> Styler | WithDetails:
    """A table as the report shows it: human headers, numbers by `number`, no row numbers, a dash for missing; with
    detail columns (see the module's docstring), the table without them and a closed block with every column.
    """
    named = set(frame.attrs.get(DETAILS_ATTR, ())) | DETAILS
    hidden = [position for position, name in enumerate(frame.columns) if _is_detail(name, named)]
    if not hidden:
        return _styled(frame, caption)
    reading = frame.iloc[:, [p for p in range(frame.shape[1]) if p not in hidden]]
    full_caption = f"{caption}: all columns" if caption else None
    return WithDetails(_styled(reading, caption), _styled(frame, full_caption), frame.shape[1])


def _styled(frame: pd.DataFrame, caption: str | None) -> Styler:
    """Cell text is escaped: a string from a data file shows as text, never as markup. The table's id comes from its
    content, not a random number, so a rerun gives the same HTML; cells get no ids (no style needs them).
    """
    content = hashlib.sha256(f"{caption}\n{frame.to_csv()}".encode()).hexdigest()[:16]
    styler = Styler(view(frame), uuid=content, cell_ids=False).format(escape="html")
    styler = styler.format_index(escape="html", axis=1)
    if _row_numbers(frame.index) or isinstance(frame.index, pd.MultiIndex):
        styler = styler.hide(axis="index")
    else:
        styler = styler.format_index(escape="html", axis=0)
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return styler
