"""The build cache's entries carry checksums of their content, so a damaged entry is found and recomputed.

A step's entry (build/.cache/<step>/<key>/) holds its outputs, its executed notebook and `record.json`: the step's
key and time, the SHA-256 of every file of the entry, and a checksum of the record itself. Before an entry is used,
all of this is checked; an entry that fails (a truncated or garbled record, a file changed, missing or added) is
deleted with one line saying so, and the step runs again. Small cached values (the notebooks' parameters) are JSON
files with a checksum of their own, read the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from ..core.digest import combine, file_digest
from ..core.paths import project_path

RECORD = "record.json"


def _checksum(fields: dict) -> str:
    return combine("cache entry", fields)


def _files(folder: Path) -> dict[str, str]:
    """Every file of the entry but its record, with its SHA-256."""
    return {
        path.relative_to(folder).as_posix(): file_digest(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path != folder / RECORD
    }


def seal(folder: Path, record: dict) -> None:
    """Write the entry's record: `record` plus the checksum of every file now in the folder, and its own."""
    fields = {**record, "files": _files(folder)}
    _write(folder / RECORD, {**fields, "checksum": _checksum(fields)})


class Damaged(Exception):
    """What is wrong with a cache entry, in a few words."""


def load(folder: Path) -> dict:
    """The entry's record after checking the record and every file against it; raises Damaged."""
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Damaged(f"{RECORD} missing") from None
    except (OSError, ValueError) as err:  # UnicodeDecodeError is a ValueError
        raise Damaged(f"{RECORD} is not readable JSON: {type(err).__name__}") from None
    if not isinstance(record, dict) or not isinstance(record.get("files"), dict):
        raise Damaged(f"{RECORD} is not an entry record")
    fields = {name: value for name, value in record.items() if name != "checksum"}
    if record.get("checksum") != _checksum(fields):
        raise Damaged(f"{RECORD} does not match its checksum")
    try:
        found = _files(folder)
    except OSError as err:
        raise Damaged(f"unreadable file ({err.strerror})") from None
    for name, sha in record["files"].items():
        if name not in found:
            raise Damaged(f"{name} missing")
        if found[name] != sha:
            raise Damaged(f"{name} changed")
    if extra := sorted(set(found) - set(record["files"])):
        raise Damaged(f"{extra[0]} is not part of the entry")
    return record


def usable(folder: Path) -> bool:
    """Whether the entry is there and intact; a damaged one is deleted, saying so, and counts as missing."""
    if not folder.exists() and not folder.is_symlink():
        return False
    try:
        load(folder)
        return True
    except Damaged as damage:
        discard(folder, str(damage))
        return False


def discard(path: Path, reason: str) -> None:
    print(
        f"cache: {project_path(path)} is damaged ({reason}); discarded, computing it again", file=sys.stderr, flush=True
    )
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def read_json(path: Path):
    """A cached value written by write_json, or None when there is none or it is damaged (then deleted)."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        discard(path, f"not readable JSON: {type(err).__name__}")
        return None
    if (
        not isinstance(stored, dict)
        or "value" not in stored
        or stored.get("checksum") != _checksum({"value": stored["value"]})
    ):
        discard(path, "does not match its checksum")
        return None
    return stored["value"]


def write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, {"value": value, "checksum": _checksum({"value": value})})


def _write(path: Path, data: dict) -> None:
    """Written whole and renamed: a reader sees the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)
