"""The departure gate: late notices take people off, families move together, no unlawful departure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from returnhub.casework.store import append_event, case_state
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.errors import InvalidInput, StateConflict, VersionConflict
from returnhub.notices.models import Notice
from returnhub.operations import transfers as ops
from returnhub.operations.views import TransferView

from ..casework.helpers import record


def _list(engine: Engine, clock: FixedClock, transfer: str, refs: list[str]) -> None:
    for r in refs:
        with unit_of_work(engine) as s:
            ops.add_to_manifest(s, transfer, r, clock=clock, recorded_by="planner")


def _view(engine: Engine, transfer: str) -> TransferView:
    with unit_of_work(engine, read_only=True) as s:
        return ops.show_transfer(s, transfer)


def test_june_2022_evening(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    """A locked manifest; Rule 39 measures and an injunction arrive hours before departure."""
    people = make_people(7)
    _list(engine, clock, transfer, people)
    with unit_of_work(engine) as s:
        locked = ops.lock_manifest(s, transfer, clock=clock, recorded_by="planner")
    assert locked.status == "locked" and locked.load == 7 and not locked.removed

    clock.advance(timedelta(days=3, hours=6))  # the afternoon of the flight
    with unit_of_work(engine) as s:
        record(
            s,
            clock,
            people[0],
            "rule39_granted",
            clock.today(),
            {"expires_after": {"event_type": "judicial_review_decided", "days": 21}},
        )
        record(s, clock, people[1], "rule39_granted", clock.today(), {"expires_on": "2026-07-01"})
        record(s, clock, people[2], "injunction_granted", clock.today(), {"court": "High Court"})
    # Each notice took its person off at once, in the transaction that recorded it.
    view = _view(engine, transfer)
    states = {e.reference: e for e in view.manifest}
    for r in people[:3]:
        assert states[r].state == "removed"
        assert "R4" in states[r].reason or "R3" in states[r].reason
    assert view.load == 4
    with unit_of_work(engine, read_only=True) as s:
        for r in people[:3]:
            assert case_state(s, r)[1].allocated_transfer is None
        # No account is a planner, representative, liaison or monitor here: nobody to address (the
        # addressing is tested in tests/notices).
        notes = s.execute(select(Notice).where(Notice.case_reference == people[0])).scalars().all()
        assert notes == []

    clock.advance(timedelta(hours=3))
    with unit_of_work(engine) as s:
        result = ops.depart(s, transfer, clock=clock, recorded_by="planner")
    assert result.departed and result.load == 4
    with unit_of_work(engine, read_only=True) as s:
        departed = {r: case_state(s, r)[1].departed_on for r in people}
    assert all(departed[r] is None for r in people[:3])
    assert all(departed[r] == clock.today() for r in people[3:])


def test_load_under_minimum_does_not_depart(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    people = make_people(5)
    _list(engine, clock, transfer, people)
    with unit_of_work(engine) as s:
        ops.lock_manifest(s, transfer, clock=clock, recorded_by="planner")
    clock.advance(timedelta(days=3))
    with unit_of_work(engine) as s:
        record(s, clock, people[0], "rule39_granted", clock.today())
        record(s, clock, people[1], "judicial_review_lodged", clock.today())
    view = _view(engine, transfer)
    assert view.load == 3 and view.flagged_for_decision is True
    with unit_of_work(engine) as s:
        result = ops.depart(s, transfer, clock=clock, recorded_by="planner")
    assert not result.departed and result.flagged_for_decision
    with unit_of_work(engine, read_only=True) as s:
        assert all(case_state(s, r)[1].departed_on is None for r in people)
    # A planner may decide to go ahead under the minimum: the gate still re-checks everyone.
    with unit_of_work(engine) as s:
        result = ops.depart(s, transfer, clock=clock, recorded_by="planner", accept_under_minimum=True)
    assert result.departed and result.load == 3


def test_ineligible_person_cannot_be_listed(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    (person,) = make_people(1)
    with unit_of_work(engine) as s:
        record(s, clock, person, "further_submissions_lodged", clock.today())
    with pytest.raises(StateConflict, match="R2"), unit_of_work(engine) as s:
        ops.add_to_manifest(s, transfer, person, clock=clock, recorded_by="planner")
    assert _view(engine, transfer).load == 0


def test_departed_cannot_be_recorded_by_hand(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    (person,) = make_people(1)
    with pytest.raises(InvalidInput, match="gate"), unit_of_work(engine) as s:
        append_event(
            s, person, "departed", clock.today(), {"transfer": transfer}, clock=clock, recorded_by="x"
        )


def test_a_family_moves_together(engine: Engine, clock: FixedClock, partners: None, transfer: str) -> None:
    from returnhub.people.models import FamilyUnit

    from .conftest import eligible_person

    with unit_of_work(engine) as s:
        unit = FamilyUnit(reference="FU0000001")
        s.add(unit)
        s.flush()
        unit_id = unit.id
    for r in ("RH0000001", "RH0000002", "RH0000003"):
        eligible_person(engine, clock, r, family_unit_id=unit_id)
    with unit_of_work(engine) as s:
        outcomes = ops.add_to_manifest(s, transfer, "RH0000002", clock=clock, recorded_by="planner")
    assert {o.reference for o in outcomes} == {"RH0000001", "RH0000002", "RH0000003"}
    with unit_of_work(engine) as s:
        record(s, clock, "RH0000003", "article8_claim_lodged", clock.today())
    view = _view(engine, transfer)
    assert view.load == 0
    reasons = {e.reference: e.reason for e in view.manifest}
    assert "family" in reasons["RH0000001"] and "family" in reasons["RH0000002"]


def test_two_planners_depart_at_once(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    import threading

    people = make_people(4)
    _list(engine, clock, transfer, people)
    with unit_of_work(engine) as s:
        version = ops.lock_manifest(s, transfer, clock=clock, recorded_by="planner").version
    clock.advance(timedelta(days=3))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def go() -> None:
        barrier.wait()
        try:
            with unit_of_work(engine) as s:
                ops.depart(s, transfer, clock=clock, recorded_by="planner", expected_version=version)
            outcomes.append("departed")
        except (VersionConflict, StateConflict):
            outcomes.append("conflict")

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "departed"]
    with unit_of_work(engine, read_only=True) as s:
        for r in people:
            events = [e for e in ops_events(s, r) if e == "departed"]
            assert events == ["departed"]


def ops_events(session: object, reference: str) -> list[str]:
    from returnhub.casework.store import get_person, load_events

    person = get_person(session, reference)  # type: ignore[arg-type]
    return [e.event_type for e in load_events(session, person.id)]  # type: ignore[arg-type]


def test_arrival_opens_stays_with_clocks(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    from returnhub.operations import stays

    people = make_people(4)
    _list(engine, clock, transfer, people)
    with unit_of_work(engine) as s:
        ops.lock_manifest(s, transfer, clock=clock, recorded_by="planner")
    clock.advance(timedelta(days=3))
    with unit_of_work(engine) as s:
        ops.depart(s, transfer, clock=clock, recorded_by="planner")
    with unit_of_work(engine) as s:
        ops.arrive(s, transfer, clock=clock, recorded_by="liaison")
    with unit_of_work(engine, read_only=True) as s:
        assert case_state(s, people[0])[1].status == "in_hub"
        assert stays.overdue(s, clock.today()) == []
        later = clock.today() + timedelta(days=181)
        overdue = stays.overdue(s, later)
    assert {r.reference for r in overdue} == set(people)
    assert {r.clock for r in overdue} == {"max_stay"}
    clock.advance(timedelta(days=5))
    with unit_of_work(engine) as s:
        stays.record_exit(s, people[0], "absconded", on=clock.today(), clock=clock, recorded_by="liaison")
    with unit_of_work(engine, read_only=True) as s:
        assert case_state(s, people[0])[1].status == "absconded"


def test_cancel_takes_everyone_off(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    people = make_people(2)
    _list(engine, clock, transfer, people)
    with unit_of_work(engine) as s:
        ops.cancel(s, transfer, "aircraft unavailable", clock=clock, recorded_by="planner")
    view = _view(engine, transfer)
    assert view.status == "cancelled" and view.load == 0
    with pytest.raises(StateConflict), unit_of_work(engine) as s:
        ops.lock_manifest(s, transfer, clock=clock, recorded_by="planner")


def test_a_move_cannot_be_withdrawn_by_hand(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    """Retracting a gated event would move the person in the record around the gate (back off or onto a
    manifest): the store refuses it from every path but the gate, and writes nothing."""
    (person,) = make_people(1)
    _list(engine, clock, transfer, [person])
    with unit_of_work(engine, read_only=True) as s:
        before = case_state(s, person)[1]
        allocated = next(
            e.sequence for e in load_events_of(s, person) if e.event_type == "allocated_to_transfer"
        )
    assert before.allocated_transfer == transfer
    with pytest.raises(InvalidInput, match="only operations' gate"), unit_of_work(engine) as s:
        append_event(
            s,
            person,
            "event_retracted",
            clock.today(),
            {"sequence": allocated, "reason": "keying error"},
            clock=clock,
            recorded_by="x",
        )
    with unit_of_work(engine, read_only=True) as s:
        after = case_state(s, person)[1]
    assert (after.version, after.allocated_transfer) == (before.version, transfer)
    assert _view(engine, transfer).load == 1


def load_events_of(session: object, reference: str) -> list[Any]:
    from returnhub.casework.store import get_person, load_events

    return list(load_events(session, get_person(session, reference).id))  # type: ignore[arg-type]
