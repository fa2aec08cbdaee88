"""The figures gallery: every published figure with an embedded thumbnail, its caption, source and download links."""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from PIL import Image

from ..images import reduced_png
from ..errors import InputError

THUMBNAIL_WIDTH_PX = 480  # shown at half that width: sharp on high-density screens
FORMATS = {"png": ("PNG", "image at 300 dpi"), "svg": ("SVG", "vector image, text editable"),
           "pdf": ("PDF", "vector image, TrueType fonts embedded"), "csv": ("CSV", "the plotted data"),
           "txt": ("TXT", "caption and source")}


@dataclass(frozen=True)
class Download:
    label: str
    description: str
    href: str
    size_kb: float


@dataclass(frozen=True)
class Figure:
    name: str
    png: Path
    caption: str
    source: str
    downloads: list[Download]

    @property
    def anchor(self) -> str:
        """Where the chapter shows it (figures.publish writes this id)."""
        return f"figure-{self.name}"


def read_caption(path: Path) -> tuple[str, str]:
    """<name>.txt holds the caption on its first line and "Source: ..." on its second."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError("figure has no caption file", file=path,
                         fix="save figures with figures.publish, which writes the caption and source") from None
    if len(lines) < 2 or not lines[1].startswith("Source: "):
        raise InputError("expected the caption, then a line 'Source: ...'", file=path,
                         fix="save figures with figures.publish, which writes the caption and source")
    return lines[0], lines[1].removeprefix("Source: ")


def figures_in(folder: Path, href_prefix: str) -> list[Figure]:
    """Every figure in a published figures folder, by name (names start with the chapter number)."""
    found = []
    for png in sorted(folder.glob("*.png")):
        caption, source = read_caption(png.with_suffix(".txt"))
        downloads = [Download(*FORMATS[ext], href_prefix + quote(f"{png.stem}.{ext}"),
                              png.with_suffix(f".{ext}").stat().st_size / 1024)
                     for ext in FORMATS if png.with_suffix(f".{ext}").is_file()]
        found.append(Figure(png.stem, png, caption, source, downloads))
    return found


def thumbnail(png: Path, width: int = THUMBNAIL_WIDTH_PX) -> str:
    """A small copy of the 300-dpi PNG as a data: URI, at most `width` pixels wide."""
    with Image.open(png) as image:
        factor = max(1, math.ceil(image.width / width))
    small, _ = reduced_png(png.read_bytes(), factor)
    return "data:image/png;base64," + base64.b64encode(small).decode()
