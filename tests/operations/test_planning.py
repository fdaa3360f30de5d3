"""Planning from the live register: plan, explain, what-if, approve through the gate."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from returnhub.casework.store import case_state
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.operations import planning
from returnhub.operations.allocation.checker import check
from returnhub.operations.allocation.summary import allocate

from ..casework.helpers import record


def test_plan_explain_approve(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    # Candidate charters need 40 people; the small planned transfer (10 seats, minimum 4) is the one used.
    people = make_people(6)
    with unit_of_work(engine, read_only=True) as s:
        built = planning.build_problem(s, start=clock.today(), weeks=4)
    assert set(built.problem.people["person_id"].to_list()) == set(people)
    outcome = allocate(built.problem)
    assert check(built.problem, outcome.plan) == []
    assert outcome.plan.objective >= outcome.greedy.objective

    with unit_of_work(engine) as s:
        result = planning.compute_plan(
            s, start=clock.today(), weeks=4, clock=clock, created_by="planner", save=True
        )
    plan_id = result.plan_id
    assert result.people_eligible == 6 and result.gap <= 0.005
    with unit_of_work(engine, read_only=True) as s:
        view = planning.plan_view(s, plan_id)
        placed = {a["person_id"] for a in view.assignments}
        explained = planning.explain_plan_person(s, plan_id, people[0])
    assert explained.placed is (people[0] in placed)
    assert placed, view.unplaced

    # A notice arrives after the plan was computed: approval re-checks and leaves that person off.
    late = sorted(placed)[0]
    with unit_of_work(engine) as s:
        record(s, clock, late, "rule39_granted", clock.today())
    with unit_of_work(engine) as s:
        approval = planning.approve_plan(s, plan_id, clock=clock, approved_by="planner")
    assert late in approval.changed_since_computed
    assert late in {r.reference for r in approval.refused}
    assert set(approval.listed) == placed - {late}
    assert {a["transfer_id"] for a in view.assignments} == {transfer}
    assert {a["transfer_id"] for a in view.assignments} == {transfer}
    with unit_of_work(engine, read_only=True) as s:
        assert case_state(s, late)[1].allocated_transfer is None
        for r in approval.listed:
            assert case_state(s, r)[1].allocated_transfer is not None


def test_what_if_touches_nothing_live(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    make_people(3)
    with unit_of_work(engine) as s:
        plan_id = planning.compute_plan(
            s, start=clock.today(), weeks=2, clock=clock, created_by="p", save=True
        ).plan_id
    with unit_of_work(engine) as s:
        result = planning.what_if_plan(
            s,
            plan_id,
            [
                {
                    "kind": "set_hub_beds",
                    "hub_id": "GBR-MKD-H1",
                    "bed_type": "single_adult_male",
                    "week": 0,
                    "free_beds": 0,
                },
                {
                    "kind": "set_hub_beds",
                    "hub_id": "GBR-MKD-H2",
                    "bed_type": "single_adult_male",
                    "week": 0,
                    "free_beds": 0,
                },
            ],
        )
    assert result.people_placed == 0
    with unit_of_work(engine, read_only=True) as s:
        assert planning.plan_view(s, plan_id).status == "computed"


def test_empty_register_gives_an_empty_plan_with_a_reason(
    engine: Engine, clock: FixedClock, partners: None
) -> None:
    with unit_of_work(engine) as s:
        result = planning.compute_plan(
            s, start=clock.today(), weeks=2, clock=clock, created_by="p", save=False
        )
    assert result.people_placed == 0 and result.reason


def test_an_approval_in_steps_refuses_a_second_and_is_carried_on_once_stopped(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    """The page job's steps: while a plan is being approved a second approval is refused; one cut off part
    way (untouched for ten minutes) is carried on by approving again, listing only the families left."""
    import pytest

    from returnhub.core.errors import StateConflict

    make_people(6)
    with unit_of_work(engine) as s:
        plan_id = planning.compute_plan(
            s, start=clock.today(), weeks=4, clock=clock, created_by="planner", save=True
        ).plan_id
    with unit_of_work(engine) as s:
        families = planning.begin_approval(s, plan_id, clock=clock, approved_by="planner")
    assert len(families) == 6
    with unit_of_work(engine) as s:
        planning.list_families(s, plan_id, families[:2], clock=clock)
    with unit_of_work(engine) as s, pytest.raises(StateConflict, match="being approved"):
        planning.approve_plan(s, plan_id, clock=clock, approved_by="someone else")
    later = FixedClock(clock.now() + planning.APPROVAL_STALE_AFTER)
    with unit_of_work(engine) as s:
        approval = planning.approve_plan(s, plan_id, clock=later, approved_by="someone else")
    assert len(approval.listed) == 6 and approval.refused == []
    assert approval.approved_by == "planner"  # the approval carried on is the first one's
    with unit_of_work(engine, read_only=True) as s:
        assert planning.plan_view(s, plan_id).status == "approved"


def test_two_approvals_at_once_one_wins_and_the_transfers_are_created_once(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    """Two planners press Approve together: the second waits for the first's claim and is refused, so the
    candidate transfers are made once (on PostgreSQL the plan row is locked; on SQLite the write lock is)."""
    import threading
    import time

    from sqlalchemy import func, select

    from returnhub.core.errors import StateConflict
    from returnhub.operations.models import Transfer

    make_people(6)
    with unit_of_work(engine) as s:
        plan_id = planning.compute_plan(
            s, start=clock.today(), weeks=4, clock=clock, created_by="planner", save=True
        ).plan_id
        transfers_before = s.execute(select(func.count()).select_from(Transfer)).scalar_one()
    first_claimed = threading.Event()
    outcomes: dict[str, object] = {}

    def first() -> None:
        with unit_of_work(engine) as s:
            outcomes["first"] = planning.begin_approval(s, plan_id, clock=clock, approved_by="planner one")
            first_claimed.set()
            time.sleep(1.0)  # still in its transaction while the second planner presses Approve

    def second() -> None:
        first_claimed.wait(10)
        try:
            with unit_of_work(engine) as s:
                outcomes["second"] = planning.begin_approval(
                    s, plan_id, clock=clock, approved_by="planner two"
                )
        except StateConflict as exc:
            outcomes["second"] = exc

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert isinstance(outcomes["first"], list)
    assert isinstance(outcomes["second"], StateConflict), outcomes["second"]
    with unit_of_work(engine, read_only=True) as s:
        made = s.execute(select(func.count()).select_from(Transfer)).scalar_one() - transfers_before
        view = planning.plan_view(s, plan_id)
    assert view.status == planning.APPROVING
    assert view.approval["approved_by"] == "planner one"
    assert made == len(view.approval["transfers_created"])
