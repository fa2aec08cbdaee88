"""What differs between Linux, macOS and Windows, in one place, with the standard library only: the number of cores
the build may use, whether a process still runs, workers that end with the build, console output a code page cannot
show. Linux-only refinements are guarded here and optional; nothing else in the build depends on the platform."""

from __future__ import annotations

import codecs
import io
import multiprocessing
import os
import sys
import threading
from pathlib import Path


def cpu_count() -> int:
    """The cores this process may run on: its CPU affinity where the OS tells it (Python 3.13+ everywhere; Linux
    before), else every core of the machine."""
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def alive(pid: int) -> bool:
    """Whether the process runs. A zombie (dead, not yet reaped: orphans in a container may stay so) does not; that
    refinement is Linux's, read from /proc. Never signals the process (on Windows os.kill(pid, 0) would end it)."""
    if sys.platform == "win32":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by another user
        return True
    except OverflowError:  # not a pid at all
        return False
    return not (sys.platform.startswith("linux") and _zombie(pid))


def _zombie(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace").rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state == "Z"


PROCESS_QUERY_LIMITED_INFORMATION, STILL_ACTIVE, ERROR_ACCESS_DENIED = 0x1000, 259, 5


def _alive_windows(pid: int, kernel32=None) -> bool:
    import ctypes
    from ctypes import wintypes

    if kernel32 is None:
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.restype = wintypes.HANDLE  # a handle is pointer-sized: the default int would cut it
        kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
        kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
        kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
    handle = kernel32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        return ctypes.get_last_error() == ERROR_ACCESS_DENIED  # it exists, owned by another user
    try:
        code = wintypes.DWORD()
        return not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)) or code.value == STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def exit_with_parent() -> None:
    """In a worker process: exit as soon as the process that started it is gone (killed), instead of running on.
    Waits on the parent's sentinel, which multiprocessing gives every child under any start method and OS."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the parent has exited
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


# Characters of the build's messages that a legacy console code page (cp1252 on Windows) may lack, in ASCII.
ASCII_FALLBACK = {
    "→": "->",
    "←": "<-",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "×": "x",
    "—": "-",
    "–": "-",
    "…": "...",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "−": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "≈": "~",
}
CONSOLE_ERRORS = "critical-minerals-ascii"


def _ascii_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(ASCII_FALLBACK.get(char, "?") for char in text), error.end


codecs.register_error(CONSOLE_ERRORS, _ascii_fallback)


def console_safe(*streams) -> None:
    """Text a stream's encoding cannot hold is written in ASCII (→ as ->, else ?) instead of raising
    UnicodeEncodeError: a Windows console or a redirected output in cp1252 then shows every status line."""
    for stream in streams or (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors=CONSOLE_ERRORS)
