"""Chapter 03's inputs: the hand-written stockpile tables in data/ (minerals, designs, assumptions, burden keys),
read and validated, and the chapter's parameters checked against them (Settings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ...core import paths
from ...core.errors import InputError
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


PARTNERS = ("United States", "Canada", "Mexico")


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
