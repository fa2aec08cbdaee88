"""The data dictionary: what every column of the hand-written tables in data/ holds, and its unit, as data.

One file, `data/dictionary.csv`, one row per file and column (file, field, description, unit), as PUDL keeps its
field metadata (a description and a unit per field) beside the code instead of in prose. The unit is blank for text,
codes and flags, and says "as in the row's unit" in long tables whose rows carry their own unit. The report's data
appendix prints it, one table per file; a test checks that it describes every column of every data/*.csv and no
column that does not exist.
"""

from __future__ import annotations

from pathlib import Path

from ..core import paths
from .handwritten_tables import read_data_table, read_rows

DICTIONARY = "dictionary.csv"
FIELDS = ["file", "field", "description", "unit"]


def read(data_dir: Path = paths.DATA_DIR) -> dict[str, list[dict[str, str]]]:
    """The dictionary by file, in file-name order; each file's fields in the dictionary's order."""
    table = read_data_table(data_dir / DICTIONARY, FIELDS)
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in table.sort_values("file", kind="stable").to_dict("records"):
        grouped.setdefault(row["file"], []).append({key: row[key] for key in FIELDS[1:]})
    return grouped


def columns_of(data_dir: Path = paths.DATA_DIR) -> dict[str, list[str]]:
    """Every hand-written table's columns, read by the project's one reader of data files."""
    return {path.name: read_rows(path, [])[0] for path in sorted(data_dir.glob("*.csv"))}


def mismatches(data_dir: Path = paths.DATA_DIR) -> tuple[list[str], list[str]]:
    """(columns no row describes, described columns that do not exist), each as 'file: column'."""
    described = {(name, row["field"]) for name, rows in read(data_dir).items() for row in rows}
    present = {(name, column) for name, columns in columns_of(data_dir).items() for column in columns}
    return (
        [f"{f}: {c}" for f, c in sorted(present - described)],
        [f"{f}: {c}" for f, c in sorted(described - present)],
    )
