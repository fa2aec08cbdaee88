"""Build the report: `python build.py [--scenario NAME[,NAME]] [-p name=value ...] [-j N] [--force] [-v]`.

Parameters are checked before any kernel starts. The steps of notebooks/chapters.yaml run as a graph in parallel
worker processes; a step whose key (code, parameters, data it reads, environment) is unchanged is taken from the
cache in build/.cache/. Each scenario's outputs are assembled in a staging folder and swap in for the published
build/<scenario>/ and figures/<scenario>/ only when everything succeeded, so a failing cell, bad input, Ctrl-C or a
killed process leaves the last good report byte for byte as it was.

Exit status: 0 built or up to date, 1 a step failed, 2 bad input, 3 the scenario is being built by another
process, 130 interrupted.
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import contextlib
import importlib
import json
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from ..chapter import parameters
from ..chapter.parameters import ParameterErrors
from ..core import digest, paths
from ..core.errors import InputError
from ..core.paths import project_path
from ..sources import official_datasets
from . import cache, declarations, explain, failures, kernels, plan, portable, provenance, runner, variants
from . import publish as publishing

CACHE_ENTRIES_KEPT = 4  # per step, besides those the current build uses: recent parameter sets rebuild instantly
COMPARISON = "compare.html"
COMPARED = "compare.json"  # the scenarios compare.html shows, so it is rewritten when one is republished
NOT_STEPS = ("parameters", "checked", "keys", runner.THUMBNAILS)  # cache folders holding no step or report entries
WAIT_SECONDS = 0.25  # the build wakes this often while steps run, so a Ctrl-C is acted on at once
INTERRUPTED = threading.Event()  # set by Ctrl-C even if library code swallows the KeyboardInterrupt it raises


def on_interrupt(signum, frame) -> None:
    INTERRUPTED.set()
    raise KeyboardInterrupt


@contextlib.contextmanager
def interrupts_noted():
    """Ctrl-C raises KeyboardInterrupt as usual and is also noted, for `check_interrupt`; the handler before is put
    back afterwards (main() may run in a test's process, or outside the main thread, where no handler can be set)."""
    INTERRUPTED.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def check_interrupt() -> None:
    """Raise KeyboardInterrupt if Ctrl-C came at any time, whatever the code running then did with it."""
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt


class BuildFailure(Exception):
    """A step failed while running (exit status 1)."""


class BuildLocked(Exception):
    """Another process is building the same scenario (exit status 3)."""


@dataclass
class Scenario:
    name: str
    parameters: list[dict]  # effective values, defaults and whether they differ
    values: dict[str, dict]  # notebook -> its effective parameter values
    keys: dict[str, str]  # step name -> cache key
    report_key: str = ""
    variant: dict | None = None  # {"of": scenario, "overrides": -p values, "before": the scenario's values}
    base: str = ""  # the scenario file it was built from

    @property
    def published(self) -> Path:
        return paths.build_dir() / self.name

    @property
    def published_figures(self) -> Path:
        return paths.figures_dir() / self.name


@dataclass
class Job:
    step: plan.Step
    key: str
    parameters: dict
    needs: tuple[tuple[str, str], ...]  # (step, key) of the steps it needs: the same in every scenario sharing it
    scenarios: list[str] = field(default_factory=list)
    status: str = "queued"
    seconds: float | None = None


# ---------------------------------------------------------------- preparing


def prepare(
    names: list[str], overrides: list[str], steps: list[plan.Step], given_name: str | None = None
) -> list[Scenario]:
    """Every scenario's checked parameters and step keys; all parameter errors of all scenarios at once. With -p
    values (or --name) each scenario becomes a variant, published under its own name beside the scenario."""
    declared = declarations.declared_parameters(plan.notebooks(steps), cache_dir=cache_root() / "parameters")
    environment = plan.environment_digest()
    environment_parts = explain.environment_parts()
    scenarios, errors = [], []
    if given_name is not None and len(names) > 1:
        raise InputError(
            "--name names one variant",
            field="--name",
            value=given_name,
            fix="build one scenario with --name, or leave --name out to name each variant by its values",
        )
    for name in names:
        try:
            values = parameters.load_scenario(name)
            chosen = parameters.resolve(values, project_path(paths.SCENARIOS_DIR / f"{name}.yaml"), overrides, declared)
            variant = None
            if overrides or given_name is not None:
                changed = parameters.resolve({}, "", overrides, declared)
                base = parameters.resolve(values, "", [], declared)
                defaults = {p.name: p.default for p in declared}
                variant = {
                    "of": name,
                    "overrides": changed,
                    "before": {key: base.get(key, defaults[key]) for key in changed},
                }
        except InputError as err:
            errors.append(err)
            continue
        except ParameterErrors as err:
            errors.extend(err.errors)
            continue
        rows = parameters.effective(declared, chosen)
        values = {}
        for row in rows:
            values.setdefault(row["notebook"], {})[row["name"]] = row["value"]
        keys = plan.step_keys(steps, values, environment)
        explain.record(cache_root() / "keys", keys, explain.key_parts(steps, values, keys, environment_parts))
        published_name = name
        if variant is not None:
            published_name = (
                variants.check_given_name(given_name)
                if given_name is not None
                else variants.variant_name(name, variant["overrides"])
            )
        scenarios.append(Scenario(published_name, rows, values, keys, variant=variant, base=name))
    if errors:
        unique = list({str(error): error for error in errors}.values())  # a bad -p is reported once, not per scenario
        raise ParameterErrors(unique)
    return scenarios


def scenario_names(requested: list[str]) -> list[str]:
    names = [name.strip() for item in requested or ["default"] for name in item.split(",") if name.strip()]
    if not names:
        raise InputError(
            "no scenario named",
            field="--scenario",
            value=", ".join(requested),
            fix="give a name, e.g. --scenario default; `python build.py --list` lists them",
        )
    return list(dict.fromkeys(names))


# ---------------------------------------------------------------- cache and published state


def cache_root() -> Path:
    return paths.build_dir() / ".cache"


def entry(step: str, key: str) -> Path:
    return cache_root() / step / key[:32]


def is_cached(step: str, key: str) -> bool:
    """The entry is there and passes its checksums (a damaged one is discarded, saying so, and recomputed)."""
    return cache.usable(entry(step, key))


def published_manifest(scenario: Scenario) -> dict | None:
    try:
        return json.loads((scenario.published / provenance.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def up_to_date(scenario: Scenario, git: dict) -> bool:
    """Published outputs made from the same keys and commit, and not altered since."""
    manifest = published_manifest(scenario)
    if not manifest or manifest.get("report_key") != scenario.report_key or manifest.get("git") != git:
        return False
    for relative, sha in manifest.get("outputs", {}).items():
        path = paths.build_dir().parent / relative  # "build/<scenario>/..." or "figures/<scenario>/..."
        if not path.is_file() or digest.file_digest(path) != sha:
            return False
    return True


def report_key(scenario: Scenario, git: dict, paper: str = "a4") -> str:
    return digest.combine(
        "report",
        scenario.name,
        scenario.keys,
        scenario.parameters,
        git,
        paper,
        plan.environment_digest(),
        digest.files_digest(digest.matching(plan.report_reads())),
    )


# ---------------------------------------------------------------- running


class Progress:
    """One line per change of a step's state: queued, skipped (cached), running, done in N s, failed."""

    def __init__(self, many_scenarios: bool):
        self.many = many_scenarios

    def show(self, job: Job, status: str) -> None:
        job.status = status
        label = f"{'+'.join(job.scenarios)}/{job.step.name}" if self.many else job.step.name
        print(f"  {label:<30} {status}", flush=True)


def run_jobs(
    jobs: dict[tuple, Job],
    workers: int,
    verbose: bool,
    progress: Progress,
    follow_ups: list[tuple[set, Callable[[], tuple]]] | None = None,
) -> None:
    """Run the jobs not in the cache, each when the steps it needs are done, `workers` at a time.

    `follow_ups`: (job ids, make) pairs; once those jobs are done, `make()` gives a (function, *arguments) the same
    workers run while the other jobs go on (a sweep's reports). Only a head start: their results are not used here.
    """
    queued = [job_id for job_id, job in jobs.items() if job.status == "queued"]
    if not queued:
        return
    follow_ups = list(follow_ups or [])
    extra: set[futures.Future] = set()
    # Longest first (as last measured), so the slowest chapter does not start last and stretch the build.
    pending = {job_id: jobs[job_id] for job_id in sorted(queued, key=lambda job_id: -last_seconds(job_id[0]))}
    by_step = {}
    for (name, key), job in jobs.items():
        by_step.setdefault(name, {})[key] = job
    done = {job_id for job_id, job in jobs.items() if job.status != "queued"}
    checked = False
    slots = min(workers, len(pending))
    # spawn on every OS (fork does not exist on Windows and is unsafe on macOS): workers share no state with the
    # build but what a task carries, so the one path that runs everywhere is the one tested here.
    context = multiprocessing.get_context("spawn")
    pool = futures.ProcessPoolExecutor(
        max_workers=slots,
        mp_context=context,
        initializer=runner.start_worker,
        initargs=(max(1, portable.cpu_count() // slots),),
    )
    running: dict[futures.Future, tuple] = {}
    failures: list[tuple[Job, dict]] = []
    try:
        while True:
            ready = [] if failures else [item for item in follow_ups if item[0] <= done]
            if not (pending or running or extra or ready):
                break
            for item in ready:
                follow_ups.remove(item)
                extra.add(pool.submit(*item[1]()))
            for job_id, job in list(pending.items()):
                if len(running) + len(extra) >= slots:  # a job is "running" only when a worker has it
                    break
                if failures or not all(need in done for need in job.needs) or (job.step.notebook and not checked):
                    continue
                del pending[job_id]
                # a chapter follows in this worker: its kernel starts (and imports) while this step runs
                warm = not verbose and any(other.step.notebook for other in pending.values())
                task = runner.Task(
                    job.step,
                    job.key,
                    job.parameters,
                    entry(job.step.name, job.key),
                    tuple(entry(*need) for need in job.needs),
                    verbose,
                    warm,
                )
                task.entry.parent.mkdir(parents=True, exist_ok=True)
                running[pool.submit(runner.run, task)] = job_id
                if warm and job.step.run:  # the workers idle during the data step start their kernels too
                    for _ in range(slots - len(running)):
                        pool.submit(kernels.start_spare, paths.NOTEBOOKS_DIR)
                progress.show(job, "running")
            if not checked:  # data files validated while the data step runs, before any kernel starts
                check_inputs([job for job in pending.values() if job.step.notebook])
                checked = True
                continue
            if not running and not extra:
                break
            importlib.import_module("critical_minerals.report")  # its imports load while the workers run
            importlib.import_module("pandas")  # (the report's data tables need it)
            # with a timeout: a signal delivered to one of the pool's threads does not wake a wait without one
            finished, _ = futures.wait([*running, *extra], timeout=WAIT_SECONDS, return_when=futures.FIRST_COMPLETED)
            check_interrupt()
            extra -= finished
            for future in (future for future in finished if future in running):
                job_id = running.pop(future)
                try:
                    job, result = jobs[job_id], future.result()
                except futures.process.BrokenProcessPool:
                    raise BuildFailure(
                        f"{job_id[0]}: the worker process running it died (killed, or out of "
                        f"memory); build again, with -j 1 if memory is short\n"
                        f"  the last good report is unchanged"
                    ) from None
                if result["ok"]:
                    job.seconds = result["seconds"]
                    done.add(job_id)
                    progress.show(job, f"done in {job.seconds:.1f} s")
                else:
                    progress.show(job, "failed")
                    failures.append((job, result))
            if failures and running:
                print("  stopping: waiting for the steps already running to finish", flush=True)
                pending.clear()
    except BaseException:
        workers = context.active_children()  # the pool's workers: the build starts no other child processes
        for process in workers:  # Ctrl-C: stop the workers (their kernels shut down with them) ...
            process.terminate()
        for process in workers:  # ... and return only when they are gone
            process.join(timeout=10)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    if failures:
        raise failure(*failures[0])


def last_seconds(step: str) -> float:
    """How long the step took the last time it ran, from its newest cache entry (0 if it never ran)."""
    records = sorted((cache_root() / step).glob(f"*/{runner.RECORD}"), key=lambda path: path.stat().st_mtime)
    try:
        return float(json.loads(records[-1].read_text(encoding="utf-8"))["seconds"]) if records else 0.0
    except (OSError, ValueError, KeyError, TypeError):  # only an ordering hint: a damaged record is dealt with later
        return 0.0


def check_inputs(jobs: list[Job]) -> None:
    """The data files of the steps about to run, read and validated by their package readers. Files that passed
    these checks before, unchanged and with the same code, are not read again (a marker per content digest)."""
    for step in {job.step.name: job.step for job in jobs}.values():
        if not step.checks:
            continue
        marker = (
            cache_root()
            / "checked"
            / digest.combine(
                step.name,
                step.checks,
                digest.files_digest(digest.matching(list(step.reads))),
                plan.environment_digest(),
            )[:32]
        )
        if marker.exists():
            continue
        for name in step.checks:
            plan.function(name)()
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()


def failure(job: Job, result: dict) -> Exception:
    work = Path(result["work"])
    if result["kind"] == "input":
        shutil.rmtree(work, ignore_errors=True)
        return InputError(f"{job.step.name}: {result['message']}")
    kept = []
    if (work / runner.NOTEBOOK).is_file():
        for scenario in job.scenarios:
            failed = paths.build_dir() / f"{scenario}.failed" / "notebooks" / f"{job.step.name}.ipynb"
            shutil.rmtree(failed.parent.parent, ignore_errors=True)
            failed.parent.mkdir(parents=True)
            shutil.copy2(work / runner.NOTEBOOK, failed)
            kept.append(project_path(failed))
    shutil.rmtree(work, ignore_errors=True)
    where = project_path(job.step.notebook) if job.step.notebook else job.step.name
    if result["kind"] == "cell":
        where += f", cell {result['cell']} (execution count {result['count']})"
    text = f"{where}: {result['message']}"
    if kept:
        text += f"\n  executed notebook kept for debugging: {', '.join(kept)}"
    if result["kind"] == "error":  # not an error of the chapter's code: the details go to a log, not the screen
        log = failures.write_log(f"{where}\n{result.get('trace', '')}\n--- kernel log ---\n{result.get('log', '')}")
        text += f"\n  {failures.where_logged(log)}"
    return BuildFailure(text + "\n  the last good report is unchanged")


# ---------------------------------------------------------------- assembling and publishing


def assemble(scenario: Scenario, steps: list[plan.Step], manifest: dict, paper: str = "a4") -> Path:
    """The scenario's outputs from the cache, its executed chapters, report and manifest, in a staging folder."""
    from .. import report
    from ..report import thumbnails

    thumbnails.use(cache_root() / runner.THUMBNAILS)  # made by the workers as each chapter finished
    staging = staging_dir(scenario)
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "figures").mkdir(parents=True)
    executed, rendered = [], []
    for step in steps:
        source = entry(step.name, scenario.keys[step.name])
        for path in (source / runner.OUTPUTS).rglob("*"):
            if path.is_file():
                target = staging / path.relative_to(source / runner.OUTPUTS)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
        if step.notebook:
            executed.append(staging / "notebooks" / step.notebook.name)
            executed[-1].parent.mkdir(exist_ok=True)
            executed[-1].write_text(published_notebook(source / runner.NOTEBOOK, scenario.name), encoding="utf-8")
            rendered.append(report.chapter_from_json((source / runner.CHAPTER).read_text(encoding="utf-8")))
    cached_report = entry("report", scenario.report_key)
    if cache.usable(cached_report):
        for name in ("report.html", "report.pdf"):
            shutil.copy2(cached_report / name, staging / name)
    else:
        href = os.path.relpath(scenario.published_figures, scenario.published) + "/"
        report.write_report(
            executed, staging, staging / "figures", scenario.name, manifest, staging / "report.html", href, rendered
        )
        report.typeset.write_pdf(staging / "report.html", staging / "figures", staging / "report.pdf", paper)
        work = cached_report.with_name(f".tmp-{cached_report.name}-{os.getpid()}")  # sealed, then renamed in
        work.mkdir(parents=True, exist_ok=True)
        shutil.copy2(staging / "report.html", work / "report.html")
        shutil.copy2(staging / "report.pdf", work / "report.pdf")
        cache.seal(work, {"key": scenario.report_key})
        try:
            work.rename(cached_report)
        except OSError:  # another build made the same entry meanwhile
            shutil.rmtree(work, ignore_errors=True)
    outputs = {}
    for path in sorted(staging.rglob("*")):
        if path.is_file():
            relative = path.relative_to(staging)
            published = (
                Path("figures") / scenario.name / relative.relative_to("figures")
                if relative.parts[0] == "figures"
                else Path("build") / scenario.name / relative
            )
            outputs[str(published)] = digest.file_digest(path)
    manifest.update(report_key=scenario.report_key, outputs=outputs)
    (staging / provenance.MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return staging


def published_notebook(executed: Path, scenario: str) -> str:
    """An executed chapter as published: its injected parameters name the scenario it was published for."""
    notebook = parameters.with_scenario(json.loads(executed.read_text(encoding="utf-8")), scenario)
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def prepare_report(scenario: Scenario, steps: list[plan.Step], manifest: dict, paper: str) -> None:
    """In a worker: the scenario's report and PDF into the cache, for `assemble` in the build's process to take.
    A failure here is left to that `assemble`, which meets it again and reports it."""
    try:
        assemble(scenario, steps, manifest, paper)
    except Exception:  # noqa: BLE001 — see above
        pass
    finally:
        shutil.rmtree(staging_dir(scenario), ignore_errors=True)


def staging_dir(scenario: Scenario) -> Path:
    return paths.build_dir() / f".staging-{scenario.name}-{os.getpid()}"


def publish(staging: Path, scenario: Scenario) -> None:
    """Swap the staged outputs in for the published ones, figures/<scenario>/ and build/<scenario>/ as one unit."""
    publishing.publish(
        scenario.name, [(staging / "figures", scenario.published_figures), (staging, scenario.published)]
    )
    shutil.rmtree(paths.build_dir() / f"{scenario.name}.failed", ignore_errors=True)


class Locks:
    """One lock per scenario: a second build of the same scenario stops at once with a clear message. The OS releases
    the lock when its process ends, so a killed build leaves none behind (filelock: flock, or msvcrt on Windows)."""

    def __init__(self, names: list[str]):
        self.names, self.held = sorted(names), []

    def __enter__(self):
        folder = paths.build_dir() / ".locks"
        folder.mkdir(parents=True, exist_ok=True)
        for name in self.names:
            lock = FileLock(folder / f"{name}.lock", timeout=0)
            holder = folder / f"{name}.pid"  # beside the lock: a locked file may not be readable (Windows)
            try:
                lock.acquire()
            except Timeout:
                try:
                    pid = holder.read_text(encoding="utf-8").strip() or "unknown"
                except OSError:
                    pid = "unknown"
                self.__exit__()
                raise BuildLocked(
                    f"scenario {name!r} is being built by another process (pid {pid}); wait for "
                    f"it to finish, or build another scenario"
                ) from None
            self.held.append(lock)
            holder.write_text(str(os.getpid()), encoding="utf-8")
        return self

    def __exit__(self, *exc):
        for lock in self.held:
            lock.release()
        self.held = []


def remove_leftovers() -> None:
    """Staging and work folders of builds that were killed (their process is gone)."""
    candidates = list(paths.build_dir().glob(".staging-*")) + list(paths.build_dir().glob(".retired-*"))
    candidates += list(paths.figures_dir().glob(".retired-*")) + list(cache_root().glob("*/.tmp-*"))
    kept = publishing.kept_for_recovery()  # another scenario's interrupted publish: undone when it is built next
    for folder in (candidate for candidate in candidates if candidate not in kept):
        pid = folder.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not portable.alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def prune_cache(used: set[tuple[str, str]]) -> None:
    """Keep the entries this build used and the most recent few others of each step."""
    for step_dir in (path for path in cache_root().iterdir() if path.is_dir() and path.name not in NOT_STEPS):
        entries = sorted(
            (path for path in step_dir.iterdir() if not path.name.startswith(".")),
            key=lambda path: path.stat().st_mtime,
            reverse=True,
        )
        keep = {entry(name, key).name for name, key in used if name == step_dir.name}
        for old in [path for path in entries if path.name not in keep][CACHE_ENTRIES_KEPT:]:
            shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------- the build


def check_output_root() -> None:
    """build/ and figures/ (under MINERALS_OUTPUT_ROOT when set) are folders, or can become folders."""
    for folder in (paths.build_dir(), paths.figures_dir()):
        for existing in (path for path in (folder, *folder.parents) if path.exists()):
            if not existing.is_dir():
                raise BuildFailure(
                    f"the output folder {project_path(folder)} cannot be made: {project_path(existing)} is a file. "
                    f"Fix: move the file away, or set {paths.OUTPUT_ROOT_ENV} to a folder"
                )
            break


def build(
    names: list[str],
    overrides: list[str],
    workers: int,
    force: bool = False,
    verbose: bool = False,
    paper: str = "a4",
    given_name: str | None = None,
    explain_only: bool = False,
) -> list[Path]:
    check_output_root()
    steps = plan.load_steps()
    scenarios = prepare(names, overrides, steps, given_name)
    print(f"data: {official_datasets.fetch(rehash=force).summary()}", flush=True)
    git = provenance.git_state()
    for scenario in scenarios:
        scenario.report_key = report_key(scenario, git, paper)
    with Locks([scenario.name for scenario in scenarios]):
        for scenario in scenarios:  # a publish a killed build left half done: undone before anything else
            if recovered := publishing.recover(scenario.name):
                print(recovered, flush=True)
        remove_leftovers()
        stale = [scenario for scenario in scenarios if force or not up_to_date(scenario, git)]
        for scenario in scenarios:
            if scenario not in stale:
                print(f"{scenario.name}: up to date ({project_path(scenario.published / 'report.html')})", flush=True)
        jobs: dict[tuple, Job] = {}
        for scenario in stale:
            for step in steps:
                needs = tuple((need, scenario.keys[need]) for need in step.needs)
                job = jobs.setdefault(
                    (step.name, scenario.keys[step.name]),
                    Job(step, scenario.keys[step.name], scenario.values.get(step.name, {}), needs),
                )
                job.scenarios.append(scenario.name)
        if force:
            for step_name, key in jobs:
                shutil.rmtree(entry(step_name, key), ignore_errors=True)
        progress = Progress(len(stale) > 1)
        previous = {scenario.name: previous_keys(scenario) for scenario in stale}
        bases = {scenario.name: scenario.base for scenario in stale}
        for job in jobs.values():
            if is_cached(job.step.name, job.key):
                progress.show(job, "skipped (cached)")
                continue
            against, keys = previous[job.scenarios[0]]
            why = explain.reason(cache_root() / "keys", job.step.name, job.key, keys.get(job.step.name))
            if keys and against not in (job.scenarios[0], bases[job.scenarios[0]]):
                why = f"first build of {job.scenarios[0]}; against {against}: {why}"
            why = "--force" if force else why
            progress.show(job, f"queued: {why}")
            job.status = "queued"
        if explain_only:
            return []
        if stale:
            files = provenance.data_files(steps, official_datasets.load_registry())
            packages = provenance.package_versions()
        manifests: dict[str, dict] = {}

        def manifest_of(scenario: Scenario) -> dict:
            """Made once, when the scenario's steps are done (a sweep's report starts then, in a worker)."""
            if scenario.name not in manifests:
                records = []
                for step in steps:
                    job = jobs[(step.name, scenario.keys[step.name])]
                    record = json.loads((entry(step.name, job.key) / runner.RECORD).read_text(encoding="utf-8"))
                    records.append(
                        {
                            "step": step.name,
                            "key": job.key,
                            "cache": "miss" if job.seconds is not None else "hit",
                            "seconds": round(job.seconds if job.seconds is not None else record["seconds"], 2),
                        }
                    )
                manifest = provenance.manifest(scenario.name, scenario.parameters, records, files, git, packages)
                manifest["variant"] = scenario.variant
                manifests[scenario.name] = manifest
            return dict(manifests[scenario.name])

        # Several scenarios: each one's report and PDF are made in a worker as soon as its steps are done, while
        # the other scenarios' chapters run; publishing stays here, one scenario after another.
        follow_ups = (
            [
                (
                    {(step.name, scenario.keys[step.name]) for step in steps},
                    lambda scenario=scenario: (prepare_report, scenario, steps, manifest_of(scenario), paper),
                )
                for scenario in stale
            ]
            if len(stale) > 1
            else []
        )
        run_jobs(jobs, workers, verbose, progress, follow_ups)
        check_interrupt()
        reports = []
        for scenario in stale:
            manifest = manifest_of(scenario)
            started = time.perf_counter()
            try:
                staging = assemble(scenario, steps, manifest, paper)
            except Exception as err:  # a bug in the report code must not publish half a scenario either
                shutil.rmtree(staging_dir(scenario), ignore_errors=True)
                if isinstance(err, (InputError, OSError)):
                    raise
                log = failures.write_log(traceback.format_exc())
                raise BuildFailure(
                    f"{scenario.name}: rendering the report failed ({type(err).__name__}: "
                    f"{str(err)[:200]}); {failures.where_logged(log)}\n"
                    f"  the last good report is unchanged"
                ) from err
            check_interrupt()  # nothing is published after a Ctrl-C
            publish(staging, scenario)
            reports.append(scenario.published / "report.html")
            print(f"{scenario.name}: report in {time.perf_counter() - started:.1f} s", flush=True)
            if scenario.variant:
                print(
                    f"{scenario.name}: a variant of {scenario.base} "
                    f"({variants.describe_changes(scenario.variant['overrides'], scenario.variant['before'])}); "
                    f"build/{scenario.base}/ is unchanged",
                    flush=True,
                )
        if len(scenarios) > 1:
            reports.append(write_comparison([scenario.name for scenario in scenarios]) or reports[-1])
        elif stale and (shown_in := compared()) and scenarios[0].name in shown_in:
            write_comparison(shown_in)  # a scenario the comparison shows was republished: the page follows
        prune_cache(
            {
                (name, key)
                for scenario in scenarios
                for name, key in [*scenario.keys.items(), ("report", scenario.report_key)]
            }
        )
        if stale:  # (a no-op build does not load the report code)
            from ..report import thumbnails

            thumbnails.prune(cache_root() / runner.THUMBNAILS)
        explain.prune(
            cache_root() / "keys",
            cache_root(),
            {
                (step["step"], step["key"][:32])
                for item in variants.published()
                for step in (item.manifest or {}).get("steps", [])
            },
        )
    return reports or [scenario.published / "report.html" for scenario in scenarios]


def previous_keys(scenario: Scenario) -> tuple[str, dict[str, str]]:
    """Step keys of the report last published under this name — or, for a new variant, its scenario's; for a new
    scenario, the default scenario's (what a reader compares with). The name they come from, and the keys."""
    for name in dict.fromkeys((scenario.name, scenario.base or scenario.name, "default")):
        manifest = published_manifest(Scenario(name, [], {}, {}))
        if manifest:
            return name, {step["step"]: step["key"] for step in manifest.get("steps", [])}
    return scenario.name, {}


def compared() -> list[str]:
    """The scenarios build/compare.html shows (recorded beside it), [] when there is none."""
    try:
        return list(json.loads((paths.build_dir() / COMPARED).read_text(encoding="utf-8"))["scenarios"])
    except (OSError, ValueError, KeyError, TypeError):
        return []


def write_comparison(names: list[str]) -> Path | None:
    """build/compare.html from the published manifests of the named scenarios; rewritten whenever one of them is
    republished or removed, so it never shows a number its reports no longer show."""
    from .. import report
    from ..report import thumbnails

    thumbnails.use(cache_root() / runner.THUMBNAILS)
    destination = paths.build_dir() / COMPARISON
    shown_ = [Scenario(name, [], {}, {}) for name in names]
    shown_ = [s for s in shown_ if published_manifest(s)]
    if len(shown_) < 2:
        destination.unlink(missing_ok=True)
        (paths.build_dir() / COMPARED).unlink(missing_ok=True)
        return None
    tmp = destination.with_name(f".{COMPARISON}.{os.getpid()}")
    report.write_comparison(
        [
            {
                "scenario": s.name,
                "root": s.published,
                "figures": s.published_figures,
                "manifest": published_manifest(s),
                "report_href": f"{s.name}/report.html",
            }
            for s in shown_
        ],
        tmp,
    )
    os.replace(tmp, destination)
    (paths.build_dir() / COMPARED).write_text(
        json.dumps({"scenarios": [s.name for s in shown_]}) + "\n", encoding="utf-8"
    )
    return destination


def list_parameters() -> None:
    steps = plan.load_steps()
    declared = declarations.declared_parameters(plan.notebooks(steps), cache_dir=cache_root() / "parameters")
    print(
        "Set a value for one build with `python build.py -p NAME=VALUE` (published as a variant, e.g.\n"
        "build/default+strike_multiple=1.2/), or keep a set of values as a scenario: a file scenarios/NAME.yaml of\n"
        "`NAME: VALUE` lines, built with `python build.py --scenario NAME`. Shares are fractions (0.5 is 50 %)\n"
        "unless the unit says percentage points."
    )
    notebook = None
    for p in declared:
        if p.name in parameters.BUILD_PARAMETERS:
            continue
        if p.notebook != notebook:
            notebook = p.notebook
            print(f"\n{notebook}")
        example = variants.shown_value(p.default) if p.type != "str" else p.default
        print(
            f"  {p.name}: {p.type} = {p.default!r}  [{p.unit or 'no unit'}]\n      allowed: {p.allowed()}\n"
            f"      {p.help}\n      e.g. -p {p.name}={example}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python build.py",
        description=__doc__.split("\n")[0],
        epilog="Exit status: 0 done, 1 a step failed, 2 bad input, 3 scenario busy.",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME",
        help="scenarios/<NAME>.yaml; repeatable or comma-separated (default: default)",
    )
    parser.add_argument(
        "-p",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a notebook parameter, typed as the notebook declares it (repeatable)",
    )
    parser.add_argument(
        "-j",
        dest="workers",
        type=int,
        metavar="N",
        help="steps run in parallel (default: the number of cores this process may use)",
    )
    parser.add_argument(
        "--name",
        metavar="NAME",
        help="publish the -p variant as build/NAME/ (default: named by its values, e.g. default+strike_multiple=1.2)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="run every step again, ignoring the cache (with --remove: also remove a named scenario's report)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show papermill's cell progress")
    parser.add_argument("--list-params", action="store_true", help="list every notebook parameter and exit")
    parser.add_argument(
        "--paper", choices=("a4", "letter"), default="a4", help="paper size of report.pdf (default: %(default)s)"
    )
    parser.add_argument("--list", action="store_true", help="list scenarios and built variants and exit")
    parser.add_argument("--remove", metavar="NAME", help="remove a built variant's build/NAME/ and figures/NAME/")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="say which steps would re-run and what changed in each one's key; build nothing",
    )
    args = parser.parse_args(argv)
    portable.console_safe()  # status lines print arrows, which a cp1252 console cannot show
    started = time.perf_counter()
    try:
        if args.list_params:
            list_parameters()
            return 0
        if args.list:
            print("\n".join(variants.listing()))
            return 0
        if args.remove is not None:
            with Locks([args.remove]) if variants.SAFE_NAME.fullmatch(args.remove) else Locks([]):
                removed = variants.remove(args.remove, args.force)
                if args.remove in compared():
                    write_comparison([name for name in compared() if name != args.remove])
            print(f"removed {', '.join(project_path(folder) for folder in removed)}")
            return 0
        if args.workers is None:
            args.workers = portable.cpu_count()
        if args.workers < 1:
            raise InputError("at least one worker", field="-j", value=args.workers, fix="give -j 1 or more")
        with interrupts_noted():
            reports = build(
                scenario_names(args.scenario),
                args.overrides,
                args.workers,
                args.force,
                args.verbose,
                args.paper,
                args.name,
                args.explain,
            )
        if args.explain:
            print("nothing built (--explain): steps marked queued would run, for the reason given")
            return 0
    except ParameterErrors as err:
        for error in err.errors:
            print(f"error: {error}", file=sys.stderr)
        return 2
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (BuildFailure, publishing.PublishFailed) as err:
        print(f"build failed: {err}", file=sys.stderr)
        return 1
    except BuildLocked as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("interrupted: the last good report is unchanged", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 — a full disk, an unwritable folder, a bug: one message, details logged
        print(f"build failed: {failures.message(err, failures.write_log(traceback.format_exc()))}", file=sys.stderr)
        return 1
    print(f"report: {', '.join(project_path(path) for path in reports)} ({time.perf_counter() - started:.1f} s)")
    return 0
