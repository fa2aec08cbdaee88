"""Executed chapter notebooks -> HTML fragments for the report, with the headings for its table of contents.

nbconvert renders the cells through the `chapter` template (templates/nbconvert/chapter): code folded into a
<details> element, no prompts, no page around the cells. Headings get ids that are unique in the whole report:
`ch02` for chapter 2's title, `ch02-<slug>` for its sections. Cells tagged `caveats` are rendered a second time for
the report's methods-and-caveats section, each with a link back to where it stands in its chapter. Cells tagged
`appendix` or `collapsed` are moved to the data appendix or folded (see plumbing.py).
"""

from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jinja2 import pass_context
from mistune.util import striptags
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

from ..core.errors import InputError
from . import plumbing
from .model import Caveat, Chapter, Heading, chapter_anchor, run_in_anchor, slug

NBCONVERT_TEMPLATES = Path(__file__).parent / "templates" / "nbconvert"
CAVEATS_TAG = "caveats"


@dataclass
class Anchors:
    """Ids for one chapter's headings, unique across the report (`taken` is shared by all chapters)."""

    prefix: str
    taken: set[str]
    shift: int = 0  # added to every heading level: caveats quoted under the report's own section heading
    headings: list[Heading] = field(default_factory=list)

    def add(self, level: int, inner_html: str) -> str:
        title = html.unescape(re.sub(r"<[^>]+>", "", inner_html)).strip()
        wanted = self.prefix if level == 1 and not self.headings else f"{self.prefix}-{slug(title)}"
        anchor, count = wanted, 1
        while anchor in self.taken:
            count += 1
            anchor = f"{wanted}-{count}"
        self.taken.add(anchor)
        self.headings.append(Heading(level, title, anchor))
        return anchor

    def run_in(self, title: str) -> str:
        """The id of a paragraph opening with a bold run-in heading (`**Zero-cost revenue share.** ...`), so other
        pages can link to the paragraph that explains a value (model.run_in_anchor); not in the contents."""
        wanted = anchor = run_in_anchor(self.prefix, title)
        count = 1
        while anchor in self.taken:
            count += 1
            anchor = f"{wanted}-{count}"
        self.taken.add(anchor)
        return anchor


LINK_SCHEMES = ("http", "https")
EMBEDDED_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")
REFUSED = "#refused-link"
RUN_IN_HEADING = re.compile(r"<strong>([^<]{1,80}?)\.?</strong>")  # a paragraph's bold opening words


def followable(url: str) -> bool:
    """Whether a browser may follow a link of the report: http(s) or a place in the report (#...). Judged as a
    browser reads the address: entities decoded, whitespace and control characters dropped, any case."""
    plain = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(url))
    if plain.startswith("#"):
        return True
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", plain)
    return bool(scheme) and scheme.group(1).lower() in LINK_SCHEMES and plain[len(scheme.group(0)) :].startswith("//")


class _HeadingRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with our heading ids, no pilcrow links, and only links a reader may follow:
    markdown in the chapters (and the text from data that cells display as markdown) links to http(s) addresses
    and places in the report; any other target (javascript:, data:, file:, relative paths) shows as text."""

    def __init__(self, anchors: Anchors, **options):
        super().__init__(allow_harmful_protocols=False, **options)
        self.anchors = anchors

    def link(self, text: str, url: str, title: str | None = None) -> str:
        if followable(url):
            return super().link(text, url, title)
        return f"{text} ({html.escape(url)})" if striptags(text).strip() != url else html.escape(url)

    def sanitize_url(self, url: str) -> str:
        """Images too (after nbconvert embeds attachments as data: URIs): http(s) or an embedded picture."""
        return url if followable(url) or EMBEDDED_IMAGE.match(url) else REFUSED

    def image(self, text: str, url: str, title: str | None = None) -> str:
        rendered = super().image(text, url, title)
        return html.escape(striptags(text)) if f'src="{REFUSED}"' in rendered else rendered

    def heading(self, text: str, level: int, **attrs) -> str:
        html_level = min(level + self.anchors.shift, 6)
        return f'<h{html_level} id="{self.anchors.add(level, text)}">{text}</h{html_level}>\n'

    def paragraph(self, text: str) -> str:
        run_in = RUN_IN_HEADING.match(text)
        if not run_in:
            return super().paragraph(text)
        title = html.unescape(re.sub(r"<[^>]+>", "", run_in.group(1)))
        return f'<p id="{self.anchors.run_in(title)}">{text}</p>\n'


class ChapterExporter(HTMLExporter):
    """HTMLExporter with the report's chapter template; set `anchors` before converting each notebook."""

    def __init__(self, **options):
        super().__init__(
            template_name="chapter",
            extra_template_basedirs=[str(NBCONVERT_TEMPLATES)],
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            **options,
        )
        self.anchors = Anchors("chapter", set())

    def _markdown(self, context, source: str, escape: bool) -> str:
        cell = context.get("cell", {})
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        # images the authors' markdown links to are embedded; in escaped output there is no HTML to look into
        renderer = _HeadingRenderer(
            self.anchors,
            escape=escape,
            attachments=cell.get("attachments", {}),
            embed_images=not escape,
            path=path,
            exclude_anchor_links=True,
        )
        return MarkdownWithMath(renderer=renderer).render(source)

    @pass_context
    def markdown2html(self, context, source):
        """The authors' markdown cells: their HTML is kept."""
        return self._markdown(context, source, escape=False)

    @pass_context
    def output_markdown2html(self, context, source):
        """Markdown a cell displays is assembled from data at run time: any HTML in it shows as text."""
        return self._markdown(context, source, escape=True)

    def default_filters(self):
        yield from super().default_filters()
        yield ("output_markdown2html", self.output_markdown2html)


def chapter_prefix(stem: str, position: int) -> str:
    """`ch02` for 02_complementarity, `ch02b` for a chapter inserted after it; without a number: by position."""
    return chapter_anchor(stem) or f"ch{position:02d}"


def _prefixed_cells(notebook: nbformat.NotebookNode, prefix: str) -> nbformat.NotebookNode:
    """A copy whose cell ids start with the chapter's prefix, so cell anchors are unique across chapters."""
    notebook = copy.deepcopy(notebook)
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"{prefix}-{cell.get('id') or number}"
    return notebook


def quoted(cell: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    """A tagged cell as the methods section repeats it: its text, without code, tables or figures (those are linked,
    not copied: a copy would repeat their ids). None when nothing is left to quote."""
    quote = copy.deepcopy(cell)
    quote["id"] = f"{cell['id']}-quoted"
    if cell.cell_type == "markdown":
        return quote
    quote.source = ""
    quote.outputs = [output for output in cell.get("outputs", []) if "text/markdown" in output.get("data", {})]
    return quote if quote.outputs else None


def render_chapter(
    path: Path,
    position: int = 1,
    exporter: ChapterExporter | None = None,
    taken: set[str] | None = None,
    stem: str | None = None,
) -> tuple[Chapter, str]:
    """One executed chapter's HTML and headings, and the CSS its highlighted code needs. The build renders each
    chapter in its worker as soon as it has run (anchors carry the chapter's prefix, so they stay unique).

    `stem`: the chapter's name (e.g. 02_complementarity) when the file is named otherwise, as in the build's cache.
    """
    exporter = exporter or ChapterExporter()
    taken = set() if taken is None else taken
    stem = stem or path.stem
    prefix = chapter_prefix(stem, position)
    notebook = _prefixed_cells(nbformat.read(path, as_version=4), prefix)
    resources = {"metadata": {"name": stem, "path": str(path.parent)}}
    exporter.anchors = Anchors(prefix, taken)
    reading, moved = plumbing.split(notebook, prefix)
    body, produced = exporter.from_notebook_node(reading, resources=resources)
    headings = exporter.anchors.headings
    css = "\n".join(produced.get("inlining", {}).get("css", []))
    appendix = ""
    if moved is not None:  # its headings stay out of the contents: they sit one level down, in the data appendix
        exporter.anchors = Anchors(plumbing.appendix_anchor(prefix), taken, shift=1)
        appendix, _ = exporter.from_notebook_node(moved, resources=resources)

    caveats = []
    for cell in notebook.cells:
        if CAVEATS_TAG not in cell.metadata.get("tags", []):
            continue
        quote, fragment = quoted(cell), ""
        if quote is not None:
            exporter.anchors = Anchors(f"{prefix}-caveats", taken, shift=1)
            one = nbformat.v4.new_notebook(cells=[quote], metadata=notebook.metadata)
            fragment, _ = exporter.from_notebook_node(one, resources=resources)
        caveats.append(Caveat(fragment, f"cell-{cell['id']}"))

    if not headings or headings[0].level != 1:
        raise InputError(
            "a chapter starts with its title as a level-1 heading",
            file=path,
            fix="make the first markdown cell begin with '# Chapter N — title'",
        )
    return Chapter(stem, headings[0].anchor, headings[0].title, headings, body, caveats, appendix), css


def render_chapters(executed: list[Path]) -> tuple[list[Chapter], str]:
    """Each chapter's HTML and headings, in order, and the CSS its highlighted code needs."""
    exporter, taken = ChapterExporter(), set()
    rendered = [render_chapter(path, position, exporter, taken) for position, path in enumerate(executed, start=1)]
    return [chapter for chapter, _ in rendered], next((css for _, css in rendered if css), "")
