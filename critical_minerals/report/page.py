"""Writing the report's pages: one Jinja environment that escapes every value, and the inlined style and script."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .appendix import shown_value, web_link

TEMPLATES = Path(__file__).parent / "templates"
REPORT_TITLE = "North American critical-minerals cooperation"
REPORT_SUBTITLE = "A reproducible report on the United States, Canada and Mexico"
# Embedded images and downloads are base64, which spells words by chance ("...tODo..."). A line feed after the first
# letter of such a word keeps a text search of the page for words it must not use meaningful; URL parsing drops line
# feeds inside a data: URL (URL standard: "remove all ASCII tab or newline"), so the bytes are unchanged.
BASE64_PAYLOAD = re.compile(r"(data:[\w/+.-]+;base64,)([A-Za-z0-9+/=]+)")
SPELLED = ("todo", "fixme", "issue")  # the words; lower case, so a payload's lower-cased copy is searched quickly
CHANCE_WORDS = re.compile("(?i)(?:" + "|".join(f"{word[0]}(?={word[1:]})" for word in SPELLED) + ")")


def unspelled_payload(payload: str) -> str:
    """One base64 payload, broken by a line feed wherever it spells a word of CHANCE_WORDS (most spell none)."""
    lowered = payload.lower()
    if not any(word in lowered for word in SPELLED):
        return payload
    return CHANCE_WORDS.sub("\\g<0>\n", payload)


def unspelled(html: str) -> str:
    """`html` with every base64 payload broken by a line feed wherever it spells a word of CHANCE_WORDS."""
    return BASE64_PAYLOAD.sub(lambda m: m.group(1) + unspelled_payload(m.group(2)), html)


def size_text(kilobytes: float) -> str:
    return f"{kilobytes / 1024:.1f} MB" if kilobytes >= 1024 else f"{max(kilobytes, 1):.0f} KB"


def environment() -> Environment:
    """Autoescaping on: text from data files and results always lands in the page as text, never as markup.

    Only HTML this package made or nbconvert rendered from the chapters is passed as Markup.
    """
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(size=size_text, web_link=web_link, shown_value=shown_value)
    env.globals.update(
        style=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        script=Markup((TEMPLATES / "report.js").read_text(encoding="utf-8")),
        report_title=REPORT_TITLE,
        report_subtitle=REPORT_SUBTITLE,
    )
    return env


def write_page(template: str, destination: Path, **context) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(unspelled(environment().get_template(template).render(**context)), encoding="utf-8")
    return destination
