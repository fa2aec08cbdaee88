"""Price-support instruments for mining projects, valued on simulated price paths (chapter 04).

Instruments (payment from the government to the project per tonne, P the reference price, K the strike):

- none: 0
- floor (price insurance): max(K - P, 0); the firm keeps all upside
- cfd (symmetric contract for difference): K - P; the firm pays P - K back above the strike
- cfd_revenue_share: max(K - P, 0) - alpha max(P - K, 0); alpha = 0 is the floor, alpha = 1 the symmetric CfD
- collar: max(K - P, 0) - max(P - c K, 0); the government takes the upside above the cap c K only

Payments are monthly, on the month's output, during the first `support_years` of production. Everything is linear in
three annual sums per path (sum of P, of min(P, K) and of min(P, cK)), so one pass over the simulated months values
all instruments. Reference price basis: the world benchmark, or the U.S.-delivered price (1 + tariff x pass-through)
times the benchmark; with the latter, the payment f max(K/f - P, 0) is a floor at K/f scaled by f.

Monte Carlo estimators (`cfd_montecarlo`): the paths come in antithetic pairs. Means, probabilities and ratios of
means take their standard errors (SE) from the pair means. Expected values also use the closed-form strip (the
expected annual sums of P, of the monthly put at the strike and of the monthly call at the cap, from the lognormal
price of each month) as a control variate: an expected payment, linear in the strip, is then exact (SE zero), and
the expected project NPV, which is not, gains a much smaller SE. Quantiles take their SEs from batch means: the paths
(pairs kept together) are cut into BATCHES equal batches, the quantile computed on each, SE = sd/sqrt(BATCHES).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd
from scipy.special import ndtr  # the standard normal CDF (what scipy.stats.norm.cdf computes), without scipy.stats

from ...core import display
from ...core.errors import InputError
from ..prices import model as price_models
from ..project_finance import model as project_finance
from ..project_finance.model import Archetype
from . import montecarlo as cfd_montecarlo

INSTRUMENTS = ("none", "floor", "cfd", "cfd_revenue_share", "collar")
INSTRUMENT_LABELS = {
    "none": "no support",
    "floor": "price floor (insurance)",
    "cfd": "symmetric CfD",
    "cfd_revenue_share": "CfD with revenue sharing",
    "collar": "collar",
}
BASES = ("world", "us_delivered")
SUBSIDY_REGIMES = ("none", "canada_ctm_itc", "us_45x_permanent", "us_45x_current_law")
CHUNK_PATHS = 20_000  # paths simulated and valued at once: bounds memory (months x chunk float32)
BLOCK_YEARS = 2  # streaming: years of months simulated at once (24 x 20,000 float32 = 1.9 MB, cache-sized)
BATCHES = 50
CACHE_VALUES = 40_000  # float64 values per intermediate array that keep a computation in the processor's cache
MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class Contract:
    strike: float  # USD per tonne of product, on the contract's reference-price basis
    revenue_share: float = 0.5  # alpha of cfd_revenue_share
    cap_multiple: float = 1.5  # collar cap as a multiple of the strike
    support_years: int = 15  # years of production covered, from the first
    basis: str = "world"
    tariff_rate: float = 0.25
    pass_through: float = 0.0  # share of the tariff that shows up in the U.S.-delivered price

    @property
    def us_premium(self) -> float:
        """U.S.-delivered price over the world benchmark."""
        return 1.0 + self.tariff_rate * self.pass_through

    @property
    def basis_factor(self) -> float:
        return self.us_premium if self.basis == "us_delivered" else 1.0


def validate_contract(contract: Contract) -> Contract:
    """The contract's values that come from the data or from a computation: the strike (a multiple of a reference
    price estimated from the data, or given) and the tariff rate (data/cfd_policy_parameters.csv). The parameters'
    own ranges (revenue share, collar cap, support years, basis, pass-through) are notebooks/parameters.yaml's."""
    if not (math.isfinite(contract.strike) and contract.strike > 0):
        raise InputError(
            "strike must be positive",
            field="strike",
            value=contract.strike,
            fix="give a strike above 0 USD per tonne (or a strike multiple above 0)",
        )
    if not 0.0 <= contract.tariff_rate <= 2.0:
        raise InputError(
            "tariff rate out of range",
            field="tariff_rate",
            value=contract.tariff_rate,
            fix="give a rate between 0 and 2 (0 % to 200 %)",
        )
    return contract


def government_payment(instrument: str, price, contract: Contract) -> np.ndarray:
    """Payment per tonne from the government to the project at reference price(s) `price` (basis already applied)."""
    price = np.asarray(price, dtype=float)
    if (price < 0).any():
        raise InputError("prices must not be negative", field="price", value=float(price.min()), fix="give prices >= 0")
    strike = contract.strike
    floor = np.maximum(strike - price, 0.0)
    call = np.maximum(price - strike, 0.0)
    above_cap = np.maximum(price - contract.cap_multiple * strike, 0.0)
    payments = {
        "none": np.zeros_like(price),
        "floor": floor,
        "cfd": floor - call,
        "cfd_revenue_share": floor - contract.revenue_share * call,
        "collar": floor - above_cap,
    }
    if instrument not in payments:
        raise InputError("unknown instrument", field="instrument", value=instrument, fix=f"choose one of {INSTRUMENTS}")
    return payments[instrument]


# ---------------------------------------------------------------- the chapter's rules that depend on the data


def check_parameters(
    archetypes: dict,
    prices_monthly: pd.DataFrame,
    *,
    project_archetype: str,
    calibration_start_year: int,
    support_years: int,
    construction_start_year: int,
) -> Archetype:
    """The chapter's parameters against the data: the archetype exists, support fits within its life, and the
    calibration sample and the construction start fit the price months. Static ranges and choices are rules of
    notebooks/parameters.yaml, checked by the build (and by the chapter run alone) before this runs. Returns the
    archetype."""
    archetype = project_finance.get_archetype(project_archetype, archetypes)
    first_price_year = int(prices_monthly["date"].dt.year.min())
    earliest_start_year = int(prices_monthly["date"].max().year) + 1
    last_start = earliest_start_year - 4  # leaves at least three full years of monthly prices
    if not first_price_year <= calibration_start_year <= last_start:
        raise InputError(
            "calibration start year out of range",
            field="calibration_start_year",
            value=calibration_start_year,
            fix=f"choose a year from {first_price_year} to {last_start} (metals with shorter histories "
            f"use all their months)",
        )
    if support_years > archetype.life_years:
        raise InputError(
            "support outlasts the project",
            field="support_years",
            value=support_years,
            fix=f"give 1 to {archetype.life_years} years (the {project_archetype} project's life)",
        )
    if construction_start_year < earliest_start_year:
        raise InputError(
            "construction start year out of range",
            field="construction_start_year",
            value=construction_start_year,
            fix=f"choose {earliest_start_year} or later (after the last price month)",
        )
    return archetype


# ---------------------------------------------------------------- simulation set-up


def months_before_start(last_month: pd.Timestamp, start_year: int) -> int:
    """Simulated months between the last observed month and January of `start_year` (excluded)."""
    return 12 * (start_year - last_month.year) - last_month.month


@dataclass(frozen=True)
class Setup:
    """Everything the valuation needs besides the price paths."""

    archetype: Archetype
    contract: Contract
    offset_months: int  # simulated months before the first construction year
    government_rate: float
    subsidies: dict  # regime -> subsidy received per year (USD)
    thresholds: tuple  # annual outlay thresholds (USD) counted per path
    compute_irr: bool = True
    keep_annual: bool = True  # keep (years, paths) government payments, for timelines and budget shares
    price_model: price_models.PriceModel | None = None  # the paths' model: its closed-form strip is the control variate

    @property
    def years(self) -> int:
        return self.archetype.years

    @property
    def n_months(self) -> int:
        return self.offset_months + MONTHS_PER_YEAR * self.years

    @property
    def support_mask(self) -> np.ndarray:
        years = np.arange(self.years) - self.archetype.construction_years
        return ((years >= 0) & (years < self.contract.support_years)).astype(float)

    @property
    def supported_years(self) -> slice:
        """The rows of `support_mask` that are 1: payments are zero in every other year, whatever the prices."""
        first = self.archetype.construction_years
        return slice(first, min(first + self.contract.support_years, self.years))

    @property
    def contract_output(self) -> np.ndarray:
        """Benchmark-equivalent tonnes covered by the contract per year: output x payable share, so that at any
        price the project's realised revenue plus the CfD payment equals payable share x strike per tonne."""
        return project_finance.production(self.archetype) * self.archetype.payable_share * self.support_mask


@dataclass
class AnnualSums:
    """Per year and path (years, paths): sums over the year's months of P, min(P, K) and min(P, cap)."""

    price: np.ndarray
    below_strike: np.ndarray
    below_cap: np.ndarray | None  # None where no collar is valued
    strike: float
    cap: float

    @cached_property
    def floor(self) -> np.ndarray:
        return MONTHS_PER_YEAR * self.strike - self.below_strike

    @cached_property
    def call(self) -> np.ndarray:
        return self.price - self.below_strike

    @cached_property
    def above_cap(self) -> np.ndarray:
        return self.price - self.below_cap

    def payments(self, instruments, revenue_share: float, volume: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Payments (instruments, years, paths) into `out`: volume (years, 1) x each instrument's annual payoff.

        A few years at a time (about CACHE_VALUES values), each instrument's payoff formed in its own rows of `out`:
        the intermediates stay in the processor's cache (whole (years, paths) temporaries made this memory-bound)."""
        step = max(1, CACHE_VALUES // max(self.price.shape[-1], 1))
        for first in range(0, len(volume), step):
            rows = slice(first, first + step)
            sums = AnnualSums(
                self.price[rows],
                self.below_strike[rows],
                None if self.below_cap is None else self.below_cap[rows],
                self.strike,
                self.cap,
            )
            for block, instrument in zip(out[:, rows], instruments):
                if instrument == "none":
                    block[...] = 0.0
                    continue
                if instrument == "floor":
                    np.copyto(block, sums.floor)
                elif instrument == "cfd":
                    np.subtract(sums.floor, sums.call, out=block)
                elif instrument == "cfd_revenue_share":
                    np.multiply(revenue_share, sums.call, out=block)
                    np.subtract(sums.floor, block, out=block)
                elif instrument == "collar":
                    np.subtract(sums.floor, sums.above_cap, out=block)
                else:
                    raise InputError(
                        "unknown instrument", field="instrument", value=instrument, fix=f"choose one of {INSTRUMENTS}"
                    )
                np.multiply(volume[rows], block, out=block)
        return out


def annual_sums(prices_chunk: np.ndarray, offset: int, years: int, strike: float, cap: float) -> AnnualSums:
    """Annual sums of a (months, paths) float32 chunk from month `offset` on, in float64."""
    n = prices_chunk.shape[1]
    months = prices_chunk[offset : offset + MONTHS_PER_YEAR * years].reshape(years, MONTHS_PER_YEAR, n)
    strike, cap = prices_chunk.dtype.type(strike), prices_chunk.dtype.type(cap)  # compare in the paths' precision
    work = np.empty_like(months)

    def year_sum(values):
        return values.sum(axis=1).astype(float)

    price = year_sum(months)
    below_strike = year_sum(np.minimum(months, strike, out=work))
    return AnnualSums(price, below_strike, year_sum(np.minimum(months, cap, out=work)), float(strike), float(cap))


def value_chunk(
    sums: AnnualSums, setup: Setup, instruments=INSTRUMENTS, controls_out: np.ndarray | None = None
) -> dict:
    """Per-path results of one chunk: {regime: {instrument: {name: array}}}.

    Per path: government_pv (cost, discounted at the government rate), project_npv (at the hurdle rate), irr,
    max_annual_outlay, total_outlay (undiscounted), paid (any payment), years_above_<threshold>; optionally the
    annual payments (years, paths). Subsidies are deterministic and untaxed, so each regime only shifts the NPV.
    With a price model in `setup`, also the chunk's control variates (`strip_controls`, written into `controls_out`
    if given).
    """
    archetype, contract = setup.archetype, setup.contract
    volume = (setup.contract_output / MONTHS_PER_YEAR * contract.basis_factor)[:, None]  # per unit of monthly payoff
    revenue = project_finance.market_revenue(archetype, sums.price, contract.us_premium)
    government_factors = project_finance.discount_factors(setup.government_rate, setup.years)
    subsidy_pv = subsidy_values(setup)
    paying = [instrument for instrument in instruments if instrument != "none"]  # "none" pays nothing: no arrays
    n_paths = sums.price.shape[1]
    payments = sums.payments(paying, contract.revenue_share, volume, np.empty((len(paying), setup.years, n_paths)))
    income = project_finance.income_before_support(archetype, revenue)
    npv_paying = project_finance.npv_with_support(archetype, income, payments)
    largest = payments.max(axis=1)  # every statistic over all instruments at once: (instruments, paths)
    statistics = {
        "government_pv": government_factors @ payments,
        "max_annual_outlay": largest,
        "total_outlay": payments.sum(axis=1),
        "paid": (largest > 0).astype(float),
        **{f"years_above_{t:.0f}": _years_above(payments, t) for t in setup.thresholds},
    }
    nothing = np.zeros(n_paths)
    results: dict = {regime: {} for regime in setup.subsidies}
    for instrument in instruments:
        if instrument == "none":
            annual = np.zeros((setup.years, n_paths)) if setup.keep_annual or setup.compute_irr else None
            government = {name: nothing for name in statistics}
            npv = project_finance.npv_with_support(archetype, income, None)
        else:
            k = paying.index(instrument)
            annual = payments[k]
            government = {name: values[k] for name, values in statistics.items()}
            npv = npv_paying[k]
        if setup.keep_annual:
            government["annual_outlay"] = annual
        for regime, subsidy in setup.subsidies.items():
            project = {"project_npv": npv + subsidy_pv[regime]}
            if setup.compute_irr:
                flows = project_finance.project_cash_flows(archetype, revenue, annual, subsidy)
                project["irr"] = project_finance.irr(flows)
                project["irr_below_bracket"] = project_finance.irr_below_bracket(flows).astype(float)
            results[regime][instrument] = government | project
    if setup.price_model is not None:
        controls = strip_controls(sums, setup, controls_out)
        for regime in results.values():
            for values in regime.values():
                values[CONTROLS] = controls
    return results


def _years_above(payments: np.ndarray, threshold: float) -> np.ndarray:
    """Number of years (axis 1) in which the payment exceeds `threshold`, as floats. The flags are added as bytes
    (a count of years fits in one), three times faster than adding them as floats."""
    flags = np.greater(payments, threshold).view(np.uint8)
    return flags.sum(axis=1, dtype=np.uint8 if payments.shape[1] < 256 else np.int64).astype(float)


CONTROLS = "strip_controls"  # per-path results' key of the centred control pair means (controls, pairs)


def strip_controls(sums: AnnualSums, setup: Setup, out: np.ndarray | None = None) -> np.ndarray:
    """The control variates of a chunk, centred on their closed-form expectations, as means of its antithetic pairs
    (path i and i + chunk/2): the annual sums of P in the production years, and of min(P, K) and min(P, cap) in the
    supported years, which span the same payoffs as the monthly put at K and call at the cap (controls, paths / 2)."""
    price, put, call = strip_expectations(setup.price_model, setup, sums.strike, sums.cap)
    producing = slice(setup.archetype.construction_years, setup.years)
    supported = setup.supported_years
    parts = [(sums.price, producing, price), (sums.below_strike, supported, MONTHS_PER_YEAR * sums.strike - put)]
    if sums.below_cap is not None:
        parts.append((sums.below_cap, supported, price - call))
    half = sums.price.shape[1] // 2
    controls = np.empty((count_controls(setup, sums.below_cap is not None), half)) if out is None else out
    first = 0
    for values, rows, expected in parts:
        block = controls[first : first + len(expected[rows])]
        np.add(values[rows, :half], values[rows, half:], out=block)
        block *= 0.5
        block -= expected[rows, None]
        first += len(block)
    return controls


def count_controls(setup: Setup, with_cap: bool = True) -> int:
    """Number of control variates of `strip_controls`: production years, and supported years once or twice."""
    producing = setup.years - setup.archetype.construction_years
    supported = setup.supported_years
    return producing + (2 if with_cap else 1) * (supported.stop - supported.start)


def subsidy_values(setup: Setup) -> dict:
    """Present value at the hurdle rate of each regime's subsidy: it adds to the project NPV of every path."""
    return {
        regime: float(project_finance.npv(flows, setup.archetype.hurdle_rate))
        for regime, flows in setup.subsidies.items()
    }


def _pairs_adjacent(values: np.ndarray) -> np.ndarray:
    """Reorder a chunk's per-path values from [draws, antithetic draws] halves to pairs (2i, 2i+1)."""
    half = values.shape[-1] // 2
    ordered = np.empty_like(values)
    ordered[..., 0::2] = values[..., :half]
    ordered[..., 1::2] = values[..., half:]
    return ordered


def chunk_sizes(n_paths: int) -> list[int]:
    sizes = [CHUNK_PATHS] * (n_paths // CHUNK_PATHS)
    if n_paths % CHUNK_PATHS:
        sizes.append(n_paths % CHUNK_PATHS)
    return sizes


def simulate_paths(model: price_models.PriceModel, n_paths: int, n_months: int, seed: int) -> list[np.ndarray]:
    """Price paths as a list of (months, chunk) float32 arrays; the same seed gives the same paths."""
    rng = price_models.generator(seed)
    return [price_models.simulate_prices(model, size, n_months, rng) for size in chunk_sizes(n_paths)]


def value_paths(paths: list[np.ndarray], setup: Setup, instruments=INSTRUMENTS) -> dict:
    """Value every instrument (and subsidy regime) on stored paths; per-path arrays with antithetic pairs adjacent."""
    contract = setup.contract
    strike = contract.strike / contract.basis_factor
    joined = _JoinedChunks(sum(chunk.shape[1] for chunk in paths))
    for chunk in paths:
        joined.add(
            value_chunk(
                annual_sums(chunk, setup.offset_months, setup.years, strike, contract.cap_multiple * strike),
                setup,
                instruments,
            )
        )
    return joined.results()


def simulate_and_value(
    model: price_models.PriceModel, setup: Setup, n_paths: int, seed: int, instruments=INSTRUMENTS
) -> dict:
    """Stream: simulate each chunk a few years of months at a time, keep only its annual sums, value it. Memory holds
    BLOCK_YEARS of one chunk's paths whatever n_paths is; the paths equal those of `simulate_paths` (same seed)."""
    rng = price_models.generator(seed)
    contract = setup.contract
    strike = price_models.SIMULATION_DTYPE(contract.strike / contract.basis_factor)
    cap = price_models.SIMULATION_DTYPE(contract.cap_multiple * strike)
    block_years = [min(BLOCK_YEARS, setup.years - start) for start in range(0, setup.years, BLOCK_YEARS)]
    blocks = ([setup.offset_months] if setup.offset_months else []) + [MONTHS_PER_YEAR * y for y in block_years]
    buffers = {}
    # the chunks write their control pair means straight into the whole run's array: no copy, no page faults
    controls = np.empty((count_controls(setup), n_paths // 2)) if setup.price_model is not None else None
    joined = _JoinedChunks(n_paths, controls)
    for size in chunk_sizes(n_paths):
        buffer = buffers.setdefault(size, {})
        sums = [np.empty((setup.years, size)) for _ in range(3)]
        stream = price_models.price_blocks(model, size, blocks, rng, buffers=buffer)
        if setup.offset_months:
            next(stream)
        first = 0
        for years, block in zip(block_years, stream):
            months = block.reshape(years, MONTHS_PER_YEAR, size)
            work = buffer.get(("work", years))
            if work is None:
                work = buffer[("work", years)] = np.empty_like(months)
            rows = slice(first, first + years)
            sums[0][rows] = months.sum(axis=1)
            sums[1][rows] = np.minimum(months, strike, out=work).sum(axis=1)
            sums[2][rows] = np.minimum(months, cap, out=work).sum(axis=1)
            first += years
        joined.add(
            value_chunk(
                AnnualSums(*sums, float(strike), float(cap)),
                setup,
                instruments,
                None if controls is None else controls[:, joined.start // 2 : (joined.start + size) // 2],
            )
        )
    return joined.results()


class _JoinedChunks:
    """The per-path results of a run's chunks joined into arrays of all its paths, with antithetic pairs adjacent
    (a chunk's arrays come as [draws, antithetic draws] halves). Each chunk is copied in as it is added, while its
    values are still in the processor's cache, and can then be freed: memory holds the run's results once, not
    twice. An array that a chunk's results give under several names (the zeros of "none", the government's values
    under every subsidy regime) is one array in the run's results too. The control pair means (one array for
    every name) are `controls` if given (the chunks write into it), else the chunks' joined."""

    def __init__(self, n_paths: int, controls: np.ndarray | None = None):
        self.n_paths, self.controls, self.start = n_paths, controls, 0
        self.tree: dict | None = None  # regime -> instrument -> name -> array of all paths
        self.targets: list = []  # per leaf of a chunk's results: the run's array it is copied into, or None

    def add(self, chunk: dict) -> None:
        leaves = [
            (regime, instrument, name, values)
            for regime, by_instrument in chunk.items()
            for instrument, named in by_instrument.items()
            for name, values in named.items()
        ]
        if self.tree is None:
            self._allocate(chunk, leaves)
        size = None
        for (_, _, name, values), target in zip(leaves, self.targets):
            if name == CONTROLS:
                if target is not None:
                    target[:, self.start // 2 : self.start // 2 + values.shape[-1]] = values
                continue
            size = values.shape[-1]
            if target is not None:  # as `_pairs_adjacent`, written in place
                target[..., self.start : self.start + size : 2] = values[..., : size // 2]
                target[..., self.start + 1 : self.start + size : 2] = values[..., size // 2 :]
        self.start += size

    def _allocate(self, chunk: dict, leaves: list) -> None:
        self.tree = {
            regime: {instrument: {} for instrument in by_instrument} for regime, by_instrument in chunk.items()
        }
        arrays = {}  # id of a chunk's array -> the run's array
        for regime, instrument, name, values in leaves:
            first = id(values) not in arrays
            if name == CONTROLS:
                if self.controls is None and first:
                    self.controls = np.empty(values.shape[:-1] + (self.n_paths // 2,), dtype=values.dtype)
                    self.targets.append(self.controls)
                else:
                    self.targets.append(None)
                arrays[id(values)] = self.controls
            else:
                if first:
                    arrays[id(values)] = np.empty(values.shape[:-1] + (self.n_paths,), dtype=values.dtype)
                self.targets.append(arrays[id(values)] if first else None)
            self.tree[regime][instrument][name] = arrays[id(values)]

    def results(self) -> dict:
        return self.tree


# ---------------------------------------------------------------- many strikes on the same paths


@dataclass(frozen=True)
class StrikeSweep:
    """Government PV and project NPV of instruments at many strikes on the same stored paths (bankability curves,
    strike searches), equal to those of `value_paths`.

    What the strike leaves unchanged is computed once per chunk: the annual price sums, the market revenue and the
    project's income before support. A strike then costs only the sums of min(P, K) (and of min(P, cap) for the
    collar) over the months of the supported years, outside which every payment is zero, and the NPV's tax loop.
    """

    setup: Setup
    months: list  # per chunk: (supported years, 12, paths) float32 prices, views of the simulated paths
    price: list  # per chunk: (supported years, paths) annual sums of P
    income: list  # per chunk: project_finance.IncomeBeforeSupport

    @classmethod
    def of(cls, paths: list[np.ndarray], setup: Setup) -> StrikeSweep:
        archetype, rows = setup.archetype, setup.supported_years
        months, price, income = [], [], []
        for chunk in paths:
            project_months = chunk[setup.offset_months : setup.n_months].reshape(setup.years, MONTHS_PER_YEAR, -1)
            sums = project_months.sum(axis=1).astype(float)  # as `annual_sums`
            revenue = project_finance.market_revenue(archetype, sums, setup.contract.us_premium)
            months.append(project_months[rows])
            price.append(sums[rows])
            income.append(project_finance.income_before_support(archetype, revenue))
        return cls(setup, months, price, income)

    def columns(self, index: list) -> StrikeSweep:
        """The same sweep on some of the paths: `index` holds an index array per chunk."""
        return StrikeSweep(
            self.setup,
            [months[:, :, columns] for months, columns in zip(self.months, index)],
            [price[:, columns] for price, columns in zip(self.price, index)],
            [income.columns(columns) for income, columns in zip(self.income, index)],
        )

    def payments(self, chunk: int, strike: float, instruments) -> np.ndarray:
        """Government payments (instruments, years, paths) of one chunk at `strike`."""
        setup, months = self.setup, self.months[chunk]
        contract = replace(setup.contract, strike=strike)
        benchmark_strike = contract.strike / contract.basis_factor
        strike32 = months.dtype.type(benchmark_strike)  # compare in the paths' precision, as `annual_sums` does
        cap32 = months.dtype.type(contract.cap_multiple * benchmark_strike)
        sums = AnnualSums(
            self.price[chunk],
            _sum_of_minimum(months, strike32),
            _sum_of_minimum(months, cap32) if "collar" in instruments else None,
            float(strike32),
            float(cap32),
        )
        rows = setup.supported_years
        volume = (setup.contract_output / MONTHS_PER_YEAR * contract.basis_factor)[rows, None]
        payments = np.zeros((len(instruments), setup.years, months.shape[2]))
        sums.payments(instruments, contract.revenue_share, volume, payments[:, rows])
        return payments

    def value(self, strike: float, instruments=INSTRUMENTS) -> dict:
        """{regime: {instrument: {"government_pv", "project_npv"}}}, per path as `value_paths` orders them."""
        setup = self.setup
        government_factors = project_finance.discount_factors(setup.government_rate, setup.years)
        subsidy_pv = subsidy_values(setup)
        joined = _JoinedChunks(sum(income.value_before_tax.shape[-1] for income in self.income))
        for chunk, income in enumerate(self.income):
            payments = self.payments(chunk, strike, instruments)
            npv_before_subsidy = project_finance.npv_with_support(setup.archetype, income, payments)
            government = government_factors @ payments
            joined.add(
                {
                    regime: {
                        instrument: {"government_pv": government[k], "project_npv": npv_before_subsidy[k] + pv}
                        for k, instrument in enumerate(instruments)
                    }
                    for regime, pv in subsidy_pv.items()
                }
            )
        return joined.results()

    def npv_before_subsidy(self, chunk: int, strike: float, instrument: str) -> np.ndarray:
        """Project NPV without subsidy of one chunk's paths under `instrument` at `strike`."""
        payments = self.payments(chunk, strike, (instrument,))
        return project_finance.npv_with_support(self.setup.archetype, self.income[chunk], payments)[0]


def _sum_of_minimum(months: np.ndarray, bound) -> np.ndarray:
    """Sum over the months (axis 1) of min(P, bound), float32 added month by month as numpy sums an outer axis (so
    the result equals `annual_sums`'), then float64."""
    total = np.minimum(months[:, 0], bound)
    work = np.empty_like(total)
    for month in range(1, months.shape[1]):
        total += np.minimum(months[:, month], bound, out=work)
    return total.astype(float)


# ---------------------------------------------------------------- Monte Carlo statistics


def batch_se(values: np.ndarray, statistic) -> float:
    """Standard error of statistic(values) by batch means over BATCHES contiguous batches (pairs kept together), for
    statistics that are not means (quantiles). `statistic` takes numpy's `axis` argument: it is computed for all
    batches in one call. NaN when a batch's statistic is not finite (the spread of the batches cannot tell)."""
    values = np.asarray(values)
    usable = len(values) - len(values) % (2 * BATCHES)
    estimates = statistic(values[:usable].reshape(BATCHES, -1), axis=1)
    if not np.isfinite(estimates).all():  # a batch's statistic is unbounded (an IRR below the bracket): no SE
        return float("nan")
    return float(estimates.std(ddof=1) / np.sqrt(BATCHES))


STATISTICS = {
    "mean": np.mean,
    "p5": lambda v, axis=None: np.quantile(v, 0.05, axis=axis),
    "p50": lambda v, axis=None: np.quantile(v, 0.50, axis=axis),
    "p95": lambda v, axis=None: np.quantile(v, 0.95, axis=axis),
}


def describe(values: np.ndarray, statistics=("mean", "p5", "p50", "p95"), controls: np.ndarray | None = None) -> dict:
    """{statistic: value, statistic_se: Monte Carlo SE} for one per-path quantity (antithetic pairs adjacent). The mean
    uses the control variates `controls` (centred pair means, see `cfd_montecarlo`) when given; quantiles do not."""
    out = {}
    for name in statistics:
        if name == "mean":
            mean, se = cfd_montecarlo.means(values, controls)
            out[name], out[f"{name}_se"] = float(mean), float(se)
            continue
        function = STATISTICS[name]
        out[name] = float(function(values))
        out[f"{name}_se"] = batch_se(values, function)
    return out


def probability(flags: np.ndarray) -> dict:
    """Share of paths flagged, with its SE from the antithetic pair means (no control variate)."""
    value, se = cfd_montecarlo.means(np.asarray(flags, dtype=float))
    return {"value": float(value), "se": float(se)}


def instrument_summary(results: dict, regime: str = "none", instruments=INSTRUMENTS) -> pd.DataFrame:
    """One row per instrument: fiscal cost and bankability statistics with their Monte Carlo SEs."""
    rows = []
    for instrument in instruments:
        r = results[regime][instrument]
        controls = r.get(CONTROLS)
        cost, outlay, value = (
            describe(r["government_pv"], controls=controls),
            describe(r["max_annual_outlay"], ("mean", "p95"), controls),
            describe(r["project_npv"], controls=controls),
        )
        loss = probability(r["project_npv"] < 0)
        paid = probability(r["paid"])
        row = {"instrument": instrument}
        row |= {f"fiscal_npv_{k}": v for k, v in cost.items()}
        row |= {f"max_outlay_{k}": v for k, v in outlay.items()}
        row |= {"p_paying": paid["value"], "p_paying_se": paid["se"]}
        row |= {f"project_npv_{k}": v for k, v in value.items()}
        row |= {"p_npv_negative": loss["value"], "p_npv_negative_se": loss["se"]}
        if "irr" in r:
            irr_values = np.where(np.isnan(r["irr"]) & (r["irr_below_bracket"] > 0), -np.inf, r["irr"])
            for name, q in (("p5", 0.05), ("p50", 0.5), ("p95", 0.95)):

                def quantile(v, q=q, axis=None):  # no interpolation: -inf marks an IRR below the bracket
                    return np.nanquantile(v, q, method="inverted_cdf", axis=axis)

                row[f"irr_{name}"] = float(quantile(irr_values))
                row[f"irr_{name}_se"] = batch_se(irr_values, quantile) if np.isfinite(row[f"irr_{name}"]) else 0.0
        rows.append(row)
    return pd.DataFrame(rows).set_index("instrument")


def summary_view(summary: pd.DataFrame) -> pd.DataFrame:
    """The instrument summary as shown: USD million and percent, each with its Monte Carlo SE in brackets. The
    project's NPV P5 and the IRR's P5 and P95 are its details (shown in the all-columns copy, data appendix)."""

    def money(name):
        return summary.apply(lambda r: f"{r[name] / 1e6:,.0f} (±{r[name + '_se'] / 1e6:,.0f})", axis=1)

    def share(name):
        return summary.apply(lambda r: f"{r[name]:.1%} (±{r[name + '_se']:.1%})", axis=1)

    def rate(name):
        return summary.apply(
            lambda r: (
                "< −50 %"
                if np.isneginf(r[name])
                else f"{r[name]:.1%} " + (f"(±{r[name + '_se']:.1%})" if np.isfinite(r[name + "_se"]) else "(SE n/a)")
            ),
            axis=1,
        )

    view = pd.DataFrame(
        {
            "instrument": [INSTRUMENT_LABELS[i] for i in summary.index],
            "fiscal cost NPV, mean (USD M)": money("fiscal_npv_mean").to_numpy(),
            "fiscal cost P5": money("fiscal_npv_p5").to_numpy(),
            "fiscal cost P50": money("fiscal_npv_p50").to_numpy(),
            "fiscal cost P95": money("fiscal_npv_p95").to_numpy(),
            "largest annual outlay, P95 (USD M)": money("max_outlay_p95").to_numpy(),
            "chance the government pays": share("p_paying").to_numpy(),
            "project NPV, mean (USD M)": money("project_npv_mean").to_numpy(),
            "project NPV P5": money("project_npv_p5").to_numpy(),
            "P(NPV < 0)": share("p_npv_negative").to_numpy(),
        }
    )
    if "irr_p50" in summary:
        view["IRR P5"] = rate("irr_p5").to_numpy()
        view["IRR P50"] = rate("irr_p50").to_numpy()
        view["IRR P95"] = rate("irr_p95").to_numpy()
    return display.details(view, ["project NPV P5", "IRR P5", "IRR P95"])


def zero_cost_revenue_share(results: dict, regime: str = "none") -> dict:
    """alpha* with E[PV floor] - alpha* E[PV call above strike] = 0: the revenue share at which the CfD costs the
    government nothing in expectation. Values above 1 mean even a symmetric CfD has a positive expected cost.
    Both expectations use the control variates where the results carry them (then both are exact)."""
    floor = results[regime]["floor"]["government_pv"]
    call = floor - results[regime]["cfd"]["government_pv"]  # PV of the upside above the strike
    controls = results[regime]["floor"].get(CONTROLS)
    value, se = cfd_montecarlo.ratio_of_means(floor, call, controls)
    (floor_mean, call_mean), _ = cfd_montecarlo.means(np.stack([floor, call]), controls)
    return {"value": float(value), "se": se, "pv_floor_mean": float(floor_mean), "pv_upside_mean": float(call_mean)}


def payment_timeline(results: dict, start_year: int, regime: str = "none", instruments=INSTRUMENTS[1:]) -> pd.DataFrame:
    """Expected government payment per calendar year and instrument, with its Monte Carlo SE (long format)."""
    rows = []
    for instrument in instruments:
        annual = results[regime][instrument]["annual_outlay"]
        means, ses = cfd_montecarlo.means(annual, results[regime][instrument].get(CONTROLS))
        for year, (mean, se) in enumerate(zip(means, ses)):
            rows.append(
                {
                    "year": start_year + year,
                    "instrument": instrument,
                    "expected_payment": mean,
                    "se": se,
                    "p_paying": float((annual[year] > 0).mean()),
                }
            )
    return pd.DataFrame(rows)


def budget_scale(results: dict, setup: Setup, regime: str = "none", instruments=INSTRUMENTS[1:]) -> pd.DataFrame:
    """Per instrument and threshold: share of contract years whose outlay exceeds it, share of paths whose total
    outlay over the contract exceeds it (both with SEs), and the largest possible commitment (price at zero)."""
    contract_years = int(setup.support_mask.sum())
    worst_case = setup.contract.strike * setup.contract_output.sum()
    rows = []
    for instrument in instruments:
        r = results[regime][instrument]
        for threshold in setup.thresholds:
            years = probability(r[f"years_above_{threshold:.0f}"] / contract_years)
            total = probability(r["total_outlay"] > threshold)
            rows.append(
                {
                    "instrument": instrument,
                    "threshold_usd": threshold,
                    "share_of_years_above": years["value"],
                    "share_of_years_above_se": years["se"],
                    "share_of_totals_above": total["value"],
                    "share_of_totals_above_se": total["se"],
                    "max_commitment_usd": worst_case,
                    "max_commitment_above": bool(worst_case > threshold),
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- closed form: the price of each month is lognormal


def black76_put(forward, strike, sigma, maturity) -> np.ndarray:
    """Undiscounted E[max(K - P_T, 0)] for lognormal P_T with mean `forward` and log-volatility sigma sqrt(T)."""
    forward, maturity = np.asarray(forward, dtype=float), np.asarray(maturity, dtype=float)
    spread = sigma * np.sqrt(maturity)
    if np.any(spread == 0):
        return np.maximum(strike - forward, 0.0) + 0.0 * spread
    d1 = (np.log(forward / strike) + spread**2 / 2) / spread
    return strike * ndtr(-(d1 - spread)) - forward * ndtr(-d1)


def black76_call(forward, strike, sigma, maturity) -> np.ndarray:
    """Put-call parity: call = put + F - K."""
    return black76_put(forward, strike, sigma, maturity) + np.asarray(forward, dtype=float) - strike


def strip_expectations(model: price_models.PriceModel, setup: Setup, strike: float, cap: float) -> np.ndarray:
    """Expected annual sums over each year's months (rows: years of `setup`) of P, of the put max(K - P, 0) at
    `strike` and of the call max(P - cap, 0): (3, years). Under both models ln P_t is normal, with the mean that makes
    E[P_t] `model.expected_price` and the variance `model.log_variance`, so each month is a Black-76 option whose
    volatility is sqrt(variance / t)."""
    t = (setup.offset_months + np.arange(1, MONTHS_PER_YEAR * setup.years + 1)) / MONTHS_PER_YEAR
    forwards = model.expected_price(t)
    sigma = np.sqrt(model.log_variance(t) / t)
    monthly = np.stack([forwards, black76_put(forwards, strike, sigma, t), black76_call(forwards, cap, sigma, t)])
    return monthly.reshape(3, setup.years, MONTHS_PER_YEAR).sum(axis=2)


def closed_form_values(model: price_models.PriceModel, setup: Setup) -> dict:
    """Government PV of the floor (a strip of monthly Black-76 puts) and of the symmetric CfD (a strip of forwards)
    with the same volumes, basis and discounting as the simulation, under either price model."""
    contract = setup.contract
    factor = contract.basis_factor
    strike = contract.strike / factor
    price, put, _ = strip_expectations(model, setup, strike, contract.cap_multiple * strike)
    weights = (
        project_finance.discount_factors(setup.government_rate, setup.years)
        * setup.contract_output
        / MONTHS_PER_YEAR
        * factor
    )
    return {"floor": float(weights @ put), "cfd": float(weights @ (MONTHS_PER_YEAR * strike - price))}


def closed_form_check(
    model: price_models.PriceModel, setup: Setup, results: dict, regime: str = "none"
) -> pd.DataFrame:
    """Simulated against closed-form government PV for the floor and the CfD, in Monte Carlo standard errors.

    The simulated value is the plain mean of the antithetic pairs, not the control-variate estimate (which, for these
    payoffs linear in the strip, is the closed form itself): the check tests the paths, sums and discounting."""
    exact = closed_form_values(model, setup)
    rows = []
    for instrument in ("floor", "cfd"):
        simulated = results[regime][instrument]["government_pv"]
        mean, se = (float(v) for v in cfd_montecarlo.means(simulated))
        rows.append(
            {
                "instrument": instrument,
                "simulated": mean,
                "se": se,
                "closed_form": exact[instrument],
                "difference_in_se": (mean - exact[instrument]) / se if se > 0 else 0.0,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- strikes and bankability


def bankability_curve(paths: list[np.ndarray], setup: Setup, strikes, instruments=INSTRUMENTS[1:]) -> pd.DataFrame:
    """P(project NPV < 0) and the expected fiscal cost, per strike, instrument and subsidy regime (same paths)."""
    sweep = StrikeSweep.of(paths, setup)
    rows = []
    for strike in strikes:
        results = sweep.value(float(strike), instruments)
        for regime in setup.subsidies:
            for instrument in instruments:
                r = results[regime][instrument]
                loss = probability(r["project_npv"] < 0)
                rows.append(
                    {
                        "strike": strike,
                        "instrument": instrument,
                        "regime": regime,
                        "p_npv_negative": loss["value"],
                        "p_npv_negative_se": loss["se"],
                        "fiscal_npv_mean": float(r["government_pv"].mean()),
                    }
                )
    return pd.DataFrame(rows)


STRIKE_TOLERANCE = 1e-3  # strike searches stop within this share of the grid's lowest strike


def strike_for_target(paths: list[np.ndarray], setup: Setup, curve: pd.DataFrame, target: float) -> pd.DataFrame:
    """Per instrument and regime of `curve`: the lowest strike at which P(NPV < 0) is at most `target`.

    The curve's grid brackets the strike; bisection on the same paths then narrows it to STRIKE_TOLERANCE x the
    lowest grid strike (on common paths P(NPV < 0) falls monotonically with the strike). NaN where even the grid's
    highest strike misses the target; the grid's lowest strike where that one already meets it.
    """
    tolerance = STRIKE_TOLERANCE * curve["strike"].min()
    sweep = StrikeSweep.of(paths, setup)
    subsidy_pv = subsidy_values(setup)
    at_grid_strike = {}  # (instrument, strike) -> NPVs before subsidy per chunk; regimes share their brackets' ends

    def npv_at(instrument, strike):
        if (instrument, strike) not in at_grid_strike:
            at_grid_strike[instrument, strike] = [
                sweep.npv_before_subsidy(chunk, strike, instrument) for chunk in range(len(paths))
            ]
        return at_grid_strike[instrument, strike]

    rows = []
    for (instrument, regime), part in curve.groupby(["instrument", "regime"], sort=False):
        part = part.sort_values("strike")
        strikes, losses = part["strike"].to_numpy(), part["p_npv_negative"].to_numpy()
        hits = np.flatnonzero(losses <= target)
        if hits.size == 0 or hits[0] == 0:
            strike = np.nan if hits.size == 0 else strikes[0]
        else:
            low, high = strikes[hits[0] - 1], strikes[hits[0]]
            strike = _bisect_strike(
                sweep,
                instrument,
                subsidy_pv[regime],
                (low, high),
                (npv_at(instrument, low), npv_at(instrument, high)),
                target,
                tolerance,
            )
        rows.append({"instrument": instrument, "regime": regime, "strike": strike})
    return pd.DataFrame(rows)


def lowest_strikes(paths: list[np.ndarray], setup: Setup, strikes, instrument: str, target: float) -> pd.DataFrame:
    """`strike_for_target` without a bankability curve: per subsidy regime of `setup`, the lowest strike of
    `instrument` at which P(NPV < 0) is at most `target`, the same strike as from the curve over `strikes`.

    The bracketing grid strikes are found by bisection over the grid (P(NPV < 0) falls with the strike), so only a few
    grid strikes are valued, each once for all regimes.
    """
    strikes = np.sort(np.asarray(strikes, dtype=float))
    tolerance = STRIKE_TOLERANCE * strikes[0]
    sweep = StrikeSweep.of(paths, setup)
    n_paths = sum(chunk.shape[1] for chunk in paths)
    at_grid_strike = {}  # grid index -> NPVs before subsidy per chunk, valued once for all regimes

    def npv_at(index):
        if index not in at_grid_strike:
            at_grid_strike[index] = [
                sweep.npv_before_subsidy(chunk, strikes[index], instrument) for chunk in range(len(paths))
            ]
        return at_grid_strike[index]

    def meets_target(index, subsidy_pv):
        return sum(int(np.count_nonzero(npv + subsidy_pv < 0)) for npv in npv_at(index)) / n_paths <= target

    rows = []
    for regime, subsidy_pv in subsidy_values(setup).items():
        if meets_target(0, subsidy_pv):
            strike = strikes[0]
        elif not meets_target(len(strikes) - 1, subsidy_pv):
            strike = np.nan
        else:
            low, high = 0, len(strikes) - 1  # the target is missed at `low` and met at `high`
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (low, middle) if meets_target(middle, subsidy_pv) else (middle, high)
            strike = _bisect_strike(
                sweep,
                instrument,
                subsidy_pv,
                (strikes[low], strikes[high]),
                (npv_at(low), npv_at(high)),
                target,
                tolerance,
            )
        rows.append({"instrument": instrument, "regime": regime, "strike": strike})
    return pd.DataFrame(rows)


def _bisect_strike(
    sweep: StrikeSweep,
    instrument: str,
    subsidy_pv: float,
    bracket: tuple,
    npv_at_ends: tuple,
    target: float,
    tolerance: float,
) -> float:
    """Bisection of `bracket` (P(NPV < 0) misses the target at its low end, meets it at its high end) down to
    `tolerance`; returns the high end. `npv_at_ends`: the NPVs before subsidy per chunk at both ends.

    A path's NPV rises with the strike (every instrument pays at least as much at a higher strike, and the tax takes
    only part of it), so a path with a loss at the high end has one at every strike of the bracket, and a path
    without a loss at the low end has none. Only the paths in between are valued at the midpoint; as the bracket
    shrinks, each midpoint settles more of them. (Their NPVs may differ from a valuation of all paths in the last
    bit, see `IncomeBeforeSupport.columns`; only their signs count.)
    """
    low, high = bracket
    n_paths = sum(len(npv) for npv in npv_at_ends[1])
    settled_losses = sum(int(np.count_nonzero(npv + subsidy_pv < 0)) for npv in npv_at_ends[1])
    open_paths = sweep.columns(
        [
            np.flatnonzero((at_low + subsidy_pv < 0) & ~(at_high + subsidy_pv < 0))
            for at_low, at_high in zip(*npv_at_ends)
        ]
    )
    while high - low > tolerance:
        middle = (low + high) / 2
        loss = [
            open_paths.npv_before_subsidy(chunk, middle, instrument) + subsidy_pv < 0
            for chunk in range(len(open_paths.months))
        ]
        losses = settled_losses + sum(int(np.count_nonzero(flags)) for flags in loss)
        if losses / n_paths <= target:  # the target is met at the midpoint: its losses hold below it
            high, settled_losses = middle, losses
            open_paths = open_paths.columns([np.flatnonzero(~flags) for flags in loss])
        else:  # paths without a loss at the midpoint have none above it
            low = middle
            open_paths = open_paths.columns([np.flatnonzero(flags) for flags in loss])
    return high


# ---------------------------------------------------------------- chapter assembly

PAPER_B_CLAIM = {"lithium": "aligned", "graphite": "gap", "nickel": "gap"}  # paper B, section on harmonization
REGIME_LABELS = {
    "none": "no subsidy",
    "canada_ctm_itc": "Canada CTM investment tax credit (current law)",
    "us_45x_permanent": "US 45X, permanent (as paper B assumed)",
    "us_45x_current_law": "US 45X, current law (with its phase-out)",
}


def calibrated_metals(prices_monthly: pd.DataFrame, archetypes: dict) -> tuple:
    """The metals to calibrate: the chapter's list plus any archetype metal the price panel has."""
    available = set(prices_monthly["commodity"])
    extra = [
        a.price_metal
        for a in archetypes.values()
        if a.price_metal in available and a.price_metal not in price_models.CALIBRATION_METALS
    ]
    return tuple(price_models.CALIBRATION_METALS) + tuple(dict.fromkeys(extra))


def archetype_price_model(
    archetype: Archetype, calibration: pd.DataFrame, kind: str, drift_from_data: bool = False
) -> price_models.PriceModel:
    """The price model of an archetype's reference price (USD per tonne of product, benchmark-equivalent).

    A metal with monthly prices: its calibrated model, converted to product units. A metal without (graphite):
    the median dynamics of the calibrated metals around the archetype's reference price.
    """
    if archetype.price_metal in calibration.index:
        model = price_models.model_from_calibration(calibration, archetype.price_metal, kind, drift_from_data)
        return model.scaled(1.0 / archetype.product_t_per_t_metal)
    if np.isnan(archetype.reference_price_usd_per_t):
        raise InputError(
            f"metal {archetype.price_metal!r} has no price history and the archetype gives no reference price",
            field="price_metal",
            value=archetype.price_metal,
            fix=f"use a metal with monthly prices ({sorted(calibration.index)}) or fill "
            "reference_price_usd_per_t in data/project_archetypes.csv",
        )
    return price_models.proxy_model(
        calibration, archetype.price_metal, kind, archetype.reference_price_usd_per_t, calibration["last_month"].max()
    )


def make_setup(
    archetype: Archetype,
    model: price_models.PriceModel,
    contract: Contract,
    start_year: int,
    government_rate: float,
    regimes: pd.DataFrame,
    thresholds: tuple,
    subsidy_regimes=("none",),
    compute_irr: bool = True,
    keep_annual: bool = True,
) -> Setup:
    offset = months_before_start(model.last_month, start_year)
    subsidies = {r: project_finance.subsidy_cash_flows(archetype, regimes, r, start_year) for r in subsidy_regimes}
    return Setup(
        archetype,
        validate_contract(contract),
        offset,
        government_rate,
        subsidies,
        tuple(thresholds),
        compute_irr,
        keep_annual,
        model,
    )


def reference_price(model: price_models.PriceModel, setup: Setup) -> float:
    """What strike multiples refer to: the long-run mean price (mean reversion) or the average forward price over
    the contract's months (GBM)."""
    if model.kind == "mean_reverting":
        return model.long_run_price()
    months = setup.offset_months + np.arange(1, MONTHS_PER_YEAR * setup.years + 1)
    covered = np.repeat(setup.support_mask, MONTHS_PER_YEAR) > 0
    return float(model.expected_price(months[covered] / MONTHS_PER_YEAR).mean())


def strike_grid(reference: float, low: float = 0.4, high: float = 2.5, points: int = 22) -> np.ndarray:
    return reference * np.linspace(low, high, points)


def harmonization_table(archetypes: dict, regimes: pd.DataFrame, start_year: int, tolerance: float) -> pd.DataFrame:
    """Per archetype: levelized subsidy per tonne under each regime, the Canadian-over-U.S. ratio, and whether the two
    are aligned (ratio within 1 +- tolerance), set against paper B's claim. A product that is not an applicable
    critical mineral in the form section 45X lists gets no 45X credit; `us_45x_reason` says why.

    Roughly, alignment needs ITC rate x eligible share x levelized capital charge = 45X rate x unit cost: a capital
    charge per tonne of 45X rate / (ITC rate x eligible share) times the unit operating cost
    (`capital_charge_for_alignment`), against the archetype's own `capital_charge_to_opex`.
    """
    rows = []
    for name, archetype in archetypes.items():
        level = {
            r: project_finance.levelized_subsidy(archetype, regimes, r, start_year)
            for r in ("canada_ctm_itc", "us_45x_permanent", "us_45x_current_law")
        }
        cost = project_finance.levelized_cost(archetype)
        first = np.array([start_year + archetype.construction_years])
        itc = project_finance.subsidy_rates(regimes, "canada_ctm_itc", "capex", first)[0]
        x45 = project_finance.subsidy_rates(regimes, "us_45x_permanent", "production_cost", first)[0]
        row = {
            "archetype": name,
            "product": archetype.product,
            "product_form": archetype.product_form,
            "us_45x_eligible": bool(archetype.us_45x_eligible),
            "us_45x_reason": archetype.us_45x_reason,
            "levelized_cost_usd_per_t": cost,
            "capital_charge_to_opex": (cost - archetype.opex_usd_per_t) / archetype.opex_usd_per_t,
            "capital_charge_for_alignment": x45 / (itc * archetype.itc_eligible_share),
        }
        for regime, value in level.items():
            row[f"{regime}_usd_per_t"] = value
            row[f"{regime}_share_of_cost"] = value / cost
        for us in ("us_45x_permanent", "us_45x_current_law"):
            ratio = level["canada_ctm_itc"] / level[us] if level[us] > 0 else np.inf
            row[f"ratio_itc_to_{us}"] = ratio
            row[f"gap_usd_per_t_{us}"] = level["canada_ctm_itc"] - level[us]
            row[f"aligned_{us}"] = bool(abs(ratio - 1) <= tolerance)
        claim = PAPER_B_CLAIM.get(name)
        row["paper_b_claim"] = claim or "not discussed"
        row["model_finds_permanent"] = "aligned" if row["aligned_us_45x_permanent"] else "gap"
        row["model_finds_current_law"] = "aligned" if row["aligned_us_45x_current_law"] else "gap"
        row["agrees_with_paper"] = (claim == row["model_finds_permanent"]) if claim else None
        rows.append(row)
    return pd.DataFrame(rows)


def subsidy_strikes(
    archetypes: dict,
    calibration: pd.DataFrame,
    kind: str,
    drift_from_data: bool,
    contract: Contract,
    instrument: str,
    start_year: int,
    government_rate: float,
    regimes: pd.DataFrame,
    target: float,
    n_paths: int,
    seed: int,
) -> pd.DataFrame:
    """Per archetype and subsidy regime: the strike of `instrument` that brings P(NPV < 0) to `target` (searched
    from the grid of `strike_grid`), also as a multiple of the archetype's reference price."""
    strikes = []
    for name, archetype in archetypes.items():
        model = archetype_price_model(archetype, calibration, kind, drift_from_data)
        setup = make_setup(
            archetype,
            model,
            replace(contract, support_years=min(contract.support_years, archetype.life_years)),
            start_year,
            government_rate,
            regimes,
            (),
            SUBSIDY_REGIMES,
            compute_irr=False,
            keep_annual=False,
        )
        reference = reference_price(model, setup)
        paths = simulate_paths(model, n_paths, setup.n_months, seed)
        found = lowest_strikes(paths, setup, strike_grid(reference), instrument, target)
        strikes.append(
            found.assign(archetype=name, reference_price=reference, strike_multiple=found["strike"] / reference)
        )
    return pd.concat(strikes, ignore_index=True)


def tariff_sensitivity(
    paths: list[np.ndarray], setup: Setup, instrument: str, pass_throughs=(0.0, 0.25, 0.5, 0.75, 1.0)
) -> pd.DataFrame:
    """Expected fiscal cost and P(NPV < 0) of `instrument` for each reference-price basis and tariff pass-through."""
    regime = next(iter(setup.subsidies))
    rows = []
    for basis in BASES:
        for share in pass_throughs:
            trial = replace(setup, contract=replace(setup.contract, basis=basis, pass_through=share))
            r = StrikeSweep.of(paths, trial).value(trial.contract.strike, (instrument,))[regime][instrument]
            cost, loss = describe(r["government_pv"], ("mean",)), probability(r["project_npv"] < 0)
            rows.append(
                {
                    "basis": basis,
                    "pass_through": share,
                    "us_premium": trial.contract.us_premium,
                    "fiscal_npv_mean": cost["mean"],
                    "fiscal_npv_mean_se": cost["mean_se"],
                    "p_npv_negative": loss["value"],
                    "p_npv_negative_se": loss["se"],
                }
            )
    return pd.DataFrame(rows)


def fiscal_quantiles(results: dict, regime: str = "none", instruments=INSTRUMENTS[1:]) -> pd.DataFrame:
    """Quantiles (P1..P99), mean of the government's NPV cost per instrument: the data of the distribution figure."""
    levels = np.array([0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
    rows = []
    for instrument in instruments:
        values = results[regime][instrument]["government_pv"]
        row = {
            "instrument": instrument,
            "mean": describe(values, ("mean",), results[regime][instrument].get(CONTROLS))["mean"],
        }
        row |= {f"p{round(q * 100)}": float(v) for q, v in zip(levels, np.quantile(values, levels))}
        rows.append(row)
    return pd.DataFrame(rows)
