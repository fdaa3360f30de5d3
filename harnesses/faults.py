"""`make faults`: kill -9 a writer again and again, then check that nothing acknowledged was lost, nothing was
half-written and the chains verify. Prints one JSON line.

Each round forks a writer (the parent has already imported everything, so a round costs milliseconds) that
appends events to the cases through ``append_event``, each in its own transaction, and reports each commit
on a pipe only after it returned (the acknowledgement a client would get). The parent kills it with SIGKILL
at a random moment, often mid-transaction. At the end:

* every acknowledged (case, sequence) is in ``case_events`` (no acknowledged write lost);
* every case's projection row has the version of its last event (nothing half-written: an event without
  its projection, or the reverse);
* the event chain verifies (``returnhub audit verify``).

    python harnesses/faults.py                      # 100 kills on SQLite
    python harnesses/faults.py --kills 200 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Not covered here (the issue's fuller list): the server's own kill -9 under HTTP load, a PostgreSQL restart
under load, a disk that fills during an import, a corrupted row.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import func  # noqa: E402
from sqlalchemy import select as sql_select

from returnhub.casework.bulk import load_population  # noqa: E402
from returnhub.casework.models import StoredEvent, case_projection  # noqa: E402
from returnhub.casework.store import append_event, verify_chain  # noqa: E402
from returnhub.core.clock import SystemClock  # noqa: E402
from returnhub.core.database import create_engine, unit_of_work  # noqa: E402
from returnhub.core.migrate import upgrade  # noqa: E402
from returnhub.operations.transfers import register_hooks  # noqa: E402
from returnhub.people.models import Person  # noqa: E402
from returnhub.synthetic import generate_population  # noqa: E402

PERSONS = 20

# The harness is a composition root: without the departure gate's hooks every append is refused
# (HooksNotRegistered), and a writer that acknowledges nothing proves nothing.
register_hooks()


def _writer(url: str, references: list[str], out: int, seed: int) -> None:
    """The child: append until killed, acknowledging each commit on the pipe."""
    engine = create_engine(url)
    clock = SystemClock()
    rng = random.Random(seed)
    today = clock.today()
    while True:
        reference = rng.choice(references)
        with unit_of_work(engine) as session:
            result = append_event(
                session, reference, "injunction_discharged", today, {}, clock=clock, recorded_by="faults"
            )
        os.write(out, f"{reference} {result.sequence}\n".encode())


def run(url: str, kills: int, seed: int = 7) -> dict[str, Any]:
    started = time.perf_counter()
    upgrade(url)
    engine = create_engine(url)
    clock = SystemClock()
    population = generate_population(PERSONS, seed, today=clock.today())
    load_population(engine, population.persons, population.events, clock=clock)
    with unit_of_work(engine, read_only=True) as s:
        references = list(s.execute(sql_select(Person.reference)).scalars())
    engine.dispose()
    rng = random.Random(seed)
    acknowledged: set[tuple[str, int]] = set()
    for round_ in range(kills):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the writer
            os.close(read)
            try:
                _writer(url, references, write, seed + round_)
            finally:
                os._exit(0)
        os.close(write)
        deadline = time.monotonic() + rng.uniform(0.02, 0.4)
        buffer = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([read], [], [], max(0.0, deadline - time.monotonic()))
            if ready:
                chunk = os.read(read, 65536)
                if not chunk:
                    break
                buffer += chunk
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        while chunk := os.read(read, 65536):  # acknowledgements written before the kill
            buffer += chunk
        os.close(read)
        for line in buffer.decode().splitlines():
            reference, sequence = line.split()
            acknowledged.add((reference, int(sequence)))
    engine = create_engine(url)
    with unit_of_work(engine, read_only=True) as s:
        stored = set(
            s.execute(
                sql_select(Person.reference, StoredEvent.sequence).join(
                    Person, Person.id == StoredEvent.case_id
                )
            ).all()
        )
        last = dict(
            s.execute(
                sql_select(Person.reference, func.max(StoredEvent.sequence))
                .join(Person, Person.id == StoredEvent.case_id)
                .group_by(Person.reference)
            ).all()
        )
        versions = dict(s.execute(sql_select(case_projection.c.reference, case_projection.c.version)).all())
        chain = verify_chain(s)
    engine.dispose()
    found = len(acknowledged & {(str(r), int(q)) for r, q in stored})
    return {
        "harness": "faults",
        "fault": "kill -9 of a writer",
        "database": url.split(":", 1)[0].split("+")[0],
        "kills": kills,
        "writes_acknowledged": len(acknowledged),
        "writes_found": found,
        "events_stored": chain.events,
        "half_written_cases": sum(versions.get(r) != v for r, v in last.items()),
        "chain_verified": chain.ok,
        "seconds": round(time.perf_counter() - started, 1),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument(
        "--postgres",
        metavar="ADMIN_URL",
        default=None,
        help="run on a database of its own made (and dropped) on this server, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/test; default: a fresh SQLite file",
    )
    args = parser.parse_args()
    if args.postgres:
        from sqlalchemy import create_engine as sa_engine
        from sqlalchemy import text

        name = f"returnhub_faults_{os.getpid()}"
        admin = sa_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            summary = run(args.postgres.rsplit("/", 1)[0] + f"/{name}", args.kills)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        summary = run(f"sqlite:///{Path(tempfile.mkdtemp(prefix='faults-')) / 'faults.db'}", args.kills)
    print(json.dumps(summary), flush=True)
    ok = summary["writes_found"] == summary["writes_acknowledged"] > 0 and summary["chain_verified"]
    sys.exit(0 if ok and not summary["half_written_cases"] else 1)


if __name__ == "__main__":
    main()
