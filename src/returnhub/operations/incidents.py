"""Serious incidents on transfers and in hubs: reported, reviewed, visible to monitors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.casework.events import EventType
from returnhub.casework.store import append_event
from returnhub.core import bounds
from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput, NotFound, StateConflict
from returnhub.core.time import utc
from returnhub.operations.models import Incident
from returnhub.operations.transfers import hub_of
from returnhub.operations.views import IncidentView
from returnhub.partners.service import hub_on

SEVERITIES = ("low", "medium", "high", "critical")


def report_incident(
    session: Session,
    *,
    summary: str,
    severity: str,
    occurred_at: datetime,
    clock: Clock,
    reported_by: str,
    transfer: str | None = None,
    hub: str | None = None,
    case_reference: str | None = None,
) -> IncidentView:
    if severity not in SEVERITIES:
        raise InvalidInput(f"severity must be one of {', '.join(SEVERITIES)}")
    if not summary.strip():
        raise InvalidInput("an incident needs a summary")
    if transfer is None and hub is None:
        raise InvalidInput("an incident happens on a transfer or in a hub: give one")
    occurred_at = bounds.check_instant(occurred_at, "the time of the incident", now=clock.now())
    if utc(occurred_at) > clock.now():
        raise InvalidInput("an incident cannot be reported before it happens")
    if transfer is not None:
        # The transfer and the hub named must exist (and agree): an incident about nothing cannot be reviewed.
        transfer = transfer.strip().upper()
        goes_to = hub_of(session, transfer)
        if goes_to is None:
            raise NotFound(f"no transfer {transfer!r}")
        if hub is not None and hub.strip().upper() != goes_to:
            raise InvalidInput(f"transfer {transfer} goes to hub {goes_to}, not {hub.strip().upper()}")
    if hub is not None:
        hub = hub_on(session, hub.strip().upper(), occurred_at.date()).reference
    row = Incident(
        reference="pending",
        transfer=transfer,
        hub=hub,
        case_reference=case_reference.upper() if case_reference else None,
        occurred_at=utc(occurred_at),
        severity=severity,
        summary=summary.strip(),
        reported_by=reported_by,
        reported_at=clock.now(),
    )
    session.add(row)
    session.flush()
    row.reference = f"INC{row.id:06d}"
    if case_reference:
        append_event(
            session,
            case_reference.upper(),
            EventType.SERIOUS_INCIDENT,
            utc(occurred_at).date(),
            {"summary": f"{row.reference}: {summary.strip()}"[:2000]},
            clock=clock,
            recorded_by=reported_by,
        )
    session.flush()
    return incident_view(row)


def review_incident(
    session: Session, reference: str, *, notes: str, clock: Clock, reviewed_by: str
) -> IncidentView:
    row = session.execute(
        select(Incident).where(Incident.reference == reference.upper())
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no incident {reference!r}")
    if row.reviewed_at is not None:
        raise StateConflict(f"incident {row.reference} was already reviewed")
    if not notes.strip():
        raise InvalidInput("a review needs notes")
    row.reviewed_by, row.reviewed_at, row.review_notes = reviewed_by, clock.now(), notes.strip()
    return incident_view(row)


def list_incidents(session: Session, *, limit: int = 100) -> list[IncidentView]:
    rows = session.execute(select(Incident).order_by(Incident.id.desc()).limit(limit)).scalars()
    return [incident_view(r) for r in rows]


def incident_view(row: Incident) -> IncidentView:
    return IncidentView(
        reference=row.reference,
        transfer=row.transfer,
        hub=row.hub,
        case_reference=row.case_reference,
        occurred_at=utc(row.occurred_at),
        severity=row.severity,
        summary=row.summary,
        reported_by=row.reported_by,
        reported_at=utc(row.reported_at),
        reviewed_by=row.reviewed_by,
        reviewed_at=utc(row.reviewed_at) if row.reviewed_at else None,
        review_notes=row.review_notes,
    )
