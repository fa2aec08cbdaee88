"""One look for every figure, and one way to save it: PNG (300 dpi), SVG (editable text), PDF and the plotted data.

Each chapter's plots live in a submodule named for its concern (`data_checks`, `complementarity`, ...).

Colours are the Okabe–Ito colour-blind-safe palette with a fixed colour per country across all chapters.
Saved files carry no timestamps or random ids, so the same inputs give byte-identical files.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, display

from ..display import table  # noqa: F401  (the chapters' tables: figures.table)
from ..images import reduced_png

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
SINGLE_COLUMN_IN = (3.5, 2.6)  # journal single column, inches
DOUBLE_COLUMN_IN = (7.2, 4.0)

FORMATS = ("png", "svg", "pdf", "csv", "txt")  # every file save_figure writes, in the order a reader wants them
SCREEN_REDUCTION = 2  # the notebook shows the 300-dpi PNG at 150 dpi: sharp on high-density screens and in print
_METADATA = {  # fields matplotlib would fill with the date or its version: left out so rebuilds are byte-identical
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}


def use_theme() -> None:
    """The report's theme (report.mplstyle) and table display: full cell text, no truncated columns."""
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_columns", None)
    plt.style.use(STYLE_FILE)


def tight_bbox(fig: plt.Figure):
    """The area savefig(bbox_inches="tight") crops to at the save resolution, measured once for all formats.

    Each tight save would otherwise lay out and measure the whole figure again before drawing it.
    """
    screen_dpi = fig.dpi
    fig.dpi = SAVE_DPI
    try:
        fig.draw_without_rendering()
        return fig.get_tightbbox().padded(plt.rcParams["savefig.pad_inches"])
    finally:
        fig.dpi = screen_dpi


def save_figure(fig: plt.Figure, name: str, folder: Path, data: pd.DataFrame, caption: str, source: str) -> bytes:
    """Write <name>.png/.svg/.pdf, the plotted data as <name>.csv and the caption with its source as <name>.txt.

    Returns the PNG's bytes, so the notebook can show them without drawing the figure again.
    """
    folder.mkdir(parents=True, exist_ok=True)
    bbox = tight_bbox(fig)
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=SAVE_DPI, bbox_inches=bbox, metadata=_METADATA["png"])
    (folder / f"{name}.png").write_bytes(png.getvalue())
    for fmt in ("svg", "pdf"):
        fig.savefig(folder / f"{name}.{fmt}", format=fmt, bbox_inches=bbox, metadata=_METADATA[fmt])
    data.to_csv(folder / f"{name}.csv", index=False)
    (folder / f"{name}.txt").write_text(f"{caption}\nSource: {source}\n", encoding="utf-8")
    return png.getvalue()


def figure_html(png: bytes, name: str, caption: str, source: str, label: str) -> str:
    """The figure as the chapter shows it: the image, its numbered caption and source, anchored at #figure-<name>.

    Caption and source are escaped: they may quote data files, which must show as text, never as markup.
    """
    shown, (width, height) = reduced_png(png, SCREEN_REDUCTION)
    scale = SCREEN_DPI / (SAVE_DPI / SCREEN_REDUCTION)  # the size the figure had when IPython drew it inline
    text = html.escape
    return (
        f'<figure class="report-figure" id="figure-{text(name)}">'
        f'<img src="data:image/png;base64,{base64.b64encode(shown).decode()}" width="{round(width * scale)}" '
        f'height="{round(height * scale)}" alt="{text(caption)}">'
        f'<figcaption><strong>{text(label)}.</strong> {text(caption)} '
        f'<span class="figure-source">Source: {text(source)}.</span></figcaption></figure>'
    )


def publish(fig: plt.Figure, name: str, folder: Path, data: pd.DataFrame, caption: str, source: str,
            label: str) -> None:
    """Save the figure in every format, show it in the chapter with its numbered caption and source, close it."""
    png = save_figure(fig, name, folder, data, caption, source)
    plt.close(fig)
    display(HTML(figure_html(png, name, caption, source, label)))
