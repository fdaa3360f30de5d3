"""Events carry an optional instant and the gate compares instants (issue 13, item 13): a Rule 39 measure
recorded for 21:30 bars a 22:30 departure on the same day; one at 23:00 was not in force at a departure
made at 22:30. Also: an arrival rescued at sea is a route of its own."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from returnhub.casework.store import append_event, case_state, verify_chain
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.errors import InvalidInput
from returnhub.core.runtime import Runtime
from returnhub.operations import transfers as ops
from returnhub.safeguards import evaluate_case
from tests.auth_helpers import authed_client

from ..casework.test_cli import run

EVENING = datetime(2026, 6, 4, 0, 0, tzinfo=UTC)


def _at(hour: int, minute: int = 0) -> datetime:
    return EVENING.replace(hour=hour, minute=minute)


def _listed_and_locked(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str, n: int
) -> list[str]:
    people = make_people(n)
    for r in people:
        with unit_of_work(engine) as s:
            ops.add_to_manifest(s, transfer, r, clock=clock, recorded_by="planner")
    with unit_of_work(engine) as s:
        ops.lock_manifest(s, transfer, clock=clock, recorded_by="planner")
    return people


def test_a_measure_at_2130_bars_a_2230_departure(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    people = _listed_and_locked(engine, clock, make_people, transfer, 2)
    clock.advance(_at(21, 40) - clock.now())
    with unit_of_work(engine) as s:
        append_event(
            s,
            people[0],
            "rule39_granted",
            clock.today(),
            {},
            clock=clock,
            recorded_by="t",
            occurred_at=_at(21, 30),
        )
    clock.advance(_at(22, 30) - clock.now())
    with unit_of_work(engine) as s:
        result = ops.depart(s, transfer, clock=clock, recorded_by="planner", accept_under_minimum=True)
    assert result.departed and result.load == 1
    with unit_of_work(engine, read_only=True) as s:
        assert case_state(s, people[0])[1].departed_on is None
        assert case_state(s, people[1])[1].departed_on == clock.today()


def test_a_measure_at_2300_does_not_bar_a_departure_made_at_2230(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    (person,) = _listed_and_locked(engine, clock, make_people, transfer, 1)
    clock.advance(_at(22, 30) - clock.now())
    with unit_of_work(engine) as s:
        assert ops.depart(s, transfer, clock=clock, recorded_by="planner", accept_under_minimum=True).departed
    clock.advance(timedelta(minutes=40))
    with unit_of_work(engine) as s:
        append_event(
            s, person, "rule39_granted", clock.today(), {}, clock=clock, recorded_by="t", occurred_at=_at(23)
        )
    with unit_of_work(engine, read_only=True) as s:
        at_departure = evaluate_case(
            s, person, pack="uk", stage="departure", as_of=clock.today(), clock=clock, at=_at(22, 30)
        )
        after = evaluate_case(
            s, person, pack="uk", stage="departure", as_of=clock.today(), clock=clock, at=_at(23)
        )
        state = case_state(s, person)[1]
        assert verify_chain(s).ok
    # The departure stood: the measure came half an hour later. Judged at 23:00, R4 would bar.
    assert "R4" not in {r.id for r in at_departure.rules if r.outcome == "bar"}
    assert "R4" in {r.id for r in after.rules if r.outcome == "bar"}
    assert state.departed_on == clock.today()


def test_an_instant_must_be_aware_on_its_date_and_not_in_the_future(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]]
) -> None:
    (person,) = make_people(1)
    today = clock.today()
    for bad, message in [
        (datetime(2026, 6, 1, 8, 0), "time zone"),
        (datetime(2026, 5, 31, 8, 0, tzinfo=UTC), "not on the event's date"),
        (datetime(2026, 6, 1, 23, 0, tzinfo=UTC), "future"),
    ]:
        with pytest.raises(InvalidInput, match=message), unit_of_work(engine) as s:
            append_event(
                s, person, "rule39_granted", today, {}, clock=clock, recorded_by="t", occurred_at=bad
            )


def test_api_and_cli_take_the_time_of_day_and_the_rescued_at_sea_route(
    runtime: Runtime, capsys: pytest.CaptureFixture[str], make_people: Callable[..., list[str]]
) -> None:
    first, second = make_people(2)
    with authed_client(runtime, role="caseworker") as client:
        client: TestClient  # type: ignore[no-redef]
        made = client.post(
            f"/cases/{first}/events",
            json={
                "type": "injunction_granted",
                "occurred_on": "2026-06-01",
                "occurred_at": "2026-06-01T08:30:00+01:00",
            },
        )
        assert made.status_code == 201, made.text
        timeline = client.get(f"/cases/{first}/events").json()
        naive = client.post(
            f"/cases/{first}/events",
            json={
                "type": "injunction_granted",
                "occurred_on": "2026-06-01",
                "occurred_at": "2026-06-01T08:30:00",
            },
        )
    assert timeline[-1]["occurred_at"].startswith("2026-06-01T07:30:00")
    assert naive.status_code == 422 and "time zone" in naive.json()["detail"]

    code, out, err = run(
        runtime,
        capsys,
        "case",
        "record",
        second,
        "--type",
        "rule39_granted",
        "--on",
        "2026-06-01",
        "--at",
        "08:15",
        "--json",
    )
    assert code == 0, err
    code, _, err = run(
        runtime, capsys, "case", "record", second, "--type", "released", "--on", "2026-06-01", "--at", "25:00"
    )
    assert code == 2 and "time of day" in err
    code, out, err = run(
        runtime,
        capsys,
        "case",
        "record",
        second,
        "--type",
        "arrival",
        "--on",
        "2026-05-01",
        "--data",
        json.dumps({"route": "rescued_at_sea"}),
        "--json",
    )
    assert code == 0, err
    with unit_of_work(runtime.engine, read_only=True) as s:
        assert case_state(s, second)[1].arrival_route == "rescued_at_sea"


def test_a_rule39_measure_ending_at_an_instant(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    """A measure that ends at 20:00 binds a 19:00 check, not a 22:30 departure; on the date alone it binds the
    whole day (fail closed)."""
    (person,) = make_people(1)
    clock.advance(_at(10) - clock.now())
    with unit_of_work(engine) as s:
        append_event(
            s,
            person,
            "rule39_granted",
            clock.today(),
            {"expires_at": _at(20).isoformat()},
            clock=clock,
            recorded_by="t",
        )
        with pytest.raises(InvalidInput, match="one of"):
            append_event(
                s,
                person,
                "rule39_granted",
                clock.today(),
                {"expires_at": _at(20).isoformat(), "expires_on": "2026-06-05"},
                clock=clock,
                recorded_by="t",
            )
    with unit_of_work(engine, read_only=True) as s:

        def r4_bars(at: datetime | None) -> bool:
            e = evaluate_case(
                s, person, pack="uk", stage="departure", as_of=clock.today(), clock=clock, at=at
            )
            return "R4" in {r.id for r in e.rules if r.outcome == "bar"}

        assert r4_bars(_at(19)) and not r4_bars(_at(22, 30)) and r4_bars(None)


def test_the_case_page_takes_the_time_of_day(runtime: Runtime, make_people: Callable[..., list[str]]) -> None:
    from tests.web.pages import page_client

    (person,) = make_people(1)
    fields = {
        "event_type": "injunction_granted",
        "occurred_on_day": "1",
        "occurred_on_month": "6",
        "occurred_on_year": "2026",
    }
    with page_client(runtime, "caseworker") as browser:
        bad = browser.post(
            f"/ui/cases/{person}/events", data=browser.form({**fields, "occurred_at": "25:00"})
        )
        assert bad.status_code == 422 and 'href="#occurred_at"' in bad.text
        late = browser.post(
            f"/ui/cases/{person}/events", data=browser.form({**fields, "occurred_at": "23:00"})
        )
        assert late.status_code == 422 and "in the future" in late.text
        done = browser.post(
            f"/ui/cases/{person}/events",
            data=browser.form({**fields, "occurred_at": "08:15"}),
            follow_redirects=False,
        )
        assert done.status_code == 303
    with unit_of_work(runtime.engine, read_only=True) as s:
        from returnhub.casework.queries import case_timeline

        last = case_timeline(s, person)[-1]
    assert last.type == "injunction_granted" and last.occurred_at == datetime(2026, 6, 1, 8, 15, tzinfo=UTC)
