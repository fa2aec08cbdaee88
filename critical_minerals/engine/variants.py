"""Variants: a build with -p values publishes beside its scenario, never over it.

`python build.py -p strike_multiple=1.2` builds scenario default with one value changed and publishes it as
build/default+strike_multiple=1.2/ and figures/default+strike_multiple=1.2/ (or under the name given with --name):
the folder and the report's title say what changed, and build/default/ stays as its scenario file made it.
Folder names are safe on Windows, macOS and Linux; a long or unusual one is shortened with a digest of the values.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..chapter import parameters
from ..core import digest, paths
from ..core.errors import InputError
from . import provenance

SAFE_NAME = re.compile(r"[A-Za-z0-9._=+,-]+")  # no ':' '*' '?' '"' '<' '>' '|' '/' '\\' or spaces
NAME_CHARACTERS = 80  # build/<name>/notebooks/<chapter>.ipynb stays far below Windows' 260-character paths


def shown_value(value: object) -> str:
    """A typed parameter value as it appears in a variant's name: 1.2, true, us_45x_current_law."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def variant_name(scenario: str, overrides: dict[str, object]) -> str:
    """`default+strike_multiple=1.2+subsidy_regime=…`, in name order (the same values give the same folder);
    `default+3-changes-<digest>` when that would be long or not a safe folder name."""
    readable = "+".join([scenario, *(f"{name}={shown_value(overrides[name])}" for name in sorted(overrides))])
    if len(readable) <= NAME_CHARACTERS and SAFE_NAME.fullmatch(readable) and not readable.endswith("."):
        return readable
    code = digest.combine({name: shown_value(value) for name, value in overrides.items()})[:10]
    return f"{scenario}+{len(overrides)}-changes-{code}"


def check_given_name(name: str) -> str:
    """A name given with --name: a safe folder name that is not a named scenario's."""
    if not name or not parameters.SCENARIO_NAME.match(name) or len(name) > NAME_CHARACTERS:
        raise InputError(
            "not a variant name",
            field="--name",
            value=parameters.cut(name),
            fix=f"use up to {NAME_CHARACTERS} letters, digits, '-', '_' and '.', starting with a letter or digit",
        )
    if (paths.SCENARIOS_DIR / f"{name}.yaml").is_file():
        raise InputError(
            "a named scenario has this name",
            field="--name",
            value=name,
            fix=f"choose another name: a variant never replaces scenario {name!r}'s report",
        )
    return name


@dataclass(frozen=True)
class Published:
    name: str
    manifest: dict | None

    @property
    def variant(self) -> dict | None:
        return (self.manifest or {}).get("variant")


def published() -> list[Published]:
    """Every published scenario and variant (a folder of build/ with a manifest)."""
    found = []
    for folder in sorted(paths.build_dir().iterdir()) if paths.build_dir().is_dir() else []:
        record = folder / provenance.MANIFEST
        if folder.is_dir() and not folder.name.startswith(".") and record.is_file():
            try:
                found.append(Published(folder.name, json.loads(record.read_text(encoding="utf-8"))))
            except (OSError, ValueError):
                found.append(Published(folder.name, None))
    return found


def describe_changes(changes: dict, defaults: dict | None = None) -> str:
    parts = []
    for name, value in changes.items():
        old = (defaults or {}).get(name)
        parts.append(
            f"{name} {shown_value(old)} → {shown_value(value)}" if old is not None else f"{name}={shown_value(value)}"
        )
    return ", ".join(parts) or "no value changed"


def listing() -> list[str]:
    """`--list`: the scenario files and what each sets, then the variants with what differs; when each was built."""
    built = {item.name: item for item in published()}
    lines = ["Scenarios (scenarios/<name>.yaml; build with --scenario NAME):"]
    for path in sorted(paths.SCENARIOS_DIR.glob("*.yaml")):
        try:
            values = parameters.load_scenario(path.stem)
            sets = ", ".join(f"{key}={value}" for key, value in values.items()) or "every parameter at its default"
        except InputError as err:
            sets = f"cannot be read: {err.problem}"
        lines.append(f"  {path.stem:<28} {sets}; {built_text(built.get(path.stem))}")
    variants = [item for item in built.values() if item.variant]
    lines.append("Variants (built with -p or --name; remove with --remove NAME):")
    for item in variants:
        variant = item.variant
        lines.append(
            f"  {item.name:<28} of {variant['of']}: {describe_changes(variant['overrides'], variant.get('before'))}"
            f"; {built_text(item)}"
        )
    if not variants:
        lines.append("  none")
    return lines


def built_text(item: Published | None) -> str:
    if item is None:
        return "not built"
    try:
        when = datetime.fromisoformat(item.manifest["built_at"]).strftime("%Y-%m-%d %H:%M %Z").strip()
    except (TypeError, KeyError, ValueError):
        when = "at an unknown time"
    return f"built {when} (build/{item.name}/report.html)"


def remove(name: str, force: bool) -> list[Path]:
    """Remove a variant's published folders. A named scenario's report is removed only with force (its scenario
    file is kept), since nothing but a rebuild brings it back."""
    built = {item.name: item for item in published()}
    if name not in built:
        close = parameters.suggestion(name, list(built))
        hint = f"did you mean {close!r}? " if close else ""
        raise InputError(
            "nothing published under this name",
            field="--remove",
            value=parameters.cut(name),
            fix=f"{hint}`python build.py --list` lists what is built",
        )
    if not built[name].variant and not force:
        raise InputError(
            "this is a named scenario's report, not a variant",
            field="--remove",
            value=name,
            fix=f"rebuild it with --scenario {name}, or add --force to remove build/{name}/ and "
            f"figures/{name}/ (scenarios/{name}.yaml is kept)",
        )
    removed = []
    for folder in (paths.build_dir() / name, paths.figures_dir() / name, paths.build_dir() / f"{name}.failed"):
        if folder.exists():
            shutil.rmtree(folder)
            removed.append(folder)
    return removed
