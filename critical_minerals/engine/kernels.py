"""Kernels started ahead of the chapters that will run in them, and kept for the next chapter of the same worker.

A worker starts a kernel while it is busy with something else (the data step); the kernel imports the heavy modules
meanwhile, so the worker's first chapter starts at once instead of waiting about 2.5 s of CPU for a kernel and its
imports. When a chapter succeeds, its kernel is handed back: the next chapter in that worker runs in it after `fresh`
has put it back in the state of a kernel just started — an empty namespace, execution count 1, the figure settings,
warning filters and memoised readers as they were after the imports — so a chapter computes the same whether its
kernel is new or reused (tests/test_engine_speed.py compares the two). A kernel whose chapter failed is never reused.

Everything here lives in the worker process that starts it (nothing is inherited from the build's process, so it
works the same whether workers are forked or spawned). A kernel no chapter took is shut down when its worker exits.
"""

from __future__ import annotations

import multiprocessing.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

KERNEL = "python3"
# imported by every chapter anyway: loading them before the chapter starts changes nothing it computes
PRELOAD = (
    "import numpy, pandas, pyarrow.parquet, scipy.special, matplotlib.pyplot, critical_minerals.figures, "
    "critical_minerals.chapter.results, critical_minerals.chapter.parameters, critical_minerals.tables, "
    "critical_minerals.models.cfd.model, critical_minerals.models.stockpile.model"
)
HISTORY = "--HistoryManager.hist_file=:memory:"  # as nbclient starts kernels: parallel kernels share no history file
RESET_SECONDS = 30  # a kernel that does not answer the reset in this time is stopped, and the chapter starts its own

# Run in the kernel. REMEMBER, once its imports are done, keeps what `fresh` restores; FRESH runs before each chapter.
REMEMBER = (
    "import sys as _sys, warnings as _warnings, matplotlib as _mpl\n"
    "_sys.modules['__critical_minerals_kernel__'] = type(_sys)('__critical_minerals_kernel__')\n"
    "_sys.modules['__critical_minerals_kernel__'].state = (dict(_mpl.rcParams), list(_warnings.filters))\n"
)
FRESH = """\
def _fresh():
    import sys, warnings
    import matplotlib
    import matplotlib.pyplot
    get_ipython().reset(new_session=True)  # empty namespace, execution count 1 (a chapter's cells count from 1)
    matplotlib.pyplot.close("all")
    rc, filters = sys.modules["__critical_minerals_kernel__"].state
    dict.update(matplotlib.rcParams, rc)  # the values as remembered (already validated): no deprecation warnings
    warnings.filters[:] = filters
    getattr(warnings, "_filters_mutated", lambda: None)()  # warnings shown once per chapter, as in a new kernel
    for name, module in list(sys.modules.items()):  # memoised readers read again, as in a new kernel
        if name.startswith("critical_minerals"):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", "") == name:
                    value.cache_clear()
_fresh()
"""

_spare: list = []  # this worker's kernel for its next chapter (at most one)
_finalizer: list = []


@dataclass
class Kernel:
    manager: object  # jupyter_client's AsyncKernelManager
    cwd: Path
    log: object  # the open file the kernel's stderr goes to
    read: int = 0  # how much of the log the chapters before have already taken

    def new_log(self) -> str:
        """What the kernel wrote to stderr since the last call."""
        try:
            self.log.flush()
            with open(self.log.name, "rb") as handle:
                handle.seek(self.read)
                text = handle.read()
        except OSError:
            return ""
        self.read += len(text)
        return text.decode("utf-8", errors="replace")


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
            extra_arguments=[HISTORY, f"--IPKernelApp.exec_lines={PRELOAD}\n{REMEMBER}"], cwd=str(cwd), stderr=log
        )
    except Exception:  # noqa: BLE001 — only a head start: the chapter starts its own kernel as before
        log.close()
        os.unlink(log.name)
        return
    _keep(Kernel(manager, Path(cwd), log))


def _keep(kernel: Kernel) -> None:
    _spare.append(kernel)
    if not _finalizer:
        _finalizer.append(multiprocessing.util.Finalize(None, stop_spare, exitpriority=10))


def take_spare(cwd: Path) -> Kernel | None:
    """The spare kernel when one runs in `cwd`, is alive and was put in a new kernel's state (the caller hands it
    back with `hand_back` or shuts it down with `stop`), else None."""
    if not _spare:
        return None
    kernel = _spare.pop()
    from jupyter_core.utils import run_sync

    try:
        usable = kernel.cwd == Path(cwd) and run_sync(_run)(kernel.manager, FRESH)
    except Exception:  # noqa: BLE001 — a kernel in an unknown state: the chapter starts its own
        usable = False
    if not usable:
        stop(kernel)
        return None
    return kernel


def hand_back(kernel: Kernel) -> str:
    """Keep the kernel of a chapter that succeeded for this worker's next chapter; what it wrote to stderr during
    that chapter."""
    text = kernel.new_log()
    if _spare:  # cannot happen in a worker (one chapter at a time), but never leak a kernel
        return text + stop(kernel)
    _keep(kernel)
    return text


async def _run(manager, code: str) -> bool:
    """Run `code` in the kernel without recording it (no execution count, no history); True if it succeeded."""
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=RESET_SECONDS)
        sent = client.execute(code, silent=True, store_history=False)
        while True:
            reply = await client.get_shell_msg(timeout=RESET_SECONDS)
            if reply["parent_header"].get("msg_id") == sent:
                return reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()


def stop(kernel: Kernel, now: bool = False) -> str:
    """Shut the kernel down (`now`: without waiting for it to finish writing); what it wrote to stderr since the
    last chapter took its log."""
    from jupyter_core.utils import run_sync

    try:
        run_sync(kernel.manager.shutdown_kernel)(now=now)
    except Exception:  # noqa: BLE001 — already dead: nothing to stop
        pass
    text = kernel.new_log()
    kernel.log.close()
    try:
        os.unlink(kernel.log.name)
    except OSError:
        pass
    return text


def stop_spare() -> None:
    """At the worker's exit: the kernel's chapters are done and their outputs saved, nothing is left to wait for."""
    while _spare:
        stop(_spare.pop(), now=True)
