"""One look for every figure, and one way to save it: PNG (300 dpi), SVG (editable text), PDF and the plotted data.

Each chapter's plots live in a submodule named for its concern (`data_checks`, `complementarity`, ...).

Colours are the Okabe–Ito colour-blind-safe palette with a fixed colour per country across all chapters.
Saved files carry no timestamps or random ids, so the same inputs give byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display


COUNTRY_COLOURS = {
    "United States": "#0072B2",  # blue
    "Mexico": "#009E73",  # bluish green
    "Canada": "#D55E00",  # vermillion
    "China": "#E69F00",  # orange
    "Rest of world": "#999999",  # grey
}
ACCENT = "#CC79A7"  # reddish purple, for reference lines and highlights
SINGLE_COLUMN_IN = (3.5, 2.6)  # journal single column, inches
DOUBLE_COLUMN_IN = (7.2, 4.0)


def use_theme() -> None:
    """The report's theme: white background, light grid, fonts embedded as text in SVG and TrueType in PDF.

    Also the table display: full cell text, no truncated columns.
    """
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_columns", None)
    sns.set_theme(context="paper", style="whitegrid", font="DejaVu Sans")
    plt.rcParams.update({
        "figure.dpi": 110,
        "savefig.dpi": 300,
        "savefig.bbox": "tight",
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
        "axes.labelsize": 9,
        "legend.fontsize": 8,
        "legend.frameon": False,
        "svg.fonttype": "none",  # text stays text in SVG
        "svg.hashsalt": "critical-minerals",  # stable element ids
        "pdf.fonttype": 42,  # TrueType in PDF
    })


def save_figure(fig: plt.Figure, name: str, folder: Path, data: pd.DataFrame, caption: str, source: str) -> Path:
    """Write <name>.png/.svg/.pdf, the plotted data as <name>.csv and the caption with its source as <name>.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / f"{name}.png", metadata={"Software": None})
    fig.savefig(folder / f"{name}.svg", metadata={"Date": None, "Creator": None})
    fig.savefig(folder / f"{name}.pdf", metadata={"CreationDate": None, "Creator": None, "Producer": None})
    data.to_csv(folder / f"{name}.csv", index=False)
    (folder / f"{name}.txt").write_text(f"{caption}\nSource: {source}\n", encoding="utf-8")
    return folder / f"{name}.png"


def publish(fig: plt.Figure, name: str, folder: Path, data: pd.DataFrame, caption: str, source: str,
            label: str) -> None:
    """Save the figure in every format, show it in the chapter with its numbered caption and source, close it."""
    save_figure(fig, name, folder, data, caption, source)
    display(fig)
    display(Markdown(f"**{label}.** {caption} *Source: {source}.*"))
    plt.close(fig)


def table(frame: pd.DataFrame, caption: str | None = None, digits: int = 2):
    """A table as the report shows it: no row numbers, a dash for missing values, thousands separated."""
    styler = frame.style.format(na_rep="–", precision=digits, thousands=",")
    labels = [column for column in frame.columns if any(word in str(column).lower() for word in ("year", "edition"))]
    if labels:  # years and editions are labels, not quantities: no separators
        styler = styler.format(na_rep="–", precision=0, thousands="", subset=labels)
    if isinstance(frame.index, pd.RangeIndex):
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(caption)
    return styler
