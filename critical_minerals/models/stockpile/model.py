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
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ...core import display, paths
from ...core.errors import InputError
from ...sources import units
from ...sources.handwritten_tables import read_data_table

DESIGN_PREFIX = "stockpile_design_"
MINERALS_FILE = paths.DATA_DIR / "stockpile_minerals.csv"
BURDEN_FILE = paths.DATA_DIR / "stockpile_burden_keys.csv"
ASSUMPTIONS_FILE = paths.DATA_DIR / "stockpile_assumptions.csv"

NET_IMPORTS, CONSUMPTION = "net_imports", "apparent_consumption"
QUANTITY_BASES = (NET_IMPORTS, CONSUMPTION)
DESIGN_BASIS = "design"  # use each design row's own basis
PURPOSES = ("defence", "market")
FALLBACKS = ("none", "carry_forward", "net_trade")
PRICE_SOURCES = ("panel", "usgs")
# price basis -> (years in the window ending with the price year, how the window's annual prices are combined)
PRICE_BASES = {"latest": (1, "mean"), "mean_5y": (5, "mean"), "mean_10y": (10, "mean"), "max_10y": (10, "max")}
# every distinct (price basis, real) pair: over one year real equals nominal
PRICE_VARIANTS = tuple(
    (basis, real) for basis, (years, _) in PRICE_BASES.items() for real in (False, True) if not (real and years == 1)
)
PARTNERS = ("United States", "Canada", "Mexico")
INCLUDED = "included"


# ---------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Settings:
    """Every choice the chapter's parameters make, validated."""

    designs: tuple[str, ...]
    quantity_basis: str  # DESIGN_BASIS: each design row's own
    cover_months: float  # 0: each design row's own months
    defence_share: float
    usgs_edition: int
    data_year: int  # 0: latest non-estimated year of the edition
    price_basis: str
    real_prices: bool
    storage_rate: float
    discount_rate: float
    horizon_years: int
    rotation_share: float
    mc_draws: int
    mc_seed: int
    volatility_since: int


def available_designs(folder: Path = paths.DATA_DIR) -> list[str]:
    return sorted(path.stem.removeprefix(DESIGN_PREFIX) for path in folder.glob(f"{DESIGN_PREFIX}*.csv"))


def check_parameters(
    designs: str,
    quantity_basis: str,
    cover_months: float,
    defence_share: float,
    usgs_edition: int,
    data_year: int,
    price_basis: str,
    real_prices: bool,
    storage_rate: float,
    discount_rate: float,
    horizon_years: int,
    rotation_share: float,
    mc_draws: int,
    mc_seed: int,
    volatility_since: int,
    folder: Path = paths.DATA_DIR,
) -> Settings:
    """The chapter's parameters as Settings, checked against the data: each design must have its file and the data
    year must lie in the edition. Static ranges and choices are rules of notebooks/parameters.yaml, checked by the
    build (and by the chapter run alone) before this runs."""
    names = tuple(name.strip() for name in designs.split(",") if name.strip())
    known = available_designs(folder)
    if not names:
        raise InputError(
            "no design given",
            field="stockpile_design",
            value=designs,
            fix=f"name one or more of {known}, separated by commas",
        )
    for name in names:
        if name not in known:
            raise InputError(
                "unknown stockpile design",
                field="stockpile_design",
                value=name,
                fix=f"choose from {known} or add data/{DESIGN_PREFIX}{name}.csv",
            )
    if len(set(names)) != len(names):
        raise InputError("a design is named twice", field="stockpile_design", value=designs, fix="name each once")
    if data_year and not usgs_edition - 6 <= data_year <= usgs_edition - 1:
        raise InputError(
            "year not in the edition",
            field="stockpile_data_year",
            value=data_year,
            fix=f"give 0 (latest non-estimated year) or a year from {usgs_edition - 5} to "
            f"{usgs_edition - 1} for MCS {usgs_edition}",
        )
    return Settings(
        names,
        quantity_basis,
        float(cover_months),
        float(defence_share),
        int(usgs_edition),
        int(data_year),
        price_basis,
        bool(real_prices),
        float(storage_rate),
        float(discount_rate),
        int(horizon_years),
        float(rotation_share),
        int(mc_draws),
        int(mc_seed),
        int(volatility_since),
    )


# ---------------------------------------------------------------- data files


def _line(index) -> int:
    return int(index) + 2  # CSV line: the header is line 1


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    values = pd.to_numeric(frame[column].str.strip(), errors="coerce").astype(float)
    bad = values.isna() & frame[column].str.strip().ne("")
    if bad.any():
        index = bad.idxmax()
        raise InputError(
            "not a number",
            file=path,
            row=_line(index),
            field=column,
            value=frame.at[index, column],
            fix="write a plain number, like 12 or 0.5",
        )
    return values


def _validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, path: Path, fix: str) -> pd.DataFrame:
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        case = err.failure_cases.sort_values("index", na_position="last").iloc[0]
        index = case["index"]
        raise InputError(
            f"fails check {case['check']}",
            file=path,
            row=_line(index) if index is not None else None,
            field=case["column"],
            value=case["failure_case"],
            fix=fix,
        ) from None


def _unique(column: str):
    return pa.Check(lambda s: ~s.duplicated(), error=f"duplicated {column}")


def read_minerals(path: Path = MINERALS_FILE) -> pd.DataFrame:
    """How each mineral is measured: USGS commodity and details, fallback when withheld, price source and factor."""
    columns = [
        "mineral",
        "label",
        "usgs_commodity",
        "consumption_detail",
        "nir_detail",
        "consumption_fallback",
        "price_source",
        "price_series",
        "content_factor",
        "content_note",
        "source",
    ]
    raw = read_data_table(path, columns)
    frame = raw[columns].copy()
    frame["content_factor"] = _numbers(raw, "content_factor", path)
    schema = pa.DataFrameSchema(
        {
            "mineral": pa.Column(str, [pa.Check.str_matches(r"^[a-z_]+$"), _unique("mineral")]),
            "label": pa.Column(str, pa.Check.str_length(min_value=1)),
            "usgs_commodity": pa.Column(str, pa.Check.str_length(min_value=1)),
            "consumption_fallback": pa.Column(str, pa.Check.isin(FALLBACKS)),
            "price_source": pa.Column(str, pa.Check.isin(PRICE_SOURCES)),
            "content_factor": pa.Column(float, pa.Check.gt(0)),
            "source": pa.Column(str, pa.Check.str_length(min_value=1)),
        }
    )
    return _validate(frame, schema, path, "see data/README.md for the allowed values").set_index("mineral")


def design_path(name: str, folder: Path = paths.DATA_DIR) -> Path:
    return folder / f"{DESIGN_PREFIX}{name}.csv"


def read_designs(folder: Path = paths.DATA_DIR) -> dict[str, pd.DataFrame]:
    """Every shipped design, read and validated (the build checks them before any kernel starts)."""
    minerals = read_minerals()
    return {name: read_design(name, minerals, folder) for name in available_designs(folder)}


def read_design(name: str, minerals: pd.DataFrame, folder: Path = paths.DATA_DIR) -> pd.DataFrame:
    """One design: per mineral whether included, months of cover, quantity basis, purpose, rationale, source."""
    path = design_path(name, folder)
    columns = ["mineral", "included", "months_of_cover", "basis", "purpose", "rationale", "source"]
    raw = read_data_table(path, columns)
    frame = raw[columns].copy()
    included = frame["included"].str.strip().str.lower()
    if not included.isin(["true", "false"]).all():
        index = (~included.isin(["true", "false"])).idxmax()
        raise InputError(
            "not true or false",
            file=path,
            row=_line(index),
            field="included",
            value=frame.at[index, "included"],
            fix="write true or false",
        )
    frame["included"] = included.eq("true")
    frame["months_of_cover"] = _numbers(raw, "months_of_cover", path)
    schema = pa.DataFrameSchema(
        {
            "mineral": pa.Column(str, [pa.Check.isin(list(minerals.index)), _unique("mineral")]),
            "months_of_cover": pa.Column(float, pa.Check.in_range(0, 120)),
            "basis": pa.Column(str, pa.Check.isin(QUANTITY_BASES)),
            "purpose": pa.Column(str, pa.Check.isin(PURPOSES)),
            "rationale": pa.Column(str, pa.Check.str_length(min_value=1)),
            "source": pa.Column(str, pa.Check.str_length(min_value=1)),
        }
    )
    fix = (
        f"minerals must be listed in {MINERALS_FILE.name}; months from 0 to 120; basis one of {QUANTITY_BASES}; "
        f"purpose one of {PURPOSES}; rationale and source filled in"
    )
    return _validate(frame, schema, path, fix).assign(design=name)


def read_assumptions(path: Path = ASSUMPTIONS_FILE) -> pd.DataFrame:
    raw = read_data_table(path, ["name", "value", "unit", "source", "note"])
    frame = raw.assign(value=_numbers(raw, "value", path))
    schema = pa.DataFrameSchema(
        {
            "name": pa.Column(str, _unique("name")),
            "value": pa.Column(float),
            "source": pa.Column(str, pa.Check.str_length(min_value=1)),
        }
    )
    return _validate(frame, schema, path, "give every assumption a unique name, a value and a source")


def assumption(assumptions: pd.DataFrame, name: str) -> float:
    row = assumptions[assumptions["name"] == name]
    if row.empty:
        raise InputError("assumption missing", file=ASSUMPTIONS_FILE, field=name, fix="add a row with this name")
    return float(row["value"].iloc[0])


def read_burden_keys(path: Path = BURDEN_FILE) -> pd.DataFrame:
    """Burden-sharing inputs: one row per key and partner, with a value, unit, year and source."""
    raw = read_data_table(path, ["key", "country", "value", "unit", "year", "source", "note"])
    frame = raw.assign(value=_numbers(raw, "value", path))
    schema = pa.DataFrameSchema(
        {
            "key": pa.Column(str, pa.Check.str_matches(r"^[a-z_]+$")),
            "country": pa.Column(str, pa.Check.isin(PARTNERS)),
            "value": pa.Column(float, pa.Check.ge(0)),
            "source": pa.Column(str, pa.Check.str_length(min_value=1)),
        },
        checks=pa.Check(lambda df: ~df.duplicated(["key", "country"]), error="duplicated key and country"),
    )
    frame = _validate(frame, schema, path, f"one row per key and partner {PARTNERS}, value >= 0, with a source")
    for key, rows in frame.groupby("key"):
        if set(rows["country"]) != set(PARTNERS):
            raise InputError(
                "key does not cover the three partners",
                file=path,
                field="key",
                value=key,
                fix=f"give one row for each of {PARTNERS}",
            )
    return frame


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
    edition_rows = salient[(salient["edition"] == edition) & salient["commodity"].isin(minerals["usgs_commodity"])]
    records = []
    for mineral, spec in minerals.iterrows():
        rows = edition_rows[edition_rows["commodity"] == spec["usgs_commodity"]]
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
    """Tonnes to stock per design mineral: annual basis x defence share x months / 12; exclusions with reasons."""
    stock = design.set_index("mineral").join(annual, how="left")
    basis = stock["basis"] if settings.quantity_basis == DESIGN_BASIS else settings.quantity_basis
    stock["basis_used"] = basis
    stock["months"] = settings.cover_months if settings.cover_months > 0 else stock["months_of_cover"]
    stock["demand_share"] = np.where(stock["purpose"] == "defence", settings.defence_share, 1.0)
    consumption_basis = stock["basis_used"] == CONSUMPTION
    stock["annual_t"] = np.where(consumption_basis, stock["consumption_t"], stock["net_imports_t"])
    stock["quantity_note"] = np.where(consumption_basis, stock["consumption_note"], stock["net_imports_note"])
    stock["stock_t"] = stock["annual_t"] * stock["demand_share"] * stock["months"] / 12
    stock["country"] = "United States"  # every quantity basis here is U.S. data
    # the first reason that applies, in this order
    reasons = {
        "left out by the design": ~stock["included"],
        "zero months of cover": stock["months"].eq(0),
        "no quantity: U.S. is a net exporter, no net imports to cover": stock["annual_t"].eq(0),
    }
    stock["exclusion"] = pd.Series(
        np.select(
            [*reasons.values(), stock["annual_t"].isna()],
            [*reasons, "no quantity: " + stock["quantity_note"]],
            default="",
        ),
        index=stock.index,
        dtype=object,
    )
    return stock


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
    salient = salient[(salient["measure"] == "price") & salient["value"].notna()]  # once, not once per mineral
    parts = []
    for mineral, spec in minerals.iterrows():
        if spec["price_source"] == "panel":
            part = _panel_history(prices_monthly, spec["price_series"])
        else:
            part = _usgs_history(salient, spec["usgs_commodity"], spec["price_series"])
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


def price_table(inputs: Inputs, price_basis: str, real: bool) -> pd.DataFrame:
    """design_prices on one price basis for the inputs' price history, index and year."""
    return design_prices(inputs.history, price_basis, inputs.price_year, real, inputs.index)


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


def cost_view(costs: pd.DataFrame) -> pd.DataFrame:
    """The per-mineral table as readers see it: quantities, price and its source, cost, and why excluded. How each
    quantity was measured, the price years and the price source are its details (the report shows them in the
    table's all-columns copy, in the data appendix)."""
    view = costs.reset_index()
    return display.details(
        pd.DataFrame(
            {
                "mineral": view["label"],
                "basis": view["basis_used"],
                "months": view["months"],
                "annual quantity (t)": view["annual_t"],
                "quantity note": view["quantity_note"],
                "stock (t)": view["stock_t"],
                "price (USD/t)": view["price_usd_per_t"],
                "price years": view["price_note"],
                "price source": view["price_source"],
                "cost (USD m)": view["cost_usd"] / 1e6,
                "status": np.where(view["status"] == INCLUDED, INCLUDED, "excluded: " + view["exclusion"]),
            }
        ),
        ["quantity note", "price years", "price source"],
    )


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


def key_inputs(keys: pd.DataFrame) -> pd.DataFrame:
    return keys[["key", "country", "value", "unit", "year", "source", "note"]]


# ---------------------------------------------------------------- results


def headline_results(
    settings: Settings,
    data_year: int,
    price_year: int,
    costs_by_design: dict[str, pd.DataFrame],
    calibrated: pd.DataFrame,
    tornados: dict[str, pd.DataFrame],
    simulations: dict[str, MonteCarlo],
    burden: dict[str, pd.DataFrame],
    rotation_cost_rate: float,
    nds_material_value: float,
) -> dict:
    designs = {}
    for name, costs in costs_by_design.items():
        mc = simulations[name]
        calib = calibrated[calibrated["design"] == name].set_index("target")
        shares = burden[name]
        designs[name] = {
            "acquisition_usd": total_cost(costs),
            "yearly_carrying_cost_usd": carrying_cost_per_year(
                total_cost(costs),
                settings.storage_rate,
                settings.discount_rate,
                settings.rotation_share,
                rotation_cost_rate,
            ),
            "net_present_cost_usd": design_npc(costs, settings, rotation_cost_rate),
            "minerals_included": sorted(included(costs).index),
            "minerals_excluded": {row.mineral: row.exclusion for row in exclusions(costs).itertuples()},
            "cost_by_mineral_usd": included(costs)["cost_usd"].sort_values(ascending=False).to_dict(),
            "calibrated_cover_months": calib["uniform cover for target (months)"].to_dict(),
            "calibrated_multiple_of_design": calib["multiple of design covers or of prices"].to_dict(),
            "monte_carlo_usd": {
                "p5": mc.p5,
                "p50": mc.p50,
                "p95": mc.p95,
                "mean": mc.mean,
                "standard_error_of_mean": mc.standard_error,
            },
            "largest_cost_drivers": tornados[name]["driver"].head(3).tolist(),
            "burden_shares": {key: rows.set_index("country")["share"].to_dict() for key, rows in shares.groupby("key")},
            "acquisition_vs_nds_material": total_cost(costs) / nds_material_value,
        }
    return {
        "designs": designs,
        "usgs_edition": settings.usgs_edition,
        "data_year": data_year,
        "price_year": price_year,
        "price_basis": settings.price_basis,
        "real_prices": settings.real_prices,
        "quantity_basis": settings.quantity_basis,
        "cover_months": settings.cover_months,
        "defence_share": settings.defence_share,
        "discount_rate": settings.discount_rate,
        "storage_rate": settings.storage_rate,
        "horizon_years": settings.horizon_years,
        "mc_draws": settings.mc_draws,
        "mc_seed": settings.mc_seed,
        "mc_seconds": sum(mc.seconds for mc in simulations.values()),
    }


# ---------------------------------------------------------------- calibration on both quantity bases, and prose


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


def nds_comparison(costs_by_design: dict[str, pd.DataFrame], assumptions: pd.DataFrame) -> pd.DataFrame:
    """Each design's acquisition cost against the National Defense Stockpile's present scale (CRS figures)."""
    material = assumption(assumptions, "nds_material_value")
    gap = assumption(assumptions, "nds_requirement_gap")
    return pd.DataFrame(
        [
            {
                "design": name,
                "acquisition (USD bn)": total_cost(costs) / 1e9,
                "NDS stockpiled material (USD bn)": material / 1e9,
                "multiple of NDS material": total_cost(costs) / material,
                "NDS requirement gap (USD bn)": gap / 1e9,
                "multiple of the NDS gap": total_cost(costs) / gap,
            }
            for name, costs in costs_by_design.items()
        ]
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


def burden_table(burden: dict[str, pd.DataFrame]) -> pd.DataFrame:
    table = pd.concat([shares.assign(design=name) for name, shares in burden.items()], ignore_index=True)
    return table.assign(cost_usd_bn=table["cost_usd"] / 1e9)[["design", "key", "country", "share", "cost_usd_bn"]]


def nds_text(nds: pd.DataFrame) -> str:
    return " ".join(
        f"The **{row['design']}** design would cost {row['multiple of NDS material']:.1f} times the "
        f"material now held in the National Defense Stockpile and {row['multiple of the NDS gap']:.2f} "
        f"times the gap between its assets and requirements."
        for _, row in nds.iterrows()
    )
