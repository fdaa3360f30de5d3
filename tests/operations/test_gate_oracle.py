"""The departure gate against an independent oracle (Hypothesis).

The oracle below is a small, hand-written evaluator of six core rules of the uk pack (R1, R3, R4, R5, R9,
R10). It reads the raw event list in legal order with plain Python and ``datetime`` arithmetic: it shares no
code with the fold, the Polars rules engine or the gate. Random histories are recorded through the event
store, the gate checks the person at departure, and for each of the six rules the gate must bar exactly
when the oracle says the law bars. Only data is shared: the bank-holiday calendar (a parameter value).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returnhub.casework.store import append_event
from returnhub.core.clock import FixedClock
from returnhub.core.database import create_engine, unit_of_work
from returnhub.core.migrate import upgrade
from returnhub.operations import transfers as ops
from returnhub.operations.models import Transfer
from returnhub.partners.seed import seed_partners
from returnhub.safeguards.packs import get_pack

from ..casework.helpers import add_person
from .conftest import HUB

TODAY = date(2026, 6, 1)
FIRST_DAY = date(2025, 6, 1)
DEPARTS = TODAY + timedelta(days=2)
CORE_RULES = ("R1", "R3", "R4", "R5", "R9", "R10")
_counter = itertools.count(1)

#: Event kinds the histories are made of, with their payloads (the core rules' vocabulary).
EVENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "claim": ("asylum_claim_lodged", {}),
    "refuse": ("asylum_claim_decided", {"outcome": "refuse"}),
    "grant": ("asylum_claim_decided", {"outcome": "grant"}),
    "withdraw": ("asylum_claim_decided", {"outcome": "withdrawn"}),
    "inadmissible": ("asylum_claim_decided", {"outcome": "inadmissible"}),
    "appeal": ("appeal_lodged", {}),
    "appeal_dismissed": ("appeal_decided", {"outcome": "dismissed"}),
    "are": ("appeal_rights_exhausted", {}),
    "jr": ("judicial_review_lodged", {}),
    "jr_refused": ("judicial_review_decided", {"outcome": "refused"}),
    "injunction": ("injunction_granted", {}),
    "injunction_discharged": ("injunction_discharged", {}),
    "rule39": ("rule39_granted", {}),
    "rule39_until": ("rule39_granted", {"expires_on": "2026-06-02"}),
    "rule39_lifted": ("rule39_lifted", {}),
    "notice": ("removal_notice_served", {}),
    "fs_rejected": ("further_submissions_decided", {"outcome": "rejected"}),
    "nrm": ("nrm_referral", {}),
    "rg_positive": ("nrm_reasonable_grounds_decided", {"outcome": "positive"}),
    "rg_negative": ("nrm_reasonable_grounds_decided", {"outcome": "negative"}),
    "cg_positive": ("nrm_conclusive_grounds_decided", {"outcome": "positive"}),
    "cg_negative": ("nrm_conclusive_grounds_decided", {"outcome": "negative"}),
    "reconsider": ("nrm_reconsideration_requested", {}),
    "reconsidered_positive": ("nrm_reconsideration_decided", {"outcome": "positive"}),
    "reconsidered_negative": ("nrm_reconsideration_decided", {"outcome": "negative"}),
    "age_dispute": ("age_dispute_raised", {}),
    "assessed_adult": ("age_dispute_resolved", {"outcome": "adult"}),
    "assessed_minor": ("age_dispute_resolved", {"outcome": "minor"}),
}


@dataclass(frozen=True)
class Event:
    sequence: int
    kind: str
    on: date
    data: dict[str, Any]


# ----------------------------------------------------------------------------------------------------------
# The oracle: plain Python over the event list, one function per rule
# ----------------------------------------------------------------------------------------------------------


def _ordered(events: list[Event], on: date) -> list[Event]:
    return sorted((e for e in events if e.on <= on), key=lambda e: (e.on, e.sequence))


def oracle_r1(events: list[Event], on: date) -> bool:
    """Bars unless the claim is finally refused: a refusal, certification or inadmissibility decision with
    appeal rights exhausted after it, or a withdrawal (final in UK law); and no appeal pending."""
    outcome: str | None = None
    decided: date | None = None
    exhausted: date | None = None
    appeal_pending = False
    for e in _ordered(events, on):
        if e.kind == "asylum_claim_lodged":
            outcome, decided, exhausted = None, None, None
        elif e.kind == "asylum_claim_decided":
            outcome, decided = e.data["outcome"], e.on
        elif e.kind == "appeal_lodged":
            appeal_pending, exhausted = True, None
        elif e.kind == "appeal_decided":
            appeal_pending = False
        elif e.kind == "appeal_rights_exhausted":
            exhausted, appeal_pending = e.on, False
    if appeal_pending:
        return True
    if outcome in ("refuse", "certified", "inadmissible"):
        return not (decided is not None and exhausted is not None and exhausted >= decided)
    return outcome != "withdrawn"


def oracle_r3(events: list[Event], on: date) -> bool:
    review = injunction = False
    for e in _ordered(events, on):
        if e.kind == "judicial_review_lodged":
            review = True
        elif e.kind == "judicial_review_decided":
            review = False
        elif e.kind == "injunction_granted":
            injunction = True
        elif e.kind == "injunction_discharged":
            injunction = False
    return review or injunction


def oracle_r4(events: list[Event], on: date) -> bool:
    granted = False
    lifted = False
    until: date | None = None
    for e in _ordered(events, on):
        if e.kind == "rule39_granted":
            granted, lifted = True, False
            until = date.fromisoformat(e.data["expires_on"]) if "expires_on" in e.data else None
        elif e.kind == "rule39_lifted":
            lifted = True
    return granted and not lifted and (until is None or on <= until)


def _working(day: date, holidays: set[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def _notice_period_end(served: date, holidays: set[date]) -> date:
    """Five working days after service; a notice served on a non-working day counts from the one before."""
    day = served
    while not _working(day, holidays):
        day -= timedelta(days=1)
    counted = 0
    while counted < 5:
        day += timedelta(days=1)
        if _working(day, holidays):
            counted += 1
    return day


def oracle_r5(events: list[Event], on: date, holidays: set[date]) -> bool:
    """Bars without a notice served since the latest decision that made the person removable, or while
    its five working days run (the last day included)."""
    notice: date | None = None
    latest_decision: date | None = None
    for e in _ordered(events, on):
        if e.kind == "removal_notice_served":
            notice = e.on
        elif e.kind in (
            "asylum_claim_decided",
            "appeal_decided",
            "appeal_rights_exhausted",
            "further_submissions_decided",
        ):
            latest_decision = e.on
    if notice is None or (latest_decision is not None and notice < latest_decision):
        return True
    return on <= _notice_period_end(notice, holidays)


def oracle_r9(events: list[Event], on: date) -> bool:
    """The NRM bars from referral until a negative outcome whose reconsideration window has passed, or for
    a positive reasonable-grounds decision until the later of the conclusive decision and 30 days."""
    referred = False
    rg: str | None = None
    rg_on: date | None = None
    cg: str | None = None
    requested = False
    reconsidered: str | None = None
    for e in _ordered(events, on):
        if e.kind == "nrm_referral":
            referred, rg, rg_on, cg, requested, reconsidered = True, None, None, None, False, None
        elif e.kind == "nrm_reasonable_grounds_decided":
            rg, rg_on = e.data["outcome"], e.on
        elif e.kind == "nrm_conclusive_grounds_decided":
            cg = e.data["outcome"]
        elif e.kind == "nrm_reconsideration_requested":
            requested, reconsidered = True, None
        elif e.kind == "nrm_reconsideration_decided":
            reconsidered = e.data["outcome"]
            if reconsidered == "positive":
                rg, rg_on = "positive", e.on
    if cg == "positive":
        return True
    if rg == "positive" and (cg is None or (rg_on is not None and on <= rg_on + timedelta(days=30))):
        return True
    if requested and reconsidered is None:
        return True
    if rg == "negative" and not requested and rg_on is not None and on <= rg_on + timedelta(days=30):
        return True
    return referred and rg is None


def oracle_r10(events: list[Event], on: date, born: date) -> bool:
    dispute_open = False
    finding: str | None = None
    for e in _ordered(events, on):
        if e.kind == "age_dispute_raised":
            dispute_open, finding = True, None
        elif e.kind == "age_dispute_resolved":
            dispute_open, finding = False, e.data["outcome"]
    if dispute_open:
        return True
    if finding is not None:
        return finding == "minor"
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return age < 18


def oracle(events: list[Event], on: date, born: date, holidays: set[date]) -> dict[str, bool]:
    return {
        "R1": oracle_r1(events, on),
        "R3": oracle_r3(events, on),
        "R4": oracle_r4(events, on),
        "R5": oracle_r5(events, on, holidays),
        "R9": oracle_r9(events, on),
        "R10": oracle_r10(events, on, born),
    }


def test_the_oracle_reads_the_law_as_written() -> None:
    """The oracle itself, on hand-checked cases (so a shared mistake cannot hide behind agreement)."""
    holidays = {date(2026, 5, 25)}
    # Served Friday 15 May 2026: working days 18, 19, 20, 21, 22 May -> barred to 22 May inclusive.
    assert _notice_period_end(date(2026, 5, 15), holidays) == date(2026, 5, 22)
    # Served Saturday 23 May: counts from Friday 22; Monday 25 is a bank holiday -> 26..29 May, 1 June.
    assert _notice_period_end(date(2026, 5, 23), holidays) == date(2026, 6, 1)
    refused = [
        Event(1, "asylum_claim_decided", date(2025, 7, 1), {"outcome": "refuse"}),
        Event(2, "appeal_rights_exhausted", date(2025, 8, 1), {}),
    ]
    assert not oracle_r1(refused, TODAY)
    assert oracle_r1(refused[1:], TODAY)  # exhausted without a decision
    assert oracle_r10([], TODAY, date(2008, 6, 4)) and not oracle_r10([], TODAY, date(2008, 6, 1))


# ----------------------------------------------------------------------------------------------------------
# The gate, on random histories
# ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, FixedClock, str]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('oracle')) / 'oracle.db'}"
    upgrade(url)
    engine = create_engine(url)
    clock = FixedClock(datetime(2026, 6, 1, 9, tzinfo=UTC))
    with unit_of_work(engine) as s:
        seed_partners(s, clock)
        transfer = ops.create_transfer(
            s,
            hub=HUB,
            mode="charter_flight",
            departs_at=datetime.combine(DEPARTS, datetime.min.time(), tzinfo=UTC),
            seats=40,
            min_load=1,
            clock=clock,
            created_by="planner",
        ).reference
    return engine, clock, transfer


histories = st.lists(
    st.tuples(st.sampled_from(sorted(EVENTS)), st.integers(0, (TODAY - FIRST_DAY).days)),
    min_size=0,
    max_size=14,
)
births = st.dates(min_value=date(1990, 1, 1), max_value=date(2012, 12, 31))


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories, born=births)
def test_the_gate_agrees_with_the_oracle(
    world: tuple[Any, FixedClock, str], history: list[tuple[str, int]], born: date
) -> None:
    engine, clock, transfer_reference = world
    holidays = set(get_pack("uk").parameters["calendar.bank_holidays"].value_on(DEPARTS))
    reference = f"RH{9_000_000 + next(_counter):07d}"
    events = [
        Event(i, EVENTS[kind][0], FIRST_DAY + timedelta(days=offset), dict(EVENTS[kind][1]))
        for i, (kind, offset) in enumerate(history, start=1)
    ]
    with unit_of_work(engine) as s:
        add_person(s, reference, nationality="ALB", date_of_birth=born)
        for e in events:
            append_event(s, reference, e.kind, e.on, e.data, clock=clock, recorded_by="oracle")
    with unit_of_work(engine, read_only=True) as s:
        transfer = s.query(Transfer).filter_by(reference=transfer_reference).one()
        verdict = ops.gate_check(s, reference, stage="departure", transfer=transfer, clock=clock)
    expected = oracle(events, DEPARTS, born, holidays)
    got = {rule: rule in verdict.barring_rules for rule in CORE_RULES}
    assert got == expected, (reference, born, history, verdict.reason)
    if any(expected.values()):
        assert verdict.outcome == "barred"
