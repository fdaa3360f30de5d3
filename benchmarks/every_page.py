"""Server time of every staff page on a SQLite database of ``--persons`` people (200,000 by default; on a
shared two-core machine it is run at 20,000 to stay within a few minutes), each page as the role that uses it.

Server time is the page's own ``Server-Timing`` header (request in to answer out: the access guard, the
access-log write, the services and the template). Each page is asked once cold (the first visit, what the
first person in the morning waits for) and then ``--requests`` times; the line gives the median and p95.
The reference is the cheapest page of the same set-up (``/ui/persons/new``: a blank form through the same
guard, log and template), so the ratio says what the page's own work costs beyond the fixed path.
"""

from __future__ import annotations

import argparse
import statistics
import time

import _common
from _common import CLOCK, bearer_token
from fastapi.testclient import TestClient

from returnhub.core.database import create_engine, unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.core.settings import Settings
from returnhub.partners.seed import seed_partners
from returnhub.web.app import create_app

#: (role, page): every page a person opens, without the forms' posts and the downloads.
PAGES = [
    ("caseworker", "/ui/persons/new"),
    ("caseworker", "/ui/"),
    ("caseworker", "/ui/cases"),
    ("caseworker", "/ui/cases?name=ali"),
    # Any part of a name, folded (a scan of name_folded in reference order, stopping at 50 matches).
    ("caseworker", "/ui/cases?name=ibrahim+ali"),
    ("caseworker", "/ui/cases?nationality=Egypt"),
    ("caseworker", "/ui/cases/RH0010000"),
    ("senior_caseworker", "/ui/"),
    ("partnerships_officer", "/ui/partners"),
    ("partnerships_officer", "/ui/agreements/ITA-ALB-PROTOCOL"),
    ("partnerships_officer", "/ui/hubs"),
    ("analyst", "/ui/statistics"),
    ("analyst", "/ui/reports"),
    ("operations_planner", "/ui/"),
    ("operations_planner", "/ui/planning"),
    ("operations_planner", "/ui/transfers"),
    ("independent_monitor", "/ui/monitor"),
    ("independent_monitor", "/ui/notices/deliveries"),
]


def _server_ms(answer: object) -> float:
    return float(answer.headers["server-timing"].split("dur=")[1])  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    url = _common.sqlite_database(args.persons)
    runtime = Runtime(settings=Settings(database_url=url), engine=create_engine(url), clock=CLOCK)
    with unit_of_work(runtime.engine) as s:
        seed_partners(s, CLOCK)  # does nothing if the register holds data
    app = create_app(runtime)
    tokens = {role: bearer_token(runtime, role) for role in {r for r, _ in PAGES}}
    results = []
    with TestClient(app, headers={"accept": "text/html"}) as client:
        for role, path in PAGES:
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            t = time.perf_counter()
            first = client.get(path, headers=headers)
            first_wall = (time.perf_counter() - t) * 1e3
            assert first.status_code == 200, (path, first.status_code, first.text[:300])
            samples = []
            for _ in range(args.requests):
                answer = client.get(path, headers=headers)
                assert answer.status_code == 200, (path, answer.status_code)
                samples.append(_server_ms(answer))
            results.append((role, path, _server_ms(first), first_wall, samples))
    reference = statistics.median(results[0][4])
    for role, path, first_ms, first_wall, samples in results:
        median = statistics.median(samples)
        _common.emit(
            "page",
            args.persons,
            median / 1e3,
            "blank_form_same_path",
            reference / 1e3,
            page=path,
            role=role,
            median_ms=round(median, 2),
            p95_ms=round(sorted(samples)[int(len(samples) * 0.95)], 2),
            first_ms=round(first_ms, 2),
            first_wall_ms=round(first_wall, 2),
        )


if __name__ == "__main__":
    main()
