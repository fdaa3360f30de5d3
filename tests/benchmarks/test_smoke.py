"""A smoke run of the screening benchmarks at a tiny scale: they run, print their JSON line, and their
references (the bare NumPy pass and the plain-Python evaluator) give the engine's outcome for every rule of
every case. Times are printed, never asserted: speed targets live in the benchmarks."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from returnhub.casework.bulk import load_population
from returnhub.core.clock import FixedClock
from returnhub.synthetic import generate_population

CLOCK = FixedClock(datetime(2026, 6, 1, 9, tzinfo=UTC))

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def run(script: str, *args: str) -> dict[str, object]:
    answer = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True, check=True
    )
    return dict(json.loads(answer.stdout.strip().splitlines()[-1]))


def test_the_screen_benchmark_references_agree_with_the_engine() -> None:
    line = run("screen.py", "--cases", "3000", "--sample", "600", "--runs", "1", "--explain-repeats", "1")
    assert line["benchmark"] == "screen" and line["n"] == 3000
    assert line["numpy_identical"] is True and line["python_identical"] is True
    # The caseload is not degenerate: every overall outcome occurs.
    assert all(int(str(line[k])) > 0 for k in ("eligible", "review", "barred"))


def test_the_screen_db_benchmark_runs_on_each_database(engine: Engine, database_url: str) -> None:
    population = generate_population(200, 3, today=CLOCK.today())
    load_population(engine, population.persons, population.events, clock=CLOCK)
    line = run("screen_db.py", "--url", database_url, "--runs", "1")
    assert line["benchmark"] == "screen_db" and line["n"] == 200
    assert line["database"] == engine.dialect.name
    # The benchmark leaves the database as it found it: its stored screenings are removed.
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM screenings")).scalar_one() == 0
