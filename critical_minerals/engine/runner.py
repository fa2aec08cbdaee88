"""One step of the build, run in a worker process into a fresh folder that becomes its cache entry on success.

The folder starts with copies of the outputs of the steps it needs; after the run those copies are removed, what is
left is the step's own output and must match what chapters.yaml says it writes. A failure never produces an entry.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from ..core import paths
from ..core.errors import InputError
from . import cache, kernels, plan, portable
from .plan import Step

KERNEL = "python3"
KERNEL_START_ATTEMPTS = 3  # parallel kernels can race for the same free ports; a retry gets new ones
OUTPUTS, NOTEBOOK, RECORD, KERNEL_LOG = "outputs", "notebook.ipynb", cache.RECORD, "kernel.log"
CHAPTER = "chapter.json"  # the chapter rendered for the report, so the report only assembles
THUMBNAILS = "thumbnails"  # the memo of the report's figure thumbnails, a folder of the cache


@dataclass(frozen=True)
class Task:
    step: Step
    key: str
    parameters: dict  # the notebook's user parameters (effective values)
    entry: Path  # the cache entry to create
    inputs: tuple[Path, ...]  # cache entries of the steps it needs
    verbose: bool = False
    warm: bool = False  # chapters follow: start a kernel ahead (while the data step runs) and keep it


def run(task: Task) -> dict:
    """Run the step; returns {"ok": True, "seconds": s} or {"ok": False, "kind": "input"|"cell"|"error", ...}.

    Errors come back as plain data: exceptions from papermill do not survive the trip between processes.
    """
    work = task.entry.with_name(f".tmp-{task.entry.name}-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    out = work / OUTPUTS
    out.mkdir(parents=True)
    copied = {
        str(path.relative_to(entry / OUTPUTS)) for entry in task.inputs for path in _copy_tree(entry / OUTPUTS, out)
    }
    started = time.perf_counter()
    try:
        if task.step.run:
            if task.warm:
                kernels.start_spare(paths.NOTEBOOKS_DIR)
            plan.function(task.step.run)(_outputs(out))
        else:
            _execute_notebook(task, work, out)
            _render_chapter(work / NOTEBOOK, task.step.name)
            _make_thumbnails(out / "figures", task.entry.parent.parent / THUMBNAILS)
        seconds = time.perf_counter() - started
        for relative in copied:
            (out / relative).unlink()
        written = sorted(str(path.relative_to(out)) for path in out.rglob("*") if path.is_file())
        if stray := [relative for relative in written if not task.step.may_write(relative)]:
            raise InputError(
                "step wrote a file it does not declare",
                file="notebooks/chapters.yaml",
                field=task.step.name,
                value=stray[0],
                fix="add the file to the step's `writes`, or stop writing it",
            )
        cache.seal(work, {"key": task.key, "seconds": round(seconds, 3), "outputs": written})
        try:
            work.rename(task.entry)
        except OSError:  # another build made the same entry meanwhile: same key, same content
            shutil.rmtree(work, ignore_errors=True)
        return {"ok": True, "seconds": seconds}
    except InputError as err:
        return {"ok": False, "kind": "input", "message": str(err), "work": str(work)}
    except KeyboardInterrupt:
        shutil.rmtree(work, ignore_errors=True)
        raise
    except Exception as err:  # noqa: BLE001 — reported to the user with the step and the notebook
        from papermill.exceptions import PapermillExecutionError

        if isinstance(err, PapermillExecutionError):
            return {
                "ok": False,
                "kind": "cell",
                "cell": err.cell_index,
                "count": err.exec_count,
                "message": f"{err.ename}: {err.evalue}",
                "work": str(work),
            }
        log = work / KERNEL_LOG
        return {
            "ok": False,
            "kind": "error",
            "message": _in_words(err),
            "trace": traceback.format_exc(),
            "log": log.read_text(encoding="utf-8", errors="replace")[-20000:] if log.is_file() else "",
            "work": str(work),
        }


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def start_worker(threads: int) -> None:
    """Worker initializer. Kernels inherit the worker's environment: parallel chapters share the cores instead of
    each starting a BLAS thread per core (measured: 2 threads per kernel on 2 cores made chapter 04 1.6x slower).
    A value the user set is kept. If the build process is killed, the worker exits instead of running on; its
    kernel notices the lost parent and exits too."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, str(threads))
    portable.exit_with_parent()


def _in_words(err: Exception) -> str:
    from nbclient.exceptions import DeadKernelError

    if isinstance(err, DeadKernelError):
        return (
            "the kernel running the chapter died (it was killed, ran out of memory or crashed in native code); "
            "run the build again, with -j 1 if memory is short"
        )
    if isinstance(err, OSError) and err.strerror:
        return f"{err.strerror}" + (f": {err.filename}" if err.filename else "")
    return f"{type(err).__name__}: {str(err)[:300]}"


def _outputs(folder: Path):
    from ..chapter.results import Outputs

    return Outputs(folder, folder / "figures")


def _render_chapter(executed: Path, stem: str) -> None:
    """Drop the run's own scenario and folder from the injected parameters (a cache entry serves every scenario
    with these parameters; the build names the scenario when it publishes), then render the chapter's HTML."""
    from ..chapter.parameters import with_scenario
    from ..report.chapters import render_chapter
    from ..report.model import chapter_to_json

    notebook = with_scenario(json.loads(executed.read_text(encoding="utf-8")), None)
    executed.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (executed.parent / CHAPTER).write_text(chapter_to_json(*render_chapter(executed, stem=stem)), encoding="utf-8")


def _make_thumbnails(figures: Path, memo: Path) -> None:
    """The report's thumbnails of the chapter's figures, made here in parallel with the other chapters and memoised
    for the report (gallery width for every figure, the summary's width for the key figures)."""
    from ..report import findings, gallery, thumbnails

    thumbnails.use(memo)
    key = set(findings.key_figures())
    for png in sorted(figures.glob("*.png")):
        gallery.thumbnail(png)
        if png.stem.removesuffix(findings.SINGLE_SUFFIX) in key:
            gallery.thumbnail(png, width=findings.KEY_FIGURE_PX)


def _copy_tree(source: Path, target: Path) -> list[Path]:
    copied = []
    for path in source.rglob("*"):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            copied.append(path)
    return copied


def _execute_notebook(task: Task, work: Path, out: Path) -> None:
    import papermill
    import zmq
    from nbclient.exceptions import DeadKernelError

    parameters = {**task.parameters, "scenario": "build", "output_dir": str(out)}
    cwd = task.step.notebook.parent
    if task.warm:  # no kernel of this worker is waiting (the first chapter starts one; later ones reuse it)
        kernels.start_spare(cwd)
    kernel = kernels.take_spare(cwd)  # started ahead with modules imported, or the last chapter's, made fresh
    log = open(work / KERNEL_LOG, "w", encoding="utf-8")  # kernels inherit stderr: keep their warnings out of sight
    saved_stderr = os.dup(2)
    if not task.verbose:
        os.dup2(log.fileno(), 2)
    succeeded = False
    try:
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            try:
                papermill.execute_notebook(
                    str(task.step.notebook),
                    str(work / NOTEBOOK),
                    parameters=parameters,
                    kernel_name=KERNEL,
                    cwd=str(cwd),
                    progress_bar=task.verbose,
                    request_save_on_cell_execute=False,  # one write at the end, not two per cell
                    **({"km": kernel.manager} if kernel is not None and attempt == 1 else {}),
                )
                succeeded = attempt == 1
                return
            except (RuntimeError, TimeoutError, zmq.ZMQError) as err:  # the kernel did not start or died
                if attempt == KERNEL_START_ATTEMPTS or isinstance(err, DeadKernelError):  # died in a cell: the
                    raise  # same cell would kill it again
                print(f"{task.step.name}: kernel failed ({err}); retrying", file=log, flush=True)
                time.sleep(0.2 * attempt + random.random() * 0.3)
    finally:
        if kernel is not None:  # papermill shuts down only the kernels it starts; a failed chapter's is not reused
            log.write(kernels.hand_back(kernel) if succeeded else kernels.stop(kernel))
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)
        log.close()
