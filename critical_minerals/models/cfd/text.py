"""Chapter 04's prose whose words depend on the results: captions and paragraphs, one function each.

Every function takes the tables the chapter computes and returns Markdown; the wording (e.g. "above both thresholds"
or "below both thresholds") follows the numbers, so it is tested here rather than typed into the notebook.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...sources import units
from ..prices import model as price_models
from ..project_finance.model import Archetype
from . import model as cfd
from .results import budget_floor, tariff_ends

SE_LIMIT = 3  # closed form and simulation agree when they differ by fewer standard errors than this


def _million(value: float) -> str:
    return f"{value / 1e6:,.0f}"


def sample_text(start_year: int, deflator: pd.Series | None, last_month: pd.Timestamp) -> str:
    """The calibration sample and the dollars its prices are in."""
    dollars = price_models.constant_dollars_text(deflator, last_month) if deflator is not None else "nominal US dollars"
    return (
        f"Sample: monthly prices from {start_year} (or the first month available) to the last month published; "
        f"prices per tonne in {dollars}."
    )


def calibration_text(calibration: pd.DataFrame) -> str:
    """Volatilities and half-lives across the calibrated metals, naming those without mean reversion."""
    sigma = calibration["gbm_sigma"]
    reverting = calibration.dropna(subset=["ou_kappa"])["ou_half_life"]
    random_walks = calibration.index[calibration["ou_kappa"].isna()]
    reversion = (
        f"{', '.join(random_walks)} show no mean reversion in this sample. "
        if len(random_walks)
        else "every metal shows some mean reversion in this sample. "
    )
    return (
        f"Across the {len(calibration)} metals, annual volatility ranges from {sigma.min():.0%} ({sigma.idxmin()}) "
        f"to {sigma.max():.0%} ({sigma.idxmax()}). The estimated half-lives of price shocks run from "
        f"{reverting.min():.1f} to {reverting.max():.1f} years, with a median of {reverting.median():.1f}; "
        + reversion
        + "The half-lives carry wide standard errors: with a few decades of monthly data, a slow mean "
        "reversion is hard to tell apart from a random walk, which is why the model is a parameter of this chapter."
    )


def price_unit(real: bool) -> str:
    return "USD/t, " + ("real" if real else "nominal")


def fan_caption(metal: str, has_history: bool) -> str:
    return (
        f"Monthly {metal.replace('_', ' ')} price: history and ten years of simulated paths under each model "
        f"(bands: P5–P95 and P25–P75 of 4,000 paths; dashed: model mean)."
        + (
            ""
            if has_history
            else " This metal has no monthly series: the model borrows the median dynamics of "
            "the calibrated metals around the archetype's reference price."
        )
    )


def lce_text() -> str:
    return (
        f"One tonne of lithium is contained in {units.T_LCE_PER_T_LI:.3f} t of lithium carbonate "
        "(the molar mass of Li2CO3 over that of its two lithium atoms)."
    )


def lithium_check_text(check: pd.DataFrame, payable_share: float) -> str:
    """USGS carbonate prices against the IMF metal price per tonne of contained lithium."""
    ratio, year = check["ratio"], check["year"]
    return (
        f"USGS battery-grade carbonate prices stood at {ratio.min():.2f}–{ratio.max():.2f} times the IMF metal "
        f"price per tonne of contained lithium over {year.min()}–{year.max()} (median {ratio.median():.2f}); the "
        f"lithium archetype uses a payable share of {payable_share:.2f}. Both series are nominal."
    )


def run_text(
    archetype: Archetype,
    price_model: str,
    n_paths: int,
    seconds: float,
    seed: int,
    reference: float,
    strike: float,
    support_years: int,
    start_year: int,
    regime: str,
) -> str:
    """What was simulated, with the reference price and the strike."""
    return (
        f"**Run.** {archetype.name} project ({archetype.product}), {price_models.MODEL_LABELS[price_model]}, "
        f"{n_paths:,} paths simulated and valued in {seconds:.1f} s (seed {seed}). Reference price "
        f"{reference:,.0f} USD/t; strike {strike:,.0f} USD/t ({strike / reference:.2f} × reference); support for "
        f"{support_years} years of production from {start_year + archetype.construction_years}; "
        f"subsidy: {cfd.REGIME_LABELS[regime]}. Monte Carlo standard errors in brackets."
    )


def instruments_text(summary: pd.DataFrame, revenue_share: float) -> str:
    """Loss probability without support, and cost and loss probability under the floor, the CfD and revenue share."""
    none, floor, sym, share = (summary.loc[name] for name in ("none", "floor", "cfd", "cfd_revenue_share"))
    return (
        f"Without support the project loses money in {none.p_npv_negative:.0%} of the simulated price paths. "
        f"A floor at this strike costs the government {_million(floor.fiscal_npv_mean)} million USD in expected "
        f"present value (P95 {_million(floor.fiscal_npv_p95)} million) and brings that probability to "
        f"{floor.p_npv_negative:.0%}. The symmetric CfD's expected cost is {_million(sym.fiscal_npv_mean)} million, "
        f"because the government recovers the upside, but the spread is wide (P5 {_million(sym.fiscal_npv_p5)}, "
        f"P95 {_million(sym.fiscal_npv_p95)} million), and the project's probability of a loss is "
        f"{sym.p_npv_negative:.0%}: the firm no longer gains from high prices. With a revenue share of "
        f"{revenue_share:.0%} the expected cost is {_million(share.fiscal_npv_mean)} million and the probability "
        f"of a loss {share.p_npv_negative:.0%}."
    )


def fiscal_cost_caption(discount_rate: float, project: str, strike: float) -> str:
    return (
        f"Distribution of the government's cost (present value of payments at {discount_rate:.0%} real) per "
        f"instrument, {project} project, strike {strike:,.0f} USD/t. Box: P25–P75; whiskers: P5–P95; line: "
        f"median; diamond: mean."
    )


def zero_cost_text(alpha: dict) -> str:
    """The zero-cost revenue share and what it means: above one, even a symmetric CfD costs money."""
    meaning = (
        "Above one: at this strike even a symmetric CfD costs the government money in expectation."
        if alpha["value"] > 1
        else "A CfD that returns this share of the upside to the government is self-financing in expectation; "
        "any lower share is a subsidy."
    )
    return (
        f"**Zero-cost revenue share.** α* = {alpha['value']:.2f} (±{alpha['se']:.2f}): the expected value of the "
        f"floor ({_million(alpha['pv_floor_mean'])} million USD) divided by that of the upside above the strike "
        f"({_million(alpha['pv_upside_mean'])} million). " + meaning
    )


def timeline_caption(project: str) -> str:
    return (
        f"Expected annual payment from the government to the {project} project per instrument "
        f"(band: ±2 Monte Carlo standard errors)."
    )


def timeline_text(timeline: pd.DataFrame, first_year: int, support_years: int) -> str:
    """When payments run and the largest expected annual payment."""
    peak = timeline.loc[timeline["expected_payment"].idxmax()]
    return (
        f"Payments start with production in {first_year} and stop after {support_years} years. The largest "
        f"expected annual payment is {_million(peak.expected_payment)} million USD "
        f"({cfd.INSTRUMENT_LABELS[peak.instrument]}, {int(peak.year)}); under mean reversion the expected payment "
        f"falls or rises as the price returns towards its long-run level, under GBM it grows as the distribution "
        f"widens."
    )


def bankability_caption(project: str, target: float) -> str:
    return (
        f"Probability that the {project} project's NPV is negative against the strike, per instrument "
        f"(band: ±2 standard errors; dashed: target {target:.0%}; dotted: reference price)."
    )


def strikes_text(needed: pd.DataFrame, reference: float, target: float) -> str:
    """The strike each instrument needs to reach the target; the spread only when every instrument reaches it."""

    def one(row):
        label = cfd.INSTRUMENT_LABELS[row.instrument]
        if np.isnan(row.strike):
            return f"{label}: not reached on the grid"
        return f"{label}: {row.strike:,.0f} USD/t ({row.strike / reference:.2f} × reference)"

    text = (
        f"To bring the probability of a loss to {target:.0%} the strike must be — "
        + "; ".join(one(row) for row in needed.itertuples())
        + ". "
    )
    if not needed["strike"].notna().all():
        return text
    lowest = cfd.INSTRUMENT_LABELS[needed.loc[needed["strike"].idxmin(), "instrument"]]
    highest = cfd.INSTRUMENT_LABELS[needed.loc[needed["strike"].idxmax(), "instrument"]]
    return (
        text + f"The spread between the lowest ({lowest}) and the highest ({highest}) is "
        f"{needed['strike'].max() - needed['strike'].min():,.0f} USD/t: at strikes that make the project "
        f"bankable, prices rarely exceed the strike, so giving up the upside costs the firm little."
    )


def closed_form_text(check: pd.DataFrame) -> str:
    """Simulated against closed-form values, and whether all lie within SE_LIMIT standard errors."""
    pairs = "; ".join(
        f"{cfd.INSTRUMENT_LABELS[r.instrument]} {r.simulated / 1e6:,.1f} (±{r.se / 1e6:,.1f}) against "
        f"{r.closed_form / 1e6:,.1f}, a difference of {r.difference_in_se:+.1f} standard errors"
        for r in check.itertuples()
    )
    verdict = (
        ". Both lie within three standard errors."
        if (check["difference_in_se"].abs() < SE_LIMIT).all()
        else ". **At least one differs by more than three standard errors.**"
    )
    return "Government PV (USD million) simulated and in closed form: " + pairs + verdict


def subsidy_caption(construction_start_year: int, archetypes: dict) -> str:
    """Production starts when the quickest archetype to build is built."""
    first = construction_start_year + min(archetype.construction_years for archetype in archetypes.values())
    return (
        "Levelized subsidy per archetype as a share of its levelized cost (labels: USD per tonne of product), for "
        f"production starting in {first}."
    )


def capital_charge_text(harmonization: pd.DataFrame) -> str:
    """The capital charge at which the two credits would be equal, against each archetype's actual one."""
    rows = list(harmonization.itertuples())
    return (
        "The ratio is driven by capital intensity: the two credits are roughly equal when the levelized capital "
        "charge per tonne is the 45X rate divided by the ITC rate times the eligible share of capital, as a "
        "multiple of the unit operating cost — "
        + ", ".join(f"{r.archetype} {r.capital_charge_for_alignment:.2f}" for r in rows)
        + " for these archetypes — while their actual capital charges are "
        + ", ".join(f"{r.archetype} {r.capital_charge_to_opex:.2f}" for r in rows)
        + ". Under current law the U.S. credit runs out before most of a new mine's output is produced, so the "
        "gap opens for every metal; copper is not an applicable critical mineral under 45X at all."
    )


def subsidy_saving_text(strikes: pd.DataFrame, instrument: str, target: float) -> str:
    """How much the best subsidy lowers the strike each archetype needs (archetypes never reached are left out)."""
    saving = strikes["none"] - strikes[[regime for regime in cfd.SUBSIDY_REGIMES if regime != "none"]].min(axis=1)
    return (
        f"Strikes of the {cfd.INSTRUMENT_LABELS[instrument]} that bring the probability of a loss to "
        f"{target:.0%}, in USD per tonne of product (blank: not reached with strikes up to 2.5 times the "
        f"reference price). A subsidy lowers the strike a project needs by up to "
        + ", ".join(f"{name} {value:,.0f} USD/t" for name, value in saving.dropna().items())
        + "; in the harmonization debate this is the quantity that matters to a project choosing where to build."
    )


def tariff_caption(instrument: str, project: str, tariff_rate: float) -> str:
    return (
        f"Expected fiscal cost of the {cfd.INSTRUMENT_LABELS[instrument]} for the {project} project against the "
        f"share of the {tariff_rate:.0%} tariff passed through to the U.S. price, by reference-price basis "
        f"(bars: ±2 standard errors)."
    )


def tariff_text(tariff: pd.DataFrame) -> str:
    """Expected cost on the world basis against the U.S.-delivered basis with full pass-through."""
    world_cost, full = tariff_ends(tariff)
    return (
        f"With full pass-through and a U.S.-delivered reference price the expected cost falls from "
        f"{_million(world_cost)} to {_million(full.fiscal_npv_mean)} million USD and the probability of a loss "
        f"moves to {full.p_npv_negative:.0%}. Paper B itself notes that the United States imports little of these "
        f"minerals from China, graphite aside, so a low pass-through — and a small saving — is the likelier case "
        f"for most metals."
    )


def budget_text(budget: pd.DataFrame, thresholds: tuple[float, float]) -> str:
    """How often the floor's outlays exceed the two thresholds, and where the largest commitment lies."""
    low, high = thresholds
    floor = budget_floor(budget)
    largest = budget["max_commitment_usd"].iloc[0]
    where = (
        "above both thresholds: scored as a contingent liability, a single project's contract would need "
        "explicit approval under either."
        if largest > high
        else "above the current threshold only."
        if largest > low
        else "below both thresholds."
    )
    return (
        f"For the price floor, {floor.loc[low, 'share_of_years_above']:.0%} of contract years see an outlay above "
        f"{_million(low)} million USD and {floor.loc[high, 'share_of_years_above']:.0%} above {_million(high)} "
        f"million; over the whole contract the total exceeds {_million(low)} million in "
        f"{floor.loc[low, 'share_of_totals_above']:.0%} of paths. The largest possible commitment, "
        f"{_million(largest)} million USD, is " + where
    )


def harmonization_verdict(table: pd.DataFrame, tolerance: float) -> str:
    """One paragraph: where the model agrees with paper B's claim and where not, for both 45X readings."""
    parts = []
    for row in table[table["paper_b_claim"] != "not discussed"].itertuples():
        agree = "agrees" if row.agrees_with_paper else "disagrees"
        if not row.us_45x_eligible:  # no ratio to speak of: say why there is no credit
            parts.append(
                f"{row.archetype}: the Canadian credit is worth {row.canada_ctm_itc_usd_per_t:,.0f} USD/t "
                f"and 45X nothing, because {row.us_45x_reason}, so the model finds "
                f"*{row.model_finds_permanent}* where paper B says *{row.paper_b_claim}* ({agree}) under "
                "either reading of 45X"
            )
            continue
        parts.append(
            f"{row.archetype}: the Canadian credit is worth {row.canada_ctm_itc_usd_per_t:,.0f} USD/t against "
            f"{row.us_45x_permanent_usd_per_t:,.0f} USD/t for a permanent 45X (ratio "
            f"{row.ratio_itc_to_us_45x_permanent:.2f}), so the model finds *{row.model_finds_permanent}* "
            f"where paper B says *{row.paper_b_claim}* ({agree}); under current law 45X is worth "
            f"{row.us_45x_current_law_usd_per_t:,.0f} USD/t ({row.model_finds_current_law})"
        )
    return (
        f"With alignment defined as a ratio of the two levelized subsidies within {tolerance:.0%} of one: "
        + "; ".join(parts)
        + "."
    )
