"""Benchmark of chapter 04's Monte Carlo: price paths x monthly steps valued for every instrument per second, and
peak memory. A script that prints figures, not a test.

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/cfd_simulation.py --paths 1000000 --months 300 --runs 5

The price model and project are synthetic (a mean-reverting or GBM price near 20,000 USD/t and the nickel archetype
stretched to the requested number of months), so the script runs without chapter 01's tables. It times, separately:
the random draws alone (the floor: `prices.normal_draws` on numpy's generator), the simulation of prices, and the
full pipeline (simulation, annual sums, valuation of all five instruments: government PV, project NPV after tax,
largest outlay, years above the DPA thresholds, and the control variates of the closed-form strip). IRRs are not
computed (the chapter computes them on its default path count). Each figure is the min / median / max over `--runs`
runs, in wall-clock seconds and in CPU seconds of this process: on a busy machine the CPU time is the better guide
to what the wall time would be on a quiet one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace

import numpy as np

from critical_minerals.models.cfd import model as cfd
from critical_minerals.models.prices import model as price_models
from critical_minerals.models.project_finance import model as project_finance


def peak_memory_mb() -> float:
    """Peak resident set size of this process so far (Linux reports ru_maxrss in kB, macOS in bytes); NaN on
    Windows, which has no `resource` module."""
    try:
        import resource
    except ImportError:
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def setup_for(months: int) -> tuple[cfd.Setup, int]:
    """The nickel archetype with its life stretched so that construction + life fill `months` (whole years)."""
    archetype = project_finance.read_archetypes()["nickel"]
    years = max(months // 12, archetype.construction_years + archetype.ramp_up_years + 1)
    archetype = replace(archetype, life_years=years - archetype.construction_years)
    regimes = project_finance.read_subsidy_regimes()
    policy = project_finance.read_policy_parameters()
    contract = cfd.Contract(strike=20_000.0, support_years=archetype.life_years)
    setup = cfd.Setup(
        archetype,
        contract,
        offset_months=months - 12 * years,
        government_rate=0.02,
        subsidies={"none": project_finance.subsidy_cash_flows(archetype, regimes, "none", 2027)},
        thresholds=(policy["dpa_title_iii_threshold_usd"], policy["dpa_proposed_threshold_usd"]),
        compute_irr=False,
        keep_annual=False,
    )
    return setup, years


def timed(function, runs: int) -> tuple[list[float], list[float], object]:
    """Wall-clock and CPU seconds of `runs` calls of function(), and the last call's result."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        result = None  # the previous run's result is freed first: peak memory is that of one run
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, result


def spread(seconds: list[float]) -> str:
    return f"min {min(seconds):.2f} / median {statistics.median(seconds):.2f} / max {max(seconds):.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=300)
    parser.add_argument("--model", choices=price_models.MODELS, default="mean_reverting")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each timing")
    args = parser.parse_args(argv)

    model = price_models.PriceModel(args.model, "synthetic", 18_000.0, 0.29, kappa=0.33, theta=np.log(19_000.0))
    setup, years = setup_for(args.months)
    setup = replace(setup, price_model=model)  # the chapter's valuation: with the strip's control variates
    steps = args.paths * setup.n_months
    print(
        f"{args.paths:,} paths x {setup.n_months} monthly steps ({years} years valued), model {args.model}, "
        f"chunks of {cfd.CHUNK_PATHS:,} paths, float32, Box-Muller normals, antithetic pairs"
    )

    rng = price_models.generator(args.seed)
    normals = {
        size: np.empty((setup.n_months, size // 2), dtype=price_models.SIMULATION_DTYPE)
        for size in set(cfd.chunk_sizes(args.paths))
    }

    def draws():
        for size in cfd.chunk_sizes(args.paths):
            price_models.normal_draws(rng, normals[size], 1.0)

    walls, cpus, _ = timed(draws, args.runs)
    print(f"random draws alone ({steps // 2:,} normals): wall {spread(walls)}; CPU {spread(cpus)}")

    buffer = np.empty((setup.n_months, cfd.CHUNK_PATHS), dtype=price_models.SIMULATION_DTYPE)

    def simulation():
        for size in cfd.chunk_sizes(args.paths):
            price_models.simulate_prices(
                model, size, setup.n_months, rng, out=buffer if size == cfd.CHUNK_PATHS else None
            )

    walls, cpus, _ = timed(simulation, args.runs)
    print(f"price simulation alone: wall {spread(walls)}; CPU {spread(cpus)}")

    walls, cpus, results = timed(lambda: cfd.simulate_and_value(model, setup, args.paths, args.seed), args.runs)
    print(
        f"simulation + valuation of {len(cfd.INSTRUMENTS)} instruments: wall {spread(walls)}; CPU {spread(cpus)} "
        f"= {steps / statistics.median(walls) / 1e6:,.1f} million path-steps per second at the median"
    )
    floor = results["none"]["floor"]
    plain = cfd.describe(floor["government_pv"], ("mean",))
    controlled = cfd.describe(floor["government_pv"], ("mean",), floor[cfd.CONTROLS])
    exact = cfd.closed_form_values(model, setup)["floor"]
    print(
        f"check: mean floor cost {plain['mean'] / 1e6:,.2f} M USD (SE {plain['mean_se'] / 1e6:.2f}) from the "
        f"antithetic pairs, {controlled['mean'] / 1e6:,.2f} (SE {controlled['mean_se'] / 1e6:.2g}) with the control "
        f"variate; closed form {exact / 1e6:,.2f}"
    )
    print(f"peak memory (max RSS): {peak_memory_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
