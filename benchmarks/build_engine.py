"""Benchmark of the build engine against a naive loop of the papermill and nbconvert command lines.

    python benchmarks/build_engine.py [--repeat N] [-j N]

Prints, from runs on this machine (data already fetched into data/external/; outputs in a temporary folder):
  naive      each notebook through `papermill` then `jupyter nbconvert --to html`, one after another
  cold       `python build.py` with an empty cache                  goal: <= 0.30 x naive
  no-op      the same build again                                   goal: <= 0.05 x cold
  one change `-p strike_multiple=...` (only the CfD chapter and the report re-run)   goal: <= 0.40 x cold
Each figure is the median of --repeat runs.
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
BIN = Path(sys.executable).parent


def timed(command: list[str], env: dict, cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def naive_loop(env: dict, folder: Path) -> float:
    folder.mkdir(parents=True)
    started = time.perf_counter()
    for notebook in NOTEBOOKS:
        executed = folder / notebook.name
        timed([str(BIN / "papermill"), str(notebook), str(executed), "-p", "output_dir", str(folder / "out"),
               "--cwd", str(notebook.parent)], env)
        timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(executed)], env)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the median is printed")
    parser.add_argument("-j", dest="workers", type=int, help="build.py's -j (default: build.py's, the number of cores)")
    args = parser.parse_args()
    build = [sys.executable, str(ROOT / "build.py"), *(["-j", str(args.workers)] if args.workers else [])]
    times: dict[str, list[float]] = {"naive": [], "cold": [], "no-op": [], "one change": []}
    for run in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            env = {**os.environ, "MINERALS_OUTPUT_ROOT": str(Path(tmp) / "root")}
            times["naive"].append(naive_loop(env, Path(tmp) / "naive"))
            times["cold"].append(timed(build, env))
            times["no-op"].append(timed(build, env))
            times["one change"].append(timed([*build, "-p", f"strike_multiple={1.05 + run / 100}"], env))
            shutil.rmtree(Path(tmp) / "root", ignore_errors=True)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"machine: {os.cpu_count()} cores, build.py -j {args.workers or 'default'}, median of {args.repeat} run(s)")
    for name, seconds in median.items():
        print(f"  {name:<11} {seconds:7.2f} s")
    print(f"  cold / naive       {median['cold'] / median['naive']:.2f}   (goal <= 0.30)")
    print(f"  no-op / cold       {median['no-op'] / median['cold']:.3f}  (goal <= 0.05)")
    print(f"  one change / cold  {median['one change'] / median['cold']:.2f}   (goal <= 0.40)")


if __name__ == "__main__":
    main()
