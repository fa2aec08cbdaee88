"""Runtime failures as people read them: one message saying what happened and what to do, the traceback in a log.

A full disk, an output folder that cannot be written, a dead kernel or a bug are not the user's input errors (exit 2)
but the build failing (exit 1). The message names the file and the cause in words; the details a developer needs
go to build/logs/ (or the system's temporary folder when build/ cannot be written), and the message gives the path.
"""

from __future__ import annotations

import errno
import os
import tempfile
import time
from pathlib import Path

from ..core import paths

LOGS_KEPT = 20

CAUSES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EACCES: "permission denied",
    errno.EPERM: "the operation is not permitted (read-only or locked)",
    errno.EROFS: "the file system is read-only",
    errno.ENOTDIR: "a file stands where a folder is needed",
    errno.EEXIST: "a file stands where a folder is needed",
    errno.EISDIR: "a folder stands where a file is needed",
    errno.EIO: "the disk reported an input/output error",
    errno.ENOMEM: "the computer ran out of memory",
}
FIXES = {
    errno.ENOSPC: "free some space (old builds in build/ can go), then build again",
    errno.EDQUOT: "free some space, then build again",
    errno.EACCES: "make the folder writable for you, or build into another folder (MINERALS_OUTPUT_ROOT)",
    errno.EPERM: "make the folder writable (chmod u+w; chattr -i), or build into another folder",
    errno.EROFS: "build into a writable folder (set MINERALS_OUTPUT_ROOT)",
    errno.ENOTDIR: "move the file away, or set MINERALS_OUTPUT_ROOT to a folder",
    errno.EEXIST: "move the file away, or set MINERALS_OUTPUT_ROOT to a folder",
}


def write_log(text: str) -> Path | None:
    """The details in build/logs/build-<time>-<pid>.log (else the temporary folder); None if neither can be
    written (a full disk)."""
    name = f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    for folder in (paths.build_dir() / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
        except OSError:
            continue
        if folder.name == "logs":
            for old in sorted(folder.glob("build-*.log"), key=lambda path: path.stat().st_mtime)[:-LOGS_KEPT]:
                old.unlink(missing_ok=True)
        return folder / name
    return None


def where_logged(log: Path | None) -> str:
    return (
        f"details in {paths.project_path(log)}" if log else "the details could not be saved either (is the disk full?)"
    )


def message(error: BaseException, log: Path | None) -> str:
    """One paragraph: what failed (the file), why in words, the fix, and where the details are."""
    if isinstance(error, OSError) and error.errno in CAUSES:
        target = f" on {paths.project_path(error.filename)}" if error.filename else ""
        fix = FIXES.get(error.errno, "build again; if it happens again, report it with the log")
        return (
            f"failed{target}: {CAUSES[error.errno]}. Fix: {fix}. Nothing half-built was published; {where_logged(log)}"
        )
    if isinstance(error, MemoryError):
        return f"the build ran out of memory. Fix: close other programs or build with -j 1. {where_logged(log)}"
    return (
        f"unexpected error ({type(error).__name__}: {str(error)[:200]}). Nothing half-built was published; "
        f"please report it with the log: {where_logged(log)}"
    )
