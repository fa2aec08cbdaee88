"""Writing the report's pages: one Jinja environment that escapes every value, and the inlined style and script."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .appendix import shown_value, web_link

TEMPLATES = Path(__file__).parent / "templates"
REPORT_TITLE = "North American critical-minerals cooperation"
REPORT_SUBTITLE = "A reproducible report on the United States, Canada and Mexico"


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
    destination.write_text(environment().get_template(template).render(**context), encoding="utf-8")
    return destination
