"""The negotiation pipeline of each sending state with each partner country."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput, NotFound, StateConflict
from returnhub.partners.countries import country_code, country_name
from returnhub.partners.hooks import RegisterChange, announce
from returnhub.partners.models import (
    Negotiation,
    NegotiationStep,
)
from returnhub.partners.pipeline import (
    ALLOWED_TRANSITIONS,
    NegotiationStatus,
    Step,
    check_step,
    parse_status,
    status_on,
)
from returnhub.partners.records import (
    agreements_between,
    day_text,
    lock_register,
    provenance_of,
    stamp,
    visible,
    write,
)
from returnhub.partners.schemas import (
    NegotiationIn,
    StepIn,
)
from returnhub.partners.views import NegotiationView, StepView


def find_negotiation(session: Session, sending_state: str, partner_country: str) -> Negotiation | None:
    return session.execute(
        select(Negotiation).where(
            Negotiation.sending_state == sending_state, Negotiation.partner_country == partner_country
        )
    ).scalar_one_or_none()


def _steps(session: Session, negotiation_id: int) -> list[NegotiationStep]:
    return list(
        session.execute(
            select(NegotiationStep)
            .where(NegotiationStep.negotiation_id == negotiation_id)
            .order_by(NegotiationStep.sequence)
        ).scalars()
    )


def _history(steps: Sequence[NegotiationStep]) -> list[Step]:
    """The steps in legal order: by date, and in recording order within a day."""
    ordered = sorted(steps, key=lambda s: (s.occurred_on, s.sequence))
    return [Step(s.sequence, NegotiationStatus(s.status), s.occurred_on) for s in ordered]


def _pair(sending_state: str, partner_country: str) -> str:
    return f"{sending_state}-{partner_country}"


def open_negotiation(
    session: Session, body: NegotiationIn, *, clock: Clock, recorded_by: str
) -> NegotiationView:
    """Register a pipeline for (sending state, partner country) with its first step."""
    lock_register(session)
    sending = country_code(body.sending_state, "sending_state")
    partner = country_code(body.partner_country, "partner_country")
    if sending == partner:
        raise InvalidInput("a sending state cannot be its own partner country")
    if find_negotiation(session, sending, partner) is not None:
        raise StateConflict(
            f"a negotiation between {sending} and {partner} is already registered; append a step to it"
        )
    # Validate the first step before writing anything.
    check_step([], parse_status(body.status), body.occurred_on, body.reason, clock.today())
    negotiation = Negotiation(
        sending_state=sending, partner_country=partner, recorded_at=clock.now(), recorded_by=recorded_by
    )
    write(
        session,
        negotiation,
        f"the negotiation {_pair(sending, partner)}",
        clock=clock,
        recorded_by=recorded_by,
        action="negotiation_opened",
        subject=_pair(sending, partner),
        data={"sending_state": sending, "partner_country": partner},
        source=None,
    )
    _append_step(session, negotiation, body, clock=clock, recorded_by=recorded_by)
    return negotiation_view(session, negotiation, clock.today())


def record_step(
    session: Session, partner_country: str, body: StepIn, *, clock: Clock, recorded_by: str
) -> NegotiationView:
    """Append one dated step to a pipeline; the state machine refuses a skipped stage."""
    lock_register(session)
    sending = country_code(body.sending_state, "sending_state")
    partner = country_code(partner_country, "partner_country")
    negotiation = find_negotiation(session, sending, partner)
    if negotiation is None:
        raise NotFound(f"no negotiation between {sending} and {partner} is registered; open one first")
    _append_step(session, negotiation, body, clock=clock, recorded_by=recorded_by)
    return negotiation_view(session, negotiation, clock.today())


def _append_step(
    session: Session, negotiation: Negotiation, body: StepIn, *, clock: Clock, recorded_by: str
) -> NegotiationStep:
    status = parse_status(body.status)
    steps = _steps(session, negotiation.id)
    # A step may be recorded late, with an earlier date than steps already recorded: it must fit the
    # pipeline both after the steps before it and before the steps after it.
    before = _history([s for s in steps if s.occurred_on <= body.occurred_on])
    after = _history([s for s in steps if s.occurred_on > body.occurred_on])
    check_step(before, status, body.occurred_on, body.reason, clock.today())
    if after and after[0].status not in ALLOWED_TRANSITIONS[status]:
        raise StateConflict(
            f"a step to {status.value} dated {body.occurred_on} cannot come before the recorded step to "
            f"{after[0].status.value} of {after[0].occurred_on}: the pipeline does not go from "
            f"{status.value} to {after[0].status.value}"
        )
    row = NegotiationStep(
        negotiation_id=negotiation.id,
        sequence=len(steps) + 1,
        status=status.value,
        occurred_on=body.occurred_on,
        reason=body.reason,
        **stamp(body, clock, recorded_by),
    )
    pair = _pair(negotiation.sending_state, negotiation.partner_country)
    write(
        session,
        row,
        f"the negotiation {pair}",
        clock=clock,
        recorded_by=recorded_by,
        action="negotiation_step_recorded",
        subject=pair,
        data={
            "sequence": row.sequence,
            "status": status.value,
            "occurred_on": body.occurred_on.isoformat(),
            "reason": body.reason,
        },
        source=provenance_of(body),
    )
    announce(
        session,
        RegisterChange(
            what=f"the register records the talks between {country_name(negotiation.sending_state)} and "
            f"{country_name(negotiation.partner_country)} as {status.value.replace('_', ' ')} from "
            f"{day_text(body.occurred_on)}",
            agreements=agreements_between(session, negotiation.sending_state, negotiation.partner_country),
        ),
        clock,
    )
    return row


def negotiation_view(
    session: Session, negotiation: Negotiation, on: date, known_at: datetime | None = None
) -> NegotiationView:
    steps = visible(_steps(session, negotiation.id), known_at)
    taken = sorted((s for s in steps if s.occurred_on <= on), key=lambda s: (s.occurred_on, s.sequence))
    last = taken[-1] if taken else None
    return NegotiationView(
        sending_state=negotiation.sending_state,
        sending_state_name=country_name(negotiation.sending_state),
        partner_country=negotiation.partner_country,
        partner_name=country_name(negotiation.partner_country),
        on=on,
        known_at=known_at,
        status=last.status if last else None,
        since=last.occurred_on if last else None,
        # Where the status on the date comes from: sourced, reported or illustrative.
        provenance=last.provenance if last else None,
        source_url=last.source_url if last else None,
        source_title=last.source_title if last else None,
        steps=[StepView.model_validate(s) for s in sorted(steps, key=lambda s: (s.occurred_on, s.sequence))],
    )


def pipeline_status_on(
    session: Session, sending: str, partner: str, on: date, known_at: datetime | None = None
) -> NegotiationStatus | None:
    negotiation = find_negotiation(session, sending, partner)
    if negotiation is None:
        return None
    return status_on(_history(visible(_steps(session, negotiation.id), known_at)), on)
