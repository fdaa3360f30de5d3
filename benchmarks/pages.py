"""Server time of the case page and the caseload list on a 200,000-person SQLite database (targets, issue
16: the case page under 20 ms median, every page under 100 ms).

Server time is the page's own ``Server-Timing`` header (request reaching the app to the answer starting:
the access guard, the access-log write, the services and the template). The client's wall time through
FastAPI's TestClient is reported beside it. References (the plain limit): the services the page calls,
without HTTP, session, access log or template: ``show_case`` + ``evaluate_case`` for the case page,
``search_cases`` for the list.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime

import _common
from _common import CLOCK, bearer_token
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnhub.casework.queries import search_cases, show_case
from returnhub.core.database import create_engine, unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.core.settings import Settings
from returnhub.people.models import Person
from returnhub.safeguards.service import evaluate_case
from returnhub.web.app import create_app

NATIONALITIES = ["AFG", "ERI", "IRN", "IRQ", "SYR", "SDN", "ALB", "VNM"]
STATUSES = ["refused", "appeal_pending", "appeal_rights_exhausted", "granted", "claim_pending"]


def _server_ms(answer: object) -> float:
    header = answer.headers["server-timing"]  # type: ignore[attr-defined]
    return float(header.split("dur=")[1])


def _percentile(values: list[float], q: float) -> float:
    return sorted(values)[int(len(values) * q)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    url = _common.sqlite_database(args.persons)
    runtime = Runtime(settings=Settings(database_url=url), engine=create_engine(url), clock=CLOCK)
    with unit_of_work(runtime.engine, read_only=True) as s:
        n = int(s.execute(select(func.count()).select_from(Person)).scalar_one())
    rnd = random.Random(7)
    refs = [f"RH{rnd.randint(1, n):07d}" for _ in range(args.requests)]
    queries = []
    for _ in range(args.requests):
        kind = rnd.randrange(4)
        if kind == 0:
            queries.append({})
        elif kind == 1:
            queries.append({"nationality": rnd.choice(NATIONALITIES)})
        elif kind == 2:
            queries.append({"status": rnd.choice(STATUSES)})
        else:
            queries.append({"reference": f"RH{rnd.randint(1, n // 1000):04d}", "after": ""})

    app = create_app(runtime)
    headers = {"Authorization": f"Bearer {bearer_token(runtime)}", "accept": "text/html"}
    case_server, case_wall, list_server, list_wall = [], [], [], []
    with TestClient(app, headers=headers) as client:
        for ref in refs[:20]:
            client.get(f"/ui/cases/{ref}")
        for ref, query in zip(refs, queries, strict=True):
            t = time.perf_counter()
            answer = client.get(f"/ui/cases/{ref}")
            case_wall.append((time.perf_counter() - t) * 1e3)
            assert answer.status_code == 200, answer.text[:300]
            case_server.append(_server_ms(answer))
            t = time.perf_counter()
            answer = client.get("/ui/cases", params={k: v for k, v in query.items() if v})
            list_wall.append((time.perf_counter() - t) * 1e3)
            assert answer.status_code == 200, answer.text[:300]
            list_server.append(_server_ms(answer))

    case_ref, list_ref = [], []
    for ref, query in zip(refs, queries, strict=True):
        with unit_of_work(runtime.engine, read_only=True) as s:
            t = time.perf_counter()
            show_case(s, ref)
            evaluate_case(s, ref, pack=runtime.settings.default_pack, stage="hub_referral", clock=CLOCK)
            case_ref.append((time.perf_counter() - t) * 1e3)
            t = time.perf_counter()
            search_cases(s, limit=50, **{k: v for k, v in query.items() if v and k != "after"})
            list_ref.append((time.perf_counter() - t) * 1e3)

    for name, server, wall, reference, label, target in (
        ("case_page", case_server, case_wall, case_ref, "show_case_and_evaluate_case_without_http", 20),
        ("caseload_page", list_server, list_wall, list_ref, "search_cases_without_http", 100),
    ):
        median = statistics.median(server)
        _common.emit(
            name,
            n,
            median / 1e3,
            label,
            statistics.median(reference) / 1e3,
            median_ms=round(median, 2),
            p95_ms=round(_percentile(server, 0.95), 2),
            client_wall_median_ms=round(statistics.median(wall), 2),
            target_ms=target,
            measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )


if __name__ == "__main__":
    main()
