"""Benchmark of chapter 04's Monte Carlo: price paths x monthly steps valued for every instrument per second, and
peak memory. A script that prints figures, not a test.

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/cfd_simulation.py --paths 1000000 --months 300

The price model and project are synthetic (a mean-reverting or GBM price near 20,000 USD/t and the nickel archetype
stretched to the requested number of months), so the script runs without chapter 01's tables. It times, separately:
the random draws alone (the floor set by numpy's generator), the simulation of prices, and the full pipeline
(simulation, annual sums, valuation of all five instruments: government PV, project NPV after tax, largest outlay,
years above the DPA thresholds). IRRs are not computed (the chapter computes them on its default path count).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import replace

import numpy as np

from critical_minerals import cfd, price_models, project_finance


def peak_memory_mb() -> float:
    """Peak resident set size of this process so far (Linux reports ru_maxrss in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_for(months: int) -> tuple[cfd.Setup, int]:
    """The nickel archetype with its life stretched so that construction + life fill `months` (whole years)."""
    archetype = project_finance.read_archetypes()["nickel"]
    years = max(months // 12, archetype.construction_years + archetype.ramp_up_years + 1)
    archetype = replace(archetype, life_years=years - archetype.construction_years)
    regimes = project_finance.read_subsidy_regimes()
    policy = project_finance.read_policy_parameters()
    contract = cfd.Contract(strike=20_000.0, support_years=archetype.life_years)
    setup = cfd.Setup(archetype, contract, offset_months=months - 12 * years, government_rate=0.02,
                      subsidies={"none": project_finance.subsidy_cash_flows(archetype, regimes, "none", 2027)},
                      thresholds=(policy["dpa_title_iii_threshold_usd"], policy["dpa_proposed_threshold_usd"]),
                      compute_irr=False, keep_annual=False)
    return setup, years


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=300)
    parser.add_argument("--model", choices=price_models.MODELS, default="mean_reverting")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    model = price_models.PriceModel(args.model, "synthetic", 18_000.0, 0.29, kappa=0.33, theta=np.log(19_000.0))
    setup, years = setup_for(args.months)
    steps = args.paths * setup.n_months
    print(f"{args.paths:,} paths x {setup.n_months} monthly steps ({years} years valued), model {args.model}, "
          f"chunks of {cfd.CHUNK_PATHS:,} paths, float32, antithetic pairs")

    rng = price_models.generator(args.seed)
    start = time.perf_counter()
    for size in cfd.chunk_sizes(args.paths):
        rng.standard_normal((setup.n_months, size // 2), dtype=price_models.SIMULATION_DTYPE)
    draws = time.perf_counter() - start
    print(f"random draws alone ({steps // 2:,} normals): {draws:.2f} s")

    buffer = np.empty((setup.n_months, cfd.CHUNK_PATHS), dtype=price_models.SIMULATION_DTYPE)
    start = time.perf_counter()
    for size in cfd.chunk_sizes(args.paths):
        price_models.simulate_prices(model, size, setup.n_months, rng,
                               out=buffer if size == cfd.CHUNK_PATHS else None)
    simulation = time.perf_counter() - start
    print(f"price simulation alone: {simulation:.2f} s")

    start = time.perf_counter()
    results = cfd.simulate_and_value(model, setup, args.paths, args.seed)
    total = time.perf_counter() - start
    floor = results["none"]["floor"]["government_pv"]
    print(f"simulation + valuation of {len(cfd.INSTRUMENTS)} instruments: {total:.2f} s "
          f"= {steps / total / 1e6:,.1f} million path-steps per second")
    print(f"check: mean floor cost {floor.mean() / 1e6:,.1f} M USD (SE {cfd.batch_se(floor, np.mean) / 1e6:.2f})")
    print(f"peak memory (max RSS): {peak_memory_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
