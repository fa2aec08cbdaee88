"""The executive summary: statements whose numbers are read from the chapters' results files, none typed.

data/report_summary.csv lists the statements, one a row:
  chapter  the results file, results/<chapter>.json (the chapter notebook's stem)
  key      dotted path to the value in it; one `*` segment repeats the statement for every key at that level
  label    the statement; `{path}` or `{path:format}` inserts another value of the same file, `{*}` the key `*` matched
  format   a Python format spec for numbers (`,.0f`, `.1%`), `list` (items joined), `count` (number of items) or blank
  scale    divisor applied to a number before formatting (1e9 for billions); blank for none
  unit     shown after the value; may hold `{path}` too
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core import paths
from ..core.errors import InputError
from ..sources.handwritten_tables import read_data_table

SUMMARY_FILE = paths.DATA_DIR / "report_summary.csv"
COLUMNS = ["chapter", "key", "label", "format", "scale", "unit"]
PLACEHOLDER = re.compile(r"\{([^{}:]+)(?::([^{}]*))?\}")
MISSING = "–"  # a value the chapter recorded as not found (null)


@dataclass(frozen=True)
class Statement:
    chapter: str
    key: str  # with `*` replaced by the key it matched
    label: str
    value: str  # formatted, unit not included
    unit: str
    format: str  # the row's format, to show differences between scenarios alike
    number: float | None  # scaled value, for differences between scenarios
    items: tuple[str, ...] | None  # a list's items, for differences between scenarios


def read_results(root: Path) -> dict[str, dict]:
    """Every results/<chapter>.json of a build, by chapter."""
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted((root / "results").glob("*.json"))
    }


class MissingKey(LookupError):
    """A dotted key that names no value of a results file."""


def lookup(results: dict, key: str):
    value = results
    for part in key.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise MissingKey(part)
    return value


def expand(results: dict, key: str) -> list[tuple[str, str]]:
    """(concrete key, what `*` matched) for a key with at most one `*` segment."""
    parts = key.split(".")
    if "*" not in parts:
        return [(key, "")]
    at = parts.index("*")
    head, tail = parts[:at], parts[at + 1 :]
    group = lookup(results, ".".join(head)) if head else results
    if not isinstance(group, dict):
        raise MissingKey(".".join(head))
    return [(".".join([*head, name, *tail]), name) for name in group]


def number_text(value, spec: str, scale: float) -> str:
    return format(value / scale, spec) if scale != 1 else format(value, spec)


def placeholders(
    template: str,
    results: dict,
    given: dict[str, str],
    formatted: Callable[[object, str], str],
    missing: Callable[[str], Exception],
) -> str:
    """`template` with its `{path}` / `{path:format}` placeholders replaced from the results (`formatted` formats a
    value), and those named in `given` (such as `{*}` or `{words}`) by their text; `missing(placeholder)` is the
    error for a path the results do not hold. The summary's statements and the findings both write their text so."""

    def replace(match: re.Match) -> str:
        key, spec = match.group(1), match.group(2) or ""
        if key in given:
            return given[key]
        try:
            value = lookup(results, key)
        except MissingKey:
            raise missing(match.group(0)) from None
        return formatted(value, spec)

    return PLACEHOLDER.sub(replace, template)


def fill(template: str, results: dict, star: str, row: dict, field: str, path: Path) -> str:
    """A label or unit with its `{path}` / `{path:format}` / `{*}` placeholders replaced from the same results."""
    return placeholders(
        template,
        results,
        {"*": star},
        lambda value, spec: format(value, spec) if spec else str(value),
        lambda placeholder: InputError(
            "placeholder names no value of the results file",
            file=path,
            row=row["line"],
            field=field,
            value=placeholder,
            fix=f"use a key of results/{row['chapter']}.json",
        ),
    )


def read_spec(path: Path) -> list[dict]:
    rows = read_data_table(path, COLUMNS).to_dict("records")
    for number, row in enumerate(rows, start=2):  # the header is line 1
        row["line"] = number
        try:
            row["scale"] = float(row["scale"]) if row["scale"].strip() else 1.0
        except ValueError:
            raise InputError(
                "not a number",
                file=path,
                row=number,
                field="scale",
                value=row["scale"],
                fix="write a divisor such as 1e9, or leave it blank",
            ) from None
        if row["key"].split(".").count("*") > 1:
            raise InputError(
                "at most one '*' segment",
                file=path,
                row=number,
                field="key",
                value=row["key"],
                fix="split the statement into one row per group",
            )
    return rows


def statement(row: dict, results: dict, key: str, star: str, path: Path) -> Statement:
    try:
        value = lookup(results, key)
    except MissingKey:
        known = ", ".join(sorted(results)[:12])
        raise InputError(
            "no such value in the results file",
            file=path,
            row=row["line"],
            field="key",
            value=key,
            fix=f"name a key of results/{row['chapter']}.json (top level: {known})",
        ) from None
    spec, scale, number, items = row["format"], row["scale"], None, None
    if isinstance(value, dict):
        raise InputError(
            "names a group of values, not one",
            file=path,
            row=row["line"],
            field="key",
            value=key,
            fix=f"add one of its keys: {', '.join(list(value)[:8])}",
        )
    if value is None:
        text = MISSING
    elif isinstance(value, list):
        if spec not in ("list", "count"):
            raise InputError(
                "the value is a list",
                file=path,
                row=row["line"],
                field="format",
                value=spec,
                fix="write 'list' to show its items or 'count' to show how many there are",
            )
        items = tuple(str(item) for item in value)
        text = str(len(items)) if spec == "count" else (", ".join(items) or "none")
        number = float(len(items)) if spec == "count" else None
    elif isinstance(value, bool) or isinstance(value, str):
        text = ("yes" if value else "no") if isinstance(value, bool) else value
    else:
        try:
            text = number_text(value, spec, scale) if spec not in ("", "list", "count") else str(value)
        except ValueError as err:
            raise InputError(
                f"format does not apply to {value!r} ({err})",
                file=path,
                row=row["line"],
                field="format",
                value=spec,
                fix="use a number format such as ',.1f' or '.0%'",
            ) from None
        number = value / scale
    label = fill(row["label"], results, star, row, "label", path)
    unit = fill(row["unit"], results, star, row, "unit", path) if value is not None else ""
    return Statement(row["chapter"], key, label, text, unit, spec, number, items)


def statements(all_results: dict[str, dict], path: Path | None = None) -> list[Statement]:
    """Every statement of the summary file (data/report_summary.csv), for the results of one build, in its order."""
    path = path or SUMMARY_FILE
    found = []
    for row in read_spec(path):
        if row["chapter"] not in all_results:
            raise InputError(
                "no results file for this chapter",
                file=path,
                row=row["line"],
                field="chapter",
                value=row["chapter"],
                fix=f"name one of {sorted(all_results)}",
            )
        results = all_results[row["chapter"]]
        try:
            keys = expand(results, row["key"])
        except MissingKey:
            raise InputError(
                "no such group in the results file",
                file=path,
                row=row["line"],
                field="key",
                value=row["key"],
                fix=f"name a group of results/{row['chapter']}.json",
            ) from None
        found.extend(statement(row, results, key, star, path) for key, star in keys)
    return found
