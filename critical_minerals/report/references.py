"""The report's bibliography, and its in-text references.

`data/references.csv` lists every work the report cites: the two papers, each law, regulation and report the data
rows name, and one row per official dataset whose publisher, title, DOI and citation are read from the data
registry (`data/datasets.yaml`), not written twice. `cited_as` holds the names by which data rows and figure
captions cite a work (`|`-separated, matched without regard to case): "paper A", "45X", "Pink Sheet".

A source text ("USGS MCS salient statistics (cobalt); IMF Primary Commodity Prices (PCOBA)") is read part by part
(parts are separated by `;`); each part names a work of the bibliography or is the report's own work or a
project file (`OWN_WORK`).

Chapter prose cites by key: `[@usgs_mcs2025]`, or several at once `[@brookings2025a; @brookings2025b]`, written in
a notebook's markdown or in the prose a package function returns. The report resolves every citation to its
number, linked to the entry (`cite_in_text`); a key the bibliography does not hold stops the build, naming the
notebook, the cell and the key.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from ..core import paths
from ..core.errors import InputError
from ..sources.handwritten_tables import read_data_table
from ..sources.official_datasets import Dataset

REFERENCES_FILE = paths.DATA_DIR / "references.csv"
COLUMNS = ["key", "dataset", "authors", "year", "title", "publisher", "url", "accessed", "cited_as"]
# parts of a source text that cite no outside work: the report's own computation or assumption, a file of this project
# (with a short label: "terms from data/x.csv", "programmes: data/y.csv"), a code
OWN_WORK = re.compile(
    r"^(our calculation|own (simulation|calibration)|analysis in this report|definition|assumption|"
    r"illustrative( choice of this report\b.*)?|not used|panel|usgs|critical_minerals\.[\w.]+|"
    r"(\w+( \w+)*( in| from|:) )?data/\S+|issue brief for this chapter.*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reference:
    key: str
    number: int
    text: str  # the entry as the bibliography prints it
    url: str
    names: tuple[str, ...]  # how sources cite it

    @property
    def anchor(self) -> str:
        return f"ref-{self.key}"


def load(registry: dict[str, Dataset], path: Path = REFERENCES_FILE) -> list[Reference]:
    """The bibliography in the file's order, numbered from 1; dataset rows take their text from the registry (a
    dataset the registry does not hold is not cited)."""
    rows = read_data_table(path, COLUMNS)
    found = []
    rows = [row for row in rows.to_dict("records") if not row["dataset"] or row["dataset"] in registry]
    for number, row in enumerate(rows, start=1):
        names = tuple(name.strip() for name in row["cited_as"].split("|") if name.strip())
        if row["dataset"]:
            meta = registry[row["dataset"]].meta
            text, url = str(meta["citation"]), str(meta.get("url") or meta.get("landing_page") or "")
            url = "" if url in text else url  # the citation already gives its address
        else:
            accessed = f" (accessed {row['accessed']})" if row["accessed"] else ""
            # a year or publisher not known is left blank in the file: "n.d." and no empty sentence in print
            pieces = [f"{row['authors']} ({row['year'] or 'n.d.'})", row["title"], row["publisher"]]
            text = ". ".join(piece for piece in pieces if piece) + f".{accessed}"
            url = row["url"]
        found.append(Reference(row["key"], number, text, url, names))
    return found


def parts(source: str) -> list[str]:
    """A source text's parts: split at semicolons outside parentheses; a part that starts in lower case or with an
    address qualifies the one before it ("...; apparent consumption withheld (W)") and stays with it."""
    pieces, depth, current = [], 0, ""
    for char in source:
        depth += (char == "(") - (char == ")")
        if char == ";" and depth <= 0:
            pieces.append(current)
            current = ""
        else:
            current += char
    pieces.append(current)
    found: list[str] = []
    for piece in (re.sub(r"^\s*cover:\s*", "", piece).strip().rstrip(".") for piece in pieces):
        if found and piece and (piece[0].islower() or piece.startswith("http")) and not OWN_WORK.match(piece):
            found[-1] += f"; {piece}"
        elif piece:
            found.append(piece)
    return found


def cited(part: str, references: list[Reference]) -> Reference | None:
    """The work a part of a source text names: the one with the longest citing name it contains ("World Bank World
    Development Indicators" is the indicators, "World Bank" alone the price data)."""
    lowered = part.lower()
    matches = [(len(name), -ref.number, ref) for ref in references for name in ref.names if name.lower() in lowered]
    return max(matches, key=lambda match: match[:2])[2] if matches else None


def uncited(source: str, references: list[Reference]) -> list[str]:
    """Parts of a source text that name no work of the bibliography and are not the report's own work."""
    return [part for part in parts(source) if not OWN_WORK.match(part) and cited(part, references) is None]


def with_citations(source: str, references: list[Reference]) -> str:
    """A source text as HTML, each part that names a work followed by its numbered link into the bibliography."""
    linked = []
    for part in parts(source):
        reference = cited(part, references)
        link = f' <a class="cite" href="#{reference.anchor}">[{reference.number}]</a>' if reference else ""
        linked.append(html.escape(part) + link)
    return "; ".join(linked)


FIGURE_SOURCE = re.compile(r'(<span class="figure-source">Source: )(.*?)(</span>)', re.DOTALL)


def cite_figure_sources(fragment: str, references: list[Reference]) -> str:
    """Chapter HTML whose figure source lines carry their references (the lines hold escaped text only)."""

    def cite(match: re.Match) -> str:
        source = html.unescape(match.group(2))
        end = "." if source.endswith(".") else ""
        return match.group(1) + with_citations(source.removesuffix(end), references) + end + match.group(3)

    return FIGURE_SOURCE.sub(cite, fragment)


KEY = r"[A-Za-z0-9_-]+"
CITATION = re.compile(rf"\[@{KEY}(?:\s*;\s*@{KEY})*\]")  # [@key] or [@key; @other]
CELL = re.compile(r'id="cell-([^"]+)"')  # the cell anchors of a rendered chapter
CODE = re.compile(r'<details class="cell-code">.*?</details>', re.DOTALL)  # a cell's folded code: shown as written


def citation_keys(text: str) -> list[str]:
    """The keys cited in a text, in order, each once."""
    return list(dict.fromkeys(key for found in CITATION.findall(text) for key in re.findall(rf"@({KEY})", found)))


def citation_link(reference: Reference, text: str) -> str:
    return f'<a class="cite" href="#{reference.anchor}" title="{html.escape(reference.text)}">{html.escape(text)}</a>'


def cite_in_text(fragment: str, references: list[Reference], notebook: str) -> str:
    """Rendered chapter HTML with every `[@key]` citation as its number linked to the bibliography: `[3]` for one
    work, `[1, 4]` for several. An unknown key stops the build with the notebook, the cell and the key."""
    by_key = {reference.key: reference for reference in references}

    def resolve(match: re.Match, offset: int) -> str:
        keys = re.findall(rf"@({KEY})", match.group())
        unknown = [key for key in keys if key not in by_key]
        if unknown:
            cells = CELL.findall(fragment, 0, offset + match.start())  # cell-<chapter>-<the notebook's cell id>
            cell = f", cell {cells[-1].split('-', 1)[-1]}" if cells else ""
            raise InputError(
                f"cites {match.group()}, but the bibliography has no entry '{unknown[0]}'",
                file=f"{notebook}{cell}",
                fix=f"use a key of {REFERENCES_FILE.relative_to(paths.ROOT).as_posix()} (the "
                "'key' column), or add the work there with its source",
            )
        if len(keys) == 1:
            return citation_link(by_key[keys[0]], f"[{by_key[keys[0]].number}]")
        return "[" + ", ".join(citation_link(by_key[key], str(by_key[key].number)) for key in keys) + "]"

    def prose(start: int, end: int) -> str:
        return CITATION.sub(lambda match: resolve(match, start), fragment[start:end])

    pieces, start = [], 0
    for code in CODE.finditer(fragment):
        pieces += [prose(start, code.start()), code.group()]
        start = code.end()
    return "".join(pieces) + prose(start, len(fragment))
