"""One look for every figure, and one way to save it: PNG (300 dpi), SVG (editable text), PDF and the plotted data.

Colours are the Okabe–Ito colour-blind-safe palette with a fixed colour per country across all chapters.
Saved files carry no timestamps or random ids, so the same inputs give byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

from .paper import SHARE_COLUMNS

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


def paper_vs_usgs(reproduction: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """Scatter of each partner share in the paper's table against the same share computed from USGS."""
    rows = []
    for column, country in SHARE_COLUMNS.items():
        part = reproduction[["mineral", f"{column}_paper", f"{column}_usgs"]].dropna()
        part.columns = ["mineral", "paper_pct", "usgs_pct"]
        rows.append(part.assign(country=country))
    data = pd.concat(rows, ignore_index=True)
    fig, ax = plt.subplots(figsize=SINGLE_COLUMN_IN)
    low = min(data["paper_pct"].min(), data["usgs_pct"].min()) / 1.3
    top = max(data["paper_pct"].max(), data["usgs_pct"].max()) * 1.3
    ax.plot([low, top], [low, top], color=ACCENT, linewidth=0.8, zorder=1, label="equal")
    for country, part in data.groupby("country", sort=False):
        ax.scatter(part["paper_pct"], part["usgs_pct"], s=18, color=COUNTRY_COLOURS[country], label=country,
                   zorder=2, edgecolor="white", linewidth=0.4)
    ticks = [t for t in (0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if low <= t <= top]
    ax.set(xscale="log", yscale="log", xlim=(low, top), ylim=(low, top),
           xlabel="Share in paper A's table (%)", ylabel="Share computed from USGS (%)")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
        axis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        axis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.legend(loc="upper left")
    return fig, data


def price_coverage(prices: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """One bar per metal from its first to its last month in the price panel, coloured by source."""
    data = (prices.groupby(["commodity", "source"])["date"].agg(["min", "max"]).reset_index()
            .sort_values(["min", "commodity"], ascending=[False, True]))
    colours = dict(zip(sorted(data["source"].unique()), ["#56B4E9", "#0072B2", "#009E73"]))
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], 0.22 * len(data) + 0.8))
    for y, row in enumerate(data.itertuples()):
        ax.barh(y, row.max - row.min, left=row.min, height=0.6, color=colours[row.source])
    ax.set_yticks(range(len(data)), data["commodity"].str.replace("_", " "))
    ax.set_xlabel("Year")
    ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()], labels=list(colours),
              loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(colours))
    return fig, data.rename(columns={"min": "first_month", "max": "last_month"})
