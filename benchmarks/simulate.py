"""Benchmark: the vectorised engine against the SimPy reference, for speed and for agreement.

Prints one JSON line (DESIGN.md).

* Engine: ``--reps`` replications of `scenarios/uk_with_hubs.yaml` (about 108,000 claims a year, two hubs)
  over its 120 months; ``seconds`` is the wall time, ``cpu_seconds`` the process's CPU time (on a shared
  machine the second says what a free core would take).
* SimPy at UK scale: one replication follows every person, about a minute of CPU for 120 months, so
  ``--reference-reps`` replications of ``--reference-months`` months are timed and the mean time per
  replication is scaled linearly to 120 months; ``reference_seconds`` = that time x ``--reps``.
* SimPy at reduced scale, measured whole: the same scenario with every head count divided by 100
  (`Scenario.scaled`) over all 120 months, ``--agreement-reps`` SimPy replications timed one by one
  (mean, no scaling), and the engine's replications of the same scaled scenario.
* Agreement: at reduced scale, a two-sample Kolmogorov-Smirnov test and Welch's test on the means for each
  main output (stocks at the last month, flows summed over the run), engine (1,000 replications) against
  SimPy (``--agreement-reps``). ``min_detectable_difference_sd`` is the difference of means, in standard
  deviations, that Welch's test at ``alpha_per_test`` finds 80% of the time with these sample sizes: the
  power of the check. At UK scale, where each SimPy replication falls in the engine's distribution over the
  same months.

    .venv/bin/python benchmarks/simulate.py [--reps 1000] [--threads N] [--agreement-reps 200]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from returnhub.simulation.engine import SimulationResult, machine_threads, simulate
from returnhub.simulation.reference_model import simulate_reference
from returnhub.simulation.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "uk_with_hubs.yaml"
STOCKS = ("awaiting_decision", "appeal_rights_exhausted", "in_hub")
FLOWS = (
    "initial_grants",
    "voluntary_returns",
    "enforced_returns",
    "absconds",
    "hub_transfers",
    "hub_onward_returns",
)
ALPHA = 0.001  # per test; 2 tests x 10 outputs keeps the family-wise false alarm at about 2%
REDUCED_SCALE = 0.01
ENGINE_AGREEMENT_REPS = 1000


def outputs(result: SimulationResult) -> dict[str, np.ndarray[Any, Any]]:
    """Main outputs per replication: stocks at the last month, flows summed over the run."""
    values = {name: np.asarray(result.series[name][:, -1], dtype=np.float64) for name in STOCKS}
    values.update({name: np.asarray(result.series[name].sum(axis=1), dtype=np.float64) for name in FLOWS})
    values["cost_total"] = np.asarray(result.series["cost_total"].sum(axis=1), dtype=np.float64)
    return values


def two_sample(engine: np.ndarray[Any, Any], simpy: np.ndarray[Any, Any]) -> dict[str, Any]:
    # Welch's test needs spread in both samples (a full hub can hold the same number in every run).
    varied = engine.std() > 0 and simpy.std() > 0
    welch = float(stats.ttest_ind(engine, simpy, equal_var=False).pvalue) if varied else None
    return {
        "ks_pvalue": round(float(stats.ks_2samp(engine, simpy).pvalue), 4),
        "welch_pvalue": None if welch is None else round(welch, 4),
        "engine_mean": round(float(engine.mean()), 2),
        "simpy_mean": round(float(simpy.mean()), 2),
        "engine_sd": round(float(engine.std(ddof=1)), 2),
        "simpy_sd": round(float(simpy.std(ddof=1)), 2),
    }


def min_detectable_difference(n_engine: int, n_simpy: int, alpha: float, power: float = 0.8) -> float:
    """Difference of means, in standard deviations, that a two-sided test at ``alpha`` finds with
    ``power``."""
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(z * math.sqrt(1 / n_engine + 1 / n_simpy))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument(
        "--threads",
        type=int,
        default=machine_threads(),
        help="engine threads (replication blocks; default: the machine's cores, as `returnhub simulate run`)",
    )
    parser.add_argument("--reference-reps", type=int, default=2, help="SimPy replications timed at UK scale")
    parser.add_argument(
        "--reference-months",
        type=int,
        default=24,
        help="months of each UK-scale SimPy run; the time is scaled linearly to 120 (120 = no scaling)",
    )
    parser.add_argument("--agreement-reps", type=int, default=200, help="SimPy replications at 1/100 scale")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    scenario = load_scenario(SCENARIO)
    arrivals_per_year = (
        12
        * scenario.arrivals.scale
        * sum(sum(route.monthly_mean.values()) for route in scenario.arrivals.routes.values())
    )

    simulate(scenario, reps=8, months=6, seed=args.seed)  # warm imports and caches
    wall, cpu = time.perf_counter(), time.process_time()
    fast = simulate(scenario, reps=args.reps, seed=args.seed, threads=args.threads)
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu

    # SimPy at UK scale: a few replications of a few months, the mean time per replication scaled to 120.
    reference_months = min(args.reference_months, fast.months)
    wall = time.perf_counter()
    plain = simulate_reference(
        scenario, reps=args.reference_reps, months=reference_months, seed=args.seed + 1
    )
    simpy_timed = (time.perf_counter() - wall) / args.reference_reps
    simpy_per_rep = simpy_timed * fast.months / reference_months
    reference_seconds = simpy_per_rep * args.reps

    # Where each UK-scale SimPy replication falls in the engine's distribution over the same months.
    same_months = (
        fast
        if reference_months == fast.months
        else simulate(scenario, reps=args.reps, months=reference_months, seed=args.seed, threads=args.threads)
    )
    fast_out, plain_out = outputs(same_months), outputs(plain)
    uk_scale: dict[str, Any] = {}
    for name, values in fast_out.items():
        ranks = [float(stats.percentileofscore(values, v) / 100) for v in plain_out[name]]
        uk_scale[name] = {
            "simpy": [round(float(v), 1) for v in plain_out[name]],
            "engine_p1": round(float(np.percentile(values, 1)), 1),
            "engine_p50": round(float(np.median(values)), 1),
            "engine_p99": round(float(np.percentile(values, 99)), 1),
            "simpy_percentile_in_engine": [round(r, 3) for r in ranks],
        }
    inside = all(
        0.005 <= r <= 0.995 for item in uk_scale.values() for r in item["simpy_percentile_in_engine"]
    )

    # Reduced scale, measured whole on both sides, and the two-sample tests.
    small = scenario.scaled(REDUCED_SCALE)
    wall = time.perf_counter()
    small_fast = simulate(small, reps=ENGINE_AGREEMENT_REPS, seed=args.seed + 2, threads=args.threads)
    small_engine_seconds = time.perf_counter() - wall
    wall = time.perf_counter()
    small_plain = simulate_reference(small, reps=args.agreement_reps, seed=args.seed + 3)
    small_simpy_seconds = time.perf_counter() - wall
    small_fast_out, small_plain_out = outputs(small_fast), outputs(small_plain)
    tests = {name: two_sample(values, small_plain_out[name]) for name, values in small_fast_out.items()}
    agree = all(
        t["ks_pvalue"] > ALPHA and (t["welch_pvalue"] is None or t["welch_pvalue"] > ALPHA)
        for t in tests.values()
    )
    simpy_small_per_rep = small_simpy_seconds / args.agreement_reps
    engine_small_per_rep = small_engine_seconds / ENGINE_AGREEMENT_REPS

    line = {
        "benchmark": "simulate",
        "n": args.reps,
        "seconds": round(seconds, 3),
        "reference": "simpy",
        "reference_seconds": round(reference_seconds, 1),
        "ratio": round(reference_seconds / seconds, 1),
        "cpu_seconds": round(cpu_seconds, 3),
        "threads": args.threads,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "months": fast.months,
        "scenario": scenario.name,
        "arrivals_per_year": round(arrivals_per_year),
        "hubs": len(scenario.hubs),
        "nationalities": len(scenario.nationalities),
        "per_rep_seconds": round(seconds / args.reps, 5),
        "simpy_uk_scale": {
            "reps_timed": args.reference_reps,
            "months_timed": reference_months,
            "seconds_per_rep_measured": round(simpy_timed, 2),
            "seconds_per_rep_scaled_to_120_months": round(simpy_per_rep, 2),
        },
        "reduced_scale": {
            "scale": REDUCED_SCALE,
            "months": small.months,
            "simpy_reps": args.agreement_reps,
            "simpy_seconds_per_rep_measured": round(simpy_small_per_rep, 4),
            "engine_reps": ENGINE_AGREEMENT_REPS,
            "engine_seconds_per_rep_measured": round(engine_small_per_rep, 6),
            "ratio": round(simpy_small_per_rep / engine_small_per_rep, 1),
        },
        "agreement": {
            "reduced_scale": {
                "alpha_per_test": ALPHA,
                "min_detectable_difference_sd": round(
                    min_detectable_difference(ENGINE_AGREEMENT_REPS, args.agreement_reps, ALPHA), 3
                ),
                "all_agree": agree,
                "outputs": tests,
            },
            "uk_scale_months": reference_months,
            "uk_scale_simpy_within_engine_p0.5_p99.5": inside,
            "uk_scale": uk_scale,
        },
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
