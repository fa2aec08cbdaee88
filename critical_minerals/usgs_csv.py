"""Reading USGS CSV exports: text cleaning and rows, shared by the world and salient parsers."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .errors import InputError

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
        raise InputError("file not found", file=path, fix="run `python -m critical_minerals.datasets fetch`") from None
    rows = [row for row in csv.reader(text.splitlines()) if any(clean_text(cell) for cell in row)]
    if not rows:
        raise InputError("file is empty", file=path, fix="fetch the file again")
    return rows
