"""Benchmark: the vectorised engine against the SimPy reference at UK scale.

Prints one JSON line (DESIGN.md). The engine runs N replications of `scenarios/uk_with_hubs.yaml`
(about 108,000 claims a year for 120 months, two hubs). The SimPy reference is timed on one
UK-scale replication of `--reference-months` months (default 24; 120 for the full run, about
eight minutes here) and scaled linearly to 120 months and N replications. Agreement is checked
twice: the reference's UK-scale replication against the engine's distribution over the same
months, and a two-sample test (KS and Welch) on a 1/100-scale copy of the scenario over 60 months,
where forty reference replications are affordable.

    .venv/bin/python benchmarks/simulate.py [--reps 1000] [--threads 1] [--reference-months 24]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from returnhub.simulation.engine import SimulationResult, simulate
from returnhub.simulation.reference_model import simulate_reference
from returnhub.simulation.scenario import Scenario, load_scenario

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "uk_with_hubs.yaml"
STOCKS = ("awaiting_decision", "appeal_rights_exhausted", "in_hub")
FLOWS = ("initial_grants", "voluntary_returns", "enforced_returns", "hub_transfers", "hub_onward_returns")


def outputs(result: SimulationResult) -> dict[str, np.ndarray[Any, Any]]:
    """Main outputs per replication: stocks at the last month, flows summed over the run."""
    values = {name: np.asarray(result.series[name][:, -1], dtype=np.float64) for name in STOCKS}
    values.update({name: np.asarray(result.series[name].sum(axis=1), dtype=np.float64) for name in FLOWS})
    values["cost_total"] = np.asarray(result.series["cost_total"].sum(axis=1), dtype=np.float64)
    return values


def scaled(scenario: Scenario, factor: float) -> Scenario:
    """The same scenario with every head count (arrivals, capacity, places, caseload) scaled."""
    overrides: dict[str, Any] = {
        "arrivals.scale": scenario.arrivals.scale * factor,
        "decisions.initial_capacity_per_month": max(
            1, round(scenario.decisions.initial_capacity_per_month * factor)
        ),
        "months": 60,
    }
    for j, hub in enumerate(scenario.hubs):
        overrides[f"hubs.{j}.places"] = max(1, round(hub.places * factor))
        if hub.transfer_capacity_per_month is not None:
            overrides[f"hubs.{j}.transfer_capacity_per_month"] = max(
                1, round(hub.transfer_capacity_per_month * factor)
            )
    if scenario.initial is not None:
        for status in (
            "awaiting_decision",
            "refused_awaiting_appeal",
            "appeal_pending",
            "appeal_rights_exhausted",
        ):
            counts = getattr(scenario.initial, status)
            overrides[f"initial.{status}"] = {name: round(count * factor) for name, count in counts.items()}
    return scenario.with_overrides(overrides)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--reference-reps", type=int, default=1, help="SimPy replications timed at UK scale")
    parser.add_argument(
        "--reference-months",
        type=int,
        default=24,
        help="months of the UK-scale SimPy run; its time is scaled linearly to 120 (120 = no scaling)",
    )
    parser.add_argument("--agreement-reps", type=int, default=40, help="SimPy replications at 1/100 scale")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="engine threads (replication blocks)")
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

    # One SimPy replication at UK scale takes minutes (about 500 s for 120 months measured here
    # under load), so by default it runs `--reference-months` months and its time is scaled.
    reference_months = min(args.reference_months, fast.months)
    wall = time.perf_counter()
    plain = simulate_reference(
        scenario, reps=args.reference_reps, months=reference_months, seed=args.seed + 1
    )
    simpy_timed = (time.perf_counter() - wall) / args.reference_reps
    simpy_per_rep = simpy_timed * fast.months / reference_months
    reference_seconds = simpy_per_rep * args.reps

    # Agreement 1: where each UK-scale SimPy replication falls in the engine's distribution
    # over the same months.
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
            "engine_p50": round(float(np.median(values)), 1),
            "engine_p1": round(float(np.percentile(values, 1)), 1),
            "engine_p99": round(float(np.percentile(values, 99)), 1),
            "simpy_percentile_in_engine": [round(r, 3) for r in ranks],
        }
    inside = all(
        0.005 <= r <= 0.995 for item in uk_scale.values() for r in item["simpy_percentile_in_engine"]
    )

    # Agreement 2: a two-sample test where many SimPy replications are affordable.
    small = scaled(scenario, 0.01)
    small_fast = outputs(simulate(small, reps=1000, seed=args.seed + 2))
    small_plain = outputs(simulate_reference(small, reps=args.agreement_reps, seed=args.seed + 3))
    tests: dict[str, Any] = {}
    for name, values in small_fast.items():
        other = small_plain[name]
        # Welch's test needs spread in both samples (a full hub can be 20 in every SimPy run).
        varied = values.std() > 0 and other.std() > 0
        welch = float(stats.ttest_ind(values, other, equal_var=False).pvalue) if varied else None
        tests[name] = {
            "ks_pvalue": round(float(stats.ks_2samp(values, other).pvalue), 4),
            "welch_pvalue": None if welch is None else round(welch, 4),
            "engine_mean": round(float(values.mean()), 2),
            "simpy_mean": round(float(other.mean()), 2),
        }
    alpha = 0.001  # per test; 2 tests x 9 outputs keeps the family-wise false alarm under 2%
    agree = all(
        t["ks_pvalue"] > alpha and (t["welch_pvalue"] is None or t["welch_pvalue"] > alpha)
        for t in tests.values()
    )

    line = {
        "benchmark": "simulate",
        "n": args.reps,
        "seconds": round(seconds, 3),
        "reference": "simpy",
        "reference_seconds": round(reference_seconds, 1),
        "ratio": round(reference_seconds / seconds, 1),
        "months": fast.months,
        "arrivals_per_year": round(arrivals_per_year),
        "per_rep_seconds": round(seconds / args.reps, 5),
        "simpy_per_rep_seconds": round(simpy_per_rep, 2),
        "simpy_reps_timed": args.reference_reps,
        "simpy_months_timed": reference_months,
        "simpy_seconds_timed_per_rep": round(simpy_timed, 2),
        "cpu_seconds": round(cpu_seconds, 3),
        "threads": args.threads,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "scenario": scenario.name,
        "hubs": len(scenario.hubs),
        "nationalities": len(scenario.nationalities),
        "agreement": {
            "uk_scale_simpy_within_engine_p0.5_p99.5": inside,
            "uk_scale_months": reference_months,
            "uk_scale": uk_scale,
            "scaled_1_100": {
                "months": small.months,
                "engine_reps": 1000,
                "simpy_reps": args.agreement_reps,
                "alpha_per_test": alpha,
                "all_agree": agree,
                "outputs": tests,
            },
        },
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
