"""Every statistics table over a year of an N-person SQLite database (`returnhub report TABLE`'s path).

Target: each table under 2 s at 200,000 people (the median of three runs of each table). Reference: the
equivalent single SQL count (the events of the table's types in the year, counted by the database).
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import _common
from sqlalchemy import text

from returnhub.core.database import create_engine, unit_of_work
from returnhub.statistics import tables


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    url = _common.sqlite_database(args.persons)
    engine = create_engine(url)
    period = tables.Period(date(args.year, 1, 1), date(args.year, 12, 31))
    per_table: dict[str, float] = {}
    rows: dict[str, int] = {}
    for slug in tables.CATALOGUE:
        # The median of three runs, each in its own transaction (the first warms the page cache).
        samples = []
        for _ in range(3):
            with unit_of_work(engine, read_only=True) as s:
                started = time.perf_counter()
                frame = tables.produce(s, slug, period)
                samples.append(time.perf_counter() - started)
        per_table[slug] = round(sorted(samples)[1], 4)
        rows[slug] = frame.height
    with unit_of_work(engine, read_only=True) as s:
        started = time.perf_counter()
        s.execute(
            text(
                "SELECT count(*) FROM case_events WHERE event_type IN ('arrival', 'asylum_claim_lodged') "
                "AND occurred_on BETWEEN :a AND :b"
            ),
            {"a": period.start, "b": period.end},
        ).scalar_one()
        reference = time.perf_counter() - started
        events = s.execute(text("SELECT count(*) FROM case_events")).scalar_one()
    engine.dispose()
    slowest = max(per_table, key=lambda k: per_table[k])
    _common.emit(
        "report_tables",
        args.persons,
        per_table[slowest],
        "a single SQL count of the year's events of two types",
        reference,
        slowest_table=slowest,
        per_table_seconds=per_table,
        rows=rows,
        events=events,
        all_tables_seconds=round(sum(per_table.values()), 3),
        target_seconds=2,
    )


if __name__ == "__main__":
    main()
