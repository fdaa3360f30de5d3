"""Returns from the UK: the events, the fold, and the departure gate every route out passes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from returnhub.casework.models import StoredEvent
from returnhub.casework.state import LegalEvent, fold
from returnhub.casework.store import case_state
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.errors import InvalidInput, StateConflict

from .helpers import REFUSED_HISTORY, add_person, record


def _ev(seq: int, event_type: str, on: date, data: dict[str, object] | None = None) -> LegalEvent:
    from datetime import UTC, datetime

    return LegalEvent(seq, event_type, on, datetime(2026, 1, 1, tzinfo=UTC), dict(data or {}))


def test_fold_records_each_route_out_and_the_bans() -> None:
    state = fold(
        [
            _ev(
                1,
                "removal_directions_set",
                date(2025, 1, 5),
                {"destination": "ALB", "departs_on": "2025-01-20"},
            ),
            _ev(2, "removal_failed", date(2025, 1, 20), {"reason": "disruption"}),
            _ev(3, "deportation_order_made", date(2025, 1, 21), {"grounds": "conducive_to_public_good"}),
            _ev(4, "enforced_removal", date(2025, 2, 1), {"destination": "ALB", "method": "charter_flight"}),
            _ev(5, "entry_ban_imposed", date(2025, 2, 1), {"years": 10}),
        ]
    )
    assert (state.return_type, state.returned_on, state.return_destination) == (
        "enforced",
        date(2025, 2, 1),
        "ALB",
    )
    assert state.removals_failed == 1 and state.last_removal_failure == "disruption"
    assert state.entry_ban_until == date(2035, 2, 1)
    assert state.status == "returned_enforced"
    port = fold([_ev(1, "port_return", date(2025, 3, 1), {"destination": "IND"})])
    assert port.status == "departed_after_refusal_at_port"


def test_failed_removal_needs_a_reason_from_the_list() -> None:
    from returnhub.casework.events import validate_payload

    with pytest.raises(InvalidInput, match="reason"):
        validate_payload("removal_failed", {"reason": "weather"})


def _refused_person(engine: Engine, clock: FixedClock, reference: str = "RH0000001") -> None:
    with unit_of_work(engine) as s:
        add_person(s, reference, nationality="ALB", date_of_birth=date(1990, 1, 1))
        for event_type, on, data in REFUSED_HISTORY:
            record(s, clock, reference, event_type, on, data)
        record(s, clock, reference, "removal_notice_served", clock.today() - timedelta(days=20))
        record(
            s, clock, reference, "fitness_to_fly_assessed", clock.today() - timedelta(days=10), {"fit": True}
        )


def _count(engine: Engine, event_type: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(StoredEvent).where(StoredEvent.event_type == event_type)
            ).scalar_one()
        )


def test_enforced_removal_needs_directions_in_force(engine: Engine, clock: FixedClock) -> None:
    _refused_person(engine, clock)
    today = clock.today()
    with pytest.raises(StateConflict, match="no removal directions in force"), unit_of_work(engine) as s:
        record(s, clock, "RH0000001", "enforced_removal", today, {"destination": "ALB"})
    assert _count(engine, "enforced_removal") == 0
    with unit_of_work(engine) as s:
        record(
            s,
            clock,
            "RH0000001",
            "removal_directions_set",
            today - timedelta(days=2),
            {"destination": "ALB", "method": "charter_flight", "departs_on": today.isoformat()},
        )
        state = record(s, clock, "RH0000001", "enforced_removal", today, {"destination": "ALB", "escorts": 2})
    assert state.status == "returned_enforced"


def test_the_gate_stops_a_removal_a_safeguard_bars(engine: Engine, clock: FixedClock) -> None:
    _refused_person(engine, clock)
    today = clock.today()
    with unit_of_work(engine) as s:
        record(
            s,
            clock,
            "RH0000001",
            "removal_directions_set",
            today - timedelta(days=2),
            {"destination": "ALB", "departs_on": today.isoformat()},
        )
        record(s, clock, "RH0000001", "judicial_review_lodged", today - timedelta(days=1))
    with pytest.raises(StateConflict, match="R3"), unit_of_work(engine) as s:
        record(s, clock, "RH0000001", "enforced_removal", today, {"destination": "ALB"})
    assert _count(engine, "enforced_removal") == 0


def test_voluntary_departure_needs_consent_and_respects_the_dated_cap(
    engine: Engine, clock: FixedClock
) -> None:
    _refused_person(engine, clock)
    today = clock.today()
    with pytest.raises(StateConflict, match="consent"), unit_of_work(engine) as s:
        record(s, clock, "RH0000001", "voluntary_departure", today, {"destination": "ALB"})
    with unit_of_work(engine) as s:
        record(s, clock, "RH0000001", "voluntary_return_consented", today - timedelta(days=5))
    with pytest.raises(StateConflict, match="above the cap of £3,000"), unit_of_work(engine) as s:
        record(
            s,
            clock,
            "RH0000001",
            "voluntary_departure",
            today,
            {"destination": "ALB", "reintegration_support_gbp": 3001},
        )
    with unit_of_work(engine) as s:
        record(
            s,
            clock,
            "RH0000001",
            "voluntary_departure",
            today,
            {"destination": "ALB", "reintegration_support_gbp": 3000},
        )
        _, state = case_state(s, "RH0000001")
    assert state.status == "returned_voluntarily"


def test_a_deportation_order_excludes_a_voluntary_return(engine: Engine, clock: FixedClock) -> None:
    _refused_person(engine, clock)
    today = clock.today()
    with unit_of_work(engine) as s:
        record(s, clock, "RH0000001", "voluntary_return_consented", today - timedelta(days=5))
        record(
            s,
            clock,
            "RH0000001",
            "deportation_order_made",
            today - timedelta(days=3),
            {"grounds": "conducive_to_public_good"},
        )
    with pytest.raises(StateConflict, match="deportation order"), unit_of_work(engine) as s:
        record(s, clock, "RH0000001", "voluntary_departure", today, {"destination": "ALB"})


def test_port_return_without_a_claim_is_not_barred_by_appeal_rights(
    engine: Engine, clock: FixedClock
) -> None:
    today = clock.today()
    with unit_of_work(engine) as s:
        add_person(s, "RH0000002", nationality="IND", date_of_birth=date(1988, 1, 1))
        record(s, clock, "RH0000002", "arrival", today - timedelta(days=1), {"route": "air", "port": "LHR"})
        record(s, clock, "RH0000002", "fitness_to_fly_assessed", today - timedelta(days=1), {"fit": True})
        state = record(s, clock, "RH0000002", "port_return", today, {"destination": "IND", "port": "LHR"})
    assert state.return_type == "port"
