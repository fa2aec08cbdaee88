"""The instruments governments used in 2025-26, valued with the report's machinery (chapter 05).

- The facts: every law, programme and term is a row of data/policy_facts_2025_26.csv with its source, the address
  read, the date and whether the value was read there (verified yes) or not (no: shown as unverified).
- The NdPr price floor of the Department of Defense's agreement with MP Materials: a strip of monthly puts on the
  NdPr oxide price, valued on simulated GBM paths by chapter 04's instrument machinery (cfd.simulate_and_value) and
  checked against its closed form (a strip of Black-76 puts, cfd.closed_form_check). Volatility from the USGS annual
  Nd2O3 price series of the salient statistics.
- Stockpile benchmarks: chapter 03's designs (stockpile.py) against every money figure of a stockpile programme.
- Section 30D's sourcing schedules against paper B's description; the law in force at a date (data/law_changes.csv).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import gammaincinv

from ...core import display, paths
from ...core.errors import InputError
from ...sources import units
from ...sources.handwritten_tables import read_data_table, require_yes_no
from ..cfd import model as cfd
from ..prices import model as price_models
from ..project_finance.model import Archetype
from ..stockpile import model as stockpile
from ..stockpile import validation as stockpile_validation

FACTS_FILE = paths.DATA_DIR / "policy_facts_2025_26.csv"
LAW_FILE = paths.DATA_DIR / "law_changes.csv"
TARIFF_REACH_FILE = paths.DATA_DIR / "archetype_tariff_reach.csv"
FACT_COLUMNS = ["key", "value", "unit", "source", "source_url", "accessed", "verified", "note"]
LAW_COLUMNS = ["effective", "instrument", "change", "fact"]
REACH_COLUMNS = ["archetype", "measure", "reaches_product", "reaches_reference_price", "fact", "reason"]
UNVERIFIED = "unverified"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LAW_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
KG_PER_T = 1000.0
NDPR = "ndpr_oxide"
FLOOR_INSTRUMENTS = ("floor", "cfd")  # the CfD is valued only for the closed-form check of chapter 04's machinery


# ---------------------------------------------------------------- facts


def _chi2_quantile(q, df):
    """The chi-squared distribution's q-quantile with df degrees of freedom: what scipy.stats.chi2.ppf computes (the
    same bits), without importing scipy.stats into every chapter's kernel."""
    return 2 * gammaincinv(df / 2, q)


def read_facts(path: Path = FACTS_FILE) -> pd.DataFrame:
    """The facts table indexed by key, validated: unique keys, a source for each, yes/no verified, ISO dates, and
    a source address and a value (number, date or text in the note) wherever a row says verified."""
    frame = read_data_table(path, FACT_COLUMNS)
    for index, row in frame.iterrows():
        line = int(index) + 2
        if not row["key"].strip():
            raise InputError("blank key", file=path, row=line, field="key", fix="name the fact")
        require_yes_no(
            row["verified"],
            file=path,
            row=line,
            field="verified",
            fix="write yes if the value was read in the source, else no",
        )
        if not row["source"].strip():
            raise InputError(
                "every fact needs a source",
                file=path,
                row=line,
                field="source",
                fix="name the publication read (or 'assumption' with verified no)",
            )
        if row["verified"] == "yes" and not row["source_url"].strip():
            raise InputError(
                "a verified fact needs the address it was read at",
                file=path,
                row=line,
                field="source_url",
                fix="give the address, or set verified to no",
            )
        if not ISO_DATE.match(row["accessed"]):
            raise InputError(
                "accessed must be a date YYYY-MM-DD",
                file=path,
                row=line,
                field="accessed",
                value=row["accessed"],
                fix="write the date the source was read",
            )
    duplicated = frame["key"][frame["key"].duplicated()]
    if len(duplicated):
        raise InputError("key given twice", file=path, field="key", value=duplicated.iloc[0], fix="keep one row")
    return frame.set_index("key")


def fact(facts: pd.DataFrame, key: str) -> float:
    """The numeric value of one fact."""
    if key not in facts.index:
        raise InputError("fact missing", file=FACTS_FILE, field="key", value=key, fix="add the row with its source")
    try:
        return float(facts.at[key, "value"])
    except ValueError:
        raise InputError(
            "not a number", file=FACTS_FILE, field=key, value=facts.at[key, "value"], fix="write a plain number"
        ) from None


def fact_date(facts: pd.DataFrame, key: str) -> pd.Timestamp:
    value = facts.at[key, "value"] if key in facts.index else ""
    if not ISO_DATE.match(value):
        raise InputError("not a date YYYY-MM-DD", file=FACTS_FILE, field=key, value=value, fix="write the date")
    return pd.Timestamp(value)


def is_verified(facts: pd.DataFrame, key: str) -> bool:
    return facts.at[key, "verified"] == "yes"


def facts_view(facts: pd.DataFrame) -> pd.DataFrame:
    """The facts as the report lists them: what, value, source and whether the value was read there (each source's
    address and the day it was read are in the report's references)."""
    return pd.DataFrame(
        {
            "fact": facts.index,
            "value": facts["value"].replace("", "see note").to_numpy(),
            "unit": facts["unit"].to_numpy(),
            "source": facts["source"].to_numpy(),
            "status": np.where(facts["verified"] == "yes", "read in the source", UNVERIFIED),
            "note": facts["note"].to_numpy(),
        }
    )


def unverified_keys(facts: pd.DataFrame) -> list[str]:
    return list(facts.index[facts["verified"] != "yes"])


# ---------------------------------------------------------------- the NdPr floor: price series and volatility


def nd2o3_prices(salient: pd.DataFrame) -> pd.DataFrame:
    """USGS annual Nd2O3 price by year in USD per kg, each year from the newest edition that gives it, with the
    values of every edition side by side (revisions show)."""
    rows = salient[
        (salient["commodity"] == "rare_earths")
        & (salient["measure"] == "price")
        & (salient["detail"].str.lower() == "nd2o3")
        & salient["value"].notna()
    ]
    if rows.empty:
        raise InputError(
            "no Nd2O3 price in the salient statistics",
            field="rare_earths price Nd2O3",
            fix="rebuild the tables (python build.py) from the USGS MCS rare-earths salient files",
        )
    factors = np.array([units.price_factor_to_usd_per_t(unit) for unit in rows["unit"]], dtype=float)
    per_kg = rows.assign(usd_per_kg=rows["value"].to_numpy() * factors / KG_PER_T)
    wide = per_kg.pivot_table(index="year", columns="edition", values="usd_per_kg", aggfunc="first")
    latest = per_kg.sort_values("edition").groupby("year").tail(1).set_index("year")
    table = pd.DataFrame(
        {
            "usd_per_kg": latest["usd_per_kg"],
            "edition": latest["edition"],
            "estimated": latest["estimated"] if "estimated" in latest else False,
        }
    ).sort_index()
    return table.join(wide.add_prefix("MCS "))


@dataclass(frozen=True)
class Volatility:
    sigma: float  # per year, from annual log changes
    low: float  # confidence interval (chi-square, normal log changes)
    high: float
    returns: int  # annual log changes used
    level: float


def annual_volatility(series: pd.Series, level: float = 0.90) -> Volatility:
    """Sample standard deviation of annual log price changes, with the chi-square confidence interval for a
    standard deviation from n normal draws: sigma sqrt((n-1)/q_hi) .. sigma sqrt((n-1)/q_lo)."""
    values = np.asarray(series, dtype=float)
    if len(values) < 3 or (values <= 0).any() or not np.isfinite(values).all():
        raise InputError(
            "too few positive prices for a volatility",
            field="Nd2O3 prices",
            value=len(values),
            fix="use at least three annual prices",
        )
    changes = np.diff(np.log(values))
    n = len(changes)
    sigma = float(changes.std(ddof=1))
    tail = (1 - level) / 2
    return Volatility(
        sigma,
        sigma * np.sqrt((n - 1) / _chi2_quantile(1 - tail, n - 1)),
        sigma * np.sqrt((n - 1) / _chi2_quantile(tail, n - 1)),
        n,
        level,
    )


def volatility_grid(vol: Volatility, points: int = 5, also=()) -> np.ndarray:
    """Volatilities for the sensitivity: evenly over the confidence interval, the estimate itself and `also`."""
    return np.unique(np.round(np.concatenate([np.linspace(vol.low, vol.high, points), [vol.sigma], also]), 4))


def monthly_reference_volatility(prices_monthly: pd.DataFrame, first_year: int) -> dict:
    """GBM volatility of the monthly IMF rare-earth carbonate price from `first_year` (nominal), with its standard
    error: a second, denser reading of rare-earth price risk over the same years as the USGS series."""
    row = price_models.calibration_table(prices_monthly, first_year, None, metals=("rare_earths",)).loc["rare_earths"]
    return {
        "sigma": float(row["gbm_sigma"]),
        "se": float(row["gbm_sigma_se"]),
        "months": int(row["months"]),
        "first": f"{row['first_month']:%b %Y}",
        "last": f"{row['last_month']:%b %Y}",
    }


# ---------------------------------------------------------------- the NdPr floor: valuation


@dataclass(frozen=True)
class FloorTerms:
    floor_usd_per_kg: float
    years: int
    volume_t_per_year: float  # t NdPr oxide a year on which the floor pays
    discount_rate: float  # the government's, per year
    volume_verified: bool


def check_floor(terms: FloorTerms) -> FloorTerms:
    checks = (
        ("instruments_ndpr_floor_usd_per_kg", terms.floor_usd_per_kg > 0, "a floor above 0 USD/kg"),
        ("instruments_ndpr_floor_years", 1 <= terms.years <= 30, "1 to 30 years"),
        ("instruments_ndpr_volume_t", terms.volume_t_per_year > 0, "a covered volume above 0 t a year"),
        ("instruments_discount_rate", -0.05 < terms.discount_rate <= 0.2, "a rate above -0.05, at most 0.2"),
    )
    for field, ok, what in checks:
        if not ok:
            raise InputError("out of range", field=field, fix=f"give {what}")
    return terms


def floor_terms(
    facts: pd.DataFrame, floor_usd_per_kg: float, years: int, volume_t_per_year: float, discount_rate: float
) -> FloorTerms:
    """The agreement's terms; a zero parameter takes the fact row (the covered volume: four quarters at MP's
    third-quarter 2025 output, which the public terms do not confirm)."""
    volume = volume_t_per_year or 4 * fact(facts, "mp_ndpr_production_q3_2025")
    verified = bool(volume_t_per_year == 0 and is_verified(facts, "mp_floor_covered_volume"))
    return check_floor(
        FloorTerms(
            floor_usd_per_kg or fact(facts, "mp_floor_price"),
            int(years or fact(facts, "mp_floor_years")),
            float(volume),
            discount_rate,
            verified,
        )
    )


def floor_model(price_usd_per_kg: float, sigma: float, last_year: int) -> price_models.PriceModel:
    """Driftless GBM of the NdPr oxide price in USD per tonne from the last annual USGS price (its mid-year)."""
    return price_models.validate_model(
        price_models.PriceModel(
            "gbm", NDPR, price_usd_per_kg * KG_PER_T, sigma, last_month=pd.Timestamp(year=last_year, month=6, day=30)
        )
    )


def floor_setup(terms: FloorTerms, first_year: int, last_year: int, thresholds: tuple) -> cfd.Setup:
    """Chapter 04's valuation setup for a pure floor: a 'project' without costs whose output is the covered volume.

    The months from the last price observation (mid-`last_year`) to the floor's first year are its 'construction'
    years; payments then run for the floor's term on the covered volume, at payable share 1.
    """
    lead = first_year - last_year
    if lead < 1:
        raise InputError(
            "the floor must start after the last observed price",
            field="first year",
            value=first_year,
            fix=f"give a year after {last_year}",
        )
    archetype = Archetype(
        name="ndpr_floor",
        product="t NdPr oxide",
        price_metal=NDPR,
        product_t_per_t_metal=1.0,
        reference_price_usd_per_t=float("nan"),
        payable_share=1.0,
        capacity_t_per_year=terms.volume_t_per_year,
        capex_usd=0.0,
        opex_usd_per_t=0.0,
        construction_years=lead,
        life_years=terms.years,
        ramp_up_years=0,
        royalty_rate=0.0,
        tax_rate=0.0,
        hurdle_rate=terms.discount_rate,
        itc_eligible_share=0.0,
        product_form="NdPr oxide",
        product_purity=float("nan"),
        us_45x_eligible=0.0,
        us_45x_reason="the floor's payments are valued alone, without tax credits",
    )
    contract = cfd.Contract(strike=terms.floor_usd_per_kg * KG_PER_T, support_years=terms.years)
    return cfd.Setup(
        archetype,
        contract,
        offset_months=0,
        government_rate=terms.discount_rate,
        subsidies={"none": np.zeros(archetype.years)},
        thresholds=tuple(thresholds),
        compute_irr=False,
    )


def value_floor(
    model: price_models.PriceModel, setup: cfd.Setup, n_paths: int, seed: int, instruments=FLOOR_INSTRUMENTS
) -> dict:
    """Per-path results of the floor and the symmetric CfD on the same paths (chapter 04's engine); the floor alone
    with instruments=("floor",), where no closed-form check needs the CfD."""
    return cfd.simulate_and_value(model, setup, n_paths, seed, instruments=instruments)


def restate(setup: cfd.Setup) -> float:
    """Factor that moves a present value from the price observation to the floor's first day."""
    return (1 + setup.government_rate) ** setup.archetype.construction_years


def fiscal_pv(floor: dict, setup: cfd.Setup) -> np.ndarray:
    """Per path: the present value of the floor's outlays at its first day (the floor's per-path results)."""
    return floor["government_pv"] * restate(setup)


def floor_summary(results: dict, setup: cfd.Setup, first_year: int) -> dict:
    """Fiscal cost (PV at the floor's start) with P5/P50/P95, probability of a payment in each year of the term,
    largest annual outlay and how often it passes each threshold."""
    floor = results["none"]["floor"]
    pv = cfd.describe(fiscal_pv(floor, setup))
    largest = cfd.describe(floor["max_annual_outlay"])
    years = floor["annual_outlay"][setup.supported_years]
    paid = (years > 0).mean(axis=1)
    return {
        "fiscal_pv": pv,
        "max_annual_outlay": largest,
        "undiscounted_total_mean": float(floor["total_outlay"].mean()),
        "p_any_payment": float(floor["paid"].mean()),
        "p_payment_by_year": {str(first_year + k): float(p) for k, p in enumerate(paid)},
        "mean_outlay_by_year": {str(first_year + k): float(v) for k, v in enumerate(years.mean(axis=1))},
        "p_max_above": {f"{t:.0f}": cfd.probability(floor["max_annual_outlay"] > t)["value"] for t in setup.thresholds},
        "max_commitment_usd": float(setup.contract.strike * setup.archetype.capacity_t_per_year),
        # the cost is proportional to the covered volume: per 1,000 t a year, for any other volume
        "fiscal_pv_mean_per_kt": pv["mean"] / setup.archetype.capacity_t_per_year * 1000,
    }


def closed_form_check(model: price_models.PriceModel, setup: cfd.Setup, results: dict) -> pd.DataFrame:
    """Chapter 04's check of simulated against closed-form (Black-76 strip) values, at the floor's start."""
    table = cfd.closed_form_check(model, setup, results)
    factor = restate(setup)
    table[["simulated", "se", "closed_form"]] *= factor
    return table


def sensitivity(
    price_usd_per_kg: float,
    sigmas,
    last_year: int,
    terms: FloorTerms,
    first_year: int,
    thresholds: tuple,
    n_paths: int,
    seed: int,
) -> pd.DataFrame:
    """Fiscal cost and payment odds across volatilities: seven annual prices cannot pin the volatility down.

    The statistics are floor_summary's, computed for the floor alone and without its yearly outlays: the CfD serves
    only the closed-form check, the years only the payment table, both at the chosen volatility."""
    setup = replace(floor_setup(terms, first_year, last_year, thresholds), keep_annual=False)
    rows = []
    for sigma in sigmas:
        model = floor_model(price_usd_per_kg, float(sigma), last_year)
        floor = value_floor(model, setup, n_paths, seed, instruments=("floor",))["none"]["floor"]
        pv = cfd.describe(fiscal_pv(floor, setup))
        rows.append(
            {
                "volatility": float(sigma),
                "expected cost (USD m)": pv["mean"] / 1e6,
                "P5 (USD m)": pv["p5"] / 1e6,
                "P50 (USD m)": pv["p50"] / 1e6,
                "P95 (USD m)": pv["p95"] / 1e6,
                "probability of any payment": float(floor["paid"].mean()),
                "largest annual outlay, P95 (USD m)": cfd.describe(floor["max_annual_outlay"], ("p95",))["p95"] / 1e6,
            }
        )
    return pd.DataFrame(rows)


def payment_table(summary: dict) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": list(summary["p_payment_by_year"]),
            "probability of a payment": list(summary["p_payment_by_year"].values()),
            "expected outlay (USD m)": np.array(list(summary["mean_outlay_by_year"].values())) / 1e6,
        }
    )


def floor_text(
    summary: dict, terms: FloorTerms, price_usd_per_kg: float, vol: Volatility, thresholds: dict[str, float]
) -> str:
    """The finding in words, from the numbers."""
    pv = summary["fiscal_pv"]
    volume = f"{terms.volume_t_per_year:,.0f} t a year" + ("" if terms.volume_verified else f" ({UNVERIFIED})")
    above = "; ".join(
        f"{summary['p_max_above'][f'{value:.0f}']:.0%} that it exceeds the {name} (USD {value / 1e6:,.0f} million)"
        for name, value in thresholds.items()
    )
    gap = "below" if price_usd_per_kg < terms.floor_usd_per_kg else "at or above"
    return (
        f"Starting from a price of USD {price_usd_per_kg:,.0f}/kg, {gap} the floor of USD "
        f"{terms.floor_usd_per_kg:,.0f}/kg, with a volatility of {vol.sigma:.0%} a year and a covered volume of "
        f"{volume}, the floor is expected to cost USD {pv['mean'] / 1e6:,.0f} million in present value over "
        f"{terms.years} years (P5 {pv['p5'] / 1e6:,.0f}, P50 {pv['p50'] / 1e6:,.0f}, P95 "
        f"{pv['p95'] / 1e6:,.0f}). The chance of at least one payment is {summary['p_any_payment']:.1%}. The "
        f"largest annual outlay has a median of USD {summary['max_annual_outlay']['p50'] / 1e6:,.0f} million; "
        f"the probability is {above}. The cost is proportional to the covered volume: USD "
        f"{summary['fiscal_pv_mean_per_kt'] / 1e6:,.0f} million for every 1,000 t a year."
    )


# ---------------------------------------------------------------- stockpile benchmarks


def stockpile_benchmarks(assumptions: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """Every money figure of a stockpile, with where it comes from and whether it was read there."""

    def from_fact(key: str) -> tuple[float, str, bool]:
        return fact(facts, key), facts.at[key, "source"], is_verified(facts, key)

    cgep = "Paper A, citing Columbia University's Center on Global Energy Policy"
    crs = "Congressional Research Service, R47833"
    vault, private = from_fact("vault_exim_loan"), from_fact("vault_private_capital")
    read_in_assumptions = [  # id, benchmark, assumption name in data/stockpile_assumptions.csv, source
        ("cgep_defence", "paper A: defence stockpile (Columbia CGEP)", "benchmark_defence_cost", cgep),
        ("cgep_market", "paper A: market-stabilising stockpile (Columbia CGEP)", "benchmark_market_cost", cgep),
        ("nds_material", "National Defense Stockpile: material held (2023)", "nds_material_value", crs),
        ("nds_assets", "National Defense Stockpile: total assets (2023)", "nds_total_assets", crs),
        ("nds_gap", "National Defense Stockpile: requirement gap (2023)", "nds_requirement_gap", crs),
    ]
    rows = [
        (key, label, stockpile_validation.assumption(assumptions, name), source, True)
        for key, label, name, source in read_in_assumptions
    ] + [
        ("nds_pl_119_21", "Pub. L. 119-21: new National Defense Stockpile funds", *from_fact("nds_funding_pl_119_21")),
        ("vault_loan", "Project Vault: Export-Import Bank loan", *vault),
        (
            "vault_total",
            "Project Vault: loan plus private capital",
            vault[0] + private[0],
            f"{vault[1]}; {private[1]}",
            vault[2] and private[2],
        ),
    ]
    return pd.DataFrame(rows, columns=["id", "benchmark", "usd", "source", "verified"])


def minerals_covered(costs: pd.DataFrame, budget: float) -> list[str]:
    """Included minerals whose full design stock the budget buys, cheapest first, until the next does not fit."""
    rows = stockpile.included(costs).sort_values("cost_usd")
    fits = rows["cost_usd"].cumsum() <= budget
    return list(rows.loc[fits.to_numpy() & fits.cummin().to_numpy(), "label"])


def benchmark_cover(costs_by_design: dict[str, pd.DataFrame], benchmarks: pd.DataFrame) -> pd.DataFrame:
    """For each design and benchmark: months of cover of every included mineral the sum buys, its share of the
    design's cost, and which minerals (cheapest first) it buys in full at the design's own covers."""
    rows = []
    for name, costs in costs_by_design.items():
        value, total = stockpile.annual_value(costs), stockpile.total_cost(costs)
        for _, bench in benchmarks.iterrows():
            covered = minerals_covered(costs, bench["usd"])
            rows.append(
                {
                    "design": name,
                    "id": bench["id"],
                    "benchmark": bench["benchmark"],
                    "USD bn": bench["usd"] / 1e9,
                    "months of cover it buys": stockpile.cover_for_target(value, bench["usd"]),
                    "share of the design's cost": bench["usd"] / total,
                    "minerals bought in full": len(covered),
                    "included minerals": int(len(stockpile.included(costs))),
                    "bought in full, cheapest first": ", ".join(covered) if covered else "none",
                    "source": bench["source"] + ("" if bench["verified"] else f" ({UNVERIFIED})"),
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- section 30D


def _schedule(facts: pd.DataFrame, prefix: str) -> pd.Series:
    keys = [key for key in facts.index if key.startswith(prefix + ".")]
    if not keys:
        raise InputError("schedule missing", file=FACTS_FILE, field=prefix, fix=f"add rows {prefix}.<year>")
    return pd.Series({int(key.split(".")[1]): fact(facts, key) for key in keys}).sort_index()


def paper_b_share(year: int, facts: pd.DataFrame) -> float:
    """Paper B's rule: the share rises by its step a year from its start, up to its end point."""
    start, step = fact(facts, "paper_b_30d_start_share"), fact(facts, "paper_b_30d_step")
    first, end = fact(facts, "paper_b_30d_start_year"), fact(facts, "paper_b_30d_end_share")
    return float(min(start + step * (year - first), end))


def _percent(share: float) -> float:
    return round(100 * float(share), 9)  # 0.7 -> 70.0, not 70.00000000000001


CRITICAL_MINERALS_PCT = "critical minerals, statute (%)"
BATTERY_COMPONENTS_PCT = "battery components, statute (%)"


def section_30d_table(facts: pd.DataFrame, years=range(2023, 2031)) -> pd.DataFrame:
    """Per year: the statute's two applicable percentages (the last one holds for later years), paper B's rule and
    its stated end point, whether the paper matches the statute, and whether any credit was still available."""
    minerals = _schedule(facts, "s30d_critical_minerals_share")
    components = _schedule(facts, "s30d_battery_components_share")
    end_year, end_share = fact(facts, "paper_b_30d_end_year"), fact(facts, "paper_b_30d_end_share")
    last = fact_date(facts, "s30d_last_acquisition_date")
    rows = []
    for year in years:
        statute = float(minerals[minerals.index <= year].iloc[-1])
        paper = paper_b_share(year, facts)
        rows.append(
            {
                "year": year,
                CRITICAL_MINERALS_PCT: _percent(statute),  # percentages, as the table's readers see them
                BATTERY_COMPONENTS_PCT: _percent(components[components.index <= year].iloc[-1]),
                "paper B: 10-point steps (%)": _percent(paper),
                "paper B: stated end point (%)": _percent(end_share) if year >= end_year else np.nan,
                "paper matches statute": "yes" if np.isclose(paper, statute) else "no",
                "credit available": "yes"
                if year < last.year
                else (f"to {last:%d %b %Y}" if year == last.year else "no (terminated)"),
            }
        )
    return pd.DataFrame(rows)


def section_30d_text(table: pd.DataFrame, facts: pd.DataFrame) -> str:
    start, step = fact(facts, "paper_b_30d_start_share"), fact(facts, "paper_b_30d_step")
    first, end = int(fact(facts, "paper_b_30d_start_year")), fact(facts, "paper_b_30d_end_share")
    end_by_steps = first + int(round((end - start) / step))  # the year paper B's own steps reach its end point
    match = table.loc[table["paper matches statute"] == "yes", "year"]
    differ = table.loc[table["paper matches statute"] == "no", "year"]
    full_components = table.loc[table[BATTERY_COMPONENTS_PCT] >= 100, "year"].min()
    last = fact_date(facts, "s30d_last_acquisition_date")
    return (
        f"Paper B's schedule ({step * 100:.0f} points a year from {start:.0%} in {first}) matches the "
        f"critical-minerals percentages summarised from the statute for {match.min()}–{match.max()}; from "
        f"{differ.min()} the statute stays at {table[CRITICAL_MINERALS_PCT].max():.0f}% while the paper "
        f"goes on rising, and its stated end point ({end:.0%} in {fact(facts, 'paper_b_30d_end_year'):.0f}) is "
        f"reached by its own steps only in {end_by_steps}. A 100 % requirement exists only for battery "
        f"components (from {full_components}). Under current law the credit is not available for vehicles "
        f"acquired after {last:%d %B %Y}, so neither schedule binds after that date."
    )


# ---------------------------------------------------------------- the law as of a date


def law_date(as_of: str) -> pd.Timestamp:
    """'YYYY-MM' to the last day of that month: the law 'as of' a month includes everything in force by its end."""
    match = LAW_MONTH.match(as_of)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InputError("not a month YYYY-MM", field="instruments_law_as_of", value=as_of, fix="e.g. 2026-11")
    return pd.Timestamp(as_of + "-01") + pd.offsets.MonthEnd(0)


def require_known_fact(key: str, facts: pd.DataFrame, file: Path, row: int) -> None:
    """A row of a data file that cites a fact must name a key of the facts file."""
    if key not in facts.index:
        raise InputError(
            "unknown fact", file=file, row=row, field="fact", value=key, fix=f"name a key of {FACTS_FILE.name}"
        )


def read_law_changes(path: Path = LAW_FILE, facts: pd.DataFrame | None = None) -> pd.DataFrame:
    frame = read_data_table(path, LAW_COLUMNS)
    facts = read_facts() if facts is None else facts
    for index, row in frame.iterrows():
        if not ISO_DATE.match(row["effective"]):
            raise InputError(
                "effective must be a date YYYY-MM-DD",
                file=path,
                row=int(index) + 2,
                field="effective",
                value=row["effective"],
                fix="write the date the change took effect",
            )
        require_known_fact(row["fact"], facts, file=path, row=int(index) + 2)
    return frame.assign(effective=pd.to_datetime(frame["effective"]))


def law_in_force(changes: pd.DataFrame, facts: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """Every change with its date, source and whether it is in force at the end of the month `as_of`. The
    instrument's code is a detail (the change says what it is), shown in the all-columns copy in the data appendix."""
    date = law_date(as_of)
    keys = changes["fact"]
    table = pd.DataFrame(
        {
            "effective": changes["effective"].dt.strftime("%d %b %Y"),
            "instrument": changes["instrument"],
            "change": changes["change"],
            "in force": np.where(changes["effective"] <= date, "yes", "not yet"),
            "source": facts.loc[keys, "source"].to_numpy(),
            "status": np.where(facts.loc[keys, "verified"].to_numpy() == "yes", "read in the source", UNVERIFIED),
        }
    )
    return display.details(table, ["instrument"])


def in_force(changes: pd.DataFrame, as_of: str, instrument: str) -> bool:
    rows = changes[changes["instrument"] == instrument]
    if rows.empty:
        raise InputError("instrument not in the law file", file=LAW_FILE, field="instrument", value=instrument)
    return bool((rows["effective"] <= law_date(as_of)).any())


def law_results(changes: pd.DataFrame, facts: pd.DataFrame, as_of: str, floor_cost: float) -> dict:
    """The headline numbers as the law stood at `as_of`: what each change does shows between dated scenarios."""
    date = law_date(as_of)
    last = fact_date(facts, "s30d_last_acquisition_date")
    minerals = _schedule(facts, "s30d_critical_minerals_share")
    s30d = date <= last
    vault = in_force(changes, as_of, "project_vault")
    nds = in_force(changes, as_of, "nds_funding")
    return {
        "as_of": as_of,
        "ndpr_floor_in_force": in_force(changes, as_of, "ndpr_floor"),
        "ndpr_floor_expected_cost_usd": floor_cost if in_force(changes, as_of, "ndpr_floor") else 0.0,
        "s30d_available": bool(s30d),
        "s30d_critical_minerals_share": float(minerals[minerals.index <= date.year].iloc[-1]) if s30d else 0.0,
        "copper_semis_tariff": fact(facts, "s232_copper_rate") if in_force(changes, as_of, "copper_tariff") else 0.0,
        "new_stockpile_finance_usd": (
            (fact(facts, "vault_exim_loan") + fact(facts, "vault_private_capital")) * vault
            + fact(facts, "nds_funding_pl_119_21") * nds
        ),
        "changes_in_force": int((changes["effective"] <= date).sum()),
        "changes_listed": int(len(changes)),
    }


def read_tariff_reach(path: Path = TARIFF_REACH_FILE, facts: pd.DataFrame | None = None) -> pd.DataFrame:
    frame = read_data_table(path, REACH_COLUMNS)
    facts = read_facts() if facts is None else facts
    for index, row in frame.iterrows():
        for field in ("reaches_product", "reaches_reference_price"):
            require_yes_no(row[field], file=path, row=int(index) + 2, field=field)
        require_known_fact(row["fact"], facts, file=path, row=int(index) + 2)
    return frame


# The designs as drawn (each row's own cover and basis, latest USGS edition and year, latest prices): the benchmark
# comparison asks what each sum buys of the designs themselves. The carrying-cost settings play no part here.
AS_DRAWN = dict(
    quantity_basis="design",
    cover_months=0.0,
    defence_share=1.0,
    usgs_edition=2025,
    data_year=0,
    price_basis="latest",
    real_prices=False,
    storage_rate=0.0,
    discount_rate=0.0,
    horizon_years=1,
    rotation_share=0.0,
    mc_draws=1000,
    mc_seed=0,
    volatility_since=2000,
)


def design_costs(
    designs: str, salient: pd.DataFrame, prices_monthly: pd.DataFrame, prices_annual_real: pd.DataFrame
) -> tuple[dict[str, pd.DataFrame], int]:
    """Chapter 03's cost tables of the named designs as drawn, and the data year they use."""
    settings = stockpile_validation.check_parameters(designs, **AS_DRAWN)
    minerals = stockpile_validation.read_minerals()
    data_year = stockpile.default_data_year(salient, settings.usgs_edition)
    annual = stockpile.annual_quantities(salient, minerals, settings.usgs_edition, data_year)
    history = stockpile.price_history(prices_monthly, salient, minerals)
    index = price_models.muv_deflator(prices_monthly, prices_annual_real)
    inputs = stockpile.Inputs(minerals, annual, history, index, data_year, 0.0)
    return (
        {
            name: stockpile.cost_table(stockpile_validation.read_design(name, minerals), inputs, settings)
            for name in settings.designs
        },
        data_year,
    )


# ---------------------------------------------------------------- words that depend on results


def start_price(nd2o3: pd.DataFrame, ratio: float) -> tuple[float, int]:
    """The NdPr oxide price the paths start from (USD/kg) and its year: the last USGS Nd2O3 price times the ratio."""
    if not ratio > 0:
        raise InputError(
            "price ratio must be positive",
            field="instruments_ndpr_price_ratio",
            value=ratio,
            fix="give the NdPr oxide price per Nd2O3 price, e.g. 1.0, or 0 for the data row",
        )
    year = int(nd2o3.index.max())
    return float(nd2o3.at[year, "usd_per_kg"] * ratio), year


def basis_text(facts: pd.DataFrame, nd2o3: pd.DataFrame, ratio: float, ratio_from_data: bool) -> str:
    price, year = start_price(nd2o3, ratio)
    status = f" ({UNVERIFIED})" if ratio_from_data and not is_verified(facts, "ndpr_per_nd2o3_price_ratio") else ""
    estimated = " (a USGS estimate)" if bool(nd2o3.at[year, "estimated"]) else ""
    revised = nd2o3.filter(like="MCS ").apply(lambda row: row.dropna().nunique() > 1, axis=1)
    revisions = (
        f" USGS revised the price of {', '.join(str(y) for y in revised[revised].index)} between editions; "
        "each year is taken from the newest edition."
        if revised.any()
        else ""
    )
    return (
        f"The floor is written on NdPr oxide; USGS publishes Nd₂O₃. The paths start at USD {price:,.0f}/kg: "
        f"the {year} Nd₂O₃ price{estimated} times an NdPr-to-Nd₂O₃ price ratio of {ratio:g}{status}. "
        "For comparison, "
        f"MP Materials realised USD {fact(facts, 'mp_ndpr_realised_price_q3_2025'):,.0f}/kg for NdPr in the "
        f"third quarter of 2025.{revisions}"
    )


def volatility_text(vol: Volatility, chosen: float, monthly: dict) -> str:
    used = (
        "the estimate is used"
        if np.isclose(chosen, vol.sigma)
        else f"the chapter uses {chosen:.0%}, set as a parameter"
    )
    return (
        f"The {vol.returns} annual log price changes of the series give a volatility of {vol.sigma:.0%} a year; "
        f"with so few observations the {vol.level:.0%} confidence interval runs from {vol.low:.0%} to "
        f"{vol.high:.0%}. The monthly IMF price of rare-earth carbonate over "
        f"{monthly['first']}–{monthly['last']} "
        f"({monthly['months']} months) gives {monthly['sigma']:.0%} (standard error {monthly['se']:.0%}), a "
        f"different product but a denser reading of the same market. The cost is shown across both below "
        f"({used})."
    )


def benchmark_text(cover: pd.DataFrame) -> str:
    parts = []
    for design, rows in cover.groupby("design", sort=False):
        full = rows[rows["minerals bought in full"] == rows["included minerals"]]
        smallest = full.loc[full["USD bn"].idxmin()] if len(full) else None
        parts.append(
            f"For the {design} design, "
            + (
                f"the smallest sum that buys every included mineral in full is the {smallest['benchmark']} "
                f"(USD {smallest['USD bn']:,.1f} bn, {smallest['months of cover it buys']:.0f} months of cover)."
                if smallest is not None
                else "no benchmark buys every included mineral in full."
            )
        )
    return " ".join(parts)


def law_text(results: dict) -> str:
    floor = "in force" if results["ndpr_floor_in_force"] else "not yet agreed"
    s30d = (
        f"available, with {results['s30d_critical_minerals_share']:.0%} of battery critical-mineral value to be "
        "sourced from the United States or its free-trade partners"
        if results["s30d_available"]
        else "no longer available for new purchases"
    )
    return (
        f"As the law stood at the end of {law_date(results['as_of']):%B %Y}: {results['changes_in_force']} of the "
        f"{results['changes_listed']} changes listed were in force; the NdPr floor was {floor}; the section 30D "
        f"credit was {s30d}; the Section 232 tariff on the copper content of semi-finished copper was "
        f"{results['copper_semis_tariff']:.0%}; new stockpile finance beyond the National Defense Stockpile's own "
        f"assets came to USD {results['new_stockpile_finance_usd'] / 1e9:,.2f} bn."
    )


def cover_results(cover: pd.DataFrame) -> dict:
    """{design: {benchmark: months of cover, minerals bought in full}} for the results file."""
    return {
        design: {
            row["id"]: {
                "usd": row["USD bn"] * 1e9,
                "months": row["months of cover it buys"],
                "minerals_in_full": int(row["minerals bought in full"]),
                "of": int(row["included minerals"]),
            }
            for _, row in rows.iterrows()
        }
        for design, rows in cover.groupby("design", sort=False)
    }


def fta_text(facts: pd.DataFrame) -> str:
    """What the critical-minerals requirement meant for North American supply, labelled as the source allows."""
    status = "" if is_verified(facts, "s30d_fta_canada_mexico") else f" ({UNVERIFIED}: Treasury's list was not read)"
    return (
        "For North American supply the requirement meant that minerals extracted or processed in Canada or Mexico, "
        f"the United States' partners in the USMCA, counted as free-trade-agreement content{status}, as did "
        "minerals recycled anywhere in North America; battery components had to be made or assembled in North "
        "America, which again includes both."
    )


# ---------------------------------------------------------------- tables as the chapter shows them


def nd2o3_view(nd2o3: pd.DataFrame) -> pd.DataFrame:
    editions = [column for column in nd2o3.columns if column.startswith("MCS ")]
    return pd.DataFrame(
        {
            "year": nd2o3.index,
            "price used (USD/kg)": nd2o3["usd_per_kg"].to_numpy(),
            "from edition": nd2o3["edition"].to_numpy(),
            "USGS estimate": np.where(nd2o3["estimated"].astype(bool), "yes", "no"),
            **{f"{column} (USD/kg)": nd2o3[column].to_numpy() for column in editions},
        }
    )


def check_view(check: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "instrument": check["instrument"].map(cfd.INSTRUMENT_LABELS).to_numpy(),
            "simulated (USD m)": check["simulated"].to_numpy() / 1e6,
            "Monte Carlo standard error (USD m)": check["se"].to_numpy() / 1e6,
            "closed form (USD m)": check["closed_form"].to_numpy() / 1e6,
            "difference (standard errors)": check["difference_in_se"].to_numpy(),
        }
    )


def reach_view(reach: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "archetype": reach["archetype"],
            "measure": reach["measure"],
            "reaches the product": reach["reaches_product"],
            "reaches the reference price": reach["reaches_reference_price"],
            "why": reach["reason"],
            "source": facts.loc[reach["fact"], "source"].to_numpy(),
        }
    )


def headline_results(
    law: str,
    policy: dict,
    terms,
    summary: dict,
    price0: float,
    last_year: int,
    sigma: float,
    vol,
    monthly: dict,
    n_paths: int,
    seed: int,
    check: pd.DataFrame,
    cover,
    s30d: pd.DataFrame,
    facts: pd.DataFrame,
) -> dict:
    """Chapter 05's headline numbers: the law applied, the DPA thresholds' exceedance, the NdPr floor's terms and
    valuation, the stockpile cover and the facts left unverified."""

    def above(threshold: float) -> float:
        return summary["p_max_above"][f"{threshold:.0f}"]

    current, proposed = policy["dpa_title_iii_threshold_usd"], policy["dpa_proposed_threshold_usd"]
    return {
        "law": law,
        "dpa": {"threshold_usd": current, "p_max_above": above(current)},
        "dpa_proposed": {"threshold_usd": proposed, "p_max_above": above(proposed)},
        "ndpr_floor": {
            "floor_usd_per_kg": terms.floor_usd_per_kg,
            "years": terms.years,
            "volume_t_per_year": terms.volume_t_per_year,
            "volume_status": "read in the terms" if terms.volume_verified else "unverified",
            "start_price_usd_per_kg": price0,
            "price_year": last_year,
            "volatility": sigma,
            "volatility_low": vol.low,
            "volatility_high": vol.high,
            "volatility_monthly_reference": monthly["sigma"],
            "discount_rate": terms.discount_rate,
            "n_paths": n_paths,
            "seed": seed,
            **summary,
            "closed_form_difference_in_se": dict(zip(check["instrument"], check["difference_in_se"].astype(float))),
        },
        "stockpile": cover_results(cover),
        "s30d_paper_matches_years": [int(y) for y in s30d.loc[s30d["paper matches statute"] == "yes", "year"]],
        "unverified_facts": unverified_keys(facts),
    }
