"""Country names as USGS writes them -> one canonical name, with aggregates ('Other countries', 'World total') marked.

USGS glues footnote digits and the estimate marker 'e' to names (``Other countries6``, ``Russiae``), uses
non-breaking spaces (``United\\xa0States``) and appends qualifiers (``Brazil (beneficiated)``, ``China, boric oxide
equivalent``). Canonical names are those of data/countries.csv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..core import paths
from .handwritten_tables import read_data_table
from .usgs_csv import clean_text

COUNTRY, OTHER, WORLD, GROUP, UNKNOWN = "country", "other_countries", "world_total", "group", "unknown"
PARTNERS = ("United States", "Mexico", "Canada")  # the USMCA club, in the papers' order

_GROUPS = {"United States and Canada"}


@dataclass(frozen=True)
class CountryName:
    raw: str
    country: str  # canonical name, or the cleaned text when unknown
    kind: str  # country | other_countries | world_total | group | unknown
    detail: str  # qualifier kept from the raw name, e.g. 'beneficiated' or 'excluding U.S. production'
    estimated: bool  # the raw name carried the USGS estimate marker 'e'
    footnote: str  # footnote number stripped from the name

    @property
    def renamed(self) -> bool:
        return self.country != self.raw


@lru_cache(maxsize=1)
def known_countries() -> frozenset[str]:
    return frozenset(read_data_table(paths.DATA_DIR / "countries.csv", ["country"])["country"])


def _detail(text: str) -> str:
    """'(rounded), excluding U.S. production.' -> 'rounded, excluding U.S. production'."""
    return re.sub(r"\s*,\s*", ", ", text.replace("(", "").replace(")", "")).strip(" ,.")


@lru_cache(maxsize=4096)
def normalise_country(raw: str) -> CountryName:
    text = clean_text(raw)
    footnote = ""
    if match := re.search(r"\s?(\d+)$", text):
        footnote, text = match.group(1), text[: match.start()].rstrip()
    lower = text.lower()
    if lower.startswith("world total") or lower == "world":
        detail = _detail(text[len("world total") :]) if lower.startswith("world total") else ""
        return CountryName(raw, "World total", WORLD, detail, False, footnote)
    if lower.startswith("other countries") or lower == "other":
        estimated = lower == "other countriese"
        rest = "" if estimated else _detail(text[len("other countries") :])
        return CountryName(raw, "Other countries", OTHER, rest, estimated, footnote)
    if text in _GROUPS:
        return CountryName(raw, text, GROUP, "", False, footnote)
    known = known_countries()
    if text in known:
        return CountryName(raw, text, COUNTRY, "", False, footnote)
    # qualifier in brackets or after a comma: 'Brazil (beneficiated)', 'Peru, crude borates'
    for pattern in (r"^(?P<name>.+?)\s*\((?P<detail>.+)\)$", r"^(?P<name>[^,]+),\s*(?P<detail>.+)$"):
        match = re.match(pattern, text)
        if match and match["name"] in known:
            return CountryName(raw, match["name"], COUNTRY, match["detail"], False, footnote)
    # estimate marker glued to the name: 'Russiae' -> 'Russia', estimated
    if text.endswith("e") and text[:-1] in known:
        return CountryName(raw, text[:-1], COUNTRY, "", True, footnote)
    return CountryName(raw, text, UNKNOWN, "", False, footnote)
