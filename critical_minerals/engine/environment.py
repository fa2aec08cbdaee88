"""Is this Python the project's environment? Checked by build.py before anything else is imported, so running
`python build.py` with another Python gives one line saying how to activate the environment — not a traceback from
inside a chapter. Standard library only: it must work where nothing else is installed."""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"
BUILD_ONLY = {"pytest"}  # pinned for the tests; the build runs without it
ACTIVATE = (
    "activate the project's environment first: `. .venv/bin/activate` (Windows: `.venv\\Scripts\\activate`); "
    "no .venv yet? `python -m venv .venv`, activate it, then `pip install -r requirements.txt`"
)


def missing(requirements: Path = REQUIREMENTS) -> list[str]:
    """Pinned packages (and this project's package) not installed for this Python."""
    names = [
        match.group(1)
        for line in requirements.read_text(encoding="utf-8").splitlines()
        if (match := re.match(r"^([A-Za-z0-9_.\-]+)==", line.strip()))
    ]
    names = [name for name in names if name.lower() not in BUILD_ONLY] + ["critical-minerals"]
    absent = []
    for name in names:
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            absent.append(name)
    return absent


def problem(requirements: Path = REQUIREMENTS) -> str | None:
    """One line for the user when the environment is not the project's, else None."""
    absent = missing(requirements)
    if not absent:
        return None
    listed = ", ".join(absent[:4]) + (f" and {len(absent) - 4} more" if len(absent) > 4 else "")
    return f"error: this Python ({sys.executable}) lacks {listed}; {ACTIVATE}"
