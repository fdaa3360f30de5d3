"""Benchmark of the allocation optimiser against the first-come-first-served baseline (issue 7).

Prints one JSON line. ``seconds`` is the optimiser's wall time (classes, LP relaxation, rounding, plan
assembly with reasons); ``reference_seconds`` is the greedy baseline's, measured the same way. The instance
is built before either clock starts. The optimiser runs as `returnhub allocate` runs it: seeded with the
greedy plan (a candidate and a floor; ``kept_greedy`` says whether it had to fall back on it); ``--unseeded``
runs it alone. Both plans are checked by the independent checker unless ``--no-check``.

    .venv/bin/python benchmarks/allocate.py --people 100000 --hubs 20 --weeks 26 --seed 1
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from returnhub.operations.allocation import check, greedy_plan, make_instance, solve


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

    started = time.perf_counter()
    plan = solve(problem, baseline=None if args.unseeded else greedy)
    seconds = time.perf_counter() - started

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
    }
    print(json.dumps(result))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
