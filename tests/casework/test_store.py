"""The event store on SQLite and PostgreSQL: validation, versions, concurrency, hash chain, projection."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import Engine

from returnhub.casework.models import StoredEvent, case_projection
from returnhub.casework.store import append_event, case_state, rebuild_projection, verify_chain
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.errors import InvalidInput, NotFound, VersionConflict

from .helpers import REFUSED_HISTORY, add_person, record


def _seed_one(engine: Engine, clock: FixedClock, reference: str = "RH0000001") -> None:
    with unit_of_work(engine) as s:
        add_person(s, reference)
        for event_type, on, data in REFUSED_HISTORY:
            record(s, clock, reference, event_type, on, data)
            clock.advance(timedelta(minutes=1))


def test_append_folds_and_projects(engine: Engine, clock: FixedClock) -> None:
    _seed_one(engine, clock)
    with unit_of_work(engine, read_only=True) as s:
        row = (
            s.execute(select(case_projection).where(case_projection.c.reference == "RH0000001"))
            .mappings()
            .one()
        )
        _, state = case_state(s, "RH0000001")
    assert row["status"] == "appeal_rights_exhausted" == state.status
    assert row["version"] == 6
    assert row["appeal_rights_exhausted_on"] == date(2024, 9, 20)


@pytest.mark.parametrize(
    ("event_type", "data", "message"),
    [
        ("no_such_event", {}, "unknown event type"),
        ("asylum_claim_decided", {"outcome": "maybe"}, "invalid asylum_claim_decided payload"),
        ("arrival", {"route": "small_boat", "extra": 1}, "extra"),
        ("departed", {"transfer": "T1"}, "gate"),
        ("hub_exit", {"reason": "onward_return_enforced"}, "gate"),
        ("removed_from_manifest", {"transfer": "T1", "reason": "by hand"}, "gate"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(
    engine: Engine, clock: FixedClock, event_type: str, data: dict[str, object], message: str
) -> None:
    _seed_one(engine, clock)
    with pytest.raises(InvalidInput, match=message), unit_of_work(engine) as s:
        append_event(s, "RH0000001", event_type, date(2025, 1, 1), data, clock=clock, recorded_by="t")
    with unit_of_work(engine, read_only=True) as s:
        assert s.execute(select(StoredEvent)).scalars().all().__len__() == 6


def test_future_dated_and_unknown_case_are_refused(engine: Engine, clock: FixedClock) -> None:
    _seed_one(engine, clock)
    with pytest.raises(InvalidInput, match="future"), unit_of_work(engine) as s:
        append_event(
            s, "RH0000001", "released", clock.today() + timedelta(days=1), {}, clock=clock, recorded_by="t"
        )
    with pytest.raises(NotFound), unit_of_work(engine) as s:
        append_event(s, "RH9999999", "released", date(2025, 1, 1), {}, clock=clock, recorded_by="t")


def test_stale_expected_version_is_a_conflict(engine: Engine, clock: FixedClock) -> None:
    _seed_one(engine, clock)
    with pytest.raises(VersionConflict), unit_of_work(engine) as s:
        append_event(
            s, "RH0000001", "released", date(2025, 1, 1), {}, clock=clock, recorded_by="t", expected_version=5
        )
    with unit_of_work(engine) as s:
        result = append_event(
            s, "RH0000001", "released", date(2025, 1, 1), {}, clock=clock, recorded_by="t", expected_version=6
        )
    assert result.sequence == 7


def test_two_concurrent_appends_one_wins(engine: Engine, clock: FixedClock) -> None:
    _seed_one(engine, clock)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(event_type: str) -> None:
        barrier.wait()
        try:
            with unit_of_work(engine) as s:
                append_event(
                    s,
                    "RH0000001",
                    event_type,
                    date(2025, 1, 1),
                    {},
                    clock=clock,
                    recorded_by="t",
                    expected_version=6,
                )
            outcomes.append("ok")
        except VersionConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(t,)) for t in ("released", "removal_notice_served")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    with unit_of_work(engine, read_only=True) as s:
        sequences = s.execute(select(StoredEvent.sequence).order_by(StoredEvent.sequence)).scalars().all()
        assert sequences == [1, 2, 3, 4, 5, 6, 7]
        assert verify_chain(s).ok


def test_many_concurrent_appends_without_versions_lose_nothing(engine: Engine, clock: FixedClock) -> None:
    _seed_one(engine, clock)
    _seed_one(engine, clock, "RH0000002")
    errors: list[BaseException] = []

    def worker(reference: str) -> None:
        for _ in range(5):
            try:
                with unit_of_work(engine) as s:
                    append_event(
                        s,
                        reference,
                        "serious_incident",
                        date(2025, 1, 1),
                        {"summary": "x"},
                        clock=clock,
                        recorded_by="t",
                    )
            except VersionConflict:
                continue  # the retry a user would make is not needed: without a version, no conflict
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(r,)) for r in ("RH0000001", "RH0000002", "RH0000001")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with unit_of_work(engine, read_only=True) as s:
        report = verify_chain(s)
        for reference in ("RH0000001", "RH0000002"):
            _, state = case_state(s, reference)
            stored = (
                s.execute(
                    select(StoredEvent.sequence)
                    .join_from(StoredEvent, case_projection, StoredEvent.case_id == case_projection.c.case_id)
                    .where(case_projection.c.reference == reference)
                )
                .scalars()
                .all()
            )
            assert sorted(stored) == list(range(1, len(stored) + 1))  # no gaps, no duplicates
            assert state.serious_incidents == len(stored) - 6
    assert report.ok
    assert report.events == 12 + 15  # every append landed


@pytest.mark.parametrize("tamper", ["edit_data", "edit_date", "delete_middle", "delete_last", "reorder"])
def test_tampering_is_detected(engine: Engine, clock: FixedClock, tamper: str) -> None:
    _seed_one(engine, clock)
    with unit_of_work(engine, read_only=True) as s:
        assert verify_chain(s).as_dict() == {"events": 6, "ok": True}
    with engine.begin() as conn:
        if tamper == "edit_data":
            conn.execute(
                update(StoredEvent).where(StoredEvent.sequence == 3).values(data={"outcome": "grant"})
            )
        elif tamper == "edit_date":
            conn.execute(
                update(StoredEvent).where(StoredEvent.sequence == 2).values(occurred_on=date(2023, 5, 3))
            )
        elif tamper == "delete_middle":
            conn.execute(text("DELETE FROM case_events WHERE sequence = 4"))
        elif tamper == "delete_last":
            conn.execute(text("DELETE FROM case_events WHERE sequence = 6"))
        else:
            conn.execute(update(StoredEvent).where(StoredEvent.sequence == 5).values(sequence=50))
            conn.execute(update(StoredEvent).where(StoredEvent.sequence == 4).values(sequence=5))
    with unit_of_work(engine, read_only=True) as s:
        report = verify_chain(s)
    assert not report.ok
    assert report.problem


def test_retraction_is_a_new_event(engine: Engine, clock: FixedClock) -> None:
    _seed_one(engine, clock)
    with unit_of_work(engine) as s:
        state = record(
            s,
            clock,
            "RH0000001",
            "event_retracted",
            date(2024, 9, 25),
            {"sequence": 6, "reason": "appeal rights not in fact exhausted"},
        )
    assert state.status == "appeal_pending" or state.appeal_rights_exhausted_on is None
    with pytest.raises(Exception, match="already retracted"), unit_of_work(engine) as s:
        record(
            s, clock, "RH0000001", "event_retracted", date(2024, 9, 25), {"sequence": 6, "reason": "again"}
        )
    with unit_of_work(engine, read_only=True) as s:
        assert len(s.execute(select(StoredEvent)).scalars().all()) == 7


def test_projection_rebuild_equals_incremental(engine: Engine, clock: FixedClock) -> None:
    for i in range(1, 4):
        _seed_one(engine, clock, f"RH000000{i}")
    with unit_of_work(engine, read_only=True) as s:
        before = [
            dict(r) for r in s.execute(select(case_projection).order_by(case_projection.c.case_id)).mappings()
        ]
    with unit_of_work(engine) as s:
        assert rebuild_projection(s, clock) == 3
    with unit_of_work(engine, read_only=True) as s:
        after = [
            dict(r) for r in s.execute(select(case_projection).order_by(case_projection.c.case_id)).mappings()
        ]
    bookkeeping = ("updated_at", "change_mark")
    strip = lambda rows: [{k: v for k, v in r.items() if k not in bookkeeping} for r in rows]  # noqa: E731
    assert strip(before) == strip(after)
    # The rebuilt rows carry marks newer than any before: a fact snapshot patches them all.
    assert min(r["change_mark"] for r in after) > max(r["change_mark"] for r in before)
