"""What a rendered chapter is, as the report assembles it: plain data that the build's workers write as JSON next to
each executed chapter (rendering needs nbconvert; assembling the report does not)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

CHAPTER_NUMBER = re.compile(r"\d+[a-z]?(?=_|$)")  # 02 of 02_complementarity, 02b of a chapter inserted after it


def chapter_anchor(stem: str) -> str | None:
    """The anchor of a chapter, or of what belongs to it, from its stem: `ch02` for 02_complementarity and
    02_partner_shares, `ch02b` for 02b_import_dependence and 02b_stages; None without a leading number."""
    number = CHAPTER_NUMBER.match(stem)
    return f"ch{number.group()}" if number else None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def run_in_anchor(prefix: str, title: str) -> str:
    """The id of a chapter's paragraph that opens with the bold run-in heading `title`: `ch04-p-zero-cost-revenue-share`
    (`-p-` keeps paragraphs out of the headings' ids, which the findings link to)."""
    return f"{prefix}-p-{slug(title)}"


@dataclass(frozen=True)
class Heading:
    level: int
    title: str  # plain text
    anchor: str


@dataclass(frozen=True)
class Caveat:
    html: str  # blank for a table or figure, which is only linked
    link: str  # anchor of the tagged cell in its chapter


@dataclass(frozen=True)
class Chapter:
    stem: str
    anchor: str
    title: str
    headings: list[Heading]  # the title first, then its sections
    html: str
    caveats: list[Caveat]
    appendix: str = ""  # the cells the chapter moves to the data appendix (tag `appendix`), rendered


def chapter_to_json(chapter: Chapter, css: str) -> str:
    return json.dumps({"chapter": asdict(chapter), "css": css})


def chapter_from_json(text: str) -> tuple[Chapter, str]:
    data = json.loads(text)
    fields = data["chapter"]
    chapter = Chapter(
        **{
            **fields,
            "headings": [Heading(**h) for h in fields["headings"]],
            "caveats": [Caveat(**c) for c in fields["caveats"]],
        }
    )
    return chapter, data["css"]
