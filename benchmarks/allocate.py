"""Benchmark of the allocation optimiser against the first-come-first-served baseline (issue 7).

Prints one JSON line. ``seconds`` is the optimiser's wall time (classes, LP relaxation, rounding, plan
assembly with reasons), ``cpu_seconds`` its CPU time; ``reference_seconds`` is the greedy baseline's,
measured the same way. The instance is built before either clock starts. ``lp_bound_seconds`` times the
proven bound alone (classes, the LP relaxation, weak duality: `relaxation_bound`), and ``ratio_to_lp_bound``
= seconds / lp_bound_seconds says what the integral plan costs on top of the bound. ``gap`` = (bound -
objective) / bound. The optimiser runs as `returnhub allocate` runs it: seeded with the greedy plan (a
candidate and a floor; ``kept_greedy`` says whether it had to fall back on it); ``--unseeded`` runs it
alone. Both plans are checked by the independent checker unless ``--no-check``.

    .venv/bin/python benchmarks/allocate.py --people 100000 --hubs 20 --weeks 26 --seed 1
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from returnhub.operations.allocation import check, greedy_plan, make_instance, relaxation_bound, solve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--hubs", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-check", action="store_true", help="skip the independent checker")
    parser.add_argument("--unseeded", action="store_true", help="do not seed the optimiser with greedy")
    args = parser.parse_args(argv)

    problem = make_instance(args.people, args.hubs, args.weeks, args.seed)

    started = time.perf_counter()
    greedy = greedy_plan(problem)
    reference_seconds = time.perf_counter() - started

    started, cpu = time.perf_counter(), time.process_time()
    plan = solve(problem, baseline=None if args.unseeded else greedy)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu

    started, cpu = time.perf_counter(), time.process_time()
    lp_bound = relaxation_bound(problem)
    lp_bound_seconds, lp_bound_cpu_seconds = time.perf_counter() - started, time.process_time() - cpu

    violations = [] if args.no_check else check(problem, plan) + check(problem, greedy)
    result = {
        "benchmark": "allocate",
        "n": args.people,
        "seconds": round(seconds, 3),
        "reference": "greedy",
        "reference_seconds": round(reference_seconds, 3),
        "ratio": round(reference_seconds / seconds, 3),
        "hubs": args.hubs,
        "weeks": args.weeks,
        "seed": args.seed,
        "people_eligible": plan.people_eligible,
        "people_placed": plan.people_placed,
        "objective": round(plan.objective, 3),
        "bound": round(plan.bound, 3),
        "gap": round(plan.gap, 6),
        "status": plan.status,
        "lp_bound": round(lp_bound, 3),
        "lp_bound_seconds": round(lp_bound_seconds, 3),
        "ratio_to_lp_bound": round(seconds / lp_bound_seconds, 3),
        # CPU time of this process: on a shared machine it says what the wall time would be on a free core.
        "cpu_seconds": round(cpu_seconds, 3),
        "lp_bound_cpu_seconds": round(lp_bound_cpu_seconds, 3),
        "ratio_to_lp_bound_cpu": round(cpu_seconds / lp_bound_cpu_seconds, 3),
        "greedy_people_placed": greedy.people_placed,
        "greedy_objective": round(greedy.objective, 3),
        "objective_ratio_vs_greedy": (
            round(plan.objective / greedy.objective, 6) if greedy.objective else None
        ),
        "transfers_used": plan.transfers_used,
        "mean_load_factor": round(plan.mean_load_factor, 4),
        "classes": plan.classes,
        "seeded_with_greedy": not args.unseeded,
        "kept_greedy": any("kept the greedy plan" in note for note in plan.notes),
        "checked": not args.no_check,
        "violations": len(violations),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
