"""Chapter 04's figures: price fan charts, fiscal cost of each instrument, bankability against the strike,
subsidies per archetype, the payment timeline and the tariff's effect. Each returns (figure, plotted data)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from ..core.display import number
from ..models.cfd.model import INSTRUMENT_LABELS, REGIME_LABELS
from ..models.prices.model import MODEL_LABELS
from . import ACCENT, DOUBLE_COLUMN_IN, SINGLE_COLUMN_IN, described

# Okabe-Ito colours not used for countries, one per instrument
INSTRUMENT_COLOURS = {
    "none": "#999999",
    "floor": "#56B4E9",
    "cfd": "#CC79A7",
    "cfd_revenue_share": "#009E73",
    "collar": "#E69F00",
}
REGIME_COLOURS = {"canada_ctm_itc": "#D55E00", "us_45x_permanent": "#0072B2", "us_45x_current_law": "#56B4E9"}
MILLION = 1e6


def _millions(axis) -> None:
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / MILLION:,.0f}"))


def _musd(value: float) -> str:
    return f"{number(value / MILLION)} million USD"


def fan_chart_description(data: pd.DataFrame) -> str:
    """Per price model, the simulated median and P5-P95 range at the horizon, against the last observed price."""
    data = data.assign(date=pd.to_datetime(data["date"]))
    simulated = data[data["series"] != "history"]
    end = simulated["date"].max()
    at_end = simulated[simulated["date"] == end].pivot_table(
        index="model", columns="series", values="price", sort=False
    )
    history = data[data["series"] == "history"].sort_values("date")
    last = (
        f"; the last observed price ({history['date'].iloc[-1]:%B %Y}) is {number(history['price'].iloc[-1])}"
        if len(history)
        else ""
    )
    models = "; ".join(
        f"{MODEL_LABELS.get(model, model)} {number(row['P50'])} (P5–P95 {number(row['P5'])}–{number(row['P95'])})"
        for model, row in at_end.iterrows()
    )
    return f"Fans: the simulated median price in {end:%B %Y} is, per model, {models}{last}."


def fan_chart(fans: dict[str, pd.DataFrame], metal: str, unit: str, history_years: int = 15) -> tuple:
    """One panel per price model: history, simulated P5-P95 and P25-P75 bands, median and model mean."""
    fig, axes = plt.subplots(1, len(fans), figsize=DOUBLE_COLUMN_IN, sharey=True, squeeze=False)
    frames = []
    for ax, (kind, data) in zip(axes[0], fans.items()):
        history = data[data["series"] == "history"]
        history = history[history["date"] >= history["date"].max() - pd.DateOffset(years=history_years)]
        wide = data[data["series"] != "history"].pivot(index="date", columns="series", values="price")
        ax.fill_between(wide.index, wide["P5"], wide["P95"], color="#56B4E9", alpha=0.35, linewidth=0, label="P5–P95")
        ax.fill_between(wide.index, wide["P25"], wide["P75"], color="#0072B2", alpha=0.35, linewidth=0, label="P25–P75")
        ax.plot(wide.index, wide["P50"], color="#0072B2", linewidth=1, label="median")
        ax.plot(wide.index, wide["mean (model)"], color=ACCENT, linewidth=1, linestyle="--", label="mean")
        if not history.empty:
            ax.plot(history["date"], history["price"], color="black", linewidth=0.8, label="history")
        ax.set_title(MODEL_LABELS[kind])
        ax.set_xlabel("Year")
        frames.append(pd.concat([history, data[data["series"] != "history"]]).assign(model=kind))
    axes[0][0].set_ylabel(f"{metal.replace('_', ' ').capitalize()} price ({unit})")
    axes[0][0].yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    axes[0][-1].legend(loc="upper left")
    data = pd.concat(frames, ignore_index=True)
    return described(fig, fan_chart_description(data)), data


def fiscal_cost_distribution_description(data: pd.DataFrame) -> str:
    """The instruments with the highest and the lowest expected cost."""
    high, low = data.loc[data["mean"].idxmax()], data.loc[data["mean"].idxmin()]
    return (
        f"Boxes: the expected cost to the government is highest with the {INSTRUMENT_LABELS[high['instrument']]} "
        f"({_musd(high['mean'])}; P5–P95 {_musd(high['p5'])} to {_musd(high['p95'])}) and lowest with the "
        f"{INSTRUMENT_LABELS[low['instrument']]} ({_musd(low['mean'])})."
    )


def fiscal_cost_distribution(quantiles: pd.DataFrame) -> tuple:
    """Box per instrument: P25-P75 box, P5-P95 whiskers, median line, mean marker; government NPV cost."""
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN[0], 2.8))
    for y, row in enumerate(quantiles.itertuples()):
        colour = INSTRUMENT_COLOURS[row.instrument]
        ax.plot([row.p5, row.p95], [y, y], color=colour, linewidth=1)
        ax.add_patch(plt.Rectangle((row.p25, y - 0.25), row.p75 - row.p25, 0.5, color=colour, alpha=0.6))
        ax.plot([row.p50, row.p50], [y - 0.25, y + 0.25], color="black", linewidth=1)
        ax.plot(row.mean, y, marker="D", color="black", markersize=4)
    ax.axvline(0, color="#666666", linewidth=0.6)
    ax.set_yticks(range(len(quantiles)), [INSTRUMENT_LABELS[i] for i in quantiles["instrument"]])
    ax.set_xlabel("Government cost, NPV (USD million); negative = net receipts")
    _millions(ax.xaxis)
    ax.invert_yaxis()
    return described(fig, fiscal_cost_distribution_description(quantiles)), quantiles


def _line_with_band(ax, x, y, se, instrument: str) -> None:
    """One instrument's line in its colour with a band of two Monte Carlo standard errors either side."""
    colour = INSTRUMENT_COLOURS[instrument]
    ax.plot(x, y, color=colour, label=INSTRUMENT_LABELS[instrument])
    ax.fill_between(x, y - 2 * se, y + 2 * se, color=colour, alpha=0.2, linewidth=0)


def bankability_curve_description(data: pd.DataFrame) -> str:
    """Per instrument, the probability of a negative NPV at the lowest and the highest strike."""
    data = data.sort_values("strike", kind="stable")
    ends = data.groupby("instrument", sort=False)["p_npv_negative"].agg(["first", "last"])
    moves = "; ".join(
        f"{INSTRUMENT_LABELS[instrument]} {number(100 * row['first'])} %"
        + ("" if row["first"] == row["last"] else f" to {number(100 * row['last'])} %")
        for instrument, row in ends.iterrows()
    )
    return (
        f"Lines: as the strike rises from {number(data['strike'].iloc[0])} to {number(data['strike'].iloc[-1])} "
        f"USD per tonne, the probability that the project's NPV is negative goes, per instrument: {moves}."
    )


def bankability_curve(curve: pd.DataFrame, reference: float, target: float, regime: str = "none") -> tuple:
    """P(project NPV < 0) against the strike, per instrument, with a +-2 SE band; the target and reference price."""
    data = curve[curve["regime"] == regime]
    fig, ax = plt.subplots(figsize=DOUBLE_COLUMN_IN)
    for instrument, part in data.groupby("instrument", sort=False):
        _line_with_band(ax, part["strike"], part["p_npv_negative"], part["p_npv_negative_se"], instrument)
    ax.axhline(target, color=ACCENT, linewidth=0.8, linestyle="--", label=f"target {target:.0%}")
    ax.axvline(reference, color="#666666", linewidth=0.8, linestyle=":", label="reference price")
    ax.set(xlabel="Strike (USD per tonne of product)", ylabel="P(project NPV < 0)", ylim=(0, 1.02))
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    fig.legend(loc="outside lower center", ncol=2)  # below the plot: the curves fill it at either width
    return described(fig, bankability_curve_description(data)), data


def subsidy_comparison_description(data: pd.DataFrame) -> str:
    """The largest and the smallest subsidy among the archetypes and regimes."""
    high = data.loc[data["share_of_levelized_cost"].idxmax()]
    low = data.loc[data["share_of_levelized_cost"].idxmin()]

    def bar(row) -> str:
        return (
            f"{row['archetype']} under {REGIME_LABELS[row['regime']]} "
            f"({number(100 * row['share_of_levelized_cost'])} % of levelized cost, "
            f"{number(row['usd_per_t'])} USD/t)"
        )

    return f"Bars: the largest subsidy is for {bar(high)}, the smallest for {bar(low)}."


def subsidy_comparison(table: pd.DataFrame) -> tuple:
    """Levelized subsidy per archetype and regime, as a share of the archetype's levelized cost."""
    regimes = list(REGIME_COLOURS)
    data = table.melt(
        id_vars="archetype",
        value_vars=[f"{r}_share_of_cost" for r in regimes],
        var_name="regime",
        value_name="share_of_levelized_cost",
    )
    data["regime"] = data["regime"].str.removesuffix("_share_of_cost")
    data = data.merge(
        table.melt(
            id_vars="archetype",
            value_vars=[f"{r}_usd_per_t" for r in regimes],
            var_name="regime",
            value_name="usd_per_t",
        ).assign(regime=lambda d: d["regime"].str.removesuffix("_usd_per_t")),
        on=["archetype", "regime"],
    )
    fig, ax = plt.subplots(figsize=DOUBLE_COLUMN_IN)
    width = 0.8 / len(regimes)
    archetypes = list(table["archetype"])
    for i, regime in enumerate(regimes):
        part = data[data["regime"] == regime].set_index("archetype").loc[archetypes]
        x = np.arange(len(archetypes)) + (i - (len(regimes) - 1) / 2) * width
        bars = ax.bar(
            x, part["share_of_levelized_cost"], width, color=REGIME_COLOURS[regime], label=REGIME_LABELS[regime]
        )
        ax.bar_label(bars, labels=[f"{v:,.0f}" for v in part["usd_per_t"]], fontsize=6, padding=1)
    ax.set_xticks(range(len(archetypes)), archetypes)
    ax.set_ylabel("Levelized subsidy, share of levelized cost")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    return described(fig, subsidy_comparison_description(data)), data


def payment_timeline_description(data: pd.DataFrame) -> str:
    """The largest expected annual payment, its instrument and year, and the years of payment."""
    peak = data.loc[data["expected_payment"].idxmax()]
    paid = data[data["expected_payment"] != 0]["year"]
    years = f" in {int(paid.min())}–{int(paid.max())}" if len(paid) else ""
    return (
        f"Lines: payments fall{years}; the largest expected annual payment is {_musd(peak['expected_payment'])}, "
        f"with the {INSTRUMENT_LABELS[peak['instrument']]} in {int(peak['year'])}."
    )


def payment_timeline(timeline: pd.DataFrame) -> tuple:
    """Expected government payment per year and instrument (USD million), with a +-2 SE band."""
    fig, ax = plt.subplots(figsize=DOUBLE_COLUMN_IN)
    for instrument, part in timeline.groupby("instrument", sort=False):
        _line_with_band(ax, part["year"], part["expected_payment"], part["se"], instrument)
    ax.axhline(0, color="#666666", linewidth=0.6)
    ax.set(xlabel="Year", ylabel="Expected payment to the project (USD million)")
    _millions(ax.yaxis)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    return described(fig, payment_timeline_description(timeline)), timeline


TARIFF_BASES = {"world": "world benchmark", "us_delivered": "U.S.-delivered price"}


def tariff_effect_description(data: pd.DataFrame) -> str:
    """Per reference-price basis, the expected fiscal cost at no and at full pass-through."""
    data = data.sort_values("pass_through", kind="stable")
    ends = data.groupby("basis", sort=False)["fiscal_npv_mean"].agg(["first", "last"])
    low, high = data["pass_through"].iloc[0], data["pass_through"].iloc[-1]
    moves = "; ".join(
        f"with the {TARIFF_BASES[basis]} "
        + (
            f"it stays at {_musd(row['first'])}"
            if number(row["first"] / MILLION) == number(row["last"] / MILLION)
            else f"it moves from {_musd(row['first'])} to {_musd(row['last'])}"
        )
        for basis, row in ends.iterrows()
    )
    return (
        f"Lines: as the pass-through rises from {number(100 * low)} % to {number(100 * high)} %, the expected "
        f"fiscal cost changes per reference price: {moves}."
    )


def tariff_effect(sensitivity: pd.DataFrame) -> tuple:
    """Expected fiscal cost against the tariff pass-through, one line per reference-price basis."""
    fig, ax = plt.subplots(figsize=SINGLE_COLUMN_IN)
    labels = TARIFF_BASES
    for basis, colour in zip(("world", "us_delivered"), ("#0072B2", "#D55E00")):
        part = sensitivity[sensitivity["basis"] == basis]
        ax.errorbar(
            part["pass_through"],
            part["fiscal_npv_mean"],
            yerr=2 * part["fiscal_npv_mean_se"],
            color=colour,
            marker="o",
            markersize=3,
            linewidth=1,
            capsize=2,
            label=labels[basis],
        )
    ax.set(xlabel="Tariff pass-through to the U.S. price", ylabel="Expected fiscal cost (USD million)")
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    _millions(ax.yaxis)
    ax.legend(loc="best")
    return described(fig, tariff_effect_description(sensitivity)), sensitivity
