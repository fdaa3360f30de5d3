"""Seeding N synthetic people (≈15 events each) into SQLite or PostgreSQL, against the plain limit.

``seconds``: ``load_population`` of an already generated population (validation, hashing, projection fold and
the inserts; ``generate_seconds`` is the synthetic generator's, before it, and ``total_seconds`` both).
``reference``: the same rows, read back from the seeded database, inserted by the driver's fastest path
(sqlite3 executemany; PostgreSQL ``COPY ... FROM STDIN`` with psycopg's ``write_row``) into a fresh database
migrated the same way (the same tables, the same indexes and constraints), table by table in one transaction.
``ratio`` is reference / seconds; the target is a seed within 1.5 times the reference (ratio >= 0.67).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import uuid
from typing import Any

import _common
from sqlalchemy import text

from returnhub.casework.bulk import load_population
from returnhub.core.database import create_engine
from returnhub.core.migrate import upgrade
from returnhub.models import Base
from returnhub.synthetic import generate_population

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def fresh_database(kind: str, persons: int, label: str = "bench-seed") -> str:
    if kind == "sqlite":
        from pathlib import Path

        path = Path(__file__).resolve().parents[1] / "var" / f"{label}-{persons}.db"
        path.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    name = f"rh_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def seeded_rows(url: str) -> list[tuple[str, list[str], list[tuple[Any, ...]]]]:
    """Every row the seed wrote, table by table in dependency order, as the driver reads it (JSON as text)."""
    engine = create_engine(url)
    out: list[tuple[str, list[str], list[tuple[Any, ...]]]] = []
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        if engine.dialect.name == "postgresql":
            from psycopg.types.string import TextLoader

            for json_type in ("json", "jsonb"):
                raw.adapters.register_loader(json_type, TextLoader)
        for table in Base.metadata.sorted_tables:
            if table.name in ("ledger_heads", "alembic_version"):
                continue
            cursor = raw.cursor()
            cursor.execute(f"SELECT * FROM {table.name}")
            rows = cursor.fetchall()
            if rows:
                out.append((table.name, [d[0] for d in cursor.description], rows))
            cursor.close()
    engine.dispose()
    return out


def raw_insert_seconds(url: str, tables: list[tuple[str, list[str], list[tuple[Any, ...]]]]) -> float:
    """The same rows into a fresh, migrated database in one transaction, by the driver's fastest path."""
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:  # rows a migration fills (the statistics marks) come again with the seed's
        for table, _columns, _rows in tables:
            conn.exec_driver_sql(f"DELETE FROM {table}")
    started = time.perf_counter()
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        for table, columns, rows in tables:
            names = ", ".join(columns)
            if engine.dialect.name == "sqlite":
                cursor = raw.cursor()
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
                cursor.close()
            else:
                with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def drop(kind: str, url: str) -> None:
    if kind == "sqlite":
        from pathlib import Path

        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        return
    admin = create_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


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
    loading, cpu = time.perf_counter(), cpu_seconds()
    persons, events = load_population(engine, population.persons, population.events, clock=clock)
    seconds, cpu = time.perf_counter() - loading, cpu_seconds() - cpu
    engine.dispose()
    del population
    tables = seeded_rows(url)
    reference_url = fresh_database(args.database, args.persons, "bench-seed-reference")
    reference_cpu = cpu_seconds()
    reference = raw_insert_seconds(reference_url, tables)
    reference_cpu = cpu_seconds() - reference_cpu
    _common.emit(
        f"seed_{args.database}",
        persons,
        seconds,
        "raw_insert_of_the_same_rows_into_the_same_schema",
        reference,
        events=events,
        rows=sum(len(rows) for _, _, rows in tables),
        # CPU seconds of this process and its workers (the load's fold worker): on a machine whose load
        # average is above its cores, the wall times swing with the neighbours and these do not.
        cpu_seconds=round(cpu, 2),
        reference_cpu_seconds=round(reference_cpu, 2),
        generate_seconds=round(generated, 2),
        total_seconds=round(generated + seconds, 2),
        target_ratio=round(1 / 1.5, 4),
        load_average=[round(x, 2) for x in os.getloadavg()],
    )
    drop(args.database, reference_url)
    if args.database == "postgresql":
        drop(args.database, url)


if __name__ == "__main__":
    main()
