"""The scheme's own tables over a real transfer: occupancy, load, stays, cost per person placed, and the
Eurostat place of a hub transfer (another third country)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.operations import stays
from returnhub.operations import transfers as ops
from returnhub.partners import service as partners
from returnhub.statistics.tables import Period, produce

from .test_gate import _list

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_transfer_in_the_scheme_tables(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    people = make_people(4)
    _list(engine, clock, transfer, people)
    with unit_of_work(engine) as s:
        ops.lock_manifest(s, transfer, clock=clock, recorded_by="planner")
    clock.advance(timedelta(days=3))
    with unit_of_work(engine) as s:
        ops.depart(s, transfer, clock=clock, recorded_by="planner")
        ops.arrive(s, transfer, clock=clock, recorded_by="liaison")
    arrived = clock.today()
    clock.advance(timedelta(days=10))
    with unit_of_work(engine) as s:
        stays.record_exit(s, people[0], "absconded", on=clock.today(), clock=clock, recorded_by="liaison")
    period = Period(arrived - timedelta(days=arrived.weekday() + 1), clock.today())
    with unit_of_work(engine, read_only=True) as s:
        occupancy = produce(s, "hub_occupancy_weekly", period)
        load = produce(s, "transfers_and_load", period)
        ended = produce(s, "stays_by_exit_reason", period)
        cost = produce(s, "cost_per_person_placed", period)
        quarterly = produce(s, "eurostat_returns_quarterly", period)
        hub = load["Hub"][0]
        agreement = partners.hub_on(s, hub, period.end).agreement
        price = partners.agreement_on(s, agreement, period.end).terms.cost_per_place_per_day
    assert load.rows() == [(transfer, hub, 4, 10, 0.4)]
    # Every Sunday after the arrival and before the exit, all four are in the hub.
    assert set(occupancy["People in hub"]) <= {4, 3} and occupancy["People in hub"].max() == 4
    assert ended.rows() == [("Absconded", 1, 10.0, 10)]
    # Four people placed; person-days from the arrival to the end (the one who left: 10 nights).
    row = cost.row(0, named=True)
    assert row["People placed"] == 4
    assert row["Person-days in hub"] == 3 * ((period.end - arrived).days + 1) + 10
    assert price is not None  # the seeded agreement prices a place per day
    assert row["Cost per person placed"] == pytest.approx(float(price) * row["Person-days in hub"] / 4)
    # The hub transfer is a return to another third country in the Eurostat breakdown.
    assert quarterly.filter(quarterly["c_dest"] == "THRD")["OBS_VALUE"].sum() == 4
