"""Content digests: what the build's cache keys and the tables' freshness stamp are made of."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import paths

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_digest(files: list[Path], root: Path = paths.ROOT) -> dict[str, str]:
    """Relative path -> SHA-256 for each file, in path order."""
    return {str(path.relative_to(root)): file_digest(path) for path in sorted(files)}


def matching(patterns: list[str], root: Path = paths.ROOT) -> list[Path]:
    """Files under root matching any of the glob patterns, each once, in path order."""
    return sorted({path for pattern in patterns for path in root.glob(pattern) if path.is_file()})


def package_sources() -> list[Path]:
    """The package's code and the files it ships (templates, styles); bytecode excluded."""
    return sorted(
        path
        for path in PACKAGE_DIR.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


def combine(*parts: object) -> str:
    """One digest of JSON-serialisable parts (dicts are key-sorted, so order of insertion does not matter)."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
