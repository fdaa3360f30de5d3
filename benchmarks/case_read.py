"""`GET /cases/{ref}` median latency on a 200,000-person SQLite database (target under 10 ms), and the
projection rebuild for the same database (target under 30 s).

References: for the read, the service call `show_case` without HTTP (what the web layer adds is the
difference); for the rebuild, reading every event row without folding or writing (the read floor).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

import _common
from _common import CLOCK, bearer_token
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from returnhub.casework.store import rebuild_projection
from returnhub.core.database import create_engine, unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.core.settings import Settings
from returnhub.people.models import Person
from returnhub.web.app import create_app

SERVE = """
import sys
from datetime import UTC, datetime
import uvicorn
from returnhub.core.clock import FixedClock
from returnhub.core.database import create_engine
from returnhub.core.runtime import Runtime
from returnhub.core.settings import Settings
from returnhub.web.app import create_app
url, port = sys.argv[1], int(sys.argv[2])
clock = FixedClock(datetime(2026, 6, 1, 9, tzinfo=UTC))
app = create_app(Runtime(settings=Settings(database_url=url), engine=create_engine(url), clock=clock))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
"""


def served_latencies(url: str, refs: list[str], headers: dict[str, str]) -> list[float]:
    """Latencies of GET /cases/{ref} from a uvicorn server in its own process (keep-alive client)."""
    import socket
    import subprocess
    import sys

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src}
    proc = subprocess.Popen([sys.executable, "-c", SERVE, url, str(port)], env=env)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get("/health")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise
                    time.sleep(0.1)
            for ref in refs[:50]:
                client.get(f"/cases/{ref}")
            samples = []
            for ref in refs:
                t = time.perf_counter()
                r = client.get(f"/cases/{ref}")
                samples.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
        return samples
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--skip-rebuild", action="store_true")
    args = parser.parse_args()
    url = _common.sqlite_database(args.persons)
    runtime = Runtime(settings=Settings(database_url=url), engine=create_engine(url), clock=CLOCK)
    with unit_of_work(runtime.engine, read_only=True) as s:
        n = int(s.execute(select(func.count()).select_from(Person)).scalar_one())
    rnd = random.Random(5)
    refs = [f"RH{rnd.randint(1, n):07d}" for _ in range(args.requests)]

    from returnhub.casework.queries import show_case

    def service_read(ref: str) -> None:
        with unit_of_work(runtime.engine, read_only=True) as s:
            show_case(s, ref)

    # The API needs a signed-in user (returnhub.access); the token is made once, outside the timing.
    headers = {"Authorization": f"Bearer {bearer_token(runtime)}"}
    with TestClient(create_app(runtime), headers=headers) as client:
        for ref in refs[:50]:
            client.get(f"/cases/{ref}")
        http = []
        for ref in refs:
            t = time.perf_counter()
            r = client.get(f"/cases/{ref}")
            http.append(time.perf_counter() - t)
            assert r.status_code == 200
    server = served_latencies(url, refs, headers)
    direct = []
    for ref in refs:
        t = time.perf_counter()
        service_read(ref)
        direct.append(time.perf_counter() - t)
    seconds = statistics.median(http)
    _common.emit(
        "get_case",
        n,
        seconds,
        "show_case_service_without_http",
        statistics.median(direct),
        median_ms=round(seconds * 1e3, 3),
        p95_ms=round(sorted(http)[int(len(http) * 0.95)] * 1e3, 3),
        target_ms=10,
        # The same requests to a real server (uvicorn, one process) from an httpx keep-alive client.
        server_median_ms=round(statistics.median(server) * 1e3, 3),
        server_p95_ms=round(sorted(server)[int(len(server) * 0.95)] * 1e3, 3),
    )
    if args.skip_rebuild:
        return
    started = time.perf_counter()
    with runtime.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT case_id, sequence, event_type, occurred_on, recorded_at, data "
                "FROM case_events ORDER BY case_id, sequence"
            )
        ).all()
    read_floor = time.perf_counter() - started
    del rows
    started = time.perf_counter()
    with unit_of_work(runtime.engine) as s:
        cases = rebuild_projection(s, CLOCK)
    rebuild = time.perf_counter() - started
    _common.emit("projection_rebuild", cases, rebuild, "read_all_events_only", read_floor, target_seconds=30)


if __name__ == "__main__":
    main()
