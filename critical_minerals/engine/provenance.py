"""build/<scenario>/manifest.json: what a report was made from — parameters, data files with SHA-256, package
versions, git commit, and per step its key, wall time and whether it came from the cache."""

from __future__ import annotations

import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from ..core import digest, paths
from ..sources import official_datasets
from . import plan

MANIFEST = "manifest.json"


def git_state(root: Path = paths.ROOT) -> dict:
    """Commit and whether tracked files differ from it; None when the project is not a git checkout."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(status.strip())}


def package_versions(requirements: Path = plan.REQUIREMENTS_FILE) -> dict[str, str]:
    """Installed version of every pinned requirement (and of this project)."""
    versions = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==", line.strip())
        if match:
            try:
                versions[match.group(1)] = metadata.version(match.group(1))
            except metadata.PackageNotFoundError:
                versions[match.group(1)] = None
    return versions


def data_files(steps: list[plan.Step], registry: dict[str, official_datasets.Dataset]) -> list[dict]:
    """Every fetched file (with the SHA-256 it was verified against) and every project data file the steps read."""
    rows = [
        {"path": f"data/external/{name}/{file.path}", "dataset": name, "sha256": file.sha256}
        for name, dataset in registry.items()
        for file in dataset.files
    ]
    rows += [
        {"path": path, "dataset": None, "sha256": sha}
        for path, sha in digest.files_digest(plan.read_files(steps)).items()
    ]
    return rows


def manifest(
    scenario: str, parameters: list[dict], steps: list[dict], files: list[dict], git: dict, packages: dict
) -> dict:
    return {
        "scenario": scenario,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": parameters,
        "parameters_differing_from_defaults": {row["name"]: row["value"] for row in parameters if row["differs"]},
        "data_files": files,
        "packages": packages,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "git": git,
        "steps": steps,
    }
