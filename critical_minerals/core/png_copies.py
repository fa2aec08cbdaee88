"""Smaller copies of a saved 300-dpi PNG — what the chapters show and the report's gallery thumbnails — made with
Pillow instead of a new drawing, and without matplotlib (the build's main process makes the thumbnails)."""

from __future__ import annotations

import io

from PIL import Image

# A key figure's single-column version is published as <name>_single: the figure standard writes it, the report's
# summary and gallery find it by this name (both read it here, without importing the other's dependencies).
SINGLE_COLUMN_SUFFIX = "_single"
SCREEN_COLOURS = 256  # palette for the shown copy: a third of the bytes, no visible difference on flat-colour plots


def reduced_png(png: bytes, factor: int, colours: int = SCREEN_COLOURS) -> tuple[bytes, tuple[int, int]]:
    """A smaller copy of a saved PNG, `factor` times fewer pixels a side, and its size in pixels."""
    image = Image.open(io.BytesIO(png)).convert("RGB").reduce(factor)
    small = image.quantize(colours, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    # the quantizer averages the white background with anti-aliased edges into (254, 254, 254), a visible box on a
    # white page: snap the palette's near-whites back to white
    palette = small.getpalette()
    for start in range(0, len(palette), 3):
        if min(palette[start : start + 3]) >= 250:
            palette[start : start + 3] = [255, 255, 255]
    small.putpalette(palette)
    out = io.BytesIO()
    small.save(out, format="PNG")
    return out.getvalue(), image.size
