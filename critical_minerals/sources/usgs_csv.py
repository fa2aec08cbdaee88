"""Reading USGS CSV exports, shared by the world and salient parsers: text cleaning, rows, commodity codes."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from ..core import paths
from ..core.errors import InputError
from .handwritten_tables import read_data_table

COMMODITY_MAP = paths.DATA_DIR / "usgs_commodities.csv"

ZERO_MARKERS = frozenset({"—", "–"})  # USGS tables: an em or en dash means zero


def clean_text(text: object) -> str:
    """Non-breaking spaces to spaces, runs of white space to one, trimmed."""
    return re.sub(r"\s+", " ", str(text).replace("\xa0", " ")).strip()


def read_rows(path: Path) -> list[list[str]]:
    """All rows as text: byte-order mark removed, CRLF handled, blank rows dropped; an error names the file."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason})", file=path, fix="fetch the file again") from None
    except FileNotFoundError:
        raise InputError(
            "file not found", file=path, fix="run `python -m critical_minerals.sources.official_datasets fetch`"
        ) from None
    rows = [row for row in csv.reader(text.splitlines()) if any(clean_text(cell) for cell in row)]
    if not rows:
        raise InputError("file is empty", file=path, fix="fetch the file again")
    return rows


def load_commodity_map(path: str | Path = COMMODITY_MAP) -> pd.DataFrame:
    """data/usgs_commodities.csv as text (no NA guessing), with its code columns checked."""
    return read_data_table(Path(path), ["commodity", "mcs2023_codes", "mcs2024_codes", "mcs2025_codes"])


def commodity_for_code(code: str, edition: int, commodities: pd.DataFrame, file: Path | None = None) -> str:
    """Canonical commodity key for the code in an MCS file name: ('lithi', 2024) -> 'lithium'."""
    column = f"mcs{edition}_codes"
    if column not in commodities.columns:
        raise InputError(f"commodity map has no column {column!r}", file=file, fix="add the edition's codes")
    code = code.lower()
    for key, codes in zip(commodities["commodity"], commodities[column]):
        if code in (c.strip().lower() for c in str(codes).split(";")):
            return str(key)
    raise InputError(
        f"USGS code {code!r} is not in the commodity map",
        file=file,
        field=column,
        value=code,
        fix=f"add {code!r} to {column} in data/usgs_commodities.csv",
    )
