"""Units in one place: every quantity is stored in a canonical unit (t, carat, m3; prices in USD/t)."""

from __future__ import annotations

import re

from ..core.errors import InputError

POUND_T = 0.45359237e-3  # avoirdupois pound, in metric tons
TROY_OUNCE_T = 31.1034768e-6  # troy ounce, in metric tons
SHORT_TON_T = 0.90718474

# unit token -> (canonical unit, factor to multiply by)
_QUANTITY_UNITS: dict[str, tuple[str, float]] = {
    "t": ("t", 1.0),
    "kg": ("t", 1e-3),
    "g": ("t", 1e-6),
    "kt": ("t", 1e3),
    "mt_million": ("t", 1e6),
    "lb": ("t", POUND_T),
    "troy_oz": ("t", TROY_OUNCE_T),
    "short_ton": ("t", SHORT_TON_T),
    # metric ton unit: 1 % of a tonne of the contained substance (tungsten APT per mtu WO3, manganese ore per mtu Mn)
    "mtu": ("t", 0.01),
    "carat": ("carat", 1.0),
    "kct": ("carat", 1e3),
    "mct": ("carat", 1e6),
    "m3": ("m3", 1.0),
    "mcm": ("m3", 1e6),
}

# spellings found in USGS files (column-name tokens and UNIT_MEAS strings), lower-cased
_ALIASES = {
    "metric tons": "t",
    "metric ton": "t",
    "tons": "t",
    "kilograms": "kg",
    "thousand metric tons": "kt",
    "thousand metric dry tons": "kt",
    "million metric tons": "mt_million",
    "mmt": "mt_million",
    "million carats": "mct",
    "thousand carats": "kct",
    "carats": "carat",
    "million cubic meters": "mcm",
    "cubic meters": "m3",
    "pounds": "lb",
    "troy ounces": "troy_oz",
    "oz": "troy_oz",
}


def canonical_quantity_unit(unit: str) -> tuple[str, float]:
    """Return (canonical unit, factor) for a USGS unit spelling: 'kt' -> ('t', 1000.0).

    'Mt' (capital M) is million metric tons; a lower-case 'mt' in a USGS column name is not used for that.
    """
    token = unit.strip()
    if token == "Mt":
        token = "mt_million"
    key = _ALIASES.get(token.lower(), token.lower() if token.lower() in _QUANTITY_UNITS else token)
    if key not in _QUANTITY_UNITS:
        raise InputError(
            "unknown unit of quantity",
            field="unit",
            value=unit,
            fix=f"use one of {sorted(set(_QUANTITY_UNITS) | set(_ALIASES))} "
            "or add it to critical_minerals/sources/units.py",
        )
    return _QUANTITY_UNITS[key]


def to_canonical(value: float, unit: str) -> tuple[float, str]:
    """Convert a quantity to its canonical unit: (2.5, 'kt') -> (2500.0, 't')."""
    canonical, factor = canonical_quantity_unit(unit)
    return value * factor, canonical


_PRICE_RE = re.compile(r"^(?P<currency>USD|USc)\s*/\s*(?P<unit>.+)$")


def price_factor_to_usd_per_t(unit: str) -> float:
    """Factor turning a price in `unit` ('USD/lb', 'USc/lb', 'USD/kg', 'USD/troy_oz', 'USD/t') into USD per
    metric ton."""
    match = _PRICE_RE.match(unit.strip())
    if not match:
        raise InputError(
            "unknown price unit", field="unit", value=unit, fix="write prices as 'USD/<unit>' or 'USc/<unit>'"
        )
    canonical, per_unit_in_t = canonical_quantity_unit(match["unit"])
    if canonical != "t":
        raise InputError("price is not per unit of mass", field="unit", value=unit, fix="give a mass unit")
    cents = 0.01 if match["currency"] == "USc" else 1.0
    return cents / per_unit_in_t


def price_to_usd_per_t(value: float, unit: str) -> float:
    """Convert a price to USD per metric ton: (1.0, 'USD/lb') -> 2204.62..."""
    return value * price_factor_to_usd_per_t(unit)


# ---------------------------------------------------------------- lithium product units
# The IMF lithium series is priced per metric ton of lithium metal; lithium projects sell lithium carbonate
# equivalent (LCE, Li2CO3). One tonne of lithium is contained in 73.891 / (2 x 6.941) = 5.323 t of Li2CO3.
LITHIUM_ATOMIC_MASS = 6.941  # g/mol
LITHIUM_CARBONATE_MOLAR_MASS = 73.891  # g/mol, Li2CO3
T_LCE_PER_T_LI = LITHIUM_CARBONATE_MOLAR_MASS / (2 * LITHIUM_ATOMIC_MASS)


def usd_per_t_li_to_usd_per_t_lce(price_usd_per_t_li: float) -> float:
    """Price per tonne of contained lithium -> price per tonne of LCE with the same lithium: 53,230 -> 10,000."""
    return price_usd_per_t_li / T_LCE_PER_T_LI
