"""The report as a typeset PDF, `report.pdf` beside `report.html`, made with Typst (the `typst` Python package).

The PDF reads the finished HTML report, so both carry the same reading path from one source: the title page, the
summary, the chapters (without their code), methods and caveats and the appendices. The HTML is turned into a
document model — plain JSON of headings, paragraphs, lists, tables and figures, with text kept as strings — that
the Typst template `templates/typst/report.typ` lays out: a title page, contents with page numbers, running heads,
page numbers, tables that break across pages with their header repeated, figures that never split. Figures are
the vector PDFs published beside the report. Only the fonts built into Typst and matplotlib's DejaVu fonts are used
(system fonts are ignored), so the PDF comes out the same on Linux, macOS and Windows.

Each outermost section of the page (the summary, a chapter, an appendix) is parsed and converted on its own, and
its part of the model is memoised by its HTML (see thumbnails.py): a rebuild after one chapter changed converts
that chapter and the sections quoting its results, not the whole report.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

from . import thumbnails

TEMPLATE = Path(__file__).parent / "templates" / "typst" / "report.typ"
PAPERS = {"a4": "a4", "letter": "us-letter"}  # build option -> Typst's paper name
BLOCK_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "table",
    "figure",
    "pre",
    "blockquote",
    "hr",
    "dl",
    "div",
    "section",
    "article",
    "header",
    "main",
    "nav",
    "details",
    "summary",
    "aside",
    "footer",
}
SKIPPED = {"style", "script", "button", "img", "svg", "template", "noscript"}
SKIPPED_CLASSES = {
    "cell-code",
    "toolbar",
    "jp-InputPrompt",
    "jp-OutputPrompt",
    "checksums",
    "gallery",
    "contents",
    "downloads",
    "table-preview",
}  # a long table's preview: the PDF prints the whole table once
NUMBER = re.compile(r"^[\s\-–−+$€£%~≈<>]*[\d.,]+\s*[%x×]?\s*$")
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*([\d.\-]+)\s+([\d.\-]+)\s+([\d.\-]+)\s+([\d.\-]+)\s*\]")
SUMMARY = "summary"  # the id of the report's summary section
DATA_URI = re.compile(r'(src|href)="data:[^"]*"')
# What splits the page into its outermost sections without parsing it: section and article tags, and the text the
# parser reads as no tags (comments, scripts, styles), skipped
SECTION_TAGS = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>|<(/?)(section|article)\b[^>]*>", re.S | re.I)
PART = "part"  # the attribute of the empty element that stands for a section in the page's remainder
HEADING = re.compile(r"^h[1-6]$")
CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()  # a memoised part is this code's conversion


def text_of(node) -> str:
    return re.sub(r"\s+", " ", node.get_text()).strip()


def skipped(node: Tag) -> bool:
    classes = set(node.get("class") or [])
    return node.name in SKIPPED or bool(classes & SKIPPED_CLASSES) or node.has_attr("hidden")


class Converter:
    """HTML of the finished report -> the document model the Typst template lays out."""

    def __init__(self, figures: Path):
        self.figures = figures
        self.labels: set[str] = set()  # ids the model gives a Typst label: internal links may only point at these
        self.used_figures: dict[str, tuple[float, float]] = {}  # figure name -> its size in points

    # ------------------------------------------------------------ inline content
    def inlines(self, node) -> list[dict]:
        found: list[dict] = []
        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # not a comment or doctype
                    text = re.sub(r"\s+", " ", str(child))
                    if text:
                        found.append({"t": "text", "v": text})
                continue
            if not isinstance(child, Tag) or skipped(child):
                continue
            found.extend(self.inline(child))
        return found

    def inline(self, node: Tag) -> list[dict]:
        name = node.name
        if name in ("strong", "b"):
            return [{"t": "strong", "c": self.inlines(node)}]
        if name in ("em", "i", "cite"):
            return [{"t": "em", "c": self.inlines(node)}]
        if name in ("code", "kbd", "samp"):
            return [{"t": "code", "v": re.sub(r"\s+", " ", node.get_text())}]
        if name == "br":
            return [{"t": "br"}]
        if name == "a":
            href = node.get("href", "")
            content = self.inlines(node)
            if href.startswith(("http://", "https://", "mailto:")):
                return [{"t": "link", "url": href, "c": content}]
            if href.startswith("#"):
                return [{"t": "ref", "target": href[1:], "c": content}]
            return content
        return self.inlines(node)

    # ------------------------------------------------------------ blocks
    def blocks(self, node, shift: int = 0) -> list[dict]:
        found: list[dict] = []
        run: list[dict] = []

        def flush():
            if any(part.get("v", "x").strip() for part in run):
                found.append({"t": "par", "c": trimmed(run)})
            run.clear()

        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:
                    text = re.sub(r"\s+", " ", str(child))
                    if text.strip() or run:
                        run.append({"t": "text", "v": text})
                continue
            if not isinstance(child, Tag) or skipped(child):
                continue
            if child.name in BLOCK_TAGS:
                flush()
                found.extend(self.block(child, shift))
            else:
                run.extend(self.inline(child))
        flush()
        return found

    def block(self, node: Tag, shift: int) -> list[dict]:
        name = node.name
        if re.fullmatch(r"h[1-6]", name):
            level = max(1, min(int(name[1]) + shift, 6))
            heading = {"t": "h", "level": level, "c": trimmed(self.inlines(node)), "id": node.get("id", "")}
            if heading["id"]:
                self.labels.add(heading["id"])
            return [heading]
        if name == "p":
            content = trimmed(self.inlines(node))
            return [{"t": "par", "c": content}] if content else []
        if name in ("ul", "ol"):
            items = [self.anchored(item, self.blocks(item, shift)) for item in node.find_all("li", recursive=False)]
            return [{"t": "list", "ordered": name == "ol", "items": items}] if items else []
        if name == "dl":
            return [
                {
                    "t": "terms",
                    "items": [
                        [trimmed(self.inlines(term)), self.blocks(term.find_next_sibling("dd") or term, shift)]
                        for term in node.find_all("dt", recursive=False)
                    ],
                }
            ]
        if name == "pre":
            return [{"t": "pre", "v": node.get_text().rstrip()}]
        if name == "blockquote":
            return [{"t": "quote", "c": self.blocks(node, shift)}]
        if name == "hr":
            return [{"t": "rule"}]
        if name == "table":
            return self.table(node)
        if name == "figure":
            return self.figure(node)
        if name == "summary" and "collapsed-block" in (node.parent.get("class") or []):
            return []  # "Show all N rows": the PDF shows them all
        if name == "summary":
            content = trimmed(self.inlines(node))
            return [{"t": "par", "c": [{"t": "strong", "c": content}]}] if content else []
        return self.blocks(node, shift)

    def anchored(self, item: Tag, blocks: list[dict]) -> list[dict]:
        """A list item's blocks, its id a label the PDF's links can lead to (the bibliography's entries, which the
        in-text citations link to): an invisible anchor at the start of its first paragraph."""
        if not item.get("id") or not blocks or blocks[0]["t"] != "par":
            return blocks
        self.labels.add(item["id"])
        return [{**blocks[0], "c": [{"t": "anchor", "id": item["id"]}, *blocks[0]["c"]]}, *blocks[1:]]

    def table(self, node: Tag) -> list[dict]:
        def row(tr: Tag) -> list[dict]:
            return [
                {
                    "c": breakable(trimmed(self.inlines(cell))),
                    "th": cell.name == "th",
                    "span": int(cell.get("colspan", 1) or 1),
                    "rows": int(cell.get("rowspan", 1) or 1),
                    "right": bool(NUMBER.match(text_of(cell))) and cell.name == "td",
                }
                for cell in tr.find_all(("td", "th"), recursive=False)
            ]

        head = [row(tr) for part in node.find_all("thead", recursive=False) for tr in part.find_all("tr")]
        body = [row(tr) for part in node.find_all("tbody", recursive=False) for tr in part.find_all("tr")]
        body += [row(tr) for tr in node.find_all("tr", recursive=False)]
        if not head and body and all(cell["th"] for cell in body[0]):
            head, body = body[:1], body[1:]
        rows = head + body
        columns = max((sum(cell["span"] for cell in r) for r in rows), default=0)
        if not columns:
            return []
        natural, minimum = [0] * columns, [0] * columns  # per column, in characters: whole cell, longest word
        for r in rows:
            position = 0
            for cell in r:
                if cell["span"] == 1 and position < columns:
                    text = plain(cell["c"])
                    words = max((len(word) for word in re.split(r"[\s\u200b]+", text)), default=0)
                    minimum[position] = max(minimum[position], words)
                    natural[position] = max(natural[position], words if cell["th"] else len(text))
                position += cell["span"]
        caption = node.find("caption")
        return [
            {
                "t": "table",
                "columns": columns,
                "head": head,
                "body": body,
                "natural": natural,
                "minimum": minimum,
                "caption": trimmed(self.inlines(caption)) if caption else [],
            }
        ]

    def figure(self, node: Tag) -> list[dict]:
        caption = node.find("figcaption")
        # a chapter's figure has the id figure-<name>; a key figure of the summary names its file in data-figure
        name = node.get("data-figure") or (node.get("id") or "").removeprefix("figure-")
        image = self.figures / f"{name}.pdf"
        if not name or not image.is_file():
            return self.blocks(caption, 0) if caption else []
        self.used_figures[name] = pdf_size(image)
        if node.get("id"):
            self.labels.add(node["id"])
        img = node.find("img")
        return [
            {
                "t": "figure",
                "name": name,
                "id": node.get("id", ""),
                "size": self.used_figures[name],
                "alt": img.get("alt", "") if img else "",
                "caption": trimmed(self.inlines(caption)) if caption else [],
            }
        ]


def trimmed(parts: list[dict]) -> list[dict]:
    """Inline parts without the whitespace at their ends (HTML indentation is no text)."""
    parts = [dict(part) for part in parts]
    while parts and parts[0]["t"] == "text" and not parts[0]["v"].strip():
        parts.pop(0)
    while parts and parts[-1]["t"] == "text" and not parts[-1]["v"].strip():
        parts.pop()
    if parts and parts[0]["t"] == "text":
        parts[0]["v"] = parts[0]["v"].lstrip()
    if parts and parts[-1]["t"] == "text":
        parts[-1]["v"] = parts[-1]["v"].rstrip()
    return parts


def breakable(parts: list[dict]) -> list[dict]:
    """Table text that may break after an underscore or a slash (names like price_usd_per_t, addresses), so that a
    column is as narrow as its longest word part."""
    for part in parts:
        if "v" in part:
            part["v"] = re.sub(r"([_/])(?=\w)", "\\1\u200b", part["v"])
        breakable(part.get("c", []))
    return parts


def plain(parts: list[dict]) -> str:
    return "".join(part.get("v", "") + plain(part.get("c", [])) for part in parts)


def pdf_size(path: Path) -> tuple[float, float]:
    """Width and height in points of a one-page PDF as matplotlib writes it (its MediaBox)."""
    found = MEDIA_BOX.search(path.read_bytes())
    if not found:
        return (504.0, 288.0)
    x0, y0, x1, y1 = (float(value) for value in found.groups())
    return (x1 - x0, y1 - y0)


def document_model(report_html: str, figures: Path) -> dict:
    """The report's title page, summary, chapters and back matter as the PDF lays them out (no code, no gallery)."""
    html = DATA_URI.sub(r'\1=""', report_html)  # images come from the figure files
    converter = Converter(figures)
    split = outermost_sections(html)
    rest = BeautifulSoup(split[0] if split else html, "html.parser")
    if split and any(holder.find(attrs={PART: True}) for holder in rest.body.find_all(id=True)):
        split = None  # an element with an id holds whole sections: its heading may be in one (see `aliases`)
        rest = BeautifulSoup(html, "html.parser")
    title = rest.find(class_="title-page")
    front = {
        "kicker": trimmed(converter.inlines(title.find(class_="kicker"))) if title else [],
        "title": text_of(title.find("h1")) if title else text_of(rest.title),
        "subtitle": text_of(title.find(class_="subtitle")) if title and title.find(class_="subtitle") else "",
        "facts": converter.block(title.find("dl"), 0)[0]["items"] if title and title.find("dl") else [],
    }
    if split:
        available = sorted(path.stem for path in figures.glob("*.pdf"))  # a figure's file decides its block
        parts = [converted_part(section, available, converter) for section in split[1]]
    else:
        parts = [
            part_of(section, converter)
            for section in rest.body.find_all(("section", "article"), recursive=True)
            if not section.find_parent(("section", "article"))
        ]
    sections, aliases = [], {}  # a section's id -> its heading's: links to #parameters lead to that appendix's heading
    for element in rest.body.find_all(True):
        if split and element.has_attr(PART):
            part = parts[int(element[PART])]
            if part["blocks"] is not None:
                sections.append({"blocks": part["blocks"]})
            for holder, heading in part["aliases"]:
                aliases.setdefault(holder, heading)
        elif element.has_attr("id") and (heading := element.find(HEADING, id=True)) is not None:
            aliases.setdefault(element["id"], heading["id"])
    if not split:
        sections = [{"blocks": part["blocks"]} for part in parts if part["blocks"] is not None]
    links_to_labels([front, sections], converter.labels, aliases)
    return {"front": front, "sections": sections, "figures": sorted(converter.used_figures)}


def outermost_sections(html: str) -> tuple[str, list[str]] | None:
    """The page with each outermost <section> or <article> of its body replaced by an empty element naming its
    number, and those sections' HTML; None when the tags do not nest as the parser would read them."""
    body = re.search(r"<body\b", html, re.I)
    if not body:
        return None
    rest, sections, depth, start, kept = [], [], 0, 0, body.start()
    for match in SECTION_TAGS.finditer(html, body.start()):
        if not match.group(3):  # a comment, script or style
            continue
        if match.group(2):  # an end tag
            if depth == 0:
                return None  # one the parser would ignore, or match with an element around the sections
            depth -= 1
            if depth == 0:
                sections.append(html[start : match.end()])
                rest.append(f'<template {PART}="{len(sections) - 1}"></template>')
                kept = match.end()
        else:
            if depth == 0:
                rest.append(html[kept : match.start()])
                start = match.start()
            depth += 1
    if depth:
        return None
    return html[: body.start()] + "".join(rest) + html[kept:], sections


def part_of(section: Tag, converter: Converter) -> dict:
    """A section's blocks (None for a section the PDF leaves out) and the aliases of the ids it holds."""
    aliases = [
        [holder["id"], heading["id"]]
        for holder in [section, *section.find_all(id=True)]
        if holder.has_attr("id") and (heading := holder.find(HEADING, id=True)) is not None
    ]
    if skipped(section):
        return {"blocks": None, "aliases": aliases}
    levels = [int(h.name[1]) for h in section.find_all(HEADING)]
    blocks = converter.blocks(section, 1 - min(levels) if levels else 0)
    if section.get("id") == SUMMARY:  # its headings repeat the chapters' titles: not again in the contents
        for block in blocks:
            if block["t"] == "h" and block["level"] > 1:
                block["outlined"] = False
    return {"blocks": blocks, "aliases": aliases}


def converted_part(html: str, available: list[str], converter: Converter) -> dict:
    """`part_of` one outermost section, given as HTML: from the memo when it holds this section's conversion, with
    the labels and figures it adds to the converter's. A figure's size is read from its file again."""

    def convert() -> str:
        own = Converter(converter.figures)
        part = part_of(BeautifulSoup(html, "html.parser").find(("section", "article")), own)
        return json.dumps({**part, "labels": sorted(own.labels)})

    key = hashlib.sha256("\n".join([CODE, *available, html]).encode()).hexdigest()[:40]
    part = json.loads(thumbnails.memoised_text(f"{key}-model", convert))
    converter.labels.update(part.pop("labels"))
    for figure in figure_blocks(part["blocks"] or []):
        figure["size"] = converter.used_figures[figure["name"]] = pdf_size(converter.figures / f"{figure['name']}.pdf")
    return part


def figure_blocks(value) -> list[dict]:
    """Every figure block in a part of the model, however deep (a figure may sit in a list item)."""
    if isinstance(value, dict):
        found = [value] if value.get("t") == "figure" else []
        return found + [block for child in value.values() for block in figure_blocks(child)]
    if isinstance(value, list):
        return [block for child in value for block in figure_blocks(child)]
    return []


def links_to_labels(value, labels: set[str], aliases: dict[str, str]) -> None:
    """Internal links lead to a label the PDF holds; one that would lead nowhere becomes its text (Typst refuses
    links to no label)."""
    if isinstance(value, dict):
        if value.get("t") == "ref":
            value["target"] = aliases.get(value["target"], value["target"])
            if value["target"] not in labels:
                value["t"] = "span"
        for child in value.values():
            links_to_labels(child, labels, aliases)
    elif isinstance(value, list):
        for child in value:
            links_to_labels(child, labels, aliases)


def font_paths() -> list[str]:
    """matplotlib's DejaVu fonts: the figures' own typeface, from a package every platform installs the same."""
    import matplotlib  # only its data folder: no plotting

    return [str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")]


def write_pdf(report_html: Path, figures: Path, destination: Path, paper: str = "a4") -> Path:
    """`report.pdf` from the finished `report.html` and the published figures, on A4 or US Letter paper."""
    import typst

    if paper not in PAPERS:
        raise ValueError(f"paper {paper!r}: choose one of {', '.join(PAPERS)}")
    model = document_model(report_html.read_text(encoding="utf-8"), figures)
    with tempfile.TemporaryDirectory(prefix="report-pdf-") as folder:
        work = Path(folder)
        shutil.copy(TEMPLATE, work / "report.typ")
        (work / "figures").mkdir()
        for name in model["figures"]:
            shutil.copy(figures / f"{name}.pdf", work / "figures" / f"{name}.pdf")
        (work / "model.json").write_text(json.dumps(model), encoding="utf-8")
        pdf = typst.compile(
            str(work / "report.typ"),
            root=str(work),
            font_paths=font_paths(),
            ignore_system_fonts=True,
            sys_inputs={"paper": PAPERS[paper]},
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(pdf)
    return destination
