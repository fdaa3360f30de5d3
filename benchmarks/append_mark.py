"""The change mark's cost on an ordinary append (issue 16: the fact snapshots must not slow appends).

Every write of a projection row takes a mark from ``projection_marks`` (one ``UPDATE … RETURNING`` in
the append's transaction). Both sides append one event per transaction through ``store.append_event`` and
commit, on a random case of a 20,000-person database; the reference takes its marks from a counter in
Python instead of the statement (and moves the stored counter on once per block, so marks still rise: the
database's trigger refusing an unmarked row runs on both sides). Blocks alternate between the two so that
drift in the machine's load affects both alike. Prints one JSON line: median milliseconds per append with
and without the mark, load average, CPU seconds.

    .venv/bin/python benchmarks/append_mark.py --database sqlite
    .venv/bin/python benchmarks/append_mark.py --database postgresql
"""

from __future__ import annotations

import argparse
import functools
import itertools
import os
import random
import resource
import statistics
import time
from collections.abc import Iterator
from datetime import timedelta

import _common
from screen_db import postgres_database
from sqlalchemy import select, update

from returnhub.casework import store
from returnhub.casework.models import ProjectionMark
from returnhub.casework.snapshots import current_mark
from returnhub.core.database import create_engine, unit_of_work
from returnhub.people.models import Person


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _python_mark(marks: Iterator[int], _bind: object) -> int:
    return next(marks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--appends", type=int, default=600, help="per side")
    parser.add_argument("--block", type=int, default=50)
    args = parser.parse_args()
    if args.database == "sqlite":
        url = _common.sqlite_database(args.persons, "bench-append")
    else:
        url = postgres_database(args.persons, "colfacts_append")
    engine = create_engine(url)
    with unit_of_work(engine, read_only=True) as s:
        references = list(s.execute(select(Person.reference)).scalars())
    rng = random.Random(16)
    on = _common.CLOCK.today() - timedelta(days=1)
    real = store.next_mark

    def append_one() -> float:
        reference = rng.choice(references)
        started = time.perf_counter()
        with unit_of_work(engine) as s:
            store.append_event(
                s, reference, "further_submissions_lodged", on, {}, clock=_common.CLOCK, recorded_by="bench"
            )
        return time.perf_counter() - started

    times: dict[str, list[float]] = {"with_mark": [], "without_mark": []}
    for _ in range(3):  # warm up
        append_one()
    wall, cpu = time.perf_counter(), cpu_seconds()
    for block in range(2 * args.appends // args.block):
        side = "with_mark" if block % 2 == 0 else "without_mark"
        if side == "with_mark":
            store.next_mark = real  # type: ignore[assignment]
            times[side].extend(append_one() for _ in range(args.block))
            continue
        with unit_of_work(engine) as s:
            marks = itertools.count(current_mark(s) + 1)
        store.next_mark = functools.partial(_python_mark, marks)  # type: ignore[assignment]
        times[side].extend(append_one() for _ in range(args.block))
        with unit_of_work(engine) as s:  # the stored counter catches up with the marks handed out
            s.execute(update(ProjectionMark).values(mark=next(marks)))
    store.next_mark = real  # type: ignore[assignment]
    seconds, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    engine.dispose()
    with_ms = statistics.median(times["with_mark"]) * 1000
    without_ms = statistics.median(times["without_mark"]) * 1000
    _common.emit(
        "append_mark",
        len(times["with_mark"]),
        with_ms / 1000,
        "append_without_mark",
        without_ms / 1000,
        database=create_engine(url).dialect.name,
        median_ms_with_mark=round(with_ms, 3),
        median_ms_without_mark=round(without_ms, 3),
        overhead_percent=round(100 * (with_ms - without_ms) / without_ms, 1),
        p90_ms_with_mark=round(statistics.quantiles(times["with_mark"], n=10)[-1] * 1000, 3),
        p90_ms_without_mark=round(statistics.quantiles(times["without_mark"], n=10)[-1] * 1000, 3),
        wall_seconds=round(seconds, 2),
        cpu_seconds=round(cpu, 2),
        load_average=[round(x, 2) for x in os.getloadavg()],
    )


if __name__ == "__main__":
    main()
