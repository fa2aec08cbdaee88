"""What a rendered chapter is, as the report assembles it: plain data that the build's workers write as JSON next to
each executed chapter (rendering needs nbconvert; assembling the report does not)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


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
    chapter = Chapter(**{**fields, "headings": [Heading(**h) for h in fields["headings"]],
                         "caveats": [Caveat(**c) for c in fields["caveats"]]})
    return chapter, data["css"]
