"""Why a step re-runs: the parts of its cache key, kept beside the cache, compared with those of the key it had.

A step's key (plan.step_keys) is a digest of its code, its parameters, the files it reads, the environment (the
package code, the pinned requirements, the Python version) and the keys of the steps it needs. The digest alone
cannot say what changed, so every key's parts are written to build/.cache/keys/<step>/<key>.json when the build
computes it; a step that is not in the cache is explained by comparing them with the parts of the key the same
scenario (or, for a new variant, its scenario) was last published with.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..core import digest
from . import plan

MAX_LISTED = 3  # changed files named per part; the rest are counted


def environment_parts() -> dict:
    return {
        "package": digest.files_digest(digest.package_sources()),
        "requirements": digest.file_digest(plan.REQUIREMENTS_FILE),
        "python": sys.version.split()[0],
    }


def key_parts(steps: list[plan.Step], values: dict[str, dict], keys: dict[str, str], environment: dict) -> dict:
    """Per step, what its key is made of (as in plan.step_keys), readable enough to compare."""
    parts = {}
    for step in steps:
        parts[step.name] = {
            "code": digest.combine(step.run or plan.notebook_source(step.notebook)),
            "parameters": values.get(step.name, {}),
            "files": digest.files_digest(digest.matching(list(step.reads))),
            **environment,
            "needs": {need: keys[need] for need in step.needs},
        }
    return parts


def record(folder: Path, keys: dict[str, str], parts: dict) -> None:
    for step, key in keys.items():
        path = folder / step / f"{key[:32]}.json"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(parts[step], default=str), encoding="utf-8")
            tmp.replace(path)


def recorded(folder: Path, step: str, key: str) -> dict | None:
    try:
        return json.loads((folder / step / f"{key[:32]}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def changes(old: dict, new: dict) -> list[str]:
    """What differs between two keys' parts, in words: parameters (name, old → new), files, code, environment."""
    said = []
    for name in sorted(set(old.get("parameters", {})) | set(new.get("parameters", {}))):
        before, after = old.get("parameters", {}).get(name), new.get("parameters", {}).get(name)
        if before != after:
            said.append(f"parameter {name}: {before} → {after}")
    said += changed_files("file", old.get("files", {}), new.get("files", {}))
    if old.get("code") != new.get("code"):
        said.append("the notebook's cells changed" if "parameters" in new else "the step's code changed")
    said += changed_files("package code", old.get("package", {}), new.get("package", {}))
    if old.get("requirements") != new.get("requirements"):
        said.append("requirements.txt changed")
    if old.get("python") != new.get("python"):
        said.append(f"Python {old.get('python')} → {new.get('python')}")
    needs = [need for need, key in new.get("needs", {}).items() if old.get("needs", {}).get(need) != key]
    if needs and not said:
        said.append(f"{', '.join(needs)} changed")
    return said


def changed_files(label: str, old: dict, new: dict) -> list[str]:
    names = [f"{path} changed" for path in sorted(set(old) & set(new)) if old[path] != new[path]]
    names += [f"{path} added" for path in sorted(set(new) - set(old))]
    names += [f"{path} removed" for path in sorted(set(old) - set(new))]
    if not names:
        return []
    more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    return [f"{label}: {', '.join(names[:MAX_LISTED])}{more}"]


def reason(folder: Path, step: str, key: str, previous_key: str | None) -> str:
    """One phrase saying why a step that is not in the cache runs."""
    if previous_key is None:
        return "never built for this scenario"
    if previous_key == key:
        return "same key as the published report, but its cache entry is gone"
    old, new = recorded(folder, step, previous_key), recorded(folder, step, key)
    if old is None or new is None:
        return "key changed (no record of the previous key's parts)"
    return "; ".join(changes(old, new)) or "key changed"


def prune(folder: Path, cache: Path, published_keys: set[tuple[str, str]]) -> None:
    """Drop the parts of keys that have neither a cache entry nor a published report (they explain nothing)."""
    for record_file in folder.glob("*/*.json"):
        step, short = record_file.parent.name, record_file.stem
        if not (cache / step / short).is_dir() and (step, short) not in published_keys:
            record_file.unlink(missing_ok=True)
