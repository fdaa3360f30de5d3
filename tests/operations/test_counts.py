"""Operations' reads for the statistics (``operations.counts``): transfers' seats, and the gate's stops by
rule within a span of instants and as known at one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.operations import counts
from returnhub.operations.models import GateCheck, Transfer
from returnhub.statistics.tables import Period, produce

from .conftest import HUB


def _check(s: Session, transfer_id: int, at: datetime, results: list[dict[str, object]]) -> None:
    s.add(GateCheck(transfer_id=transfer_id, stage="listing", trigger="test", checked_at=at, results=results))


def test_seats_and_the_gates_stops_by_rule(engine: Engine, clock: FixedClock, transfer: str) -> None:
    first = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    second = first + timedelta(days=2)
    with unit_of_work(engine) as s:
        transfer_id = s.execute(select(Transfer.id).where(Transfer.reference == transfer)).scalar_one()
        _check(
            s,
            transfer_id,
            first,
            [
                {"outcome": "eligible", "barring_rules": []},
                {"outcome": "barred", "barring_rules": ["R3", "R7"]},
                {"outcome": "barred", "barring_rules": []},
            ],
        )
        _check(s, transfer_id, second, [{"outcome": "barred", "barring_rules": ["R3"]}])
    day = timedelta(days=1)
    with unit_of_work(engine, read_only=True) as s:
        assert counts.transfer_seats(s).rows() == [(transfer, HUB, 10)]
        on_the_first = counts.gate_stops_by_rule(s, first - timedelta(hours=10), first + day)
        both = counts.gate_stops_by_rule(s, first - day, second + day)
        known_before_the_second = counts.gate_stops_by_rule(
            s, first - day, second + day, known_at=second - timedelta(microseconds=1)
        )
        table = produce(s, "gate_stops_by_rule", Period(date(2026, 3, 1), date(2026, 3, 31)))
        as_at = produce(
            s, "gate_stops_by_rule", Period(date(2026, 3, 1), date(2026, 3, 31), as_at=date(2026, 3, 3))
        )
    assert dict(on_the_first.sort("rule").rows()) == {"R3": 1, "R7": 1, "not recorded": 1}
    assert dict(both.rows()) == {"R3": 2, "R7": 1, "not recorded": 1}
    assert dict(known_before_the_second.rows()) == {"R3": 1, "R7": 1, "not recorded": 1}
    assert table.columns == ["Rule", "Moves stopped"]
    assert table.rows() == [("R3", 2), ("R7", 1), ("not recorded", 1)]
    assert as_at.rows() == [("R3", 1), ("R7", 1), ("not recorded", 1)]
