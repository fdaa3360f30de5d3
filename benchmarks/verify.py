"""Verifying the event chain (`returnhub audit verify`) against the floor of any verify.

``seconds``: ``casework.store.verify_chain`` over the whole event log (rows streamed from the driver, each
event's canonical body rebuilt by the ledger's encoder, SHA-256 chained, links and the head compared).
``reference``: the same rows read with the raw driver, in the same batches, and one SHA-256 per row over the
row's fields joined as text (the bytes a verify cannot avoid reading and hashing, without the canonical
encoding or any check). Both run on the same SQLite file, alternately, and the medians are compared.

``cpu_seconds`` and ``reference_cpu_seconds``: the same, in this process's CPU time (the figure to read
when the load average is above the number of cores; with two processes, both's).

The default is 21,000 persons (about 300,000 events) so that a run stays well under three minutes on a
shared machine; the cost is linear in events, so the figure extrapolates by events (3 million events: about
ten times ``seconds``; ``--persons 205000`` measures them).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import time

import _common
from sqlalchemy import func, select

from returnhub.casework.models import StoredEvent
from returnhub.casework.store import PARALLEL_VERIFY_MIN_EVENTS, verify_chain
from returnhub.core.database import create_engine, unit_of_work

COLUMNS = (
    "id, case_id, sequence, event_type, occurred_on, recorded_at, recorded_by, data, occurred_at, "
    "prev_hash, hash"
)


def cpu_seconds() -> float:
    """This process's CPU seconds and its finished workers' (a verify in two processes counts both)."""
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def reference_read_and_hash(engine: object, batch: int) -> int:
    """Raw driver read of every event, one SHA-256 per row over its fields as text, chained."""
    raw = engine.raw_connection()  # type: ignore[attr-defined]
    try:
        cursor = raw.cursor()
        cursor.execute(f"SELECT {COLUMNS} FROM case_events ORDER BY id")
        sha256 = hashlib.sha256
        prev = "0" * 64
        count = 0
        while rows := cursor.fetchmany(batch):
            for row in rows:
                prev = sha256((prev + "\x1f".join(map(str, row))).encode()).hexdigest()
                count += 1
        cursor.close()
        return count
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=21_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument(
        "--workers", type=int, default=None, help="processes (default: as verify_chain picks)"
    )
    args = parser.parse_args()
    url = _common.sqlite_database(args.persons, "bench-verify")
    engine = create_engine(url)
    with unit_of_work(engine, read_only=True) as s:
        events = int(s.execute(select(func.count()).select_from(StoredEvent)).scalar_one())
    verify_times: list[float] = []
    reference_times: list[float] = []
    verify_cpu: list[float] = []
    reference_cpu: list[float] = []
    for _ in range(args.repeat):
        t, c = time.perf_counter(), cpu_seconds()
        with unit_of_work(engine, read_only=True) as s:
            report = verify_chain(s, batch=args.batch, workers=args.workers)
        verify_times.append(time.perf_counter() - t)
        verify_cpu.append(cpu_seconds() - c)
        assert report.ok and report.events == events, report.as_dict()
        t, c = time.perf_counter(), time.process_time()
        assert reference_read_and_hash(engine, args.batch) == events
        reference_times.append(time.perf_counter() - t)
        reference_cpu.append(time.process_time() - c)
    seconds = statistics.median(verify_times)
    reference = statistics.median(reference_times)
    _common.emit(
        "verify_chain",
        events,
        seconds,
        "raw_driver_read_and_sha256_per_row",
        reference,
        persons=args.persons,
        events_per_second=round(events / seconds),
        # On a shared machine the wall time swings with the load; the CPU time of this process does not.
        cpu_seconds=round(statistics.median(verify_cpu), 3),
        reference_cpu_seconds=round(statistics.median(reference_cpu), 3),
        repeat=args.repeat,
        workers=args.workers or ("2 if a core is free" if events >= PARALLEL_VERIFY_MIN_EVENTS else 1),
        database="sqlite",
        load_average=[round(x, 2) for x in os.getloadavg()],
    )


if __name__ == "__main__":
    main()
