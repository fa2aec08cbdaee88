"""Project archetypes, their cash flows, NPV and IRR, and the Canadian and U.S. production subsidies (chapter 04).

Conventions: annual periods; year 0 is the first construction year (January of the start year); every cash flow of
year y is discounted as if paid at its end, factor (1 + r)^-(y + 1). Money in constant U.S. dollars, rates real.
Arrays of simulated cash flows are laid out (years, paths).

Taxes: income tax on revenue + support payments - royalty - operating cost - straight-line depreciation of the
capital cost over the production life, with losses carried forward without limit (no carry-back). The cumulative
tax base is then the running maximum of cumulative taxable income floored at zero, which vectorises over paths.

Subsidies (data/subsidy_regimes.csv): Canada's Clean Technology Manufacturing investment tax credit on eligible
capital cost, paid when the property becomes available for use (first production year), at the rate of that year;
U.S. section 45X: a share of the production cost of each year's output, at the rate of the year of production.
Both are refundable (45X through elective payment or transfer), so they are cash, and neither is taxed here. 45X is
paid only when the archetype's product is an applicable critical mineral in a form the statute lists
(`section_45x`, data/us_45x_forms.csv): a concentrate is not.

Units (data/project_archetypes.csv): every quantity of an archetype is per tonne of its `product` — capacity in
product tonnes per year, operating cost in USD per product tonne, prices in USD per product tonne. The benchmark
price of the price panel is per tonne of `price_metal`; one tonne of product contains the metal of
1 / `product_t_per_t_metal` benchmark tonnes, and sells for `payable_share` times that benchmark-equivalent price.
So a product of payable metal (t Ni payable, t Cu payable) has payable share 1 — the payability is already in the
tonnes, and the cost per payable tonne is charged on payable tonnes — while lithium carbonate (t LCE) sells at a
discount to its lithium-metal equivalent. The file's unit
column must say so: `read_archetypes` checks that capacity, operating cost and reference price are in the product's
tonnes (`UNIT_OF_PARAMETER`). `market_revenue` is the one place that turns prices into revenue.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ...core import paths
from ...core.errors import InputError
from ...sources import units
from ...sources.handwritten_tables import read_data_table
from . import section_45x

ARCHETYPES_FILE = paths.DATA_DIR / "project_archetypes.csv"
SUBSIDIES_FILE = paths.DATA_DIR / "subsidy_regimes.csv"
POLICY_FILE = paths.DATA_DIR / "cfd_policy_parameters.csv"

# parameter -> (kind, low, high): the allowed range of every archetype parameter
ARCHETYPE_PARAMETERS = {
    "product": ("text", None, None),
    "price_metal": ("text", None, None),
    "product_t_per_t_metal": ("number", 0.01, 100.0),
    "reference_price_usd_per_t": ("optional", 1.0, 1e7),
    "payable_share": ("number", 0.05, 1.5),
    "capacity_t_per_year": ("number", 1.0, 1e8),
    "capex_usd": ("number", 1e6, 1e11),
    "opex_usd_per_t": ("number", 0.0, 1e7),
    "construction_years": ("integer", 1, 10),
    "life_years": ("integer", 1, 60),
    "ramp_up_years": ("integer", 0, 10),
    "royalty_rate": ("number", 0.0, 0.5),
    "tax_rate": ("number", 0.0, 0.6),
    "hurdle_rate": ("number", 0.0, 0.5),
    "itc_eligible_share": ("number", 0.0, 1.0),
    "product_form": ("text", None, None),
    "product_purity": ("number", 0.0, 1.0),
}
# the unit each per-tonne parameter must state, in terms of the archetype's product (e.g. "t Ni payable")
UNIT_OF_PARAMETER = {
    "capacity_t_per_year": "{product} per year",
    "opex_usd_per_t": "USD per {product}",
    "reference_price_usd_per_t": "USD per {product}",
    "product_t_per_t_metal": "{product} per t {price_metal} benchmark",
}
ARCHETYPE_COLUMNS = ["archetype", "parameter", "value", "unit", "source", "note"]
SUBSIDY_COLUMNS = ["regime", "base", "first_year", "last_year", "rate", "unit", "source", "note"]
SUBSIDY_BASES = ("capex", "production_cost")
POLICY_COLUMNS = ["parameter", "value", "unit", "source", "note"]


@dataclass(frozen=True)
class Archetype:
    name: str
    product: str  # unit of output, e.g. "t Ni payable", "t LCE": capacity, opex and prices are per tonne of it
    price_metal: str  # commodity of the price panel that sets the product's price
    product_t_per_t_metal: float  # tonnes of product that contain one tonne of the benchmark metal
    reference_price_usd_per_t: float  # only for a metal without monthly prices (NaN otherwise)
    payable_share: float  # price of a tonne of product over its benchmark-equivalent price (1 for payable metal)
    capacity_t_per_year: float
    capex_usd: float
    opex_usd_per_t: float  # all-in sustaining cash cost per tonne of product
    construction_years: int
    life_years: int
    ramp_up_years: int
    royalty_rate: float  # share of market revenue
    tax_rate: float
    hurdle_rate: float  # real, the investor's required return
    itc_eligible_share: float  # share of capital cost that is eligible property for the Canadian credit
    product_form: str  # what the project sells, e.g. "nickel concentrate", "lithium carbonate"
    product_purity: float  # share by mass of the mineral (or of the compound the form names) in the product
    us_45x_eligible: float = 0.0  # 1 if the product is an applicable critical mineral (section_45x), else 0
    us_45x_reason: str = ""  # why, in one sentence

    @property
    def years(self) -> int:
        return self.construction_years + self.life_years


# ---------------------------------------------------------------- data files


def _records(frame: pd.DataFrame) -> list[tuple]:
    """(index, row as a dict) per row: what `DataFrame.iterrows` gives, without building a Series per row, which
    made reading the archetypes a tenth of a second of the chapter's first cell."""
    return list(zip(frame.index, frame.to_dict("records")))


def _read_sourced_table(path: Path, columns: list[str]) -> pd.DataFrame:
    frame = read_data_table(path, columns)
    for index, row in _records(frame):
        if not row["source"].strip():
            raise InputError(
                "every assumption needs a source",
                file=path,
                row=int(index) + 2,
                field="source",
                fix="name the publication (or 'illustrative' with a reason in the note)",
            )
    return frame


def read_archetypes(path: Path = ARCHETYPES_FILE, forms_path: Path = section_45x.FORMS_FILE) -> dict[str, Archetype]:
    """All archetypes in the file, validated: every parameter present once, numeric and within its range, per-tonne
    units stated in the product's tonnes; section 45X eligibility from the product's form and purity."""
    frame = _read_sourced_table(path, ARCHETYPE_COLUMNS)
    forms = section_45x.read_forms(forms_path)
    archetypes = {}
    for name, rows in frame.groupby("archetype", sort=False):
        values = {}
        for index, row in _records(rows):
            parameter = row["parameter"].strip()
            line = int(index) + 2
            if parameter not in ARCHETYPE_PARAMETERS:
                raise InputError(
                    "unknown parameter",
                    file=path,
                    row=line,
                    field="parameter",
                    value=parameter,
                    fix=f"use one of {list(ARCHETYPE_PARAMETERS)}",
                )
            if parameter in values:
                raise InputError("parameter given twice for this archetype", file=path, row=line, field=parameter)
            values[parameter] = _parse(row["value"].strip(), parameter, path, line)
        missing = [p for p in ARCHETYPE_PARAMETERS if p not in values]
        if missing:
            raise InputError(
                f"archetype {name!r} lacks a parameter",
                file=path,
                field=missing[0],
                fix="add a row with its value, unit, source and note",
            )
        _check_units(rows, values, path)
        eligible = section_45x.eligibility(
            values["price_metal"], values["product_form"], values["product_purity"], forms
        )
        archetype = Archetype(
            name=name, **values, us_45x_eligible=float(eligible.eligible), us_45x_reason=eligible.reason
        )
        if archetype.ramp_up_years >= archetype.life_years:
            raise InputError(
                "ramp-up must be shorter than the life",
                file=path,
                field="ramp_up_years",
                value=archetype.ramp_up_years,
                fix=f"below life_years ({archetype.life_years})",
            )
        if archetype.product == "t LCE" and not np.isclose(
            archetype.product_t_per_t_metal, units.T_LCE_PER_T_LI, rtol=1e-3
        ):
            raise InputError(
                "LCE product must contain lithium at the stoichiometric ratio",
                file=path,
                field="product_t_per_t_metal",
                value=archetype.product_t_per_t_metal,
                fix=f"use {units.T_LCE_PER_T_LI:.3f} (critical_minerals.sources.units.T_LCE_PER_T_LI)",
            )
        archetypes[name] = archetype
    return archetypes


def _check_units(rows: pd.DataFrame, values: dict, path: Path) -> None:
    """Per-tonne parameters must be stated per tonne of the archetype's product, so a reader of the file and the
    model read the same quantity (a cost per contained tonne against output in payable tonnes would be wrong)."""
    for index, row in _records(rows):
        template = UNIT_OF_PARAMETER.get(row["parameter"].strip())
        if template is None:
            continue
        expected = template.format(product=values["product"], price_metal=values["price_metal"])
        if row["unit"].strip() != expected:
            raise InputError(
                "unit does not match the archetype's product",
                file=path,
                row=int(index) + 2,
                field="unit",
                value=row["unit"],
                fix=f"state it as {expected!r} (every quantity is per tonne of the product), or change "
                "the value to that unit",
            )


def _parse(text: str, parameter: str, path: Path, line: int):
    kind, low, high = ARCHETYPE_PARAMETERS[parameter]
    if kind == "text":
        if not text:
            raise InputError("empty value", file=path, row=line, field=parameter, fix="write the text")
        return text
    if kind == "optional" and text == "":
        return float("nan")
    try:
        number = float(text)
    except ValueError:
        raise InputError(
            "not a number",
            file=path,
            row=line,
            field=parameter,
            value=text,
            fix=f"write a number between {low:g} and {high:g}",
        ) from None
    if not low <= number <= high or (kind == "integer" and not number.is_integer()):
        raise InputError(
            "value out of range",
            file=path,
            row=line,
            field=parameter,
            value=text,
            fix=f"write {'an integer' if kind == 'integer' else 'a number'} between {low:g} and {high:g}",
        )
    return int(number) if kind == "integer" else number


def archetype_table(path: Path = ARCHETYPES_FILE) -> pd.DataFrame:
    """The archetype file as the chapter shows it: one row per parameter, one column per archetype."""
    frame = _read_sourced_table(path, ARCHETYPE_COLUMNS)
    wide = frame.pivot(index="parameter", columns="archetype", values="value")
    unit = frame.drop_duplicates("parameter").set_index("parameter")["unit"]
    return wide.loc[list(ARCHETYPE_PARAMETERS)].assign(unit=unit).reset_index()


def get_archetype(name: str, archetypes: dict[str, Archetype]) -> Archetype:
    if name not in archetypes:
        raise InputError(
            "unknown project archetype",
            field="project_archetype",
            value=name,
            fix=f"choose one of {list(archetypes)} (rows of data/project_archetypes.csv)",
        )
    return archetypes[name]


def read_subsidy_regimes(path: Path = SUBSIDIES_FILE) -> pd.DataFrame:
    """Subsidy schedules: one row per regime, base and range of years, with the rate in force."""
    frame = _read_sourced_table(path, SUBSIDY_COLUMNS)
    for index, row in _records(frame):
        line = int(index) + 2
        if row["base"] not in SUBSIDY_BASES:
            raise InputError(
                "unknown subsidy base",
                file=path,
                row=line,
                field="base",
                value=row["base"],
                fix=f"use one of {SUBSIDY_BASES}",
            )
        for column, low, high in (("first_year", 1900, 2200), ("last_year", 1900, 2200), ("rate", 0.0, 1.0)):
            try:
                value = float(row[column])
            except ValueError:
                raise InputError(
                    "not a number",
                    file=path,
                    row=line,
                    field=column,
                    value=row[column],
                    fix=f"write a number between {low} and {high}",
                ) from None
            if not low <= value <= high:
                raise InputError(
                    "value out of range",
                    file=path,
                    row=line,
                    field=column,
                    value=row[column],
                    fix=f"write a number between {low} and {high}",
                )
    frame = frame.astype({"first_year": int, "last_year": int, "rate": float})
    bad = frame[frame["first_year"] > frame["last_year"]]
    if not bad.empty:
        raise InputError(
            "first_year after last_year", file=path, row=int(bad.index[0]) + 2, field="first_year", fix="swap the years"
        )
    return frame


def read_policy_parameters(path: Path = POLICY_FILE) -> dict[str, float]:
    frame = _read_sourced_table(path, POLICY_COLUMNS)
    try:
        return {row["parameter"]: float(row["value"]) for _, row in _records(frame)}
    except ValueError as error:
        raise InputError(f"not a number: {error}", file=path, field="value", fix="write plain numbers") from None


# ---------------------------------------------------------------- schedules


def production(archetype: Archetype) -> np.ndarray:
    """Output per year (tonnes of product), year 0 = first construction year.

    Ramp-up is linear: production year k (1-based) of a ramp of R years produces k/(R+1) of capacity for k <= R.
    """
    years = np.arange(archetype.years)
    k = years - archetype.construction_years + 1  # production year, 1-based
    share = np.clip(k / (archetype.ramp_up_years + 1), 0.0, 1.0) * (k >= 1)
    return archetype.capacity_t_per_year * share


def capex(archetype: Archetype) -> np.ndarray:
    """Capital spending per year: even over the construction years."""
    spend = np.zeros(archetype.years)
    spend[: archetype.construction_years] = archetype.capex_usd / archetype.construction_years
    return spend


def depreciation(archetype: Archetype) -> np.ndarray:
    """Straight-line over the production life, from the first production year."""
    charge = np.zeros(archetype.years)
    charge[archetype.construction_years :] = archetype.capex_usd / archetype.life_years
    return charge


def discount_factors(rate: float, years: int) -> np.ndarray:
    """End-of-year discount factors (1 + r)^-(y + 1), y = 0..years-1."""
    return (1.0 + rate) ** -(np.arange(years) + 1.0)


def subsidy_rates(regimes: pd.DataFrame, regime: str, base: str, calendar_years: np.ndarray) -> np.ndarray:
    """The rate in force in each calendar year for one regime and base (0 where no row covers the year)."""
    names = regimes["regime"].to_numpy()
    if regime not in set(names):
        raise InputError(
            "unknown subsidy regime", field="subsidy_regime", value=regime, fix=f"choose one of {sorted(set(names))}"
        )
    chosen = (names == regime) & (regimes["base"].to_numpy() == base)  # numpy, not a filtered frame: called often
    rates = np.zeros(len(calendar_years))
    columns = (regimes[name].to_numpy()[chosen] for name in ("first_year", "last_year", "rate"))
    for first, last, rate in zip(*columns):
        rates[(calendar_years >= first) & (calendar_years <= last)] = rate
    return rates


def subsidy_cash_flows(archetype: Archetype, regimes: pd.DataFrame, regime: str, start_year: int) -> np.ndarray:
    """Subsidy received per year (USD) under one regime: investment credit plus production credit."""
    calendar = start_year + np.arange(archetype.years)
    first_production = archetype.construction_years
    itc_rate = subsidy_rates(regimes, regime, "capex", calendar)[first_production]
    flows = np.zeros(archetype.years)
    flows[first_production] = itc_rate * archetype.itc_eligible_share * archetype.capex_usd
    production_rates = subsidy_rates(regimes, regime, "production_cost", calendar) * archetype.us_45x_eligible
    return flows + production_rates * archetype.opex_usd_per_t * production(archetype)


def levelized_subsidy(archetype: Archetype, regimes: pd.DataFrame, regime: str, start_year: int) -> float:
    """Present value of the subsidy over present value of output, at the hurdle rate: USD per tonne of product."""
    factors = discount_factors(archetype.hurdle_rate, archetype.years)
    return float(
        subsidy_cash_flows(archetype, regimes, regime, start_year) @ factors / (production(archetype) @ factors)
    )


def levelized_cost(archetype: Archetype) -> float:
    """Unit operating cost plus capital recovered at the hurdle rate, per tonne: the break-even realised price
    before tax and royalty."""
    factors = discount_factors(archetype.hurdle_rate, archetype.years)
    output = production(archetype) @ factors
    return float(archetype.opex_usd_per_t + capex(archetype) @ factors / output)


# ---------------------------------------------------------------- cash flows and returns


def market_revenue(archetype: Archetype, price_sums: np.ndarray, us_premium: float = 1.0) -> np.ndarray:
    """What the project sells its output for per year and path (USD), from (years, paths) sums over each year's
    months of the benchmark-equivalent price per tonne of product (benchmark / product_t_per_t_metal): output x
    payable share x the year's average price, times the U.S.-delivered premium where the contract assumes one."""
    output = production(archetype)[:, None]
    return archetype.payable_share * us_premium / 12 * output * price_sums


def project_cash_flows(
    archetype: Archetype, market_revenue: np.ndarray, support: np.ndarray, subsidy: np.ndarray
) -> np.ndarray:
    """Cash flow to the project per year and path, (years, paths) from (years, paths) revenue and support payments.

    `market_revenue` is what the project sells its output for; `support` the instrument's payments to it (negative
    when it pays the government); `subsidy` a per-year vector of tax credits received.
    """
    output = production(archetype)[:, None]
    royalty = archetype.royalty_rate * market_revenue
    operating = market_revenue + support - royalty - archetype.opex_usd_per_t * output
    taxable = operating - depreciation(archetype)[:, None]
    tax = archetype.tax_rate * np.diff(cumulative_tax_base(taxable), axis=0, prepend=0.0)
    return operating - tax - capex(archetype)[:, None] + subsidy[:, None]


def cumulative_tax_base(taxable: np.ndarray) -> np.ndarray:
    """Income taxed up to each year with losses carried forward: running max of max(cumulative income, 0).

    A loop over years, each step vectorised over paths (numpy's accumulate along axis 0 is far slower).
    """
    base = np.empty_like(taxable)
    cumulative = np.zeros(taxable.shape[1:])
    peak = np.zeros(taxable.shape[1:])
    for year in range(taxable.shape[0]):
        cumulative += taxable[year]
        np.maximum(peak, cumulative, out=peak)
        base[year] = peak
    return base


def project_npv(archetype: Archetype, market_revenue: np.ndarray, support: np.ndarray | None) -> np.ndarray:
    """NPV at the hurdle rate of `project_cash_flows` without subsidy (add the subsidy's PV), computed without
    forming the cash flows: PV(operating) - PV(capex) - tax_rate x PV(increments of the cumulative tax base).

    The last term is sum_y B_y (d_y - d_{y+1}) with d_Y = 0 (summation by parts), B the cumulative tax base.
    `support` may stack several instruments' payments, (instruments, years, paths): the result is then
    (instruments, paths), computed in one loop over years that adds each year's payments to the shared base.
    """
    return npv_with_support(archetype, income_before_support(archetype, market_revenue), support)


@dataclass(frozen=True)
class IncomeBeforeSupport:
    """The part of `project_npv` that support payments leave unchanged, for (years, paths) market revenue: valuing
    many contracts on the same paths computes it once."""

    taxable: np.ndarray  # (years, paths) taxable income before support payments
    value_before_tax: np.ndarray  # (paths,) PV(operating) - PV(capex)

    def columns(self, index) -> IncomeBeforeSupport:
        """The same for a subset of the paths. NPVs from it may differ from those of all paths in the last bit: BLAS
        sums the PV of the support payments in an order that depends on the number of paths."""
        return IncomeBeforeSupport(self.taxable[:, index], self.value_before_tax[index])


def income_before_support(archetype: Archetype, market_revenue: np.ndarray) -> IncomeBeforeSupport:
    output = production(archetype)[:, None]
    operating = market_revenue * (1.0 - archetype.royalty_rate) - archetype.opex_usd_per_t * output
    factors = discount_factors(archetype.hurdle_rate, archetype.years)
    return IncomeBeforeSupport(
        operating - depreciation(archetype)[:, None], factors @ operating - factors @ capex(archetype)
    )


def npv_with_support(archetype: Archetype, income: IncomeBeforeSupport, support: np.ndarray | None) -> np.ndarray:
    """`project_npv` from the income before support: the tax loop over years and the PV of the support payments."""
    factors = discount_factors(archetype.hurdle_rate, archetype.years)
    increments = factors - np.append(factors[1:], 0.0)
    taxable = income.taxable
    shape = taxable.shape[1:] if support is None else support.shape[:-2] + support.shape[-1:]
    cumulative, peak, tax_pv, scratch = (np.zeros(shape) for _ in range(4))
    for year in range(archetype.years):
        cumulative += taxable[year]
        if support is not None:
            cumulative += support[..., year, :]
        np.maximum(peak, cumulative, out=peak)
        np.multiply(peak, increments[year], out=scratch)
        tax_pv += scratch
    value = income.value_before_tax - archetype.tax_rate * tax_pv
    return value if support is None else value + factors @ support


def npv(cash_flows: np.ndarray, rate: float) -> np.ndarray:
    """Net present value of (years, ...) cash flows at `rate`, end-of-year discounting."""
    flows = np.asarray(cash_flows, dtype=float)
    return np.tensordot(discount_factors(rate, flows.shape[0]), flows, axes=(0, 0))


IRR_BRACKET = (-0.5, 1.0)


def irr(cash_flows: np.ndarray, iterations: int = 40) -> np.ndarray:
    """Internal rate of return of each path's cash flows (years, paths) by vectorised bisection.

    NPV is assumed to fall with the rate (investment first, returns later). Returns NaN where the IRR lies outside
    IRR_BRACKET (for instance, a project that never recovers half its capital), so NaN means 'below -50 %' or
    'above 100 %'; `irr_below_bracket` tells which. 40 halvings of the bracket leave an error below 1e-11.
    """
    flows = np.asarray(cash_flows, dtype=float)
    if flows.ndim == 1:
        return irr(flows[:, None], iterations)[0]
    low = np.full(flows.shape[1], IRR_BRACKET[0])
    high = np.full(flows.shape[1], IRR_BRACKET[1])
    valid = (_npv_at(flows, low) >= 0) & (_npv_at(flows, high) <= 0)
    for _ in range(iterations):
        middle = (low + high) / 2
        positive = _npv_at(flows, middle) > 0
        low = np.where(positive, middle, low)
        high = np.where(positive, high, middle)
    return np.where(valid, (low + high) / 2, np.nan)


def _npv_at(flows: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """NPV of (years, paths) flows at one rate per path, by Horner's rule (no powers)."""
    factor = 1.0 / (1.0 + rates)
    total = np.zeros_like(rates)
    for year in range(flows.shape[0] - 1, -1, -1):
        total += flows[year]
        total *= factor
    return total


def irr_below_bracket(cash_flows: np.ndarray) -> np.ndarray:
    """True where the NPV is negative even at the lowest rate of IRR_BRACKET."""
    flows = np.asarray(cash_flows, dtype=float)
    factors = (1.0 + IRR_BRACKET[0]) ** -(np.arange(flows.shape[0]) + 1.0)
    return np.tensordot(factors, flows, axes=(0, 0)) < 0
