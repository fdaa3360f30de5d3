"""Killing the process mid-write leaves a database that opens, verifies and folds: no half events."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from returnhub.casework.models import StoredEvent, case_projection
from returnhub.casework.state import fold
from returnhub.casework.store import iter_case_events, verify_chain
from returnhub.core.database import unit_of_work
from returnhub.people.models import Person

ROOT = Path(__file__).resolve().parents[2]

APPEND_LOOP = """
import sys
from datetime import date
from returnhub.core.runtime import Runtime
from returnhub.core.database import unit_of_work
from returnhub.casework.store import append_event
from returnhub.operations.transfers import register_hooks
register_hooks()  # this script is a composition root, as the app factory and the CLI are
rt = Runtime.from_settings()
i = 0
while True:
    i += 1
    with unit_of_work(rt.engine) as s:
        append_event(s, "RH0000001" if i % 2 else "RH0000002", "serious_incident", date(2025, 1, 1),
                     {"summary": f"incident {i}"}, clock=rt.clock, recorded_by="loop")
    if i == 3:
        print("ready", flush=True)
"""


def _env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["RETURNHUB_DATABASE_URL"] = database_url
    env["RETURNHUB_SEED_CHUNK_PERSONS"] = "500"
    return env


def _count(engine: Engine, table: object) -> int:
    with unit_of_work(engine, read_only=True) as s:
        return int(s.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def _assert_consistent(engine: Engine) -> None:
    with unit_of_work(engine, read_only=True) as s:
        report = verify_chain(s)
        assert report.ok, report
        persons = int(s.execute(select(func.count()).select_from(Person)).scalar_one())
        projected = int(s.execute(select(func.count()).select_from(case_projection)).scalar_one())
        assert persons == projected
        stored = {r[0]: r[1] for r in s.execute(select(case_projection.c.case_id, case_projection.c.version))}
        for person, events in iter_case_events(s):
            state = fold(events)
            assert state.version == stored[person.id]
            assert [e.sequence for e in events] == list(range(1, len(events) + 1))


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


# 20,000 persons fold in-process; from PARALLEL_MIN_PERSONS (40,000) the loader folds in a worker process.
@pytest.mark.parametrize("persons", [20_000, 40_000])
def test_kill_during_seed(engine: Engine, database_url: str, persons: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "returnhub.cli", "seed", "--persons", str(persons), "--seed", "3"],
        env=_env(database_url),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _count(engine, Person) == 0 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    children = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < _count(engine, Person) < persons, "the kill should land mid-seed"
    assert _count(engine, Person) % 500 == 0  # whole chunks only
    _assert_consistent(engine)
    # A worker the loader started goes when its parent does.
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{c}").exists() for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{c}").exists() for c in children), "a worker outlived the killed seed"


def test_kill_during_appends(engine: Engine, database_url: str) -> None:
    from .helpers import add_person

    with unit_of_work(engine) as s:
        add_person(s, "RH0000001")
        add_person(s, "RH0000002")
    proc = subprocess.Popen(
        [sys.executable, "-c", APPEND_LOOP],
        env=_env(database_url),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _count(engine, StoredEvent) >= 3
    _assert_consistent(engine)
