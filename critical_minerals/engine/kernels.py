"""Kernels started ahead of the chapters that will run in them: a worker starts one while it is busy with something
else (the data step, or the chapter before), the kernel imports the heavy modules meanwhile, and the next chapter
in that worker starts at once instead of waiting about 2.5 s for a kernel and its imports.

Everything here lives in the worker process that starts it (nothing is inherited from the build's process, so it
works the same whether workers are forked or spawned). A spare kernel no chapter took is shut down when its worker
exits.
"""

from __future__ import annotations

import multiprocessing.util
import os
import tempfile
from pathlib import Path

KERNEL = "python3"
# imported by every chapter anyway: loading them before the chapter starts changes nothing it computes
PRELOAD = (
    "import numpy, pandas, pyarrow.parquet, scipy.stats, matplotlib.pyplot, critical_minerals.figures, "
    "critical_minerals.chapter.results, critical_minerals.tables"
)
HISTORY = "--HistoryManager.hist_file=:memory:"  # as nbclient starts kernels: parallel kernels share no history file

_spare: dict = {}  # this worker's spare kernel: manager, folder it runs in, its stderr log
_finalizer: list = []


def start_spare(cwd: Path) -> None:
    """Start a kernel in `cwd` for this worker's next chapter and return without waiting for it."""
    if _spare:
        return
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    log = tempfile.NamedTemporaryFile("w", prefix="kernel-", suffix=".log", delete=False, encoding="utf-8")
    manager = AsyncKernelManager(kernel_name=KERNEL)
    try:
        run_sync(manager.start_kernel)(
            extra_arguments=[HISTORY, f"--IPKernelApp.exec_lines={PRELOAD}"], cwd=str(cwd), stderr=log
        )
    except Exception:  # noqa: BLE001 — only a head start: the chapter starts its own kernel as before
        log.close()
        os.unlink(log.name)
        return
    _spare.update(manager=manager, cwd=Path(cwd), log=log)
    if not _finalizer:
        _finalizer.append(multiprocessing.util.Finalize(None, stop_spare, exitpriority=10))


def take_spare(cwd: Path):
    """The spare kernel's manager and log file when one runs in `cwd` and is alive (the caller shuts it down with
    `stop`), else (None, None)."""
    if not _spare:
        return None, None
    spare = dict(_spare)
    _spare.clear()
    from jupyter_core.utils import run_sync

    try:
        usable = spare["cwd"] == Path(cwd) and run_sync(spare["manager"].is_alive)()
    except Exception:  # noqa: BLE001 — a kernel in an unknown state: the chapter starts its own
        usable = False
    if not usable:
        stop(spare["manager"], spare["log"])
        return None, None
    return spare["manager"], spare["log"]


def stop(manager, log) -> str:
    """Shut the kernel down; the text its stderr log holds."""
    from jupyter_core.utils import run_sync

    try:
        run_sync(manager.shutdown_kernel)(now=False)
    except Exception:  # noqa: BLE001 — already dead: nothing to stop
        pass
    log.close()
    try:
        with open(log.name, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""
    finally:
        try:
            os.unlink(log.name)
        except OSError:
            pass


def stop_spare() -> None:
    if _spare:
        stop(_spare["manager"], _spare["log"])
        _spare.clear()
