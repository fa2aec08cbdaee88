"""Reading the hand-written tables in data/: text cells kept as written, a clear error for a missing file or column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import InputError


def read_data_table(path: Path, columns: list[str]) -> pd.DataFrame:
    """A CSV of data/ as strings (blank cells stay ''), after checking that it exists and has every column needed."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError("data file not found", file=path, fix="restore it from git or create it") from None
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise InputError("missing column", file=path, field=missing[0],
                         fix=f"the header must include: {','.join(columns)}")
    return frame
