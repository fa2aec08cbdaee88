"""The U.S. lists of critical minerals (2022 and the final 2025 list) as recorded in data/us_critical_minerals.csv,
one row per list and mineral with the project commodities it covers; used as a scope by chapters 2 and 3."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core import paths
from ..core.errors import InputError
from .handwritten_tables import read_data_table

LISTS_FILE = paths.DATA_DIR / "us_critical_minerals.csv"
LISTS = ("2022", "2025")


def critical_lists(path: Path = LISTS_FILE) -> pd.DataFrame:
    """data/us_critical_minerals.csv, checked: a known list on every row."""
    table = read_data_table(path, ["list", "mineral", "commodities", "source", "note"])
    bad = table[~table["list"].isin(LISTS)]
    if len(bad):
        raise InputError(
            "unknown list",
            file=path,
            row=int(bad.index[0]) + 2,
            field="list",
            value=bad["list"].iloc[0],
            fix=f"use one of {', '.join(LISTS)}",
        )
    return table


def list_commodities(lists: pd.DataFrame, year: str) -> set[str]:
    """The project commodities a list covers ('2022' or '2025')."""
    rows = lists[lists["list"] == year]["commodities"]
    return {code for cell in rows for code in cell.split(";") if code}


def entered(lists: pd.DataFrame) -> list[str]:
    """Minerals on the 2025 list that the 2022 list did not name."""
    before = set(lists[lists["list"] == "2022"]["mineral"].str.lower())
    return [m for m in lists[lists["list"] == "2025"]["mineral"] if m.lower() not in before]
