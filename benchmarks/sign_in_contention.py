"""API writes per 15 s on SQLite while 8 anonymous loops try to sign in (issue 15, finding 3).

One server (uvicorn, one process, as `returnhub serve`) on a fresh SQLite file with 50 synthetic people and
the default Argon2 cost (19 MiB, 2 passes). One writer appends events through the API as fast as it is
answered; eight other threads post wrong passwords to ``/auth/token`` for made-up names. Counted: the
writer's acknowledged appends in the window, and its slowest answer (a sign-in holding the write lock
shows as a long wait).

Run against two versions of the code: ``--src DIR`` is a checkout whose ``src`` and ``migrations`` the server
runs (default: this one). ``--unthrottled`` raises the free failures so high that no attempt waits, which
isolates the other change (Argon2 outside the write transaction) from the throttle.

    python benchmarks/sign_in_contention.py                    # this checkout, as configured
    python benchmarks/sign_in_contention.py --src /tmp/before  # e.g. `git archive <commit>` unpacked there
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
WINDOW_SECONDS = 15.0
SIGN_IN_LOOPS = 8

SETUP = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {src!r})
    from datetime import UTC, datetime, timedelta
    from returnhub.access.service import add_user, issue_token
    from returnhub.access.settings import AccessSettings
    from returnhub.casework.bulk import load_population
    from returnhub.core.clock import FixedClock
    from returnhub.core.database import create_engine, unit_of_work
    from returnhub.core.migrate import upgrade
    from returnhub.synthetic import generate_population

    url = {url!r}
    upgrade(url)
    engine = create_engine(url)
    clock = FixedClock(datetime(2026, 6, 1, 9, tzinfo=UTC))
    pop = generate_population(50, 11, today=clock.today())
    load_population(engine, pop.persons, pop.events, clock=clock)
    with unit_of_work(engine) as s:
        user = add_user(s, "writer.one", "caseworker", "a long benchmark password",
                        settings=AccessSettings(), clock=clock, created_by="bench")
        token = issue_token(s, user, settings=AccessSettings(), clock=clock, ttl=timedelta(days=3650)).token
    print(token)
    """
)

SERVE = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {src!r})
    import uvicorn
    from returnhub.core.runtime import Runtime
    from returnhub.web.app import create_app
    uvicorn.run(create_app(Runtime.from_settings()), host="127.0.0.1", port={port}, log_level="warning")
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(src: Path, sign_in_loops: int, env_extra: dict[str, str]) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="sign-in-contention-"))
    url = f"sqlite:///{work / 'bench.db'}"
    env = {**os.environ, "RETURNHUB_DATABASE_URL": url, **env_extra}
    token = (
        subprocess.run(
            [sys.executable, "-c", SETUP.format(src=str(src / "src"), url=url)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVE.format(src=str(src / "src"), port=port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=60) as probe:
            reference = probe.get("/cases?limit=1", headers={"Authorization": f"Bearer {token}"}).json()[
                "data"
            ][0]["reference"]
        stop = threading.Event()
        sign_ins: Counter[int] = Counter()

        def sign_in_loop(i: int) -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                n = 0
                while not stop.is_set():
                    n += 1
                    r = client.post(
                        "/auth/token", json={"name": f"nobody.{i}.{n % 7}", "password": "wrong guess"}
                    )
                    sign_ins[r.status_code] += 1

        threads = [
            threading.Thread(target=sign_in_loop, args=(i,), daemon=True) for i in range(sign_in_loops)
        ]
        for t in threads:
            t.start()
        time.sleep(1.0 if sign_in_loops else 0)  # the sign-in loops are under way before the window opens
        writes = 0
        slowest = 0.0
        statuses: Counter[int] = Counter()
        headers = {"Authorization": f"Bearer {token}"}
        body = {"type": "injunction_discharged", "occurred_on": time.strftime("%Y-%m-%d", time.gmtime())}
        with httpx.Client(base_url=base, timeout=60) as writer:
            end = time.monotonic() + WINDOW_SECONDS
            while time.monotonic() < end:
                started = time.monotonic()
                r = writer.post(f"/cases/{reference}/events", json=body, headers=headers)
                slowest = max(slowest, time.monotonic() - started)
                statuses[r.status_code] += 1
                writes += r.status_code == 201
        stop.set()
        for t in threads:
            t.join(timeout=30)
        return {
            "writes": writes,
            "slowest_write_seconds": round(slowest, 3),
            "write_statuses": dict(statuses),
            "sign_in_statuses": dict(sign_ins),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", type=Path, default=ROOT, help="a checkout whose code the server runs")
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--unthrottled", action="store_true", help="no sign-in ever waits")
    args = parser.parse_args()
    env_extra = (
        {
            "RETURNHUB_SIGN_IN_FREE_FAILURES_PER_SOURCE": "1000",
            "RETURNHUB_SIGN_IN_FREE_FAILURES_PER_ACCOUNT": "1000",
            "RETURNHUB_SIGN_IN_FREE_FAILURES_PER_ACCOUNT_ANYWHERE": "1000",
        }
        if args.unthrottled
        else {}
    )
    alone = run(args.src, 0, env_extra)
    loaded = run(args.src, SIGN_IN_LOOPS, env_extra)
    line = {
        "benchmark": "sign_in_contention",
        "code": args.label + (" (throttle off)" if args.unthrottled else ""),
        "database": "sqlite",
        "window_seconds": WINDOW_SECONDS,
        "sign_in_loops": SIGN_IN_LOOPS,
        "writes_alone": alone["writes"],
        "writes_with_sign_ins": loaded["writes"],
        "slowest_write_alone_seconds": alone["slowest_write_seconds"],
        "slowest_write_with_sign_ins_seconds": loaded["slowest_write_seconds"],
        "sign_in_statuses": loaded["sign_in_statuses"],
        "write_statuses": loaded["write_statuses"],
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
