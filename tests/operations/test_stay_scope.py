"""A hub liaison reads the stay clocks of people at their own hubs only; caseworkers read them all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import Engine

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.operations import transfers as ops
from tests.auth_helpers import authed_client

from .conftest import HUB


def _people_in_hub(engine: Engine, clock: FixedClock, transfer: str, people: list[str]) -> None:
    with unit_of_work(engine) as s:
        for reference in people:
            ops.add_to_manifest(s, transfer, reference, clock=clock, recorded_by="planner")
    with unit_of_work(engine) as s:
        ops.lock_manifest(s, transfer, clock=clock, recorded_by="planner")
    clock.advance(timedelta(days=3))
    with unit_of_work(engine) as s:
        ops.depart(s, transfer, clock=clock, recorded_by="planner")
    with unit_of_work(engine) as s:
        ops.arrive(s, transfer, clock=clock, recorded_by="liaison")


def test_hub_liaisons_see_the_clocks_at_their_hubs_only(
    runtime: Runtime,
    engine: Engine,
    clock: FixedClock,
    make_people: Callable[..., list[str]],
    transfer: str,
) -> None:
    people = make_people(4)
    _people_in_hub(engine, clock, transfer, people)
    later = (clock.today() + timedelta(days=181)).isoformat()
    with authed_client(runtime, "caseworker") as worker:
        everyone = worker.get("/stays/overdue", params={"on": later}).json()
        assert {r["reference"] for r in everyone} == set(people)
    with authed_client(runtime, "hub_liaison", hubs=[HUB]) as mine:
        assert {r["reference"] for r in mine.get("/stays/overdue", params={"on": later}).json()} == set(
            people
        )
        assert {r["hub"] for r in mine.get("/stays/clocks").json()} == {HUB}
    with authed_client(runtime, "hub_liaison", hubs=["GBR-MKD-H2"]) as elsewhere:
        assert elsewhere.get("/stays/overdue", params={"on": later}).json() == []
        assert elsewhere.get("/stays/clocks").json() == []
    with authed_client(runtime, "analyst") as analyst:
        assert analyst.get("/stays/clocks").status_code == 403


def test_hub_liaisons_list_the_transfers_to_their_hubs_only(runtime: Runtime, transfer: str) -> None:
    with authed_client(runtime, "hub_liaison", hubs=[HUB]) as mine:
        assert [t["reference"] for t in mine.get("/transfers").json()] == [transfer]
    with authed_client(runtime, "hub_liaison", hubs=["GBR-MKD-H2"]) as elsewhere:
        assert elsewhere.get("/transfers").json() == []
    with authed_client(runtime, "operations_planner") as planner:
        listed = planner.get("/transfers").json()
    assert [(t["reference"], t["load"]) for t in listed] == [(transfer, 0)]
