"""Chapter 03's prose that depends on results: costs, calibration, uncertainty, plausibility, price choices."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...core import display
from .model import INCLUDED, Inputs, MonteCarlo, cost_table, exclusions, included, total_cost
from .validation import Settings


def _bn(value: float) -> str:
    """Money in prose: billions, or millions below one billion, at the report's precision (display.number)."""
    if abs(value) >= 1e9:
        return f"USD {display.number(value / 1e9)} billion"
    return f"USD {display.number(value / 1e6)} million" if abs(value) >= 1e6 else f"USD {display.number(value)}"


def cost_text(name: str, costs: pd.DataFrame) -> str:
    rows = included(costs).sort_values("cost_usd", ascending=False)
    top = rows.iloc[0]
    dropped = exclusions(costs)
    text = (
        f"The **{name}** design costs {_bn(total_cost(costs))} to acquire. {top['label']} alone accounts for "
        f"{top['cost_usd'] / total_cost(costs):.0%} of it, and the {min(3, len(rows))} dearest minerals for "
        f"{rows['cost_usd'].head(3).sum() / total_cost(costs):.0%}."
    )
    if not dropped.empty:
        text += " Excluded: " + "; ".join(f"{row.label} ({row.exclusion})" for row in dropped.itertuples()) + "."
    return text


def calibration_text(calibrated: pd.DataFrame, costs_by_design: dict[str, pd.DataFrame], basis: str) -> str:
    """What each benchmark implies for each design, in months of cover and as a multiple of the design."""
    rows = calibrated[calibrated["quantity basis"] == basis]
    sentences = []
    for name, part in rows.groupby("design", sort=False):
        own = part["design cover (months, value-weighted)"].iloc[0]
        parts = [
            f"{row['target']} ({_bn(row['target (USD bn)'] * 1e9)}) needs "
            f"{row['uniform cover for target (months)']:.1f} "
            f"months of cover for every mineral, {row['multiple of design covers or of prices']:.2f} times the "
            f"design"
            for _, row in part.iterrows()
        ]
        largest = included(costs_by_design[name]).sort_values("cost_usd", ascending=False).iloc[0]
        weight = largest["cost_usd"] / total_cost(costs_by_design[name])
        reading = (
            "so the implied cover is mostly a statement about it"
            if weight > 0.5
            else "the largest single weight in the implied cover"
        )
        sentences.append(
            f"For the **{name}** design (own cover {own:.1f} months, cost "
            f"{_bn(part['cost at design cover (USD bn)'].iloc[0] * 1e9)}), the "
            + "; the ".join(parts)
            + f". {largest['label']} carries {weight:.0%} of the cost, {reading}."
        )
    return " ".join(sentences)


def monte_carlo_text(name: str, mc: MonteCarlo, central: float, draws: int) -> str:
    return (
        f"**{name}**: central {_bn(central)}; P5 {_bn(mc.p5)}, P50 {_bn(mc.p50)}, P95 {_bn(mc.p95)} "
        f"(mean {_bn(mc.mean)}, Monte Carlo standard error of the mean USD {mc.standard_error / 1e6:,.1f} million "
        f"with {draws:,} draws; the step took {mc.seconds:.3f} s)."
    )


def cover_bands(oil_stock_days: float) -> tuple[tuple[float, str], ...]:
    """Months of cover (upper bound of each band) and how to read them; the oil-stock rule is the reference."""
    oil_months = oil_stock_days * 12 / 365.25
    return (
        (
            oil_months,
            (
                f"less than the {oil_stock_days:.0f} days of net imports that IEA members must hold in oil: "
                "a thin buffer"
            ),
        ),
        (
            12.0,
            (
                f"between the IEA oil-stock rule ({oil_stock_days:.0f} days of net imports) and a year's supply: a "
                "bridge over a disruption, in the range of existing stock rules"
            ),
        ),
        (36.0, "more than a year's supply: beyond bridging a disruption, a stock large enough to move prices"),
        (
            np.inf,
            (
                "several years of supply: not credible as a purchase programme, since buying that much would "
                "itself raise the prices paid"
            ),
        ),
    )


def cover_band(months: float, oil_stock_days: float) -> str:
    return next(text for limit, text in cover_bands(oil_stock_days) if months < limit)


def plausibility_text(calibrated: pd.DataFrame, basis: str, benchmarks: dict[str, float], oil_stock_days: float) -> str:
    """A reading of each benchmark: the cover it implies on each quantity basis, and what such a cover means."""
    sentences = []
    for target in benchmarks:
        rows = calibrated[calibrated["target"] == target]
        for name, part in rows.groupby("design", sort=False):
            months = part.set_index("quantity basis")["uniform cover for target (months)"]
            others = ", ".join(
                f"{value:.1f} months of {other.replace('_', ' ')}" for other, value in months.items() if other != basis
            )
            sentences.append(
                f"The {target} on the **{name}** list means {months[basis]:.1f} months of "
                f"{basis.replace('_', ' ')} ({others}): {cover_band(months[basis], oil_stock_days)}."
            )
    sentences.append(
        "Where only part of each quantity serves defence (the defence-share parameter), the same money "
        "covers proportionally more months of that part: months of defence demand equal the months "
        "above divided by the defence share."
    )
    return " ".join(sentences)


def small_metals_text(
    costs_by_design: dict[str, pd.DataFrame], metals=("gallium", "germanium", "rare_earths", "antimony")
) -> str:
    """Share of each design's cost spent on the small China-dominated metals paper B singles out."""
    parts = []
    for name, costs in costs_by_design.items():
        rows = included(costs)
        chosen = rows[rows.index.isin(metals)]
        if not chosen.empty:
            parts.append(
                f"{chosen['cost_usd'].sum() / total_cost(costs):.1%} of the **{name}** design "
                f"({_bn(chosen['cost_usd'].sum())})"
            )
    if not parts:
        return ""
    return (
        "The small metals paper B proposes for strategic reserves ("
        + ", ".join(str(m).replace("_", " ") for m in metals)
        + ") take "
        + "; ".join(parts)
        + ": for them the obstacle is securing the material, not paying for it."
    )


def price_choices(minerals: pd.DataFrame) -> dict[str, list[str]]:
    """Quantities that data/stockpile_minerals.csv prices on more than one basis: commodity -> its rows.

    Rows are alternatives when they measure the same quantity (commodity and both details); platinum and palladium
    share a commodity but not a quantity."""
    groups = minerals.groupby(["usgs_commodity", "consumption_detail", "nir_detail"], sort=False).groups
    return {key[0]: list(rows) for key, rows in groups.items() if len(rows) > 1}


def price_choice_text(designs: dict[str, pd.DataFrame], inputs: Inputs, settings: Settings) -> str:
    """For each commodity offered on several price bases: which basis each design uses, and what it would cost on
    the others (the design's row renamed to the other basis, everything else unchanged)."""
    sentences = []
    for commodity, choices in price_choices(inputs.minerals).items():
        for name, design in designs.items():
            used = design[design["mineral"].isin(choices) & design["included"]]
            if used.empty:
                continue
            mineral = used["mineral"].iloc[0]
            costs = cost_table(design, inputs, settings)
            label = inputs.minerals.at[mineral, "label"]
            text = (
                f"The **{name}** design prices {commodity.replace('_', ' ')} as *{label}* (row `{mineral}` of "
                f"`data/stockpile_minerals.csv`)"
            )
            if costs.at[mineral, "status"] == INCLUDED:
                text += f": {_bn(costs.at[mineral, 'cost_usd'])} of its {_bn(total_cost(costs))}."
            else:
                text += f", but excludes it: {costs.at[mineral, 'exclusion']}."
            for other in (choice for choice in choices if choice != mineral):
                swapped = cost_table(design.replace({"mineral": {mineral: other}}), inputs, settings)
                other_label = inputs.minerals.at[other, "label"]
                if swapped.at[other, "status"] == INCLUDED:
                    text += (
                        f" Priced as *{other_label}* (row `{other}`) it would cost "
                        f"{_bn(swapped.at[other, 'cost_usd'])}, and the design {_bn(total_cost(swapped))}."
                    )
                else:
                    text += f" It cannot be priced as *{other_label}*: {swapped.at[other, 'exclusion']}."
            sentences.append(text)
    return " ".join(sentences)


def nds_text(nds: pd.DataFrame) -> str:
    return " ".join(
        f"The **{row['design']}** design would cost {row['multiple of NDS material']:.1f} times the "
        f"material now held in the National Defense Stockpile and {row['multiple of the NDS gap']:.2f} "
        f"times the gap between its assets and requirements."
        for _, row in nds.iterrows()
    )
