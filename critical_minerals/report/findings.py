"""The report's findings: sentences whose numbers and whose words are read from the chapters' results, none typed.

data/report_findings.csv lists the findings, one a row:
  id           a short name, unique
  chapter      the results file, results/<chapter>.json, whose values the row reads
  place        `summary` (the executive summary), `chapter` (the chapter's key-findings box) or `both`
  section      the anchor of the section that holds the evidence (a heading's id, e.g. ch02-3-concentration-and-china)
  figure       a published figure the summary shows beside the finding (a key figure), or blank
  rule         how the words are chosen: `compare`, `at_most` or `count` (see RULES)
  a, b         the rule's inputs: a dotted key of the results file (it may hold `{key}` placeholders, e.g.
               `subsidy_strikes.{project_archetype}.none`) or a number
  tolerance    `compare`: differences up to this size count as equal (in a's unit); blank for zero
  words        the rule's outcomes, separated by `|`, in the rule's order, then the words for "cannot tell" (a value
               the chapter recorded as missing). They are inserted at `{words}` in the text and may hold placeholders.
  text         the finding: a sentence or two with `{key}` / `{key:format}` placeholders and `{words}`
  implication  what it means for the USMCA review: one text, or one per outcome separated by `|` like `words`
  note         why the rule and its tolerance are what they are (not shown)

Placeholder formats: a Python format spec (`,.0f`, `.1%`), optionally with a divisor after a slash (`.1f/1e9` for
billions), `list` (items joined with commas and "and") or `count` (number of items).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ..core import paths
from ..core.errors import InputError
from ..core.png_copies import SINGLE_COLUMN_SUFFIX as SINGLE_SUFFIX
from ..sources.handwritten_tables import read_data_table
from .model import chapter_anchor
from .summary import MissingKey, lookup, placeholders

FINDINGS_FILE = paths.DATA_DIR / "report_findings.csv"
COLUMNS = [
    "id",
    "chapter",
    "place",
    "section",
    "figure",
    "rule",
    "a",
    "b",
    "tolerance",
    "words",
    "text",
    "implication",
    "note",
]
PLACES = ("summary", "chapter", "both")
MISSING = "–"
SUMMARY_FINDINGS = (5, 8)  # how many findings the executive summary holds
KEY_FIGURES = (2, 4)  # how many figures stand in it
KEY_FIGURE_PX = 560  # the summary's figures: thumbnails at most this many pixels wide


# ------------------------------------------------------------------ rules: results -> which of the words


def compare(a: float, b: float, tolerance: float = 0.0) -> int:
    """0 when a is above b by more than the tolerance, 1 when within it, 2 when below."""
    if abs(a - b) <= tolerance:
        return 1
    return 0 if a > b else 2


def at_most(a: float, b: float, tolerance: float = 0.0) -> int:
    """0 when a is at most b (plus the tolerance), 1 when it exceeds it."""
    return 0 if a <= b + tolerance else 1


def count(a, b=None, tolerance: float = 0.0) -> int:
    """0 for none, 1 for one, 2 for more; `a` is a number or a list (its length counts)."""
    n = len(a) if isinstance(a, (list, tuple)) else a
    return 0 if n == 0 else 1 if n == 1 else 2


RULES = {"compare": (compare, 3), "at_most": (at_most, 2), "count": (count, 3)}  # function, number of outcomes


@dataclass(frozen=True)
class Finding:
    id: str
    chapter: str
    place: str
    section: str
    figure: str
    outcome: int | None  # which of the rule's outcomes held; None: cannot tell
    text: str
    implication: str

    @property
    def in_summary(self) -> bool:
        return self.place in ("summary", "both")

    @property
    def in_chapter(self) -> bool:
        return self.place in ("chapter", "both")


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def joined(items: list) -> str:
    items = [str(item) for item in items]
    if len(items) <= 2:
        return " and ".join(items) or "none"
    return ", ".join(items[:-1]) + " and " + items[-1]


def format_value(value, spec: str) -> str:
    """A value as a finding shows it, by the placeholder's format."""
    if is_missing(value):
        return MISSING
    if spec == "list":
        return joined(value if isinstance(value, (list, tuple)) else [value])
    if spec == "count":
        return str(len(value) if isinstance(value, (list, tuple, dict)) else value)
    if isinstance(value, (list, tuple)):
        return joined(value)
    if not spec:
        return str(value)
    spec, _, divisor = spec.partition("/")
    return format(value / float(divisor) if divisor else value, spec)


class _Row:
    """One row of the findings file and where it is, for error messages."""

    def __init__(self, row: dict, path: Path):
        self.row, self.path = row, path

    def error(self, message: str, field: str, value, fix: str) -> InputError:
        return InputError(message, file=self.path, row=self.row["line"], field=field, value=value, fix=fix)

    def fill(self, template: str, results: dict, field: str, words: str = "") -> str:
        def formatted(value, spec: str) -> str:
            try:
                return format_value(value, spec)
            except (ValueError, TypeError) as err:
                raise self.error(
                    f"format does not apply to {value!r} ({err})",
                    field,
                    spec,
                    "use a number format such as ',.1f', '.0%' or '.1f/1e9', 'list' or 'count'",
                ) from None

        return placeholders(
            template,
            results,
            {"words": words},
            formatted,
            lambda placeholder: self.error(
                "placeholder names no value of the results file",
                field,
                placeholder,
                f"use a key of results/{self.row['chapter']}.json",
            ),
        )

    def operand(self, field: str, results: dict):
        """A rule's input: a number written in the row, or a value of the results file."""
        text = self.row[field].strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            pass
        key = self.fill(text, results, field)
        try:
            return lookup(results, key)
        except MissingKey:
            raise self.error(
                "no such value in the results file",
                field,
                key,
                f"name a key of results/{self.row['chapter']}.json or write a number",
            ) from None


def read_spec(path: Path | None = None) -> list[dict]:
    """The findings file's rows, checked: known place and rule, as many words as the rule has outcomes plus one."""
    path = path or FINDINGS_FILE
    rows = read_data_table(path, COLUMNS).to_dict("records")
    seen = set()
    for number, row in enumerate(rows, start=2):  # the header is line 1
        row["line"] = number
        checked = _Row(row, path)
        if row["id"] in seen:
            raise checked.error("finding named twice", "id", row["id"], "give each finding its own id")
        seen.add(row["id"])
        if row["place"] not in PLACES:
            raise checked.error("unknown place", "place", row["place"], f"write one of {', '.join(PLACES)}")
        if row["rule"] not in RULES:
            raise checked.error("unknown rule", "rule", row["rule"], f"write one of {', '.join(RULES)}")
        outcomes = RULES[row["rule"]][1]
        if len(row["words"].split("|")) != outcomes + 1:
            raise checked.error(
                f"the rule '{row['rule']}' needs {outcomes} alternatives and one for 'cannot tell'",
                "words",
                row["words"],
                f"write {outcomes + 1} alternatives separated by '|'",
            )
        if len(row["implication"].split("|")) not in (1, outcomes + 1):
            raise checked.error(
                "one implication, or one per alternative of the words",
                "implication",
                row["implication"],
                f"write 1 or {outcomes + 1} texts separated by '|'",
            )
        try:
            row["tolerance"] = float(row["tolerance"]) if row["tolerance"].strip() else 0.0
        except ValueError:
            raise checked.error(
                "not a number", "tolerance", row["tolerance"], "write a number, or leave it blank"
            ) from None
        if not row["section"].strip():
            raise checked.error(
                "a finding links to its evidence",
                "section",
                "",
                "write the anchor of the section that holds it, e.g. ch02-3-concentration-and-china",
            )
    return rows


def finding(row: dict, results: dict, path: Path) -> Finding:
    """One row's finding for one build's results: the rule picks the words, the placeholders the numbers."""
    checked = _Row(row, path)
    function, outcomes = RULES[row["rule"]]
    a, b = checked.operand("a", results), checked.operand("b", results)
    outcome = None if is_missing(a) or (row["b"].strip() and is_missing(b)) else function(a, b, row["tolerance"])
    pick = outcomes if outcome is None else outcome
    words = checked.fill(row["words"].split("|")[pick], results, "words")
    text = checked.fill(row["text"], results, "text", words)
    implications = row["implication"].split("|")
    implication = checked.fill(implications[pick if len(implications) > 1 else 0], results, "implication", words)
    return Finding(
        row["id"],
        row["chapter"],
        row["place"],
        row["section"].strip(),
        row["figure"].strip(),
        outcome,
        text.strip(),
        implication.strip(),
    )


def findings(all_results: dict[str, dict], path: Path | None = None) -> list[Finding]:
    """Every finding of the findings file for the results of one build, in the file's order."""
    path = path or FINDINGS_FILE
    found = []
    for row in read_spec(path):
        if row["chapter"] not in all_results:
            raise _Row(row, path).error(
                "no results file for this chapter", "chapter", row["chapter"], f"name one of {sorted(all_results)}"
            )
        found.append(finding(row, all_results[row["chapter"]], path))
    return found


def by_chapter(found: list[Finding]) -> dict[str, list[Finding]]:
    """The key-findings box of each chapter: its findings placed in the chapter, in order."""
    boxes: dict[str, list[Finding]] = {}
    for item in found:
        if item.in_chapter:
            boxes.setdefault(item.chapter, []).append(item)
    return boxes


def sections_of(found: list[Finding], chapters: list, path: Path | None = None) -> dict[str, str]:
    """The title of the section each finding links to, by anchor; a finding whose section is not in the report
    stops the build (a renamed heading changes its anchor)."""
    titles = {heading.anchor: heading.title for chapter in chapters for heading in chapter.headings}
    for item in found:
        if item.section not in titles:
            near = sorted(anchor for anchor in titles if anchor.startswith(f"{chapter_anchor(item.chapter)}-"))
            raise InputError(
                "the section this finding links to is not in the report",
                file=path or FINDINGS_FILE,
                field="section",
                value=f"{item.id}: {item.section}",
                fix=f"name one of the chapter's headings: {', '.join(near)}",
            )
    return titles


def split_after_title(html: str) -> tuple[str, str]:
    """A rendered chapter cut after its title (the first </h1>), where its key-findings box goes."""
    end = html.find("</h1>")
    cut = end + len("</h1>") if end >= 0 else 0
    return html[:cut], html[cut:]


@dataclass(frozen=True)
class KeyFigure:
    name: str  # as published; the single-column version when there is one
    anchor: str  # where the chapter shows the figure
    caption: str
    source: str
    image: str  # data: URI
    finding: str  # id of the finding it stands beside
    number: int  # that finding's number in the summary
    alt: str = ""  # its text alternative: the caption and what the data show


def key_figure_views(found: list[Finding], published: list) -> list[KeyFigure]:
    """The summary's figures: for each summary finding that names one, the single-column version if published (else
    the figure itself), shown at screen resolution and linked to the figure in its chapter."""
    from .gallery import thumbnail

    by_name = {figure.name: figure for figure in published}
    key_figures = []
    for number, item in enumerate([f for f in found if f.in_summary], start=1):
        if not item.figure:
            continue
        if item.figure not in by_name:
            raise InputError(
                "the summary names a figure this build did not publish",
                file=FINDINGS_FILE,
                field="figure",
                value=f"{item.id}: {item.figure}",
                fix=f"name one of {', '.join(sorted(by_name))}",
            )
        figure = by_name.get(item.figure + SINGLE_SUFFIX, by_name[item.figure])
        key_figures.append(
            KeyFigure(
                figure.name,
                by_name[item.figure].anchor,
                figure.caption,
                figure.source,
                thumbnail(figure.png, width=KEY_FIGURE_PX),
                item.id,
                number,
                figure.alt,
            )
        )
    return key_figures


def key_figures(path: Path | None = None) -> list[str]:
    """The figures the executive summary shows, in order (the figure standard draws each in a single-column version
    too)."""
    return list(
        dict.fromkeys(
            row["figure"].strip()
            for row in read_spec(path)
            if row["figure"].strip() and row["place"] in ("summary", "both")
        )
    )
