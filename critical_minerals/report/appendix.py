"""The report's appendices: parameters of this run, data sources and licences (from the registry), provenance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from ..chapter.parameters import BUILD_PARAMETERS
from ..sources.official_datasets import Dataset

REGISTRY_FIELDS = (
    ("publisher", "Publisher"),
    ("licence", "Licence"),
    ("citation", "Citation"),
    ("version", "Version"),
    ("note", "Note"),
)
LINK_FIELDS = (("url", "Official address"), ("landing_page", "Landing page"))


def web_link(address: str) -> str | None:
    """The address if a browser may follow it (http or https), else None: it is then shown as text only."""
    return address if urlsplit(str(address)).scheme in ("http", "https") else None


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    fields: list[tuple[str, str]]  # (label, text)
    links: list[tuple[str, str, str | None]]  # (label, address as written, href or None)
    files: list[tuple[str, str]]  # (path, sha256)


def sources(registry: dict[str, Dataset]) -> list[Source]:
    found = []
    for name, dataset in registry.items():
        meta = dataset.meta
        fields = [(label, str(meta[key])) for key, label in REGISTRY_FIELDS if meta.get(key)]
        links = [(label, str(meta[key]), web_link(meta[key])) for key, label in LINK_FIELDS if meta.get(key)]
        if meta.get("doi"):
            doi = str(meta["doi"])
            links.append(("DOI", doi, web_link(f"https://doi.org/{doi}")))
        found.append(
            Source(name, str(meta["title"]), fields, links, [(file.path, file.sha256) for file in dataset.files])
        )
    return found


def parameters_by_notebook(manifest: dict) -> list[tuple[str, list[dict]]]:
    """The manifest's parameters grouped by notebook, in the order the build ran them."""
    grouped: dict[str, list[dict]] = {}
    for parameter in manifest["parameters"]:
        grouped.setdefault(parameter["notebook"], []).append(parameter)
    return list(grouped.items())


def chosen(manifest: dict) -> list[dict]:
    """The parameters the scenario sets differently from the defaults, once each; not those the build sets itself
    (scenario name, output folder), which are no choice of the reader's."""
    found = {}
    for parameter in manifest["parameters"]:
        if parameter["differs"] and parameter["name"] not in BUILD_PARAMETERS:
            found.setdefault(parameter["name"], parameter)
    return list(found.values())


def shown_value(value) -> str:
    """A parameter value as the reader would write it in a scenario file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def built_at(manifest: dict) -> str:
    """The build time as people read it: 2025-07-04 14:03 UTC (the manifest keeps full ISO precision)."""
    moment = datetime.fromisoformat(manifest["built_at"])
    zone = moment.strftime(" %Z") if moment.tzinfo else ""
    return moment.strftime("%Y-%m-%d %H:%M") + zone
