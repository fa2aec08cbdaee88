"""One look for every figure, and one way to save it: PNG (300 dpi), SVG (editable text), PDF and the plotted data.

Each chapter's plots live in a submodule named for its concern (`data_checks`, `complementarity`, ...).

Colours are the Okabe–Ito colour-blind-safe palette with a fixed colour per country across all chapters.
Saved files carry no timestamps or random ids, so the same inputs give byte-identical files.

Sizes are a journal's: every figure is drawn at the width it declares — single column 3.5 in (89 mm) or double
column 7.2 in (183 mm) — and saved at exactly that width (cropped to its content in height only), so its text has the
point size the theme sets, none smaller than MIN_FONT_PT. Key figures (KEY_FIGURES) are published in a single-column
version too, <name>_single. SVG text names a font stack that Word, Illustrator and browsers on every system resolve.

Every figure carries a one-line description of what its data show ("Bars: China's share is highest for gallium
(98 %) ..."), its text alternative with the caption: each drawing function computes it from the data it plots, with
a `<figure>_description` function beside it, and attaches it with `described`; `publish` writes it into the caption
file and the image's alt text.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import math
import weakref
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, display
from matplotlib.transforms import Bbox

from ..core.display import table  # noqa: F401  (the chapters' tables: figures.table)
from ..core.png_copies import SINGLE_COLUMN_SUFFIX as SINGLE_SUFFIX
from ..core.png_copies import reduced_png

STYLE_FILE = Path(__file__).with_name("report.mplstyle")
_THEME = matplotlib.rc_params_from_file(STYLE_FILE, use_default_template=False)
SAVE_DPI = _THEME["savefig.dpi"]  # the PNG files
SCREEN_DPI = _THEME["figure.dpi"]  # figures as the notebook shows them

OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "bluish green": "#009E73",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "sky blue": "#56B4E9",
    "yellow": "#F0E442",
    "grey": "#999999",  # not one of the eight; the neutral for "everyone else"
}
COUNTRY_COLOURS = {
    "United States": OKABE_ITO["blue"],
    "Mexico": OKABE_ITO["bluish green"],
    "Canada": OKABE_ITO["vermillion"],
    "China": OKABE_ITO["orange"],
    "Rest of world": OKABE_ITO["grey"],
}
ACCENT = OKABE_ITO["reddish purple"]  # reference lines and highlights
SINGLE_COLUMN_IN = (3.5, 2.6)  # journal single column, inches (89 mm)
DOUBLE_COLUMN_IN = (7.2, 4.0)  # journal double column (183 mm)
WIDTHS_IN = (SINGLE_COLUMN_IN[0], DOUBLE_COLUMN_IN[0])  # the only widths a figure may declare
MIN_FONT_PT = 6.0  # journals' smallest legible text at the printed size
# Text is laid out with DejaVu Sans (shipped with matplotlib, so every system measures it alike, and wider than Arial,
# so the text fits in whichever font opens it); the SVG names this stack, which Word and Illustrator resolve too.
SVG_FONT_STACK = "Arial, Helvetica, 'DejaVu Sans', sans-serif"
# The figures the report's summary shows (data/report_findings.csv), drawn double-column in their chapters: each is
# also published in a single-column version, <name>_single.
KEY_FIGURES = ("02_china_vs_club", "04_bankability")

FORMATS = ("png", "svg", "pdf", "csv", "txt")  # every file save_figure writes, in the order a reader wants them
SCREEN_REDUCTION = 2  # the notebook shows the 300-dpi PNG at 150 dpi: sharp on high-density screens and in print
_METADATA = {  # fields matplotlib would fill with the date or its version: left out so rebuilds are byte-identical
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}


_DESCRIPTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # figure -> what its data show


def described(fig: plt.Figure, description: str) -> plt.Figure:
    """The figure, carrying the one line that says what its data show (publish writes it with the caption)."""
    _DESCRIPTIONS[fig] = description
    return fig


def description_of(fig: plt.Figure, name: str) -> str:
    """The figure's description; a figure drawn without one cannot be published, as it would lack its text
    alternative."""
    try:
        return _DESCRIPTIONS[fig]
    except KeyError:
        raise ValueError(
            f"figure {name!r} has no description of what its data show; draw it with a function of "
            "critical_minerals.figures, or attach one line with figures.described(fig, text)"
        ) from None


def alt_text(caption: str, description: str) -> str:
    """A figure's text alternative: its caption, then what the data show."""
    return f"{caption} {description}".strip()


def use_theme() -> None:
    """The report's theme (report.mplstyle) and table display: full cell text, no truncated columns."""
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_columns", None)
    plt.style.use(STYLE_FILE)


def declared_width(fig: plt.Figure, name: str) -> float:
    """The figure's width in inches, which must be a journal column's."""
    width = fig.get_figwidth()
    if not any(math.isclose(width, allowed, abs_tol=1e-6) for allowed in WIDTHS_IN):
        raise ValueError(
            f"figure {name!r} is {width:.2f} in wide; draw it at one of {WIDTHS_IN} in "
            "(figures.SINGLE_COLUMN_IN or DOUBLE_COLUMN_IN)"
        )
    return width


def column_bbox(fig: plt.Figure, name: str):
    """The area to save: the figure's full declared width, and in height its content, measured once at the save
    resolution for all formats. Content reaching past the sides would be cut off, so it stops the save."""
    screen_dpi = fig.dpi
    fig.dpi = SAVE_DPI
    try:
        fig.draw_without_rendering()
        tight = fig.get_tightbbox()
    finally:
        fig.dpi = screen_dpi
    width, pad = declared_width(fig, name), plt.rcParams["savefig.pad_inches"]
    if tight.x0 < -0.01 or tight.x1 > width + 0.01:
        raise ValueError(
            f"figure {name!r} reaches {tight.x0:.2f} to {tight.x1:.2f} in across a {width} in width; "
            "use layout='constrained' or move the legend inside"
        )
    return Bbox([[0, tight.y0 - pad], [width, tight.y1 + pad]])  # the height is free: a legend above counts


def portable_svg(svg: bytes) -> bytes:
    """The SVG with its text naming the portable font stack instead of the font it was laid out with."""
    return svg.replace(b"font-family: 'DejaVu Sans'", f"font-family: {SVG_FONT_STACK}".encode())


@contextlib.contextmanager
def layout_kept(fig: plt.Figure) -> Iterator[plt.Figure]:
    """The figure with its layout engine off, then on again: the SVG and the PDF keep the layout of the PNG drawn
    just before them, the same in all three files, and each is drawn once instead of being laid out again (a layout
    pass before the drawing and one in it, per format)."""
    engine = fig.get_layout_engine()
    with plt.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)  # None, not "none": a placeholder engine would still cost a layout pass
    try:
        yield fig
    finally:
        fig.set_layout_engine(engine)


def save_figure(
    fig: plt.Figure, name: str, folder: Path, data: pd.DataFrame, caption: str, source: str, description: str = ""
) -> bytes:
    """Write <name>.png/.svg/.pdf, the plotted data as <name>.csv and the caption with its source as <name>.txt
    (and, on a third line, the description of what the data show).

    Returns the PNG's bytes, so the notebook can show them without drawing the figure again.
    """
    folder.mkdir(parents=True, exist_ok=True)
    bbox = column_bbox(fig, name)
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=SAVE_DPI, bbox_inches=bbox, metadata=_METADATA["png"])
    (folder / f"{name}.png").write_bytes(png.getvalue())
    with layout_kept(fig):
        svg = io.BytesIO()
        fig.savefig(svg, format="svg", bbox_inches=bbox, metadata=_METADATA["svg"])
        (folder / f"{name}.svg").write_bytes(portable_svg(svg.getvalue()))
        fig.savefig(folder / f"{name}.pdf", format="pdf", bbox_inches=bbox, metadata=_METADATA["pdf"])
    data.to_csv(folder / f"{name}.csv", index=False)
    described_as = f"Description: {description}\n" if description else ""
    (folder / f"{name}.txt").write_text(f"{caption}\nSource: {source}\n{described_as}", encoding="utf-8")
    return png.getvalue()


def single_column(fig: plt.Figure) -> plt.Figure:
    """The same figure redrawn at single-column width: text keeps its point size, the plot area narrows; the height
    shrinks less than the width, so panels keep a readable shape."""
    height = fig.get_figheight()
    fig.set_size_inches(SINGLE_COLUMN_IN[0], max(SINGLE_COLUMN_IN[1], height * 0.8))
    return fig


def figure_html(png: bytes, name: str, caption: str, source: str, label: str, description: str = "") -> str:
    """The figure as the chapter shows it: the image (its alt text the caption and what the data show), its numbered
    caption and source, anchored at #figure-<name>.

    Caption and source are escaped: they may quote data files, which must show as text, never as markup.
    """
    screen_png, (width, height) = reduced_png(png, SCREEN_REDUCTION)
    scale = SCREEN_DPI / (SAVE_DPI / SCREEN_REDUCTION)  # the size the figure had when IPython drew it inline
    text = html.escape
    return (
        f'<figure class="report-figure" id="figure-{text(name)}">'
        f'<img src="data:image/png;base64,{base64.b64encode(screen_png).decode()}" width="{round(width * scale)}" '
        f'height="{round(height * scale)}" alt="{text(alt_text(caption, description))}">'
        f"<figcaption><strong>{text(label)}.</strong> {text(caption)} "
        f'<span class="figure-source">Source: {text(source)}.</span></figcaption></figure>'
    )


def save(fig: plt.Figure, name: str, folder: Path, data: pd.DataFrame, caption: str, source: str, label: str) -> None:
    """Save the figure in every format, show it in the chapter with its numbered caption and source, close it.
    A key figure is saved a second time at single-column width. Its description (what the data show) is the one its
    drawing function attached."""
    description = description_of(fig, name)
    png = save_figure(fig, name, folder, data, caption, source, description)
    if name in KEY_FIGURES and fig.get_figwidth() != SINGLE_COLUMN_IN[0]:
        save_figure(single_column(fig), name + SINGLE_SUFFIX, folder, data, caption, source, description)
    plt.close(fig)
    display(HTML(figure_html(png, name, caption, source, label, description)))
