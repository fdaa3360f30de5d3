"""Fold of one case's events: median time per case (target under 50 µs).

Reference: the plain limit of visiting the same events in Python (a loop that only dispatches on the
event type), so the ratio says how close the fold comes to doing nothing at all.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date

import _common

from returnhub.casework.state import STEPS, LegalEvent, fold
from returnhub.synthetic import generate_population


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2_000)
    args = parser.parse_args()
    pop = generate_population(args.cases, 7, today=date(2026, 6, 1))
    histories: dict[int, list[LegalEvent]] = {}
    for row in pop.events.iter_rows(named=True):
        histories.setdefault(row["person_index"], []).append(
            LegalEvent(
                row["sequence"],
                row["event_type"],
                row["occurred_on"],
                row["recorded_at"],
                json.loads(row["data"]),
            )
        )
    cases = list(histories.values())

    def per_case(fn: object) -> list[float]:
        out = []
        for events in cases:
            best = float("inf")
            for _ in range(5):
                t = time.perf_counter()
                fn(events)  # type: ignore[operator]
                best = min(best, time.perf_counter() - t)
            out.append(best)
        return out

    def visit(events: list[LegalEvent]) -> None:
        for e in events:
            STEPS.get(e.event_type)

    seconds = statistics.median(per_case(fold))
    reference = statistics.median(per_case(visit))
    mean_events = sum(len(c) for c in cases) / len(cases)
    _common.emit(
        "fold",
        len(cases),
        seconds,
        "visit_events_only",
        reference,
        median_us_per_case=round(seconds * 1e6, 2),
        mean_events_per_case=round(mean_events, 1),
        target_us=50,
    )


if __name__ == "__main__":
    main()
