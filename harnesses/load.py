"""`make load`: a realistic mix (searches, case pages, eligibility, transfers, appends) against a local
server, with locust, at a few user counts; bounded in users and time, and only ever against 127.0.0.1.
Prints one JSON line per user count: throughput, p50/p95/p99, failures, and the ratio of throughput to the
same server set-up's bare endpoint (``/health``) at the same user count.

    python harnesses/load.py                                  # 2,000 people, SQLite, 1 and 10 users, 10 s
    python harnesses/load.py --persons 200000 --users 1,10,50 --seconds 60 --workers 2
    python harnesses/load.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

The mix is harnesses/locustfile.py. A seeded database is kept (SQLite under var/, or the PostgreSQL database
given) and reused: a run seeds only the people it lacks, so seed once per backend with ``--seed-only`` and
every later run starts at once. With ``--workers N`` the harness checks that N worker processes serve and
reports the CPU time each used during the mix (``worker_cpu_seconds``), so a run that silently served from one
process shows (uvicorn's workers share one listening socket, and the first to wake takes every connection
queued, so a few keep-alive clients arriving together may all land on one worker). The CPU time per request
(``server_cpu_ms_per_request``) is what the mix costs the server whatever else the shared machine runs;
the latencies and the throughput are not.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

MAX_USERS = 50
MAX_SECONDS = 120
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"

SERVE = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {src!r})
    import uvicorn
    from returnhub.web.serving import run_workers
    app = "returnhub.web.app:create_app"
    options = dict(factory=True, host="127.0.0.1", port={port}, workers={workers}, log_level="warning")
    if {workers} > 1 and not {plain}:
        run_workers(uvicorn.Config(app, **options))  # with TCP_NODELAY on the connections (web/serving.py)
    else:
        uvicorn.run(app, **options)
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str, persons: int) -> tuple[str, list[str]]:
    """A seeded database (once) and a caseworker's token, with the references the mix reads."""
    from sqlalchemy import func, select

    from returnhub.access.service import add_user, issue_token
    from returnhub.access.settings import AccessSettings
    from returnhub.casework.bulk import load_population
    from returnhub.casework.models import case_projection
    from returnhub.core.clock import SystemClock
    from returnhub.core.database import create_engine, unit_of_work
    from returnhub.core.migrate import upgrade
    from returnhub.partners.seed import seed_partners
    from returnhub.synthetic import generate_population

    upgrade(url)
    engine = create_engine(url)
    clock = SystemClock()
    with unit_of_work(engine, read_only=True) as s:
        have = int(s.execute(select(func.count()).select_from(case_projection)).scalar_one())
    if have < persons:
        population = generate_population(persons - have, 11 + have, today=clock.today())
        load_population(engine, population.persons, population.events, clock=clock)
        with unit_of_work(engine) as s:
            seed_partners(s, clock)
    cheap = AccessSettings(argon2_memory_kib=1024, argon2_time_cost=1)
    with unit_of_work(engine) as s:
        user = add_user(
            s,
            f"load.{int(time.time())}",
            "caseworker",
            "a long load password",
            settings=cheap,
            clock=clock,
            created_by="load",
        )
        token = issue_token(s, user, settings=cheap, clock=clock, ttl=timedelta(days=1)).token
        references = list(
            s.execute(
                select(case_projection.c.reference).order_by(case_projection.c.reference).limit(500)
            ).scalars()
        )
    engine.dispose()
    return token, references


def _serving_processes(pid: int) -> list[int]:
    """The processes that answer requests: uvicorn's spawned workers, or the server itself when alone."""
    children: list[str] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += (task / "children").read_text().split()
    workers = []
    for child in children:
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(int(child))
        except FileNotFoundError:
            continue
    return sorted(workers) or [pid]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def locust(base: str, users: int, seconds: int, env: dict[str, str], bare: bool) -> dict[str, Any]:
    prefix = Path(tempfile.mkdtemp(prefix="load-")) / "run"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--only-summary",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--stop-timeout",
            "5",
        ],
        env={**env, "LOAD_BARE": "1" if bare else "0"},
        check=False,
        capture_output=True,
    )
    with open(f"{prefix}_stats.csv", newline="") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    total = rows["Aggregated"]
    return {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "per_second": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "by_request": {
            name: {
                "p50_ms": float(r["50%"]),
                "p95_ms": float(r["95%"]),
                "per_second": round(float(r["Requests/s"]), 1),
            }
            for name, r in rows.items()
            if name != "Aggregated"
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=2_000)
    parser.add_argument("--users", default="1,10")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--postgres", metavar="URL", default=None, help="a PostgreSQL database to load into")
    parser.add_argument(
        "--plain-uvicorn",
        action="store_true",
        help="several workers through uvicorn.run as it is (for comparison: no TCP_NODELAY, uvicorn#3149)",
    )
    parser.add_argument(
        "--seed-only", action="store_true", help="seed the database (or top it up to --persons) and stop"
    )
    args = parser.parse_args()
    user_counts = [int(u) for u in args.users.split(",")]
    if max(user_counts) > MAX_USERS or args.seconds > MAX_SECONDS:
        raise SystemExit(f"bounded: at most {MAX_USERS} users and {MAX_SECONDS} s a run")
    url = args.postgres or f"sqlite:///{ROOT / 'var' / f'load-{args.persons}.db'}"
    (ROOT / "var").mkdir(exist_ok=True)
    started = time.perf_counter()
    token, references = prepare(url, args.persons)
    if args.seed_only:
        print(
            f"load: {url.split('@')[-1]} holds {args.persons:,} people or more "
            f"({time.perf_counter() - started:,.0f} s)",
            file=sys.stderr,
        )
        return
    port = _free_port()
    base = f"http://127.0.0.1:{port}"  # only ever this machine
    env = {
        **os.environ,
        "RETURNHUB_DATABASE_URL": url,
        "RETURNHUB_LOAD_TOKEN": token,
        "RETURNHUB_LOAD_REFERENCES": ",".join(references),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVE.format(src=str(ROOT / "src"), port=port, workers=args.workers, plain=args.plain_uvicorn),
        ],
        env=env,
    )
    try:
        import httpx

        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.3)
        # The first worker answers /health before the others are up: wait for all of them.
        while args.workers > 1 and len(workers := _serving_processes(server.pid)) < args.workers:
            if time.monotonic() > deadline:
                raise SystemExit(f"{len(workers)} of {args.workers} server workers started")
            time.sleep(0.3)
        workers = _serving_processes(server.pid)
        for users in user_counts:
            cpu_before = [_cpu_seconds(pid) for pid in workers]
            mix = locust(base, users, args.seconds, env, bare=False)
            cpu = [
                round(_cpu_seconds(pid) - before, 1) for pid, before in zip(workers, cpu_before, strict=True)
            ]
            bare = locust(base, users, args.seconds, env, bare=True)
            line = {
                "harness": "load",
                "database": url.split(":", 1)[0].split("+")[0],
                "persons": args.persons,
                "workers": args.workers,
                "plain_uvicorn": args.plain_uvicorn,
                "server_processes": len(workers),
                "worker_cpu_seconds": cpu,
                # What a request costs the server whatever else the machine runs (the latencies do not).
                "server_cpu_ms_per_request": round(1000 * sum(cpu) / mix["requests"], 2)
                if mix["requests"]
                else None,
                "users": users,
                "seconds": args.seconds,
                **{k: v for k, v in mix.items() if k != "by_request"},
                "bare_per_second": bare["per_second"],
                "bare_p50_ms": bare["p50_ms"],
                "ratio_to_bare": round(mix["per_second"] / bare["per_second"], 3)
                if bare["per_second"]
                else None,
                "by_request": mix["by_request"],
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "loadavg": [round(x, 2) for x in os.getloadavg()],
            }
            print(json.dumps(line), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
