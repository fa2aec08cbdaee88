"""The report's figure thumbnails, memoised by the content of the figure's PNG: a build reduces only the figures
whose image changed (a one-chapter change: that chapter's), and the build's workers make a chapter's thumbnails
as soon as it has run, in parallel with the other chapters, so assembling the report only reads them.

The same memo keeps the PDF's document model of each part of the report (typeset.py), by the content of that part:
a one-chapter change converts that chapter and the pages that quote its results, not the whole report again.

The memo is used only where the build switches it on (`use`); elsewhere every value is made afresh. Each memo
file carries the digest of its content: a damaged one is made again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

KEPT = 2000  # memo files kept (oldest used first removed): about 20 scenarios' worth of figures at three widths
_folder: Path | None = None


def use(folder: Path | None) -> None:
    """Memoise thumbnails in `folder` (None: switch the memo off)."""
    global _folder
    _folder = folder


def memoised(png: bytes, width: int, make: Callable[[bytes, int], str]) -> str:
    """`make(png, width)`, taken from the memo when it holds it for these bytes and width."""
    return memoised_text(f"{hashlib.sha256(png).hexdigest()[:40]}-{width}", lambda: make(png, width))


def memoised_text(key: str, make: Callable[[], str]) -> str:
    """`make()`, taken from the memo when it holds the text for `key` (a name made of the digest of what the text
    is made from, and letters, digits and hyphens)."""
    if _folder is None:
        return make()
    path = _folder / f"{key}.txt"
    try:
        check, value = path.read_text(encoding="utf-8").split("\n", 1)
        if hashlib.sha256(value.encode()).hexdigest() == check:
            os.utime(path)  # recently used: kept by `prune`
            return value
    except (OSError, ValueError):
        pass
    value = make()
    try:
        _folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(f"{hashlib.sha256(value.encode()).hexdigest()}\n{value}", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # only a memo: a folder that cannot be written costs time, not the report
        pass
    return value


def prune(folder: Path, kept: int = KEPT) -> None:
    """Keep the `kept` most recently used memo files."""
    try:
        files = sorted(folder.glob("*.txt"), key=lambda path: path.stat().st_mtime, reverse=True)
    except OSError:
        return
    for path in files[kept:]:
        path.unlink(missing_ok=True)
