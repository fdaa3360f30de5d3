"""Seeding N synthetic people (≈15 events each) into SQLite or PostgreSQL.

Targets: 200,000 people into SQLite in under 60 s, into PostgreSQL in under 120 s.
Reference (the plain limit): inserting the same number of already-built event rows with the driver's fastest
path (sqlite3 executemany / PostgreSQL COPY) into an empty table, with no generation, validation, hashing or
projection.
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime

import _common
from sqlalchemy import text

from returnhub.casework.bulk import load_population
from returnhub.core.database import create_engine
from returnhub.core.migrate import upgrade
from returnhub.synthetic import generate_population

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def fresh_database(kind: str, persons: int) -> str:
    if kind == "sqlite":
        from pathlib import Path

        path = Path(__file__).resolve().parents[1] / "var" / f"bench-seed-{persons}.db"
        path.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    name = f"rh_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def raw_insert_seconds(url: str, rows: int) -> float:
    engine = create_engine(url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    data = [
        (i, 1, i, "arrival", "2025-01-01", now, "seed", '{"route":"small_boat"}', "0" * 64, "f" * 64)
        for i in range(1, rows + 1)
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE raw_events (id BIGINT, case_id INT, sequence INT, event_type VARCHAR(48), "
                "occurred_on DATE, recorded_at TIMESTAMP WITH TIME ZONE, recorded_by VARCHAR(64), "
                "data TEXT, prev_hash VARCHAR(64), hash VARCHAR(64))"
            )
        )
    started = time.perf_counter()
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        if engine.dialect.name == "sqlite":
            raw.cursor().executemany(
                "INSERT INTO raw_events VALUES (?,?,?,?,?,?,?,?,?,?)",  # type: ignore[union-attr]
                [(*r[:5], r[5].isoformat(), *r[6:]) for r in data],
            )
        else:
            with raw.cursor() as cur, cur.copy("COPY raw_events FROM STDIN") as copy:  # type: ignore[union-attr]
                for r in data:
                    copy.write_row(r)
    seconds = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE raw_events"))
    engine.dispose()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = fresh_database(args.database, args.persons)
    upgrade(url)
    engine = create_engine(url)
    clock = _common.CLOCK
    started = time.perf_counter()
    population = generate_population(args.persons, args.seed, today=clock.today())
    generated = time.perf_counter() - started
    persons, events = load_population(engine, population.persons, population.events, clock=clock)
    seconds = time.perf_counter() - started
    engine.dispose()
    reference = raw_insert_seconds(url, events)
    _common.emit(
        f"seed_{args.database}",
        persons,
        seconds,
        "raw_bulk_insert_of_same_event_count",
        reference,
        events=events,
        generate_seconds=round(generated, 2),
        target_seconds=60 if args.database == "sqlite" else 120,
    )
    if args.database == "postgresql":
        admin = create_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
