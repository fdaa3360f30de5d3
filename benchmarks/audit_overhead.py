"""The access log's overhead on `GET /cases/{ref}` (target: under 20%).

Both sides are the full authenticated request through the app (bearer token, declared permission, record
scope); one writes the access-log entry (a separate committed transaction before the answer is sent), the
reference does not (the guard's ``write_separately`` replaced by a no-op for the reference blocks only, so
neither the entry nor its transaction is paid for). Blocks of
requests alternate between the two so that drift in the machine's load affects both alike.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

import _common
from _common import CLOCK, bearer_token
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnhub.access import deps
from returnhub.core.database import create_engine, unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.core.settings import Settings
from returnhub.people.models import Person
from returnhub.web.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=1_000, help="per side")
    parser.add_argument("--block", type=int, default=50)
    args = parser.parse_args()
    url = _common.sqlite_database(args.persons, "bench-audit")
    runtime = Runtime(settings=Settings(database_url=url), engine=create_engine(url), clock=CLOCK)
    with unit_of_work(runtime.engine, read_only=True) as s:
        n = int(s.execute(select(func.count()).select_from(Person)).scalar_one())
    rnd = random.Random(5)
    refs = [f"RH{rnd.randint(1, n):07d}" for _ in range(args.requests)]
    headers = {"Authorization": f"Bearer {bearer_token(runtime)}"}
    recorder = deps._AccessRecorder
    real_write = recorder.write_separately

    def no_write(*_: Any, **__: Any) -> None:
        return None

    with_log: list[float] = []
    without_log: list[float] = []
    with TestClient(create_app(runtime)) as client:
        for ref in refs[:50]:  # warm caches and the connection pool
            client.get(f"/cases/{ref}", headers=headers)
        for start in range(0, len(refs), args.block):
            block = refs[start : start + args.block]
            for logged, samples in ((True, with_log), (False, without_log)):
                recorder.write_separately = real_write if logged else no_write  # type: ignore[method-assign]
                for ref in block:
                    t = time.perf_counter()
                    r = client.get(f"/cases/{ref}", headers=headers)
                    samples.append(time.perf_counter() - t)
                    assert r.status_code == 200, r.text
        recorder.write_separately = real_write  # type: ignore[method-assign]
    seconds = statistics.median(with_log)
    reference = statistics.median(without_log)
    _common.emit(
        "audit_overhead",
        n,
        seconds,
        "get_case_without_access_log",
        reference,
        requests_per_side=len(with_log),
        median_ms=round(seconds * 1e3, 3),
        reference_median_ms=round(reference * 1e3, 3),
        p95_ms=round(sorted(with_log)[int(len(with_log) * 0.95)] * 1e3, 3),
        overhead_pct=round((seconds / reference - 1) * 100, 1),
        target_overhead_pct=20,
        database="sqlite",
    )


if __name__ == "__main__":
    main()
