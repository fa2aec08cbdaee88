"""The figures gallery: every published figure with an embedded thumbnail, its caption, source and downloads.

The downloads are the files themselves, embedded in the page as data: links, so they work when report.html is
mailed alone (all formats of all figures add about 4 MB to the page).
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ..core.errors import InputError
from ..core.png_copies import reduced_png
from . import thumbnails

THUMBNAIL_WIDTH_PX = 480  # shown at half that width: sharp on high-density screens
FORMATS = {
    "png": ("PNG", "image at 300 dpi"),
    "svg": ("SVG", "vector image, text editable"),
    "pdf": ("PDF", "vector image, TrueType fonts embedded"),
    "csv": ("CSV", "the plotted data"),
    "txt": ("TXT", "caption, source and description"),
}
MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "csv": "text/csv;charset=utf-8",
    "txt": "text/plain;charset=utf-8",
}


@dataclass(frozen=True)
class Download:
    label: str
    description: str
    href: str  # the file's content as a data: URI
    filename: str  # the name a browser saves it under
    size_kb: float


@dataclass(frozen=True)
class Figure:
    name: str
    png: Path
    caption: str
    source: str
    description: str  # what the data show, in one line; blank when the caption file gives none
    downloads: list[Download]

    @property
    def alt(self) -> str:
        """The figure's text alternative: its caption, and what the data show when the caption file says so."""
        return f"{self.caption} {self.description}".strip()

    @property
    def anchor(self) -> str:
        """Where the chapter shows it (figures.save writes this id)."""
        return f"figure-{self.name}"


def read_caption(path: Path) -> tuple[str, str, str]:
    """<name>.txt holds the caption on its first line, "Source: ..." on its second and, optionally, a one-line
    "Description: ..." of what the data show on its third (the figure's text alternative, with the caption)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(
            "figure has no caption file",
            file=path,
            fix="save figures with figures.save, which writes the caption and source",
        ) from None
    if len(lines) < 2 or not lines[1].startswith("Source: "):
        raise InputError(
            "expected the caption, then a line 'Source: ...'",
            file=path,
            fix="save figures with figures.save, which writes the caption and source",
        )
    description = next(
        (line.removeprefix("Description: ") for line in lines[2:] if line.startswith("Description: ")), ""
    )
    return lines[0], lines[1].removeprefix("Source: "), description


def embedded(path: Path) -> str:
    """A file as a data: URI, so its link needs nothing beside the page."""
    return f"data:{MEDIA_TYPES[path.suffix[1:]]};base64,{base64.b64encode(path.read_bytes()).decode()}"


def figures_in(folder: Path) -> list[Figure]:
    """Every figure in a published figures folder, by name (names start with the chapter number)."""
    found = []
    for png in sorted(folder.glob("*.png")):
        caption, source, description = read_caption(png.with_suffix(".txt"))
        downloads = [
            Download(*FORMATS[ext], embedded(path), path.name, path.stat().st_size / 1024)
            for ext in FORMATS
            if (path := png.with_suffix(f".{ext}")).is_file()
        ]
        found.append(Figure(png.stem, png, caption, source, description, downloads))
    return found


def thumbnail(png: Path, width: int = THUMBNAIL_WIDTH_PX) -> str:
    """A small copy of the 300-dpi PNG as a data: URI, at most `width` pixels wide (memoised in a build)."""
    return thumbnails.memoised(png.read_bytes(), width, _reduced)


def _reduced(png: bytes, width: int) -> str:
    with Image.open(io.BytesIO(png)) as image:
        factor = max(1, math.ceil(image.width / width))
    small, _ = reduced_png(png, factor)
    return "data:image/png;base64," + base64.b64encode(small).decode()
