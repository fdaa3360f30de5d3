"""The published tables count events: totals agree with each other and with the events, and a past quarter
produced "as at" its day gives the same answer after later corrections."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from returnhub.casework.models import StoredEvent
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.statistics.tables import CATALOGUE, Period, produce

from ..casework.helpers import REFUSED_HISTORY, add_person, record

Q = Period(date(2026, 1, 1), date(2026, 3, 31))


def _people(engine: Engine, clock: FixedClock) -> None:
    """Five refused people, all detained; three removed (two by charter), one left voluntarily."""
    with unit_of_work(engine) as s:
        for i, nat in enumerate(["ALB", "ALB", "IND", "VNM", "ERI"], start=1):
            ref = f"RH{i:07d}"
            add_person(s, ref, nationality=nat, date_of_birth=date(1990, 1, 1), sex="M" if i % 2 else "F")
            for event_type, on, data in REFUSED_HISTORY:
                record(s, clock, ref, event_type, on, data)
            record(s, clock, ref, "removal_notice_served", date(2025, 12, 1))
            record(s, clock, ref, "fitness_to_fly_assessed", date(2025, 12, 2), {"fit": True})
            record(s, clock, ref, "detained", date(2026, 1, 3), {"place": "Harmondsworth"})
        for ref, nat, on, method in [
            ("RH0000001", "ALB", date(2026, 2, 1), "charter_flight"),
            ("RH0000002", "ALB", date(2026, 2, 1), "charter_flight"),
            ("RH0000003", "IND", date(2026, 3, 10), "scheduled_flight"),
        ]:
            # A fitness-to-fly assessment older than 28 days would need a fresh one (FTFS).
            record(s, clock, ref, "fitness_to_fly_assessed", on - timedelta(days=8), {"fit": True})
            record(
                s,
                clock,
                ref,
                "removal_directions_set",
                on - timedelta(days=7),
                {"destination": nat, "departs_on": on.isoformat()},
            )
            record(
                s, clock, ref, "enforced_removal", on, {"destination": nat, "method": method, "escorts": 2}
            )
        record(s, clock, "RH0000004", "released", date(2026, 1, 20))
        record(s, clock, "RH0000004", "voluntary_return_consented", date(2026, 1, 25))
        record(
            s,
            clock,
            "RH0000004",
            "voluntary_departure",
            date(2026, 2, 5),
            {"destination": "VNM", "reintegration_support_gbp": 1500},
        )


def _total(frame: object, column: str) -> int:
    import polars as pl

    assert isinstance(frame, pl.DataFrame)
    return int(frame[column].sum()) if frame.height else 0


def test_totals_agree_with_each_other_and_the_events(engine: Engine, clock: FixedClock) -> None:
    _people(engine, clock)
    with unit_of_work(engine) as s:
        returns_in_events = s.execute(
            select(func.count())
            .select_from(StoredEvent)
            .where(
                StoredEvent.event_type.in_(["enforced_removal", "voluntary_departure", "port_return"]),
                StoredEvent.occurred_on.between(Q.start, Q.end),
            )
        ).scalar_one()
        d01 = produce(s, "Ret_D01", Q)
        d02 = produce(s, "Ret_D02", Q)
        quarterly = produce(s, "eurostat_returns_quarterly", Q)
        annual = produce(s, "migr_eirtn", Period(date(2026, 1, 1), date(2026, 12, 31)))
        detained = produce(s, "Det_D01", Q)
        orders = produce(s, "migr_eiord", Period(date(2025, 1, 1), date(2025, 12, 31)))
        for slug in CATALOGUE:  # every table builds on this record
            produce(s, slug, Q)
    assert returns_in_events == 4
    assert _total(d01, "Number of returns") == _total(d02, "Number of returns") == 4
    assert (
        _total(quarterly, "OBS_VALUE") == _total(annual, "OBS_VALUE") == 4
    )  # no port returns, no hub transfers
    assert _total(detained, "Entering") == 5
    assert _total(orders, "OBS_VALUE") == 5
    charter = d01.filter(d01["Return type"] == "Enforced return - charter flight")
    assert _total(charter, "Number of returns") == 2 and set(charter["Nationality"]) == {"Albania"}
    assert set(d01["Quarter"]) == {"2026 Q1"}
    assert set(d01.filter(d01["Return type group"] == "Voluntary return")["Return type"]) == {
        "Assisted return"
    }


def test_a_quarter_reproduced_as_at_its_day_ignores_later_corrections(
    engine: Engine, clock: FixedClock
) -> None:
    _people(engine, clock)
    as_at = clock.today()
    with unit_of_work(engine) as s:
        first = produce(s, "Ret_D01", Q)
    # A week later: a late-recorded removal in the quarter, and a retraction of one that was counted.
    later = FixedClock(datetime.combine(as_at + timedelta(days=7), datetime.min.time(), tzinfo=UTC))
    with unit_of_work(engine) as s:
        record(s, later, "RH0000005", "fitness_to_fly_assessed", date(2026, 3, 1), {"fit": True})
        record(
            s,
            later,
            "RH0000005",
            "removal_directions_set",
            date(2026, 3, 1),
            {"destination": "ERI", "departs_on": "2026-03-20"},
        )
        record(s, later, "RH0000005", "enforced_removal", date(2026, 3, 20), {"destination": "ERI"})
        seq = s.execute(
            select(StoredEvent.sequence)
            .where(StoredEvent.event_type == "enforced_removal")
            .order_by(StoredEvent.id)
            .limit(1)
        ).scalar_one()
        record(
            s,
            later,
            "RH0000001",
            "event_retracted",
            date(2026, 3, 25),
            {"sequence": seq, "reason": "recorded against the wrong person"},
        )
    with unit_of_work(engine) as s:
        now = produce(s, "Ret_D01", Q)
        again = produce(s, "Ret_D01", Period(Q.start, Q.end, as_at=as_at))
    assert _total(now, "Number of returns") == 4  # one added, one withdrawn
    assert now.to_dicts() != first.to_dicts()
    assert again.to_dicts() == first.to_dicts()


def test_small_cells_are_suppressed_by_the_parameter(engine: Engine, clock: FixedClock) -> None:
    _people(engine, clock)
    with unit_of_work(engine) as s:
        shown = produce(s, "Ret_D02", Q, suppress_below=2)
    values = dict(
        zip(shown["Return destination"].to_list(), shown["Number of returns"].to_list(), strict=True)
    )
    assert values.pop("Albania") == "2"
    assert len(values) == 2 and set(values.values()) == {":"}  # India and Viet Nam, one each


def test_a_claim_on_the_day_of_arrival_is_made_at_port(engine: Engine, clock: FixedClock) -> None:
    _people(engine, clock)  # each arrived on 1 May 2023 and claimed the next day
    with unit_of_work(engine) as s:
        add_person(s, "RH0000009", nationality="IRN")
        record(s, clock, "RH0000009", "arrival", date(2023, 5, 3), {"route": "air"})
        record(s, clock, "RH0000009", "asylum_claim_lodged", date(2023, 5, 3))
        claims = produce(s, "Asy_D01", Period(date(2023, 1, 1), date(2023, 12, 31)))
    where = {
        r["Location of application"]: r["Applications"]
        for r in claims.group_by("Location of application").agg(pl.col("Applications").sum()).to_dicts()
    }
    assert where == {"In Country": 5, "At Port": 1}


def test_a_period_that_is_no_statistics_request_is_refused() -> None:
    import pytest

    from returnhub.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="before it starts"):
        Period(date(2026, 3, 31), date(2026, 1, 1))
    with pytest.raises(InvalidInput, match="at most 50 years"):
        Period(date(1900, 1, 1), date(2026, 1, 1))
    with pytest.raises(InvalidInput, match="between the years"):
        Period(date(2026, 1, 1), date(2026, 3, 31), as_at=date(9999, 12, 31))


def test_travel_document_requests_are_followed_past_the_period(engine: Engine, clock: FixedClock) -> None:
    with unit_of_work(engine) as s:
        add_person(s, "RH0000001", nationality="ALB")
        add_person(s, "RH0000002", nationality="ALB")
        record(s, clock, "RH0000001", "travel_document_requested", date(2026, 1, 5), {"country": "ALB"})
        record(s, clock, "RH0000001", "travel_document_chased", date(2026, 2, 1), {"country": "ALB"})
        record(s, clock, "RH0000001", "travel_document_issued", date(2026, 3, 1), {"country": "ALB"})
        record(s, clock, "RH0000002", "travel_document_requested", date(2026, 1, 10), {"country": "ALB"})
        etd = produce(s, "etd_answer_times", Period(date(2026, 1, 1), date(2026, 1, 31)))
    assert etd.to_dicts() == [
        {
            "Country": "Albania",
            "Requests": 2,
            "Chasers": 1,
            "Issued": 1,
            "Refused": 0,
            "Median days to answer": 55.0,
            # One answered after 55 days, one still unanswered 50 days on (at the latest follow-up).
            "Not answered within service level": 2,
        }
    ]
