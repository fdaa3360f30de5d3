"""Property (Hypothesis stateful): whatever the order of notices, lifts and operations, nobody with an
active bar at the moment of departure is ever recorded as departed."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from returnhub.casework.store import get_person, load_events
from returnhub.core.clock import FixedClock
from returnhub.core.database import create_engine, unit_of_work
from returnhub.core.errors import DomainError
from returnhub.core.migrate import upgrade
from returnhub.core.time import utc
from returnhub.operations import transfers as ops
from returnhub.partners.seed import seed_partners
from returnhub.safeguards import evaluate_case

from .conftest import HUB, eligible_person

NOTICES = {
    "rule39": ("rule39_granted", {}),
    "injunction": ("injunction_granted", {}),
    "judicial_review": ("judicial_review_lodged", {}),
    "further_submissions": ("further_submissions_lodged", {}),
    "nrm": ("nrm_referral", {}),
    "article8": ("article8_claim_lodged", {}),
    "unfit": ("fitness_to_fly_assessed", {"fit": False}),
    "age": ("age_dispute_raised", {}),
}
LIFTS = {
    "rule39": ("rule39_lifted", {}),
    "injunction": ("injunction_discharged", {}),
    "judicial_review": ("judicial_review_decided", {"outcome": "refused"}),
    "further_submissions": ("further_submissions_decided", {"outcome": "rejected"}),
    "nrm": ("nrm_reasonable_grounds_decided", {"outcome": "negative"}),
    "article8": ("article8_claim_decided", {"outcome": "refuse"}),
    "unfit": ("fitness_to_fly_assessed", {"fit": True}),
    "age": ("age_dispute_resolved", {"outcome": "adult"}),
}
PEOPLE_PER_RUN = 5
_counter = itertools.count(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, FixedClock]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('gate')) / 'gate.db'}"
    upgrade(url)
    engine = create_engine(url)
    clock = FixedClock(datetime(2026, 6, 1, 9, tzinfo=UTC))
    with unit_of_work(engine) as s:
        seed_partners(s, clock)
    return engine, clock


def test_no_departure_with_an_active_bar(world: tuple[object, FixedClock]) -> None:
    engine, clock = world
    departures: list[int] = []

    class Gate(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.people = [f"RH{next(_counter):07d}" for _ in range(PEOPLE_PER_RUN)]
            for r in self.people:
                eligible_person(engine, clock, r)  # type: ignore[arg-type]
            self.transfer = self._new_transfer()
            self.departed_transfers: list[str] = []

        def _new_transfer(self) -> str:
            with unit_of_work(engine) as s:  # type: ignore[arg-type]
                departs = datetime.combine(clock.today() + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
                return ops.create_transfer(
                    s,
                    hub=HUB,
                    mode="charter_flight",
                    departs_at=departs,
                    seats=4,
                    min_load=2,
                    clock=clock,
                    created_by="planner",
                ).reference

        def _tick(self) -> None:
            clock.advance(timedelta(minutes=7))

        def _record(self, person: int, event: tuple[str, dict[str, object]]) -> None:
            from returnhub.casework.store import append_event

            try:
                with unit_of_work(engine) as s:  # type: ignore[arg-type]
                    append_event(
                        s,
                        self.people[person],
                        event[0],
                        clock.today(),
                        dict(event[1]),
                        clock=clock,
                        recorded_by="property",
                    )
            except DomainError:
                pass
            self._tick()

        @rule(person=st.integers(0, PEOPLE_PER_RUN - 1), kind=st.sampled_from(sorted(NOTICES)))
        def notice(self, person: int, kind: str) -> None:
            self._record(person, NOTICES[kind])

        @rule(person=st.integers(0, PEOPLE_PER_RUN - 1), kind=st.sampled_from(sorted(LIFTS)))
        def lift(self, person: int, kind: str) -> None:
            self._record(person, LIFTS[kind])

        @rule(person=st.integers(0, PEOPLE_PER_RUN - 1))
        def add(self, person: int) -> None:
            try:
                with unit_of_work(engine) as s:  # type: ignore[arg-type]
                    ops.add_to_manifest(s, self.transfer, self.people[person], clock=clock, recorded_by="p")
            except DomainError:
                pass
            self._tick()

        @rule()
        def add_everyone(self) -> None:
            for person in range(PEOPLE_PER_RUN):
                self.add(person)

        @rule()
        def lock(self) -> None:
            try:
                with unit_of_work(engine) as s:  # type: ignore[arg-type]
                    ops.lock_manifest(s, self.transfer, clock=clock, recorded_by="p")
            except DomainError:
                pass
            self._tick()

        @rule(accept=st.booleans())
        def depart(self, accept: bool) -> None:
            try:
                with unit_of_work(engine) as s:  # type: ignore[arg-type]
                    result = ops.depart(
                        s, self.transfer, clock=clock, recorded_by="p", accept_under_minimum=accept
                    )
                if result.departed:
                    departures.append(result.load)
                    self.departed_transfers.append(self.transfer)
                    self.transfer = self._new_transfer()
            except DomainError:
                pass
            self._tick()

        @rule(accept=st.booleans())
        def lock_then_depart(self, accept: bool) -> None:
            # Makes whole evenings likely: without it most random runs never reach a departure.
            self.lock()
            self.depart(accept)

        @rule()
        def cancel(self) -> None:
            try:
                with unit_of_work(engine) as s:  # type: ignore[arg-type]
                    ops.cancel(s, self.transfer, "weather", clock=clock, recorded_by="p")
                self.transfer = self._new_transfer()
            except DomainError:
                pass
            self._tick()

        @invariant()
        def nobody_departed_with_a_bar(self) -> None:
            with unit_of_work(engine, read_only=True) as s:  # type: ignore[arg-type]
                for r in self.people:
                    person = get_person(s, r)
                    for e in load_events(s, person.id):
                        if e.event_type != "departed":
                            continue
                        # What the safeguards said on the day, knowing everything recorded before departure.
                        known = utc(e.recorded_at) - timedelta(seconds=1)
                        verdict = evaluate_case(
                            s,
                            r,
                            pack="uk",
                            stage="departure",
                            as_of=e.occurred_on,
                            known_at=known,
                            clock=clock,
                        )
                        assert verdict.outcome == "eligible", (r, [(x.id, x.outcome) for x in verdict.rules])
                        assert e.data["transfer"] in self.departed_transfers

    Gate.TestCase.settings = settings(
        max_examples=15,
        stateful_step_count=20,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    Gate.TestCase().runTest()
    # The property is not vacuous: transfers did depart, with people on them.
    assert departures and sum(departures) > 0
