"""Chapter 03's figures: what a stockpile costs per mineral, what the benchmarks imply, uncertainty, who pays."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..core import display
from ..models.stockpile.model import MonteCarlo, included
from ..models.stockpile.validation import PARTNERS
from . import ACCENT, COUNTRY_COLOURS, DOUBLE_COLUMN_IN, OKABE_ITO, described

DESIGN_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
BENCHMARK_STYLES = ("--", ":")


def _panels(count: int, height: float, sharex: bool = False) -> tuple[plt.Figure, np.ndarray]:
    fig, axes = plt.subplots(
        1, count, figsize=(DOUBLE_COLUMN_IN[0], height), sharex=sharex, squeeze=False, layout="constrained"
    )
    return fig, axes[0]


def _per_design(data: pd.DataFrame, describe) -> str:
    """One clause per design, in the figure's order, joined."""
    return "; ".join(describe(design, part) for design, part in data.groupby("design", sort=False))


def acquisition_by_mineral_description(data: pd.DataFrame) -> str:
    """Each design's total and its most costly mineral."""

    def clause(design: str, part: pd.DataFrame) -> str:
        top = part.loc[part["cost_usd_bn"].idxmax()]
        return (
            f"the {design} design costs USD {display.number(part['cost_usd_bn'].sum())} bn, most of it for "
            f"{top['mineral'].lower()} ({display.number(top['cost_usd_bn'])} bn)"
        )

    return f"Bars: {_per_design(data, clause)}."


def acquisition_by_mineral(costs_by_design: dict[str, pd.DataFrame]) -> tuple[plt.Figure, pd.DataFrame]:
    """One panel per design: acquisition cost per included mineral, largest at the top."""
    data = pd.concat(
        [included(costs).reset_index()[["design", "label", "cost_usd"]] for costs in costs_by_design.values()],
        ignore_index=True,
    )
    data["cost_usd_bn"] = data["cost_usd"] / 1e9
    data = data.drop(columns="cost_usd").rename(columns={"label": "mineral"})
    # one panel above the other: the minerals' labels are long ("Tungsten (priced as concentrate)") and need the
    # column's width beside the bars
    rows = data.groupby("design", sort=False).size()
    fig, axes = plt.subplots(
        len(rows),
        1,
        figsize=(DOUBLE_COLUMN_IN[0], 0.2 * rows.sum() + 0.9 * len(rows)),
        squeeze=False,
        layout="constrained",
        gridspec_kw={"height_ratios": list(rows + 2)},
    )
    axes = axes[:, 0]
    for ax, (name, colour) in zip(axes, zip(costs_by_design, DESIGN_COLOURS)):
        part = data[data["design"] == name].sort_values("cost_usd_bn")
        ax.barh(part["mineral"], part["cost_usd_bn"], color=colour, height=0.7)
        ax.set_title(f"{name} (total {part['cost_usd_bn'].sum():.1f} bn)")
        ax.set_xlabel("Acquisition cost (USD bn)")
    return described(fig, acquisition_by_mineral_description(data)), data


def calibration_chart_description(data: pd.DataFrame) -> str:
    """The range of the designs' own cover, and of the uniform cover each benchmark implies."""

    def span(column: str) -> str:
        low, high = data[column].min(), data[column].max()
        return f"{display.number(low)}" + ("" if low == high else f"–{display.number(high)}") + " months"

    targets = [column for column in data.columns[2:]]
    return (
        f"Bars: the designs' own cover is {span(data.columns[1])}; spending what each benchmark spends buys "
        + "; ".join(f"{span(column)} of uniform cover ({column})" for column in targets)
        + "."
    )


def calibration_chart(calibrated: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """Per design and quantity basis: own (value-weighted) months of cover and the uniform months per benchmark."""
    case = calibrated["design"] + "\n" + calibrated["quantity basis"].str.replace("_", "\n")
    calibrated = calibrated.assign(case=case)
    cases = list(dict.fromkeys(calibrated["case"]))
    targets = list(dict.fromkeys(calibrated["target"]))
    own = calibrated.groupby("case", sort=False)["design cover (months, value-weighted)"].first()
    wide = calibrated.pivot(index="case", columns="target", values="uniform cover for target (months)")
    data = pd.concat([own.rename("design's own cover"), wide[targets]], axis=1).loc[cases]
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], 3.2), layout="constrained")
    width = 0.8 / len(data.columns)
    colours = ["#999999", *DESIGN_COLOURS[: len(targets)]]
    positions = np.arange(len(cases))
    for k, (column, colour) in enumerate(zip(data.columns, colours)):
        bars = ax.bar(
            positions + (k - (len(data.columns) - 1) / 2) * width, data[column], width, color=colour, label=column
        )
        ax.bar_label(bars, fmt="%.1f", fontsize=7, padding=1)
    ax.set_xticks(positions, cases)
    ax.set_ylabel("Months of cover")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(data.columns))
    data = data.reset_index(names="design and quantity basis")
    return described(fig, calibration_chart_description(data)), data


TORNADO_SIDES = (
    ("npc_at_low", "low_setting", "driver at its low setting", OKABE_ITO["blue"], ""),
    ("npc_at_high", "high_setting", "driver at its high setting", OKABE_ITO["orange"], "///"),
)


def tornado_chart_description(data: pd.DataFrame) -> str:
    """Per design, the driver that moves the net present cost most."""

    def clause(design: str, part: pd.DataFrame) -> str:
        top = part.loc[part["swing_usd"].idxmax()]
        return (
            f"in the {design} design it is {top['driver'].lower()} "
            f"(USD {display.number(top['swing_usd'] / 1e9)} bn, "
            f"central case {display.number(top['central_usd'] / 1e9)} bn)"
        )

    return f"Bars: the driver that moves the net present cost most: {_per_design(data, clause)}."


def tornado_chart(tornados: dict[str, pd.DataFrame]) -> tuple[plt.Figure, pd.DataFrame]:
    """One panel per design, stacked, each labelling its own drivers, largest swing at the top: net present cost with
    the driver at its low setting (blue) and at its high setting (orange, hatched), each bar drawn from the central
    case (the line); the lower end is labelled with its setting on the left, the higher end on the right."""
    data = pd.concat([table.assign(design=name) for name, table in tornados.items()], ignore_index=True)
    height = 0.3 * len(data) + 1.0 * len(tornados)
    fig, axes = plt.subplots(
        len(tornados), 1, figsize=(DOUBLE_COLUMN_IN[0], height), squeeze=False, layout="constrained"
    )
    for ax, (name, table) in zip(axes[:, 0], tornados.items()):
        rows = table.iloc[::-1].reset_index(drop=True)  # barh draws bottom-up: the largest swing ends on top
        central = table["central_usd"].iloc[0] / 1e9
        positions = np.arange(len(rows))
        for value, _, label, colour, hatch in TORNADO_SIDES:
            ax.barh(
                positions,
                rows[value] / 1e9 - central,
                left=central,
                color=colour,
                hatch=hatch,
                edgecolor="white",
                linewidth=0,
                height=0.6,
                label=label,
            )
        for y, row in zip(positions, rows.itertuples()):
            ends = sorted(
                [(row.npc_at_low / 1e9, row.low_setting), (row.npc_at_high / 1e9, row.high_setting)],
                key=lambda end: end[0],
            )
            for (end, text), side in zip(ends, (-1, 1)):
                x = min(end, central) if side < 0 else max(end, central)
                ax.annotate(
                    text,
                    (x, y),
                    xytext=(3 * side, 0),
                    textcoords="offset points",
                    ha="right" if side < 0 else "left",
                    va="center",
                    fontsize=6,
                )
        ax.set_yticks(positions, rows["driver"])
        ax.axvline(central, color=ACCENT, linewidth=1, label="central case")
        ax.margins(x=0.3)
        ax.set_title(f"{name} (central {display.number(central)} bn)")
        ax.set_xlabel("Net present cost (USD bn)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(labels))
    columns = [
        "design",
        "driver",
        "range",
        "low_setting",
        "high_setting",
        "npc_at_low",
        "npc_at_high",
        "low_usd",
        "high_usd",
        "central_usd",
        "swing_usd",
    ]
    return described(fig, tornado_chart_description(data[columns])), data[columns]


def monte_carlo_histogram_description(data: pd.DataFrame) -> str:
    """Per design, the range of the simulated cost and its most frequent bin."""

    def clause(design: str, part: pd.DataFrame) -> str:
        mode = part.loc[part["share_of_draws"].idxmax()]
        drawn = part[part["share_of_draws"] > 0]
        return (
            f"the {design} design from USD {display.number(drawn['bin_low_usd_bn'].min())} to "
            f"{display.number(drawn['bin_high_usd_bn'].max())} bn, most often "
            f"{display.number(mode['bin_low_usd_bn'])}–{display.number(mode['bin_high_usd_bn'])} bn"
        )

    return f"Histograms: the simulated acquisition cost of {_per_design(data, clause)}."


def monte_carlo_histogram(
    simulations: dict[str, MonteCarlo], benchmarks: dict[str, float], bins: int = 50
) -> tuple[plt.Figure, pd.DataFrame]:
    """One panel per design: distribution of the acquisition cost with P5, P50, P95 and the benchmarks marked."""
    fig, axes = _panels(len(simulations), 2.8)
    rows = []
    for ax, ((name, mc), colour) in zip(axes, zip(simulations.items(), DESIGN_COLOURS)):
        counts, edges = np.histogram(mc.draws / 1e9, bins=bins)
        ax.stairs(counts / counts.sum(), edges, fill=True, color=colour, alpha=0.7)
        for value, label in ((mc.p5, "P5"), (mc.p50, "P50"), (mc.p95, "P95")):
            ax.axvline(value / 1e9, color="black", linewidth=0.8, linestyle="-" if label == "P50" else "--")
        low, high = edges[0], edges[-1]
        for (label, value), style in zip(benchmarks.items(), BENCHMARK_STYLES):
            if low <= value / 1e9 <= high:
                ax.axvline(value / 1e9, color=ACCENT, linestyle=style, linewidth=1.2, label=label)
        ax.set_title(f"{name}: P5 {mc.p5 / 1e9:.1f}, P50 {mc.p50 / 1e9:.1f}, P95 {mc.p95 / 1e9:.1f} bn")
        ax.set_xlabel("Acquisition cost (USD bn)")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper right")
        rows.append(
            pd.DataFrame(
                {
                    "design": name,
                    "bin_low_usd_bn": edges[:-1],
                    "bin_high_usd_bn": edges[1:],
                    "share_of_draws": counts / counts.sum(),
                }
            )
        )
    axes[0].set_ylabel("Share of draws")
    data = pd.concat(rows, ignore_index=True)
    return described(fig, monte_carlo_histogram_description(data)), data


def burden_chart_description(data: pd.DataFrame) -> str:
    """Per design, the range of the United States' share of the cost across the keys."""

    def clause(design: str, part: pd.DataFrame) -> str:
        low, high = part.loc[part["share"].idxmin()], part.loc[part["share"].idxmax()]
        return (
            f"in the {design} design from {display.number(100 * low['share'])} % ({low['key']}) to "
            f"{display.number(100 * high['share'])} % ({high['key']})"
        )

    return (
        f"Bars: the {PARTNERS[0]}' share of the cost across the keys runs "
        f"{_per_design(data[data['country'] == PARTNERS[0]], clause)}."
    )


def burden_chart(burden: dict[str, pd.DataFrame]) -> tuple[plt.Figure, pd.DataFrame]:
    """One panel per design: each key's split of the acquisition cost, stacked by partner."""
    data = pd.concat([table.assign(design=name) for name, table in burden.items()], ignore_index=True)
    data["cost_usd_bn"] = data["cost_usd"] / 1e9
    fig, axes = _panels(len(burden), 2.4)
    for ax, name in zip(axes, burden):
        wide = data[data["design"] == name].pivot(index="key", columns="country", values="cost_usd_bn")
        left = np.zeros(len(wide))
        for country in PARTNERS:
            ax.barh(wide.index, wide[country], left=left, color=COUNTRY_COLOURS[country], label=country, height=0.6)
            left += wide[country].to_numpy()
        ax.set_title(name)
        ax.set_xlabel("Acquisition cost paid (USD bn)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(PARTNERS))
    data = data[["design", "key", "country", "share", "cost_usd_bn"]]
    return described(fig, burden_chart_description(data)), data
