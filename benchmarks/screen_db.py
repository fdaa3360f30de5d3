"""Benchmark: screen the caseload from the database: read the facts, screen every rule for every agreement,
store the screening (what `returnhub screen --store` and the home page's "Screen the caseload" do).

    .venv/bin/python benchmarks/screen_db.py --persons 200000 --database sqlite
    .venv/bin/python benchmarks/screen_db.py --persons 200000 --database postgresql

Target: under 3 s at 1,000,000 people on each database. The reference (the limit for the read) is the raw
read of the same columns by the driver the application uses into an untyped Arrow-backed frame, with no
typing, joining or screening (``raw_read_seconds``). The facts are read through their stored snapshot, so
the plain limit of that path is printed too: the driver handing over the snapshot's bytes and Polars
decoding the same columns (``snapshot_bytes_limit_seconds``). The database is made once (seed 11)
and reused: ``var/bench-N.db`` on SQLite, ``rh_bench_N`` on PostgreSQL.

The screening runs at the departure stage (the stage every UK rule guards) against the three synthetic
agreements, in one write transaction that is committed, as the command does. Prints one JSON line with the
phases (facts, screen, store), CPU seconds (this process's: PostgreSQL's own work is not in them) and
the load average beside wall seconds; ``--orm-rows`` also times the read as it was before (row by row
through SQLAlchemy).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import time
from datetime import timedelta
from typing import Any

import _common
import polars as pl
from sqlalchemy import bindparam, func, select, text, update

from returnhub.casework.models import case_projection
from returnhub.core.database import create_engine, unit_of_work
from returnhub.safeguards.engine import fact_columns, make_plan
from returnhub.safeguards.packs import get_pack
from returnhub.safeguards.service import caseload_facts, screen, store_screening
from returnhub.safeguards.synthetic import synthetic_terms

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STAGE = "departure"


class Terms:
    def __init__(self) -> None:
        self.terms = synthetic_terms(_common.CLOCK.today())

    def terms_on(self, on: object) -> list[object]:
        return list(self.terms)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def postgres_database(persons: int, label: str = "bench") -> str:
    """A PostgreSQL database holding ``persons`` synthetic people (seed 11), made once and reused."""
    from returnhub.casework.bulk import load_population
    from returnhub.core.migrate import upgrade
    from returnhub.synthetic import generate_population

    name = f"rh_{label}_{persons}"
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    admin = create_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists is not None:
            engine = create_engine(url)
            with engine.connect() as c:
                held = c.execute(select(func.count()).select_from(case_projection)).scalar_one()
            engine.dispose()
            if held == persons:
                upgrade(url)
                _vacuum(url)
                return url
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    upgrade(url)
    engine = create_engine(url)
    population = generate_population(persons, 11, today=_common.CLOCK.today())
    load_population(engine, population.persons, population.events, clock=_common.CLOCK)
    engine.dispose()
    _vacuum(url)
    return url


def _vacuum(url: str) -> None:
    """Vacuum and analyse the projection, as autovacuum does on a live database: a freshly bulk-loaded one
    has no statistics, and its planner counts the rows (the snapshot's check) by a full scan."""
    engine = create_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE case_projection"))
    engine.dispose()


def driver_fetch_seconds(engine: Any, columns: list[str]) -> float:
    """The floor under any Python reader: the driver handing over the same columns, nothing built from
    them (SQLite: ``fetchall``'s tuples; PostgreSQL: the COPY bytes)."""
    sql = f"SELECT {', '.join(columns)} FROM case_projection"
    started = time.perf_counter()
    with engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        if engine.dialect.name == "sqlite":
            assert raw.execute(sql).fetchall()
        else:
            with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
                assert b"".join(bytes(chunk) for chunk in copy)
    return time.perf_counter() - started


def snapshot_bytes_seconds(engine: Any, columns: list[str]) -> float:
    """The plain limit of the path through the snapshot: the driver handing over the newest snapshot's
    stored bytes and Polars decoding the same columns from them, nothing checked or patched."""
    started = time.perf_counter()
    with engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        # PostgreSQL's binary results hand bytea over as bytes (text would be hex, twice the size).
        cursor = raw.cursor(binary=True) if engine.dialect.name == "postgresql" else raw.cursor()
        cursor.execute(
            "SELECT data FROM fact_snapshot_parts WHERE snapshot_id = (SELECT max(id) FROM fact_snapshots) "
            "ORDER BY part"
        )
        data = b"".join(bytes(r[0]) for r in cursor.fetchall())
        cursor.close()
    pl.read_parquet(io.BytesIO(data), columns=columns)
    return time.perf_counter() - started


def raw_read_seconds(engine: Any, columns: list[str]) -> tuple[float, float]:
    """The limit: the driver's own read of the same plain columns into an untyped Arrow-backed frame
    (wall and CPU seconds). SQLite: sqlite3's ``fetchall`` handed to Polars as rows, types inferred;
    PostgreSQL: psycopg's ``COPY … TO STDOUT (FORMAT csv)`` bytes parsed by Polars, types inferred."""
    sql = f"SELECT {', '.join(columns)} FROM case_projection"
    started, cpu = time.perf_counter(), cpu_seconds()
    with engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        if engine.dialect.name == "sqlite":
            rows = raw.execute(sql).fetchall()
            frame = pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)
        else:
            with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
                data = b"".join(bytes(chunk) for chunk in copy)
            frame = pl.read_csv(data, has_header=False, new_columns=columns, infer_schema_length=None)
    seconds = time.perf_counter() - started
    assert frame.height > 0
    return seconds, cpu_seconds() - cpu


def touch(engine: Any, changed: int) -> list[dict[str, Any]]:
    """Change ``changed`` cases (spread over the caseload) as an append of further submissions would: the
    pending flag, the latest legal date, the version; the timed runs patch the snapshot with these rows.
    Returns what they held, for ``restore``."""
    if changed <= 0:
        return []
    from returnhub.casework.snapshots import next_mark

    p = case_projection.c
    with unit_of_work(engine) as session:
        total = session.execute(select(func.count()).select_from(case_projection)).scalar_one()
        chosen = p.case_id % max(1, total // changed) == 0
        held = [
            dict(r._mapping)
            for r in session.execute(
                select(p.case_id, p.further_submissions_pending, p.last_occurred_on, p.version).where(chosen)
            )
        ]
        session.execute(
            update(case_projection)
            .where(chosen)
            .values(
                further_submissions_pending=~func.coalesce(p.further_submissions_pending, False),
                last_occurred_on=_common.CLOCK.today() - timedelta(days=1),
                version=p.version + 1,
                change_mark=next_mark(session),
            )
        )
    return held


def restore(engine: Any, held: list[dict[str, Any]]) -> None:
    """Put back what ``touch`` changed (with a new mark: the facts are as the database was made)."""
    if not held:
        return
    from returnhub.casework.snapshots import next_mark

    p = case_projection.c
    with unit_of_work(engine) as session:
        mark = next_mark(session)
        session.execute(
            update(case_projection)
            .where(p.case_id == bindparam("id"))
            .values(
                further_submissions_pending=bindparam("pending"),
                last_occurred_on=bindparam("last"),
                version=bindparam("v"),
                change_mark=mark,
            ),
            [
                {
                    "id": h["case_id"],
                    "pending": h["further_submissions_pending"],
                    "last": h["last_occurred_on"],
                    "v": h["version"],
                }
                for h in held
            ],
        )


def orm_rows_seconds(engine: Any, columns: list[str]) -> float:
    """The read as it was before the columnar path: the same columns row by row through SQLAlchemy."""
    p = case_projection.c
    started = time.perf_counter()
    with unit_of_work(engine, read_only=True) as session:
        rows = session.execute(select(*(p[c] for c in columns)).order_by(p.reference)).all()
        pl.DataFrame([tuple(r) for r in rows], schema=columns, orient="row", infer_schema_length=None)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=3, help="Timed runs; the median is reported.")
    parser.add_argument(
        "--reference-runs", type=int, help="Runs of the raw-driver reference (default: --runs); 1 at 1M."
    )
    parser.add_argument("--url", help="An existing, populated database instead of the benchmark's own.")
    parser.add_argument(
        "--label", default="bench", help="Name its database with this (var/LABEL-N.db, rh_LABEL_N)."
    )
    parser.add_argument(
        "--changed",
        type=int,
        default=1000,
        help="Cases changed (as by an append) since the snapshot before the timed runs; put back after.",
    )
    parser.add_argument(
        "--orm-rows", action="store_true", help="Also time the old read: row by row through SQLAlchemy."
    )
    args = parser.parse_args()

    if args.url:
        url = args.url
    elif args.database == "sqlite":
        url = _common.sqlite_database(args.persons, args.label)
    else:
        url = postgres_database(args.persons, args.label)
    engine = create_engine(url)
    terms = Terms()
    plan = make_plan(get_pack("uk"), STAGE, _common.CLOCK.today(), terms.terms)
    read = fact_columns(plan)
    projected = [c.name for c in case_projection.columns]
    columns = [c for c in projected if read is None or c in read or c == "last_occurred_on"]

    runs: list[dict[str, float]] = []
    reads: list[dict[str, Any]] = []
    held: list[dict[str, Any]] = []
    cases = 0
    for i in range(args.runs + 1):  # the first run warms the caches (page cache, compiled plan, snapshot)
        if i == 1:
            held = touch(engine, args.changed)
        wall, cpu = time.perf_counter(), cpu_seconds()
        with unit_of_work(engine) as session:
            run = screen(session, pack="uk", stage=STAGE, as_of=_common.CLOCK.today(), terms_provider=terms)
            stored_at = time.perf_counter()
            row = store_screening(session, run, clock=_common.CLOCK, created_by="bench")
            cases = row.cases
        done = time.perf_counter()
        runs.append(
            {
                "seconds": done - wall,
                "cpu_seconds": cpu_seconds() - cpu,
                "facts_seconds": float(run.summary["facts_seconds"]),
                "screen_seconds": float(run.summary["screen_seconds"]),
                "store_seconds": done - stored_at,
            }
        )
        reads.append(dict(run.summary["facts_read"]))
    timed = runs[1:]
    median = {k: statistics.median(r[k] for r in timed) for k in timed[0]}
    read_phases = {
        k: round(statistics.median(float(r.get(k, 0.0)) for r in reads[1:]), 3)
        for k in ("snapshot_seconds", "delta_seconds", "write_seconds", "direct_seconds")
    }
    reference_runs = args.reference_runs or args.runs
    raw = [raw_read_seconds(engine, columns) for _ in range(reference_runs)]
    reference = statistics.median(r[0] for r in raw)
    reference_cpu = statistics.median(r[1] for r in raw)
    fetch_only = statistics.median(driver_fetch_seconds(engine, columns) for _ in range(reference_runs))
    snapshot_limit = statistics.median(snapshot_bytes_seconds(engine, columns) for _ in range(args.runs))
    orm_rows = orm_rows_seconds(engine, columns) if args.orm_rows else None
    # How the facts frame alone compares with the raw read (same columns, typed and joined).
    with unit_of_work(engine, read_only=True) as session:
        started = time.perf_counter()
        caseload_facts(session, _common.CLOCK.today(), columns=read)
        facts_only = time.perf_counter() - started
    restore(engine, held)  # leave the database as it was made
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM screenings WHERE created_by = 'bench'"))
    engine.dispose()
    _common.emit(
        "screen_db",
        cases,
        median["seconds"],
        "raw_driver_read_into_arrow",
        reference,
        database=create_engine(url).dialect.name,
        target_seconds_at_1m=3.0,
        extrapolated_seconds_at_1m=round(median["seconds"] * 1_000_000 / cases, 2),
        cpu_seconds=round(median["cpu_seconds"], 3),
        reference_cpu_seconds=round(reference_cpu, 3),
        driver_fetch_only_seconds=round(fetch_only, 3),
        snapshot_bytes_limit_seconds=round(snapshot_limit, 3),
        orm_rows_read_seconds=None if orm_rows is None else round(orm_rows, 3),
        facts_seconds=round(median["facts_seconds"], 3),
        facts_source=sorted({str(r["source"]) for r in reads[1:]}),
        changed_rows=reads[-1]["changed_rows"],
        snapshot_read_seconds=read_phases["snapshot_seconds"],
        delta_seconds=read_phases["delta_seconds"],
        snapshot_write_seconds=read_phases["write_seconds"],
        direct_read_seconds=read_phases["direct_seconds"],
        cold_run={
            "seconds": round(runs[0]["seconds"], 3),
            "source": reads[0]["source"],
            "reason": reads[0]["reason"],
            "snapshot_write_seconds": reads[0].get("write_seconds"),
        },
        facts_only_seconds=round(facts_only, 3),
        screen_seconds=round(median["screen_seconds"], 3),
        store_seconds=round(median["store_seconds"], 3),
        columns_read=len(columns),
        columns_projected=len(projected),
        rules=len(plan.rules),
        agreements=len(plan.terms),
        runs=args.runs,
        load_average=[round(x, 2) for x in os.getloadavg()],
    )


if __name__ == "__main__":
    main()
