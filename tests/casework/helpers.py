"""Small builders for tests: a person with a case, and histories of events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from returnhub.casework.state import CaseState, fold
from returnhub.casework.store import append_event, upsert_projection
from returnhub.core.clock import Clock
from returnhub.people.models import Person


def add_person(
    session: Session,
    reference: str = "RH0000001",
    *,
    nationality: str = "ERI",
    date_of_birth: date = date(1995, 3, 1),
    sex: str = "M",
    family_unit_id: int | None = None,
) -> Person:
    person = Person(
        reference=reference,
        given_name="Test",
        family_name="Person",
        date_of_birth=date_of_birth,
        sex=sex,
        nationality=nationality,
        languages=["ti"],
        family_unit_id=family_unit_id,
        created_at=datetime(2020, 1, 1, tzinfo=UTC),
    )
    session.add(person)
    session.flush()
    upsert_projection(session, person, fold([]), datetime(2020, 1, 1, tzinfo=UTC))
    return person


def record(
    session: Session,
    clock: Clock,
    reference: str,
    event_type: str,
    on: date,
    data: dict[str, Any] | None = None,
) -> CaseState:
    return append_event(session, reference, event_type, on, data or {}, clock=clock, recorded_by="test").state


REFUSED_HISTORY: list[tuple[str, date, dict[str, Any]]] = [
    ("arrival", date(2023, 5, 1), {"route": "small_boat"}),
    ("asylum_claim_lodged", date(2023, 5, 2), {}),
    ("asylum_claim_decided", date(2024, 2, 1), {"outcome": "refuse"}),
    ("appeal_lodged", date(2024, 2, 10), {"tier": "first_tier"}),
    ("appeal_decided", date(2024, 9, 1), {"tier": "first_tier", "outcome": "dismissed"}),
    ("appeal_rights_exhausted", date(2024, 9, 20), {}),
]
