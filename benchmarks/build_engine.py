"""Benchmark of the build engine against a naive loop of the papermill and nbconvert command lines.

    python benchmarks/build_engine.py [--repeat N] [-j N]

Prints, from runs on this machine (data already fetched into data/external/; outputs in a temporary folder), every
figure as a ratio of two times measured in the same run, so a loaded machine slows both sides alike:
  naive       each notebook through `papermill` then `jupyter nbconvert --to html`, one after another
  cold        `python build.py` with an empty cache (every chapter, report.html and report.pdf)
              cold / naive                                    goal: <= 0.30
  no-op       the same build again                            no-op / cold        goal: <= 0.05
  one change  `-p strike_multiple=...`: chapter 04, then the report and PDF re-assembled
              one change / cold                               goal: <= 0.30
  sweep       every scenario of scenarios/ in one build (`--scenario a,b,...`, empty cache) against the same
              scenarios built one after another (one `--scenario x` build each, one empty cache they share)
              one after another / at once                     goal: >= 1.8
  bounds      what the cores allow, from the CPU seconds of the same run: no build finishes faster than its CPU
              seconds / cores, so cold / naive cannot go below (cold CPU / cores) / naive, nor the sweep's ratio
              above (one after another) / (at-once CPU / cores)
  Monte Carlo benchmarks/cfd_simulation.py at 10^6 paths x 300 months on one core, --mc-runs times (0: skip)
Each ratio is printed as min / median / max over --repeat runs, with the load average before and after: the
machine may be shared, and a ratio from one run compares two times measured minutes apart. Each run also prints the
CPU seconds of every measurement (its processes' user + system time), which a loaded machine does not inflate.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
SCENARIOS = sorted(path.stem for path in (ROOT / "scenarios").glob("*.yaml"))
BIN = Path(sys.executable).parent
RATIOS = (  # name, numerator, denominator, goal shown
    ("cold / naive", "cold", "naive", "<= 0.30"),
    ("no-op / cold", "no-op", "cold", "<= 0.05"),
    ("one change / cold", "one change", "cold", "<= 0.30"),
    ("sweep: one after another / at once", "sweep one after another", "sweep at once", ">= 1.8"),
)


CPU: dict[str, float] = {}  # CPU seconds of the processes each measurement ran: the work, whatever the load
CPU_BY_RUN: list[dict[str, float]] = []


def children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows: no CPU figure
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict, cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def measured(name: str, times: dict, run) -> None:
    """times[name] = wall seconds of run(); CPU[name] = CPU seconds of the processes it waited for."""
    cpu = children_cpu()
    times[name] = run()
    CPU[name] = children_cpu() - cpu


def naive_loop(env: dict, folder: Path) -> float:
    folder.mkdir(parents=True)
    started = time.perf_counter()
    for notebook in NOTEBOOKS:
        executed = folder / notebook.name
        timed(
            [
                str(BIN / "papermill"),
                str(notebook),
                str(executed),
                "-p",
                "output_dir",
                str(folder / "out"),
                "--cwd",
                str(notebook.parent),
            ],
            env,
        )
        timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(executed)], env)
    return time.perf_counter() - started


def load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):  # Windows has no load average
        return "n/a"


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (a container may allow fewer)
    except AttributeError:
        return os.cpu_count() or 1


def one_run(build: list[str], tmp: Path, run: int) -> dict[str, float]:
    def env(root: str) -> dict:
        return {**os.environ, "MINERALS_OUTPUT_ROOT": str(tmp / root)}

    times: dict[str, float] = {}
    measured("naive", times, lambda: naive_loop(env("naive-root"), tmp / "naive"))
    measured("cold", times, lambda: timed(build, env("root")))
    measured("no-op", times, lambda: timed(build, env("root")))
    measured("one change", times, lambda: timed([*build, "-p", f"strike_multiple={1.05 + run / 100}"], env("root")))
    shutil.rmtree(tmp / "root", ignore_errors=True)
    measured(
        "sweep one after another",
        times,
        lambda: sum(timed([*build, "--scenario", name], env("sequential")) for name in SCENARIOS),
    )
    measured("sweep at once", times, lambda: timed([*build, "--scenario", ",".join(SCENARIOS)], env("together")))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (min / median / max printed)")
    parser.add_argument(
        "-j", dest="workers", type=int, default=cores(), help="build.py's -j (default: the number of cores)"
    )
    parser.add_argument("--mc-runs", type=int, default=5, help="runs of the Monte Carlo benchmark (0: skip it)")
    args = parser.parse_args()
    build = [sys.executable, str(ROOT / "build.py"), "-j", str(args.workers)]
    runs = []
    for run in range(args.repeat):
        before = load()
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            runs.append(one_run(build, Path(tmp), run))
        CPU_BY_RUN.append(dict(CPU))
        print(
            f"run {run + 1}: load average {before} before, {load()} after; "
            + ", ".join(f"{name} {seconds:.1f} s ({CPU[name]:.0f} s CPU)" for name, seconds in runs[-1].items()),
            flush=True,
        )
    print(
        f"machine: {cores()} cores, build.py -j {args.workers}, {args.repeat} run(s); "
        f"scenarios swept: {', '.join(SCENARIOS)}"
    )
    for name in runs[0]:
        values = sorted(run[name] for run in runs)
        print(f"  {name:<24} {statistics.median(values):7.1f} s   (min {values[0]:.1f}, max {values[-1]:.1f})")
    for label, numerator, denominator, goal in RATIOS:
        ratios = sorted(run[numerator] / run[denominator] for run in runs)
        print(
            f"  {label:<36} {statistics.median(ratios):6.3f}   (min {ratios[0]:.3f}, max {ratios[-1]:.3f})"
            f"   goal {goal}"
        )
    if CPU_BY_RUN and all(value == value for value in CPU_BY_RUN[0].values()):  # no CPU figures on Windows
        n = args.workers
        best_cold = statistics.median(cpu["cold"] / n / run["naive"] for cpu, run in zip(CPU_BY_RUN, runs))
        best_sweep = statistics.median(
            run["sweep one after another"] / (cpu["sweep at once"] / n) for cpu, run in zip(CPU_BY_RUN, runs)
        )
        print(f"  bound: cold / naive cannot be below   {best_cold:6.3f}   (cold CPU seconds / {n} cores / naive)")
        print(f"  bound: the sweep's ratio cannot pass {best_sweep:6.3f}   (one after another / at-once CPU / {n})")
    if args.mc_runs:
        print("Monte Carlo, one core (benchmarks/cfd_simulation.py):", flush=True)
        pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []  # one core, as cfd_simulation.py documents
        subprocess.run(
            [
                *pin,
                sys.executable,
                str(ROOT / "benchmarks" / "cfd_simulation.py"),
                "--paths",
                "1000000",
                "--months",
                "300",
                "--runs",
                str(args.mc_runs),
            ],
            env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
            check=True,
        )


if __name__ == "__main__":
    main()
