"""Importing N legacy event rows from CSV into SQLite, validation included (`returnhub import`'s path).

Target: 1,000,000 rows under 60 s. Reference (the plain limit): inserting the same rows, already parsed,
into an empty table of the same columns with sqlite3's executemany, with no validation, hashing, cases
or projection.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import time
from pathlib import Path

import _common

from returnhub.casework.imports import import_file, read_table
from returnhub.core.database import create_engine
from returnhub.core.migrate import upgrade

HEADER = [
    "source_id",
    "person_id",
    "family_name",
    "given_name",
    "date_of_birth",
    "sex",
    "nationality",
    "event_type",
    "occurred_on",
    "route",
    "outcome",
    "tier",
]
#: Eight events per synthetic person: a refused claim, a dismissed appeal, detention and release.
HISTORY = [
    ("arrival", "2024-01-05", {"route": "small_boat"}),
    ("asylum_claim_lodged", "2024-01-06", {}),
    ("asylum_claim_decided", "2024-05-01", {"outcome": "refuse"}),
    ("appeal_lodged", "2024-05-10", {"tier": "first_tier"}),
    ("appeal_decided", "2024-09-01", {"outcome": "dismissed", "tier": "first_tier"}),
    ("appeal_rights_exhausted", "2024-09-20", {}),
    ("detained", "2025-01-10", {}),
    ("released", "2025-02-10", {}),
]
NATIONALITIES = ["ALB", "IRQ", "IRN", "AFG", "ERI", "VNM", "SYR", "SDN"]


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for n in range(rows):
            person, step = divmod(n, len(HISTORY))
            event_type, on, data = HISTORY[step]
            who = (
                [
                    f"P{person}",
                    "Synthetic",
                    f"Person{person}",
                    "1990-01-01",
                    "MF"[person % 2],
                    NATIONALITIES[person % len(NATIONALITIES)],
                ]
                if step == 0
                else [f"P{person}", "", "", "", "", ""]
            )
            writer.writerow(
                [
                    f"S{n}",
                    *who,
                    event_type,
                    on,
                    data.get("route", ""),
                    data.get("outcome", ""),
                    data.get("tier", ""),
                ]
            )


def raw_insert(path: Path, csv_path: Path) -> float:
    path.unlink(missing_ok=True)
    rows = read_table(csv_path).rows()
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE raw ({', '.join(c + ' TEXT' for c in HEADER)})")
    conn.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(HEADER))})", rows)
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    var = Path(__file__).resolve().parents[1] / "var"
    var.mkdir(exist_ok=True)
    csv_path = var / f"import-{args.rows}.csv"
    if not csv_path.exists():
        write_csv(csv_path, args.rows)
    db = var / f"bench-import-{args.rows}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = create_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    frame = read_table(csv_path)
    report = import_file(engine, frame, clock=_common.CLOCK)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    assert report.imported == args.rows and not report.errors, report.as_dict()
    reference = raw_insert(var / f"bench-import-raw-{args.rows}.db", csv_path)
    _common.emit(
        "import_events",
        args.rows,
        seconds,
        "sqlite3 executemany of the same rows, parsed, into a bare table",
        reference,
        cases=report.new_cases,
        # The machine is shared: CPU time of this process says how much of the wall time was its own work.
        cpu_seconds=round(cpu_seconds, 2),
        target_seconds=60,
    )


if __name__ == "__main__":
    main()
