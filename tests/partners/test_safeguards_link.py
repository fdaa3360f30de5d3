"""The safeguards read agreement terms from the partners register, dated: a nationality added to an
agreement's scope changes the answer from the day the amendment takes effect, not before."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.engine import Engine

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.partners.seed import seed_partners
from returnhub.safeguards import evaluate_case

from ..casework.helpers import REFUSED_HISTORY, add_person, record

AGREEMENT = "GBR-MKD-ILLUSTRATIVE"  # the seed's illustrative amendment adds IRQ and TUR from 2026-04-01


def _r14(engine: Engine, clock: FixedClock, on: date) -> str:
    with unit_of_work(engine, read_only=True) as s:
        explanation = evaluate_case(s, "RH0000001", pack="uk", stage="hub_referral", as_of=on, clock=clock)
    (agreement,) = [a for a in explanation.agreements if a.agreement == AGREEMENT]
    (rule,) = [r for r in agreement.rules if r.id == "R14"]
    return rule.outcome


def test_scope_amendment_changes_eligibility_from_its_date(engine: Engine, clock: FixedClock) -> None:
    with unit_of_work(engine) as s:
        seed_partners(s, clock)
        add_person(s, "RH0000001", nationality="IRQ", date_of_birth=date(1990, 1, 1))
        for event_type, on, data in REFUSED_HISTORY:
            record(s, clock, "RH0000001", event_type, on, data)
    effective = date(2026, 4, 1)
    assert _r14(engine, clock, effective - timedelta(days=1)) == "bar"
    assert _r14(engine, clock, effective) == "pass"
