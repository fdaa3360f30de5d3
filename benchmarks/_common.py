"""Shared helpers for benchmarks: each benchmark prints one JSON line (see DESIGN.md)."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from datetime import UTC, datetime, timedelta  # noqa: E402

from returnhub.core.clock import FixedClock  # noqa: E402
from returnhub.core.runtime import Runtime  # noqa: E402
from returnhub.operations.transfers import register_hooks  # noqa: E402
from returnhub.statistics.aggregates import register_hooks as keep_statistics  # noqa: E402

# A benchmark is a composition root, like the app factory and the CLI: it wires the departure gate's hooks
# and the statistics page's kept counts.
register_hooks()
keep_statistics()

#: Every benchmark's "today" (the synthetic histories end the day before).
CLOCK = FixedClock(datetime(2026, 6, 1, 9, tzinfo=UTC))


def sqlite_database(persons: int, label: str = "bench") -> str:
    """A migrated SQLite file under ``var/`` holding ``persons`` synthetic people (seed 11), made once and
    reused by later runs (a benchmark that writes, like the access log's, passes its own ``label``)."""
    from returnhub.casework.bulk import load_population
    from returnhub.core.database import create_engine
    from returnhub.core.migrate import upgrade
    from returnhub.synthetic import generate_population

    path = Path(__file__).resolve().parents[1] / "var" / f"{label}-{persons}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        upgrade(url)
        engine = create_engine(url)
        pop = generate_population(persons, 11, today=CLOCK.today())
        load_population(engine, pop.persons, pop.events, clock=CLOCK)
        engine.dispose()
    upgrade(url)
    return url


def bearer_token(runtime: Runtime, role: str = "caseworker") -> str:
    """A new user's token, a caseworker unless ``role`` says otherwise (cheap password hashing: the sign-in is
    not what is measured)."""
    import time as _time

    from returnhub.access.service import add_user, issue_token
    from returnhub.access.settings import AccessSettings
    from returnhub.core.database import unit_of_work

    settings = AccessSettings(argon2_memory_kib=1024, argon2_time_cost=1)
    name = f"bench.{role}.{int(_time.time() * 1000)}"
    with unit_of_work(runtime.engine) as s:
        user = add_user(
            s, name, role, "benchmark password", settings=settings, clock=CLOCK, created_by="bench"
        )
        return str(issue_token(s, user, settings=settings, clock=CLOCK, ttl=timedelta(days=1)).token)


def emit(
    benchmark: str, n: int, seconds: float, reference: str, reference_seconds: float, **extra: Any
) -> None:
    line = {
        "benchmark": benchmark,
        "n": n,
        "seconds": round(seconds, 6),
        "reference": reference,
        "reference_seconds": round(reference_seconds, 6),
        "ratio": round(reference_seconds / seconds, 4) if seconds else None,
    }
    line.update(extra)
    print(json.dumps(line), flush=True)


def median_time(fn: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)
