"""Fixtures for operations: the partners register seeded, eligible people, a planned transfer to a UK hub."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.operations.transfers import create_transfer
from returnhub.partners.seed import seed_partners
from returnhub.safeguards.service import record_review_decision

from ..casework.helpers import REFUSED_HISTORY, add_person, record

HUB = "GBR-MKD-H1"


@pytest.fixture
def partners(engine: Engine, clock: FixedClock) -> None:
    with unit_of_work(engine) as s:
        seed_partners(s, clock)


def eligible_person(
    engine: Engine, clock: FixedClock, reference: str, *, family_unit_id: int | None = None
) -> None:
    """An adult Albanian man, appeal rights exhausted, notice served, fit to fly: eligible for the UK hub."""
    with unit_of_work(engine) as s:
        add_person(
            s, reference, nationality="ALB", date_of_birth=date(1990, 1, 1), family_unit_id=family_unit_id
        )
        for event_type, on, data in REFUSED_HISTORY:
            record(s, clock, reference, event_type, on, data)
        record(s, clock, reference, "removal_notice_served", clock.today() - timedelta(days=20))
        record(s, clock, reference, "departure_details_served", clock.today() - timedelta(days=15))
        record(
            s, clock, reference, "fitness_to_fly_assessed", clock.today() - timedelta(days=10), {"fit": True}
        )
    with unit_of_work(engine) as s:
        # North Macedonia is assessed unsafe for a profile the record cannot show (R12P): a senior
        # caseworker has checked and approved, as the review rule requires.
        record_review_decision(
            s,
            reference,
            rule="R12P",
            decision="approve",
            reasoning="no such profile on interview",
            decided_by="senior1",
            pack="uk",
            clock=clock,
            agreement="GBR-MKD-ILLUSTRATIVE",
        )


@pytest.fixture
def make_people(engine: Engine, clock: FixedClock, partners: None) -> Callable[[int], list[str]]:
    def make(n: int, start: int = 1) -> list[str]:
        refs = [f"RH{i:07d}" for i in range(start, start + n)]
        for r in refs:
            eligible_person(engine, clock, r)
        return refs

    return make


@pytest.fixture
def transfer(engine: Engine, clock: FixedClock, partners: None) -> str:
    with unit_of_work(engine) as s:
        t = create_transfer(
            s,
            hub=HUB,
            mode="charter_flight",
            departs_at=datetime.combine(clock.today() + timedelta(days=3), datetime.min.time(), tzinfo=UTC)
            + timedelta(hours=18),
            seats=10,
            min_load=4,
            escorts=10,
            monitor_on_board=True,
            clock=clock,
            created_by="planner",
        )
        return t.reference
