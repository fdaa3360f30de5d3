"""`make fuzz`: Hypothesis over the MRZ parser, the importer, every query parameter of the API's GET routes
and every event payload. Each target's property: the input is accepted or refused with the service's own error
(an MRZ error, invalid input, a 4xx answer), never anything else. Prints one JSON line: inputs and crashes
per target.

    python harnesses/fuzz.py                 # FUZZ_EXAMPLES (default 2,000) inputs per target
    FUZZ_EXAMPLES=250000 FUZZ_PROCESSES=2 python harnesses/fuzz.py
    FUZZ_EXAMPLES_IMPORTER=50000 python harnesses/fuzz.py   # one target's count (MRZ, EVENT_PAYLOADS, ...)

A target's inputs are run as shards of at most FUZZ_SHARD (default 25,000) examples, each a Hypothesis run of
its own with its own random seed, over FUZZ_PROCESSES worker processes (default: one per core). Each worker
builds its database, app and client once and reuses them for every shard it runs, so no input pays for them.
Progress goes to standard error, one line per finished shard.

Hypothesis is a property-based tester rather than a coverage-guided fuzzer (atheris): it is already a test
dependency, shrinks a crash to a small input, and its text strategies reach NUL, lone surrogates and the
last code point, which is what broke the service before (issue 15).
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TODAY = date(2026, 6, 1)
MRZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
# Values a query parameter may carry: text of any code point, numbers at the edges, dates and instants.
query_values = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(date.isoformat),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["", " ", "\U0010ffff", "%", "_", "RH", "9999-12-31", "0001-01-01T00:00:00+14:00"]),
)


class Target:
    def __init__(self, name: str, check: Callable[..., None], strategy: Any) -> None:
        self.name = name
        self.check = check
        self.strategy = strategy
        self.inputs = 0
        self.crash: str | None = None

    def run(self, examples: int) -> None:
        @settings(
            max_examples=examples,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(self.strategy)
        def prop(value: Any) -> None:
            self.inputs += 1
            self.check(value)

        try:
            prop()
        except Exception as exc:  # noqa: BLE001 - a crash is what we count and report
            self.crash = f"{type(exc).__name__}: {exc}"[:600]


def mrz_target() -> Target:
    from returnhub.people.mrz import MrzError, parse_mrz

    def check(text: str) -> None:
        try:
            parse_mrz(text, today=TODAY)
        except MrzError:
            pass

    lines = st.lists(st.text(alphabet=MRZ_ALPHABET, min_size=30, max_size=44), min_size=1, max_size=3)
    return Target("mrz", check, st.one_of(st.text(max_size=100), lines.map("\n".join)))


def payload_target() -> Target:
    from returnhub.casework.events import EVENT_PAYLOADS, check_plausible_dates, validate_payload
    from returnhub.core.errors import InvalidInput

    def check(case: tuple[str, Any]) -> None:
        event_type, data = case
        try:
            payload = validate_payload(event_type, data if isinstance(data, dict) else {"value": data})
            check_plausible_dates(event_type, payload, TODAY)
        except InvalidInput:
            pass

    fields = st.dictionaries(
        st.sampled_from(sorted({f for m in EVENT_PAYLOADS.values() for f in m.model_fields})),
        json_values | st.dates().map(date.isoformat),
        max_size=5,
    )
    return Target(
        "event_payloads", check, st.tuples(st.sampled_from(sorted(EVENT_PAYLOADS)), fields | json_values)
    )


class _World:
    """A migrated SQLite file with a few people, an app and an admin's token (for the importer and routes)."""

    def __init__(self) -> None:
        from fastapi.testclient import TestClient

        from returnhub.access.service import add_user, issue_token
        from returnhub.access.settings import AccessSettings
        from returnhub.casework.bulk import load_population
        from returnhub.core.clock import FixedClock
        from returnhub.core.database import create_engine, unit_of_work
        from returnhub.core.migrate import upgrade
        from returnhub.core.runtime import Runtime
        from returnhub.core.settings import Settings
        from returnhub.partners.seed import seed_partners
        from returnhub.synthetic import generate_population
        from returnhub.web.app import create_app

        self.folder = tempfile.TemporaryDirectory(prefix="fuzz-")  # removed when the process ends
        url = f"sqlite:///{Path(self.folder.name) / 'fuzz.db'}"
        upgrade(url)
        self.clock = FixedClock(datetime(2026, 6, 1, 9, tzinfo=UTC))
        engine = create_engine(url)
        pop = generate_population(30, 3, today=self.clock.today())
        load_population(engine, pop.persons, pop.events, clock=self.clock)
        cheap = AccessSettings(argon2_memory_kib=64, argon2_time_cost=1)
        with unit_of_work(engine) as s:
            seed_partners(s, self.clock)
            user = add_user(
                s,
                "fuzz.admin",
                "admin",
                "a long fuzz password",
                settings=cheap,
                clock=self.clock,
                created_by="fuzz",
            )
            token = issue_token(s, user, settings=cheap, clock=self.clock, ttl=timedelta(days=3650)).token
        self.runtime = Runtime(settings=Settings(database_url=url), engine=engine, clock=self.clock)
        self.app = create_app(self.runtime)
        self.client = TestClient(
            self.app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"}
        )
        # Entered once: one event loop thread for every request (outside a `with`, the client starts a
        # new one per request, which cost a third of each input's time).
        self.client.__enter__()


def import_target(world: _World) -> Target:
    from returnhub.casework.imports import FIXED, read_table
    from returnhub.casework.imports import check as check_import
    from returnhub.core.database import unit_of_work
    from returnhub.core.errors import DomainError

    columns = [*FIXED, "route", "outcome", "tier", "court"]
    cell = st.one_of(
        st.text(max_size=20),
        st.dates().map(date.isoformat),
        st.sampled_from(["arrival", "appeal_lodged", "RH0000001", "ALB", "M"]),
    )
    rows = st.lists(st.lists(cell, min_size=len(columns), max_size=len(columns)), min_size=1, max_size=5)

    def check(table: list[list[str]]) -> None:
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(table)
        try:
            frame = read_table(content=out.getvalue().encode("utf-8", "surrogatepass"), name="fuzz.csv")
            with unit_of_work(world.runtime.engine, read_only=True) as session:
                check_import(session, frame, world.clock)
        except DomainError:
            pass

    return Target("importer", check, rows)


def query_target(world: _World) -> Target:
    from fastapi.routing import APIRoute, iter_route_contexts

    routes: list[tuple[str, list[str]]] = []
    for context in iter_route_contexts(world.app.routes):
        route, path = context.original_route, context.path or ""
        if isinstance(route, APIRoute) and "GET" in (route.methods or ()) and "{" not in path:
            names = [p.alias for p in route.dependant.query_params]
            if names and not path.startswith("/auth"):
                routes.append((path, names))
    routes.sort()

    def check(case: tuple[int, dict[str, str]]) -> None:
        index, params = case
        path, names = routes[index % len(routes)]
        answer = world.client.get(path, params={names[i % len(names)]: v for i, v in params.items()})
        assert answer.status_code < 500, (path, params, answer.status_code, answer.text[:200])

    strategy = st.tuples(
        st.integers(min_value=0, max_value=10_000),
        st.dictionaries(st.integers(min_value=0, max_value=8), query_values, max_size=4),
    )
    return Target("query_parameters", check, strategy)


#: The targets in the order their shards are handed out: the dearest first, so the cheap ones fill the gaps.
TARGETS = ("importer", "query_parameters", "event_payloads", "mrz")
_world: _World | None = None  # one per process, built when its first shard needs it


def _target(name: str) -> Target:
    global _world
    if name == "mrz":
        return mrz_target()
    if name == "event_payloads":
        return payload_target()
    if _world is None:
        _world = _World()
    return import_target(_world) if name == "importer" else query_target(_world)


def run_shard(name: str, examples: int) -> tuple[str, int, str | None]:
    target = _target(name)
    target.run(examples)
    return name, target.inputs, target.crash


def _shards(examples: dict[str, int], shard: int) -> list[tuple[str, int]]:
    """The targets' shards taken in turn, so a run stopped by its time budget has run each target's share."""
    per_target = []
    for name in TARGETS:
        whole, rest = divmod(examples[name], shard)
        per_target.append([(name, shard)] * whole + ([(name, rest)] if rest else []))
    return [job for turn in itertools.zip_longest(*per_target) for job in turn if job is not None]


def run_fuzz(
    examples: int | dict[str, int], processes: int = 1, shard: int = 25_000, seconds: float | None = None
) -> dict[str, Any]:
    """``examples`` per target: one count for all, or a count for each. With ``seconds``, no shard starts
    after that time (the shards running finish), and the line says the run stopped early."""
    started = time.perf_counter()
    deadline = None if seconds is None else started + seconds
    counts = examples if isinstance(examples, dict) else dict.fromkeys(TARGETS, examples)
    jobs = _shards(counts, max(1, shard))
    inputs = dict.fromkeys(TARGETS, 0)
    crashes: dict[str, list[str]] = {name: [] for name in TARGETS}

    def done(name: str, count: int, crash: str | None) -> None:
        inputs[name] += count
        if crash is not None:
            crashes[name].append(crash)
        print(
            f"fuzz: {name} +{count:,} ({sum(inputs.values()):,} inputs in all, "
            f"{sum(map(len, crashes.values()))} crashes, {time.perf_counter() - started:,.0f} s)",
            file=sys.stderr,
            flush=True,
        )

    skipped = 0
    if processes <= 1:
        for name, size in jobs:
            if deadline is not None and time.perf_counter() > deadline:
                skipped += 1
                continue
            done(*run_shard(name, size))
    else:
        # Polars' own thread pool would only contend with the other workers for the same cores.
        os.environ.setdefault("POLARS_MAX_THREADS", "1")
        # spawn, not fork: a forked child of a process whose Polars thread pool is running can deadlock.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
            pending = {pool.submit(run_shard, name, size) for name, size in jobs}
            while pending:
                left = None if deadline is None else max(0.0, deadline - time.perf_counter())
                finished, pending = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
                for future in finished:
                    if not future.cancelled():
                        done(*future.result())
                if deadline is not None and time.perf_counter() > deadline:
                    skipped += sum(future.cancel() for future in pending)  # those not started yet
                    deadline = None
    return {
        "harness": "fuzz",
        "examples_per_target": counts,
        "processes": processes,
        "inputs": inputs,
        "inputs_total": sum(inputs.values()),
        "crashes": sum(map(len, crashes.values())),
        "crash_details": {name: found[0] for name, found in crashes.items() if found},
        "seconds": round(time.perf_counter() - started, 1),
        "seconds_budget": seconds,
        "shards_not_run": skipped,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


if __name__ == "__main__":
    default = os.environ.get("FUZZ_EXAMPLES", "2000")
    summary = run_fuzz(
        {name: int(os.environ.get(f"FUZZ_EXAMPLES_{name.upper()}", default)) for name in TARGETS},
        processes=int(os.environ.get("FUZZ_PROCESSES", str(os.cpu_count() or 1))),
        shard=int(os.environ.get("FUZZ_SHARD", "25000")),
        seconds=float(os.environ["FUZZ_SECONDS"]) if os.environ.get("FUZZ_SECONDS") else None,
    )
    print(json.dumps(summary), flush=True)
    sys.exit(1 if summary["crashes"] else 0)
