"""The legal scenarios through the event store and ``evaluate_case``, on SQLite and PostgreSQL.

Every scenario also runs through the pure path (collected from ``scenarios/*.yaml`` by the conftest).
Here each is recorded event by event with ``append_event`` (review decisions through
``record_review_decision``) and explained by the service, so the projection, the fold at
(``as_of``, ``known_at``), the family lookup and the fingerprinting are exercised for real. To keep the
suite within its time budget, every scenario that uses ``known_at``, a review decision or a family (the
parts that touch the database differently) runs on both backends, plus every fourth other scenario on
SQLite and every eighth on PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from returnhub.core.clock import FixedClock
from tests.safeguards.scenario_support import Scenario, check, explain_db, load_all


def _touches_database(s: Scenario) -> bool:
    return (
        s.known_at is not None
        or bool(s.person["family"])
        or any(step.event_type == "review_decided" for step in s.steps)
    )


ALL = load_all()
SQLITE_SUBSET = [s for i, s in enumerate(ALL) if i % 4 == 0 or _touches_database(s)]
POSTGRES_SUBSET = [s for i, s in enumerate(ALL) if i % 8 == 0 or _touches_database(s)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("scenario", SQLITE_SUBSET, ids=[s.id for s in SQLITE_SUBSET])
def test_scenario_on_sqlite(scenario: Scenario, engine: Engine, clock: FixedClock) -> None:
    check(scenario, explain_db(scenario, engine, clock))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("scenario", POSTGRES_SUBSET, ids=[s.id for s in POSTGRES_SUBSET])
def test_scenario_on_postgresql(scenario: Scenario, engine: Engine, clock: FixedClock) -> None:
    check(scenario, explain_db(scenario, engine, clock))
