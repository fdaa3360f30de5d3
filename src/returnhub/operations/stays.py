"""Hub stays and their clocks: maximum stay, detention order expiry, judicial validation of detention.

A clock is *due soon* inside its alert lead time and *overdue* once its date has passed while the stay is
open. Overdue clocks sort first in every list so that none can be missed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.casework.events import EventType
from returnhub.casework.store import append_event
from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput, NotFound, StateConflict
from returnhub.notices import service as notices
from returnhub.operations.law import law_of_agreement
from returnhub.operations.models import HubStay, Transfer
from returnhub.operations.views import ClockReading, DetentionOrderRecorded, DetentionValidated, StayExit
from returnhub.safeguards import evaluate_case

#: Default alert lead times in days, per clock (configurable per call and in settings later).
DEFAULT_LEAD_DAYS = {"max_stay": 14, "detention_order": 7, "judicial_validation": 1}

EXIT_REASONS = (
    "onward_return_voluntary",
    "onward_return_enforced",
    "returned_to_sending_state",
    "transferred_elsewhere",
    "absconded",
    "died",
    "other",
)


def stay_clocks(stay: HubStay, on: date, lead_days: dict[str, int] | None = None) -> list[ClockReading]:
    """Pure: the clocks of one open stay on a date."""
    leads = {**DEFAULT_LEAD_DAYS, **(lead_days or {})}
    if stay.ended_on is not None:
        return []
    dues = {
        "max_stay": stay.max_stay_until,
        "detention_order": stay.detention_order_expires_on,
        "judicial_validation": None if stay.detention_validated_on else stay.judicial_validation_due_on,
    }
    out = []
    for clock, due in dues.items():
        if due is None:
            continue
        left = (due - on).days
        state = "overdue" if left < 0 else "due_soon" if left <= leads[clock] else "running"
        out.append(
            ClockReading(
                reference=stay.reference, hub=stay.hub, clock=clock, due_on=due, days_left=left, state=state
            )
        )
    return out


def clocks_on(
    session: Session,
    on: date,
    *,
    only: tuple[str, ...] = ("overdue", "due_soon", "running"),
    lead_days: dict[str, int] | None = None,
) -> list[ClockReading]:
    stays = session.execute(select(HubStay).where(HubStay.ended_on.is_(None))).scalars()
    readings = [r for s in stays for r in stay_clocks(s, on, lead_days) if r.state in only]
    order = {"overdue": 0, "due_soon": 1, "running": 2}
    readings.sort(key=lambda r: (order[r.state], r.days_left, r.reference))
    return readings


def overdue(session: Session, on: date) -> list[ClockReading]:
    return clocks_on(session, on, only=("overdue",))


def _open_stay(session: Session, reference: str) -> HubStay:
    stay = session.execute(
        select(HubStay)
        .where(HubStay.reference == reference.upper(), HubStay.ended_on.is_(None))
        .with_for_update()
    ).scalar_one_or_none()
    if stay is None:
        raise NotFound(f"{reference.upper()} has no open hub stay")
    return stay


def record_detention_order(
    session: Session, reference: str, *, expires_on: date, clock: Clock, recorded_by: str
) -> DetentionOrderRecorded:
    stay = _open_stay(session, reference)
    if expires_on <= clock.today():
        raise InvalidInput("a detention order must expire after today")
    stay.detention_order_expires_on = expires_on
    append_event(
        session,
        stay.reference,
        EventType.DETAINED,
        clock.today(),
        {"place": stay.hub},
        clock=clock,
        recorded_by=recorded_by,
    )
    return DetentionOrderRecorded(reference=stay.reference, detention_order_expires_on=expires_on)


def record_validation(
    session: Session, reference: str, *, on: date, clock: Clock, recorded_by: str
) -> DetentionValidated:
    stay = _open_stay(session, reference)
    stay.detention_validated_on = on
    append_event(
        session, stay.reference, EventType.DETENTION_VALIDATED, on, {}, clock=clock, recorded_by=recorded_by
    )
    return DetentionValidated(reference=stay.reference, detention_validated_on=on)


def record_exit(
    session: Session,
    reference: str,
    reason: str,
    *,
    on: date,
    clock: Clock,
    recorded_by: str,
    destination: str | None = None,
) -> StayExit:
    """A person leaves the hub: onward return, back to the sending state, elsewhere, absconded or died."""
    if reason not in EXIT_REASONS:
        raise InvalidInput(f"exit reason must be one of {', '.join(EXIT_REASONS)}")
    stay = _open_stay(session, reference)
    if on < stay.arrived_on:
        raise StateConflict(f"the exit ({on}) cannot precede the arrival ({stay.arrived_on})")
    if reason in ("onward_return_voluntary", "onward_return_enforced"):
        # Judged under the law of the transfer that brought the person (the agreement's sender).
        law = session.execute(
            select(Transfer.law).where(Transfer.reference == stay.transfer)
        ).scalar_one_or_none() or law_of_agreement(session, stay.agreement, on)
        check = evaluate_case(session, stay.reference, pack=law, stage="onward_return", as_of=on, clock=clock)
        if check.outcome != "eligible":
            barring = "; ".join(f"{r.id}: {r.reason}" for r in check.rules if r.outcome in ("bar", "review"))
            raise StateConflict(f"onward return of {stay.reference} is {check.outcome}: {barring}")
    data: dict[str, Any] = {"reason": reason}
    if destination:
        data["destination"] = destination
    append_event(
        session,
        stay.reference,
        EventType.HUB_EXIT,
        on,
        data,
        clock=clock,
        recorded_by=recorded_by,
        via_gate=True,
    )
    stay.ended_on, stay.exit_reason = on, reason
    return StayExit(reference=stay.reference, exit_reason=reason, ended_on=on)


def hub_population(session: Session, hub: str, on: date) -> int:
    rows = session.execute(
        select(HubStay).where(HubStay.hub == hub.upper(), HubStay.arrived_on <= on)
    ).scalars()
    return sum(1 for s in rows if s.ended_on is None or s.ended_on > on)


def due_between(stay: HubStay, start: date, days: int) -> bool:
    return any(start <= r.due_on <= start + timedelta(days=days) for r in stay_clocks(stay, start))


# --- notices of run-out clocks ----------------------------------------------------------------------------

CLOCK_WORDS = {"max_stay": "maximum stay", "detention_order": "detention order"}
CLOCK_REASONS = {
    "max_stay": "the agreement allows no longer stay at the hub; the person must leave or the stay be "
    "lawfully extended",
    "detention_order": "the order that authorises the detention has ended, so the detention has no legal "
    "basis unless a new order is made",
}


def sweep(session: Session, *, clock: Clock) -> dict[str, int]:
    """Notices for clocks that have run out (stays, detention orders, judicial validation). Idempotent: each
    person's run-out clock is noticed once to each recipient, however often the sweep runs."""
    counts = {"stay_overdue": 0, "validation_overdue": 0}
    today = clock.today()
    for c in overdue(session, today):
        cause = "validation_overdue" if c.clock == "judicial_validation" else "stay_overdue"
        due = c.due_on
        values = {
            "person": notices.person_words(session, c.reference),
            "reference": c.reference,
            "hub": notices.hub_words(session, c.hub, today),
            "due": notices.day_words(due),
            "clock": CLOCK_WORDS.get(c.clock, "clock"),
            "reason": CLOCK_REASONS.get(
                c.clock,
                "without a judge's validation in time the detention must end (Italian Constitution art. 13)",
            ),
        }
        made = notices.issue(
            session,
            cause,
            values,
            clock=clock,
            reference=c.reference,
            hub=c.hub,
            dedupe=f"{c.clock}:{c.reference}:{due.isoformat()}",
        )
        counts[cause] += len(made)
    return counts
