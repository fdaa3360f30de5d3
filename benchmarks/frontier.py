"""Benchmark: a frontier search of lever mixes (scenarios/targets/, 1,296 mixes) x 200 replications.

Prints one JSON line (DESIGN.md). On this shared two-core machine a full search takes longer than a
benchmark may run (3 minutes), so by default the first `--mixes` of the grid are searched and the
time is scaled linearly to the whole grid (`scaled_full_seconds`); every mix costs about the same,
since each is one engine run of the same size. `--backend ray` times the same subset on a local Ray.

    .venv/bin/python benchmarks/frontier.py [--mixes 384] [--backend local|ray|serial] [--workers 2]
        [--screen-reps 40]   # every mix screened in stacked runs, the finalists run in full
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from returnhub.simulation.frontier import load_target, mixes, search  # noqa: E402

TARGET = Path(__file__).resolve().parents[1] / "scenarios" / "targets" / "backlog_under_50k_by_2028.yaml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", type=Path, default=TARGET)
    parser.add_argument("--mixes", type=int, default=384)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--backend", default="local")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--screen-reps", type=int, default=None, help="screen every mix first (stacked runs)")
    args = parser.parse_args()
    target, scenario = load_target(args.target)
    grid = len(mixes(target))
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    frontier = search(
        target,
        scenario,
        backend=args.backend,
        max_workers=args.workers,
        reps=args.reps,
        limit=args.mixes,
        screen_reps=args.screen_reps,
    )
    seconds = time.perf_counter() - started
    searched = len(frontier.rows)
    line = {
        "benchmark": "frontier",
        "target": target.name,
        "backend": args.backend,
        "workers": args.workers if args.backend == "local" else None,
        "mixes_searched": frontier.screened or searched,
        "screen_reps": frontier.screen_reps,
        "finalists_at_full_reps": searched if frontier.screened else None,
        "mixes_in_grid": grid,
        "reps": args.reps,
        "months": target.months,
        "seconds": round(seconds, 1),
        "seconds_per_mix": round(seconds / (frontier.screened or searched), 3),
        "scaled_full_seconds": round(seconds / (frontier.screened or searched) * grid, 1),
        "scaled": (frontier.screened or searched) < grid,
        "chosen": None if frontier.chosen is None else frontier.to_data()["chosen"]["mix"],
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
