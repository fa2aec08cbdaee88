"""Reading the hand-written tables in data/: the one reader every module uses for them.

Text cells are kept as written (as strings; blank cells are ''), whatever the editor that saved the file did to it:
a byte-order mark, CRLF line ends, spaces around cells and header names, columns in another order. What cannot be
read unambiguously stops with one message naming the file, the line, the column and the value: a file that is not
UTF-8, a row with more cells than the header, a column named twice, a missing column, a fractional year, a value
`nan` or `inf` (a number that is not one).
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

YEAR_COLUMN = re.compile(r"^(year|edition|.+_year|year_.+)$")  # whole numbers (or blank) in every table
WHOLE_NUMBER = re.compile(r"^[+-]?[0-9]+$")
PLAIN_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")  # what float() takes, minus
# the forms a person does not mean as a number in a table: 1_000, digits of other scripts, nan, inf


def read_data_table(path: Path, columns: list[str]) -> pd.DataFrame:
    """A CSV of data/ as strings, after checking that it exists, reads cleanly and has every column needed.

    The frame's index counts data rows from 0, so `index + 2` is the line in the file (the header is line 1).
    """
    import pandas as pd  # not for the build's parameter checks, which read allowed values with read_rows

    header, rows = read_rows(path, columns)
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype=str) for name in header})
    return pd.DataFrame([cells for _, cells in rows], columns=header, dtype=object).astype(str)


def require_yes_no(value: str, *, file: Path, row: int, field: str, fix: str = "write yes or no") -> None:
    """A flag cell of a data table says yes or no; anything else is one error naming file, line, field and value."""
    if value not in ("yes", "no"):
        raise InputError(f"{field} must be yes or no", file=file, row=row, field=field, value=value, fix=fix)


def read_rows(path: Path, columns: list[str]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The checked header and rows of a data table: (line in the file, cells as text), one per non-blank row."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("data file not found", file=path, fix="restore it from git or create it") from None
    except IsADirectoryError:
        raise InputError("is a folder, not a data file", file=path, fix="restore the file from git") from None
    text = _decoded(raw, path)
    reader, rows = csv.reader(io.StringIO(text, newline="")), []  # (line in the file, cells) of non-blank rows
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, [cell.strip() for cell in row]))
    except csv.Error as err:
        raise InputError(
            f"not a readable CSV ({err})",
            file=path,
            row=reader.line_num,
            fix="save it as CSV (comma-separated, UTF-8), with quotes around cells holding commas",
        ) from None
    if not rows:
        raise InputError("the file is empty", file=path, fix=f"the first line must be the header: {','.join(columns)}")
    header_line, header = rows[0]
    while header and not header[-1]:  # a spreadsheet's trailing commas
        header.pop()
    seen = set()
    for name in header:
        if name in seen:
            raise InputError(
                "column named twice in the header",
                file=path,
                row=header_line,
                field=name,
                fix="remove or rename one of the two columns",
            )
        seen.add(name)
    missing = [column for column in columns if column not in header]
    if missing:
        raise InputError(
            "missing column", file=path, field=missing[0], fix=f"the header must include: {','.join(columns)}"
        )
    body = []
    for number, row in rows[1:]:
        if len(row) > len(header):
            extra = row[len(header) :]
            if any(extra):
                raise InputError(
                    f"row has {len(row)} cells, the header {len(header)}",
                    file=path,
                    row=number,
                    value=next(cell for cell in extra if cell),
                    fix="remove the extra cell, or quote a cell that contains a comma",
                )
            row = row[: len(header)]
        body.append((number, row + [""] * (len(header) - len(row))))
    _check_cells(header, body, path)
    return header, body


def _decoded(raw: bytes, path: Path) -> str:
    """UTF-8, with or without a byte-order mark; anything else is refused with the line of the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[err.start]:02x})",
            file=path,
            row=line,
            fix="save the file as UTF-8 (in Excel: 'CSV UTF-8'; in other editors: encoding UTF-8)",
        ) from None


def _check_cells(header: list[str], rows: list[tuple[int, list[str]]], path: Path) -> None:
    """Every cell that reads as a number is a plain, finite one; every year is a whole number."""
    years = {column for column in header if YEAR_COLUMN.match(column)}
    for line, cells in rows:
        for column, cell in zip(header, cells):
            is_year = column in years
            if not cell:
                continue
            if is_year and not WHOLE_NUMBER.match(cell):
                raise InputError(
                    "a year must be a whole number",
                    file=path,
                    row=line,
                    field=column,
                    value=cell,
                    fix="write the year as digits, e.g. 2024",
                )
            try:
                number = float(cell)
            except ValueError:
                continue
            if not math.isfinite(number) or not PLAIN_NUMBER.match(cell):
                raise InputError(
                    "not a plain finite number",
                    file=path,
                    row=line,
                    field=column,
                    value=cell,
                    fix="write the number with ASCII digits (e.g. 1000 or 1.5e9); leave the cell "
                    "blank if it is not known",
                )
