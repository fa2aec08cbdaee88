"""Chapter 03: what a North American critical-minerals stockpile would cost.

A stockpile design (data/stockpile_design_<name>.csv) lists minerals with a months-of-cover target and the annual
quantity it covers (U.S. net imports or U.S. apparent consumption). Quantities come from the USGS salient statistics,
prices from the World Bank / IMF price panel or USGS unit values (data/stockpile_minerals.csv says which, per
mineral). A mineral without a quantity or a price is listed as excluded with its reason, never counted as zero.

Costs: acquisition = sum over minerals of tonnes x USD/t; the yearly carrying cost is storage plus financing at the
discount rate (plus rotation losses, if any) times the stock's value; the net present cost over a horizon buys the
stock now, pays storage and rotation every year and sells the stock back at the end at the same real price. Cost is
linear in months of cover and in prices, so calibration to a target total has a closed form.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ...core import display
from ...core.errors import InputError
from ...sources import units
from .validation import CONSUMPTION, DESIGN_BASIS, PARTNERS, QUANTITY_BASES, Settings, assumption

# price basis -> (years in the window ending with the price year, how the window's annual prices are combined)
PRICE_BASES = {"latest": (1, "mean"), "mean_5y": (5, "mean"), "mean_10y": (10, "mean"), "max_10y": (10, "max")}
# every distinct (price basis, real) pair: over one year real equals nominal
PRICE_VARIANTS = tuple(
    (basis, real) for basis, (years, _) in PRICE_BASES.items() for real in (False, True) if not (real and years == 1)
)
INCLUDED = "included"


# ---------------------------------------------------------------- quantities (USGS salient statistics)


def default_data_year(salient: pd.DataFrame, edition: int) -> int:
    """Latest year of the edition that USGS does not mark as estimated."""
    rows = salient[(salient["edition"] == edition) & ~salient["estimated"]]
    if rows.empty:
        raise InputError(
            "no non-estimated year in the edition",
            field="stockpile_usgs_edition",
            value=edition,
            fix="run chapter 01 again or choose another edition",
        )
    return int(rows["year"].max())


def _by_commodity(rows: pd.DataFrame):
    """rows -> a lookup of one commodity's rows, in their order (none: no rows). The tables are split once: selecting
    from the whole table once per mineral cost most of the chapter's arithmetic."""
    groups = dict(tuple(rows.groupby("commodity", sort=False))) if len(rows) else {}
    return lambda commodity: groups.get(commodity, rows.iloc[:0])


def _plain_text(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with their text columns as Python strings (object): the many small selections per mineral from the
    USGS rows cost twice as much on pyarrow-backed text."""
    return rows.astype({column: object for column, dtype in rows.dtypes.items() if isinstance(dtype, pd.StringDtype)})


def _pick(rows: pd.DataFrame, measure: str, detail: str, year: int) -> pd.Series | None:
    found = rows[(rows["measure"] == measure) & (rows["detail"] == detail) & (rows["year"] == year)]
    return None if found.empty else found.iloc[0]


def _flag(row: pd.Series | None) -> str:
    if row is None:
        return "no row"
    return row["flag"] or ("W" if row["withheld"] else "blank")


def _tonnes(rows: pd.DataFrame, commodity: str) -> None:
    wrong = rows[rows["measure"].isin(["apparent_consumption", "imports", "exports"]) & (rows["unit"] != "t")]
    if not wrong.empty:
        raise InputError(
            "quantity not in metric tons",
            file=wrong["source_file"].iloc[0],
            field=commodity,
            value=wrong["unit"].iloc[0],
            fix="map this commodity to a measure reported in t",
        )


def _consumption(rows: pd.DataFrame, spec: pd.Series, year: int) -> tuple[float, str, bool]:
    """(tonnes, how obtained, whether it is imports minus exports) for U.S. apparent consumption in `year`."""
    detail = spec["consumption_detail"]
    row = _pick(rows, "apparent_consumption", detail, year)
    if row is not None and pd.notna(row["value"]):
        return float(row["value"]), "reported", False
    fallback = spec["consumption_fallback"]
    if fallback == "carry_forward":
        earlier = rows[
            (rows["measure"] == "apparent_consumption")
            & (rows["detail"] == detail)
            & (rows["year"] < year)
            & rows["value"].notna()
        ]
        if not earlier.empty:
            latest = earlier.loc[earlier["year"].idxmax()]
            return (
                float(latest["value"]),
                f"not published for {year} ({_flag(row)}); the {int(latest['year'])} value is carried forward",
                False,
            )
    if fallback == "net_trade":
        trade = rows[rows["measure"].isin(["imports", "exports"]) & (rows["year"] == year)]
        if trade["value"].notna().any():
            sign = np.where(trade["measure"] == "imports", 1.0, -1.0)
            net = float(np.nansum(trade["value"].to_numpy() * sign))
            return net, f"withheld ({_flag(row)}); imports minus exports used, a lower bound", True
    return np.nan, f"apparent consumption not published ({_flag(row)})", False


_BOUND = re.compile(r"^>\s*(\d+(?:\.\d+)?)$")


def _net_import_reliance(rows: pd.DataFrame, detail: str, year: int) -> tuple[float, str]:
    """(share of apparent consumption, how obtained). 'E' (net exporter) is 0; a bound like '>50' is used as 0.50."""
    row = _pick(rows, "net_import_reliance", detail, year)
    if row is not None and pd.notna(row["value"]):
        return float(row["value"]) / 100, "reported"
    flag = "" if row is None else row["flag"].strip()
    if flag == "E":
        return 0.0, "net exporter (USGS 'E')"
    bound = _BOUND.match(flag)
    if bound:
        return float(bound[1]) / 100, f"only a bound published ('{flag} %'); the bound is used, a lower estimate"
    return np.nan, f"NIR (reliance on net imports) not published ({_flag(row)})"


def annual_quantities(salient: pd.DataFrame, minerals: pd.DataFrame, edition: int, year: int) -> pd.DataFrame:
    """Per mineral: U.S. apparent consumption and net imports (t/year) in `year` of MCS `edition`, and how obtained."""
    edition_rows = _by_commodity(
        _plain_text(salient[(salient["edition"] == edition) & salient["commodity"].isin(minerals["usgs_commodity"])])
    )
    records = []
    for mineral, spec in minerals.iterrows():
        rows = edition_rows(spec["usgs_commodity"])
        _tonnes(rows, spec["usgs_commodity"])
        consumption, consumption_note, is_trade = _consumption(rows, spec, year)
        if is_trade:
            nir, nir_note = np.nan, "not needed: net imports taken directly from trade"
            net_imports = max(consumption, 0.0)
            net_note = "imports minus exports" if consumption > 0 else "exports exceed imports"
        else:
            nir, nir_note = _net_import_reliance(rows, spec["nir_detail"], year)
            net_imports = consumption * nir
            net_note = f"apparent consumption x NIR ({nir_note})"
        records.append(
            {
                "mineral": mineral,
                "year": year,
                "edition": edition,
                "consumption_t": consumption,
                "consumption_note": consumption_note,
                "net_import_reliance": nir,
                "nir_note": nir_note,
                "net_imports_t": net_imports,
                "net_imports_note": net_note,
            }
        )
    return pd.DataFrame(records).set_index("mineral")


def stock_quantities(design: pd.DataFrame, annual: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Tonnes to stock per design mineral: annual basis x defence share x months / 12; exclusions with reasons.

    The new columns are computed apart and joined to the design's in one step: the tornado and the calibration call
    this a score of times, and adding columns one by one cost more than computing them."""
    stock = design.set_index("mineral")
    stock = pd.concat([stock, annual.reindex(stock.index)], axis=1)  # a left join on the mineral
    index = stock.index
    basis = stock["basis"] if settings.quantity_basis == DESIGN_BASIS else pd.Series(settings.quantity_basis, index)
    months = stock["months_of_cover"] if settings.cover_months <= 0 else pd.Series(settings.cover_months, index)
    demand_share = pd.Series(np.where(stock["purpose"] == "defence", settings.defence_share, 1.0), index)
    consumption_basis = basis == CONSUMPTION
    annual_t = pd.Series(np.where(consumption_basis, stock["consumption_t"], stock["net_imports_t"]), index)
    quantity_note = pd.Series(np.where(consumption_basis, stock["consumption_note"], stock["net_imports_note"]), index)
    # the first reason that applies, in this order
    reasons = {
        "left out by the design": ~stock["included"],
        "zero months of cover": months.eq(0),
        "no quantity: U.S. is a net exporter, no net imports to cover": annual_t.eq(0),
    }
    exclusion = np.select([*reasons.values(), annual_t.isna()], [*reasons, "no quantity: " + quantity_note], default="")
    added = {
        "basis_used": basis,
        "months": months,
        "demand_share": demand_share,
        "annual_t": annual_t,
        "quantity_note": quantity_note,
        "stock_t": annual_t * demand_share * months / 12,
        "country": pd.Series("United States", index),  # every quantity basis here is U.S. data
        "exclusion": pd.Series(exclusion, index, dtype=object),
    }
    return pd.concat([stock, pd.DataFrame(added)], axis=1)


# ---------------------------------------------------------------- prices


def _panel_history(prices_monthly: pd.DataFrame, commodity: str) -> pd.DataFrame:
    rows = prices_monthly[(prices_monthly["commodity"] == commodity) & prices_monthly["price_usd_per_t"].notna()]
    monthly = rows["price_usd_per_t"].groupby(rows["date"].dt.year)
    annual = pd.DataFrame({"price": monthly.mean(), "months": monthly.size()})
    annual = annual[annual["months"] == 12]  # complete calendar years only
    label = f"{rows['source'].iloc[0]}: {rows['series'].iloc[0]}, annual mean" if len(rows) else ""
    return annual.reset_index(names="year")[["year", "price"]].assign(price_source=label)


def _usgs_history(salient: pd.DataFrame, commodity: str, detail: str) -> pd.DataFrame:
    rows = salient[
        (salient["commodity"] == commodity)
        & (salient["measure"] == "price")
        & (salient["detail"] == detail)
        & salient["value"].notna()
    ]
    latest = rows.sort_values("edition").groupby("year").tail(1)  # each year from the newest edition that gives it
    factors = np.array([units.price_factor_to_usd_per_t(unit) for unit in latest["unit"]], dtype=float)
    editions = f"{latest['edition'].min()}–{latest['edition'].max()}" if len(latest) else ""
    label = f"USGS MCS {editions} salient statistics: price" + (f" ({display.words(detail)})" if detail else "")
    return pd.DataFrame(
        {"year": latest["year"].to_numpy(), "price": (latest["value"] * factors).to_numpy(), "price_source": label}
    )


def price_history(prices_monthly: pd.DataFrame, salient: pd.DataFrame, minerals: pd.DataFrame) -> pd.DataFrame:
    """Annual nominal prices per mineral in USD per t of the quantity's material (content factor applied)."""
    usgs = _by_commodity(_plain_text(salient[(salient["measure"] == "price") & salient["value"].notna()]))
    panel = _by_commodity(prices_monthly)
    parts = []
    for mineral, spec in minerals.iterrows():
        if spec["price_source"] == "panel":
            part = _panel_history(panel(spec["price_series"]), spec["price_series"])
        else:
            part = _usgs_history(usgs(spec["usgs_commodity"]), spec["usgs_commodity"], spec["price_series"])
        parts.append(part.assign(mineral=mineral, price=part["price"] * spec["content_factor"]))
    history = pd.concat(parts, ignore_index=True)
    return history[["mineral", "year", "price", "price_source"]].sort_values(["mineral", "year"], ignore_index=True)


def design_prices(
    history: pd.DataFrame, price_basis: str, price_year: int, real: bool, index: pd.Series | None = None
) -> pd.DataFrame:
    """Per mineral: the price on the chosen basis for the window ending in `price_year`, with its years and source.

    Real prices are in dollars of `price_year` (each year's price x index[price_year] / index[year]).
    """
    years, how = PRICE_BASES[price_basis]
    window = history[(history["year"] > price_year - years) & (history["year"] <= price_year)]
    if real and years > 1:
        if index is None or price_year not in index.index:
            raise InputError(
                "no price index for the price year",
                field="stockpile_real_prices",
                value=price_year,
                fix="use nominal prices or an earlier data year",
            )
        window = window[window["year"].isin(index.index)]
        window = window.assign(price=window["price"] * (index[price_year] / index.reindex(window["year"]).to_numpy()))
    # one aggregation per column: named aggregations in one call cost several times more
    grouped = window.groupby("mineral")
    year = grouped["year"]
    prices = pd.DataFrame(
        {
            "price_usd_per_t": grouped["price"].agg(how),
            "first_year": year.min(),
            "last_year": year.max(),
            "years_used": year.size(),
        }
    )
    sources = history.groupby("mineral")["price_source"].last()
    prices = prices.reindex(sources.index).assign(price_source=sources)
    rows = prices[["price_usd_per_t", "first_year", "last_year", "years_used"]].itertuples(index=False)
    prices["price_note"] = [
        f"no price for {price_year}"
        if pd.isna(price)
        else (f"{used:.0f} of {years} years ({first:.0f}–{last:.0f})" if years > 1 else f"{last:.0f}")
        for price, first, last, used in rows
    ]
    prices["price_basis"] = f"{price_basis}, {'real' if real and years > 1 else 'nominal'}"
    return prices


# ---------------------------------------------------------------- costs


def counted_costs(stock: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
    """Acquisition cost (USD) of each stocked mineral that is not excluded and has a price; the others left out."""
    price = prices["price_usd_per_t"].reindex(stock.index)
    return (stock["stock_t"] * price)[stock["exclusion"].eq("") & price.notna()]


def acquisition_total(stock: pd.DataFrame, prices: pd.DataFrame) -> float:
    """total_cost of the acquisition_costs table, without building the table."""
    return float(counted_costs(stock, prices).sum())


def acquisition_costs(stock: pd.DataFrame, prices: pd.DataFrame, minerals: pd.DataFrame) -> pd.DataFrame:
    """Per mineral: tonnes, price, acquisition cost (USD); status 'included' or the reason it is excluded."""
    table = pd.concat([stock, prices.reindex(stock.index), minerals["label"].reindex(stock.index)], axis=1)
    unpriced = table["price_source"].isna()  # no price series at all for this mineral
    table["price_note"] = table["price_note"].mask(unpriced, "no price data for this mineral")
    table["price_source"] = table["price_source"].mask(unpriced, "none")
    no_price = table["exclusion"].eq("") & table["price_usd_per_t"].isna()
    table["exclusion"] = table["exclusion"].mask(no_price, "no price: " + table["price_note"])
    table["cost_usd"] = counted_costs(stock, prices)  # NaN for the excluded
    table["status"] = np.where(table["exclusion"].eq(""), INCLUDED, "excluded")
    return table


def included(costs: pd.DataFrame) -> pd.DataFrame:
    return costs[costs["status"] == INCLUDED]


def total_cost(costs: pd.DataFrame) -> float:
    return float(costs.loc[costs["status"] == INCLUDED, "cost_usd"].sum())


def exclusions(costs: pd.DataFrame) -> pd.DataFrame:
    rows = costs[costs["status"] != INCLUDED]
    return rows.reset_index()[["design", "mineral", "label", "exclusion"]]


def annuity_factor(rate: float, years: int) -> float:
    """Present value of 1 paid at the end of each of `years` years: sum over t of (1 + rate)^-t."""
    return float(years) if rate == 0 else (1 - (1 + rate) ** -years) / rate


def carrying_cost_per_year(
    value: float,
    storage_rate: float,
    discount_rate: float,
    rotation_share: float = 0.0,
    rotation_cost_rate: float = 0.0,
) -> float:
    """Yearly cost of holding stock worth `value`: storage, financing at the discount rate, rotation losses."""
    return value * (storage_rate + discount_rate + rotation_share * rotation_cost_rate)


def net_present_cost(
    acquisition: float,
    storage_rate: float,
    discount_rate: float,
    horizon_years: int,
    rotation_share: float = 0.0,
    rotation_cost_rate: float = 0.0,
) -> float:
    """Buy now, pay storage and rotation at the end of each year, sell the stock at the horizon at the same price.

    Equals the present value of the yearly carrying cost (storage + financing + rotation) over the horizon.
    """
    resale = acquisition * (1 + discount_rate) ** -horizon_years
    running = acquisition * (storage_rate + rotation_share * rotation_cost_rate)
    return acquisition - resale + running * annuity_factor(discount_rate, horizon_years)


# ---------------------------------------------------------------- one design, end to end


@dataclass(frozen=True)
class Inputs:
    """Everything a design's cost depends on besides the design and the settings."""

    minerals: pd.DataFrame
    annual: pd.DataFrame
    history: pd.DataFrame
    index: pd.Series
    price_year: int
    rotation_cost_rate: float
    # price_table's results by (price basis, real), filled as they are asked for: every design, tornado driver and
    # quantity basis prices on the same few bases, so each is computed once
    prices: dict = field(default_factory=dict, init=False, repr=False, compare=False)


def price_table(inputs: Inputs, price_basis: str, real: bool) -> pd.DataFrame:
    """design_prices on one price basis for the inputs' price history, index and year; computed once per basis and
    kept with the inputs, so callers read it and never modify it."""
    key = (price_basis, bool(real))
    if key not in inputs.prices:
        inputs.prices[key] = design_prices(inputs.history, price_basis, inputs.price_year, real, inputs.index)
    return inputs.prices[key]


def cost_table(design: pd.DataFrame, inputs: Inputs, settings: Settings) -> pd.DataFrame:
    stock = stock_quantities(design, inputs.annual, settings)
    return acquisition_costs(stock, price_table(inputs, settings.price_basis, settings.real_prices), inputs.minerals)


def design_npc(costs: pd.DataFrame, settings: Settings, rotation_cost_rate: float) -> float:
    return net_present_cost(
        total_cost(costs),
        settings.storage_rate,
        settings.discount_rate,
        settings.horizon_years,
        settings.rotation_share,
        rotation_cost_rate,
    )


def summary(costs_by_design: dict[str, pd.DataFrame], settings: Settings, rotation_cost_rate: float) -> pd.DataFrame:
    rows = []
    for name, costs in costs_by_design.items():
        acquisition = total_cost(costs)
        rows.append(
            {
                "design": name,
                "minerals included": int((costs["status"] == INCLUDED).sum()),
                "minerals excluded": int((costs["status"] != INCLUDED).sum()),
                "acquisition (USD bn)": acquisition / 1e9,
                "yearly carrying cost (USD bn)": carrying_cost_per_year(
                    acquisition,
                    settings.storage_rate,
                    settings.discount_rate,
                    settings.rotation_share,
                    rotation_cost_rate,
                )
                / 1e9,
                f"net present cost over {settings.horizon_years} years (USD bn)": design_npc(
                    costs, settings, rotation_cost_rate
                )
                / 1e9,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- calibration


def cover_for_target(annual_value: float, target: float) -> float:
    """Months of cover, the same for every included mineral, at which acquisition equals `target`.

    Cost = months / 12 x value of one year's quantity, so months = 12 x target / annual value.
    """
    if annual_value <= 0:
        raise InputError(
            "nothing to stock: no included mineral has a value",
            field="annual value",
            value=annual_value,
            fix="include minerals with both a quantity and a price",
        )
    return 12 * target / annual_value


def annual_value(costs: pd.DataFrame) -> float:
    """Value of one year of each included mineral's basis quantity (after the defence share) at its price."""
    rows = included(costs)
    return float((rows["annual_t"] * rows["demand_share"] * rows["price_usd_per_t"]).sum())


def calibration(costs_by_design: dict[str, pd.DataFrame], targets: dict[str, float]) -> pd.DataFrame:
    """For each design and target: uniform months of cover, and the multiple of the design's covers (or prices)."""
    rows = []
    for name, costs in costs_by_design.items():
        cost, value = total_cost(costs), annual_value(costs)
        for label, target in targets.items():
            rows.append(
                {
                    "design": name,
                    "target": label,
                    "target (USD bn)": target / 1e9,
                    "cost at design cover (USD bn)": cost / 1e9,
                    "design cover (months, value-weighted)": 12 * cost / value,
                    "uniform cover for target (months)": cover_for_target(value, target),
                    "multiple of design covers or of prices": target / cost,
                }
            )
    return pd.DataFrame(rows)


def price_basis_costs(design: pd.DataFrame, inputs: Inputs, settings: Settings) -> pd.DataFrame:
    """Acquisition cost at the design's covers under every price basis, nominal and real."""
    stock = stock_quantities(design, inputs.annual, settings)  # quantities do not depend on the price basis
    rows = []
    for basis, real in PRICE_VARIANTS:
        costs = counted_costs(stock, price_table(inputs, basis, real))
        rows.append(
            {
                "price basis": basis,
                "prices": "real" if real else "nominal",
                "acquisition (USD bn)": float(costs.sum()) / 1e9,
                "minerals priced": len(costs),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- uncertainty


def annual_log_changes(history: pd.DataFrame, since: int) -> pd.DataFrame:
    """Years x minerals: log change of the annual price from the previous year, for years after `since`.

    Each mineral's mean change (its trend over the window) is removed: the draws describe variability around the
    chosen price, not a forecast of where prices drift.
    """
    wide = history.pivot_table(index="year", columns="mineral", values="price")
    wide = wide.reindex(range(int(wide.index.min()), int(wide.index.max()) + 1))  # gaps break a change
    changes = np.log(wide).diff()
    changes = changes[changes.index > since].dropna(how="all")
    return changes - changes.mean()


@dataclass(frozen=True)
class MonteCarlo:
    draws: np.ndarray  # acquisition cost per draw, USD
    p5: float
    p50: float
    p95: float
    mean: float
    standard_error: float  # of the mean
    seconds: float
    minerals_without_history: tuple[str, ...]


def monte_carlo(costs_by_mineral: pd.Series, changes: pd.DataFrame, draws: int, seed: int) -> MonteCarlo:
    """Acquisition cost if prices moved by one historical year's change, resampled (seeded).

    A calendar year is drawn for every draw and applied to all minerals together, so metals that moved together keep
    doing so; a mineral without a change in the drawn year gets one drawn from its own history instead. Minerals with
    no history at all keep their price.
    """
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    minerals = list(costs_by_mineral.index)
    matrix = changes.reindex(columns=minerals).to_numpy()
    years = rng.integers(0, len(matrix), size=draws)
    sampled = matrix[years]
    missing = []
    for j, mineral in enumerate(minerals):  # one draw per mineral in this order: a seed keeps giving the same draws
        known = ~np.isnan(matrix[:, j])
        own = matrix[known, j]
        gaps = np.flatnonzero(~known[years])  # the draws whose year has no change for this mineral
        if own.size == 0:
            missing.append(mineral)
            sampled[:, j] = 0.0
        elif gaps.size:
            sampled[gaps, j] = rng.choice(own, size=gaps.size)
    totals = np.exp(sampled, out=sampled) @ costs_by_mineral.to_numpy()
    p5, p50, p95 = np.percentile(totals, [5, 50, 95])
    return MonteCarlo(
        totals,
        float(p5),
        float(p50),
        float(p95),
        float(totals.mean()),
        float(totals.std(ddof=1) / np.sqrt(draws)),
        time.perf_counter() - started,
        tuple(missing),
    )


def tornado(
    design: pd.DataFrame,
    inputs: Inputs,
    settings: Settings,
    assumptions: pd.DataFrame,
    price_range: tuple[float, float],
) -> pd.DataFrame:
    """Net present cost when one driver moves to its low and its high value, the others at their central values.

    `price_range` is the (low, high) multiple of all prices, e.g. the Monte Carlo's P5 and P95 over its centre. For
    the two choices without an order (price basis, quantity basis) the low setting is the cheapest, the high the
    dearest. `low_setting` and `high_setting` name the settings. Quantities do not depend on prices, prices not on
    quantities, and the acquisition cost on neither rate, so each swing recomputes only the part its driver changes.
    """
    stock = stock_quantities(design, inputs.annual, settings)
    prices = price_table(inputs, settings.price_basis, settings.real_prices)
    acquisition = acquisition_total(stock, prices)

    def npc(cost: float, **changes) -> float:
        changed = replace(settings, **changes)
        return net_present_cost(
            cost,
            changed.storage_rate,
            changed.discount_rate,
            changed.horizon_years,
            changed.rotation_share,
            inputs.rotation_cost_rate,
        )

    def restocked(scaled: pd.DataFrame, changed: Settings) -> float:
        return acquisition_total(stock_quantities(scaled, inputs.annual, changed), prices)

    central = npc(acquisition)
    swing = {
        name: tuple(assumption(assumptions, f"tornado_{name}_{side}") for side in ("low", "high"))
        for name in ("cover", "discount_rate", "storage_rate")
    }
    variants = {
        f"{basis.replace('_', ' ')}, {'real' if real else 'nominal'}": npc(
            acquisition_total(stock, price_table(inputs, basis, real))
        )
        for basis, real in PRICE_VARIANTS
    }
    quantity = {
        basis.replace("_", " "): npc(restocked(design, replace(settings, quantity_basis=basis)))
        for basis in QUANTITY_BASES
    }
    own_cover = replace(settings, cover_months=0.0)
    cover = [
        npc(restocked(design.assign(months_of_cover=design["mineral"].map(stock["months"]) * factor), own_cover))
        for factor in swing["cover"]
    ]

    def cheapest_dearest(costs: dict[str, float]) -> tuple[float, float, str, str]:
        low, high = min(costs, key=costs.get), max(costs, key=costs.get)
        return costs[low], costs[high], low, high

    # driver, NPC at its low and at its high setting, the settings as the figure labels the bar's two ends, range
    rows = [
        (
            "price level (Monte Carlo P5–P95)",
            central * price_range[0],
            central * price_range[1],
            f"P5 x{price_range[0]:.2f}",
            f"P95 x{price_range[1]:.2f}",
            f"x{price_range[0]:.2f} to x{price_range[1]:.2f}",
        ),
        (
            "price basis",
            *cheapest_dearest(variants),
            "cheapest to dearest of latest, 5- and 10-year mean, 10-year peak; nominal or real",
        ),
        (
            "months of cover",
            *cover,
            *(f"x{factor:g} months" for factor in swing["cover"]),
            "x{:g} to x{:g} of the design's months".format(*swing["cover"]),
        ),
        ("quantity basis", *cheapest_dearest(quantity), "net imports or apparent consumption, all minerals"),
        (
            "discount rate",
            *(npc(acquisition, discount_rate=rate) for rate in swing["discount_rate"]),
            *(f"{rate:.1%}" for rate in swing["discount_rate"]),
            "{:.1%} to {:.1%}".format(*swing["discount_rate"]),
        ),
        (
            "storage rate",
            *(npc(acquisition, storage_rate=rate) for rate in swing["storage_rate"]),
            *(f"{rate:.1%}" for rate in swing["storage_rate"]),
            "{:.1%} to {:.1%} of value a year".format(*swing["storage_rate"]),
        ),
    ]
    table = pd.DataFrame(rows, columns=["driver", "npc_at_low", "npc_at_high", "low_setting", "high_setting", "range"])
    table["low_usd"] = table[["npc_at_low", "npc_at_high"]].min(axis=1)
    table["high_usd"] = table[["npc_at_low", "npc_at_high"]].max(axis=1)
    table["swing_usd"] = table["high_usd"] - table["low_usd"]
    table["central_usd"] = central
    return table.sort_values("swing_usd", ascending=False, ignore_index=True)


# ---------------------------------------------------------------- burden sharing


def consumption_key(costs: pd.DataFrame) -> pd.Series:
    """Each partner's share of the stockpiled value by the country whose consumption it covers."""
    value = included(costs).groupby("country")["cost_usd"].sum()
    return value.reindex(PARTNERS, fill_value=0.0)


def burden_shares(costs: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Acquisition cost split among the partners under each key in the file and the consumption key."""
    total = total_cost(costs)
    weights = {key: rows.set_index("country")["value"].reindex(PARTNERS) for key, rows in keys.groupby("key")}
    weights["consumption"] = consumption_key(costs)
    rows = []
    for key, weight in weights.items():
        share = weight / weight.sum()
        for country in PARTNERS:
            rows.append(
                {
                    "key": key,
                    "country": country,
                    "share": float(share[country]),
                    "cost_usd": float(share[country] * total),
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- calibration on both quantity bases


def effective_basis(designs: dict[str, pd.DataFrame], settings: Settings) -> str:
    """The quantity basis in force: the parameter's, or the designs' own when they all use one."""
    if settings.quantity_basis != DESIGN_BASIS:
        return settings.quantity_basis
    bases = set(pd.concat(designs.values())["basis"])
    return bases.pop() if len(bases) == 1 else DESIGN_BASIS


def calibration_by_basis(
    designs: dict[str, pd.DataFrame], inputs: Inputs, settings: Settings, targets: dict[str, float]
) -> pd.DataFrame:
    """The calibration under the basis in force and under each single basis for all minerals."""
    prices = price_table(inputs, settings.price_basis, settings.real_prices)  # the same on every quantity basis
    parts = []
    for basis in dict.fromkeys([effective_basis(designs, settings), *QUANTITY_BASES]):
        changed = replace(settings, quantity_basis=basis)
        costs = {
            name: acquisition_costs(stock_quantities(design, inputs.annual, changed), prices, inputs.minerals)
            for name, design in designs.items()
        }
        parts.append(calibration(costs, targets).assign(**{"quantity basis": basis}))
    table = pd.concat(parts, ignore_index=True)
    return table[["design", "quantity basis", *[c for c in table.columns if c not in ("design", "quantity basis")]]]
