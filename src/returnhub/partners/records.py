"""What every partners write shares: the lock, the change record, provenance and bitemporal reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pycountry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from returnhub.core import ledger
from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput, VersionConflict
from returnhub.core.time import utc
from returnhub.partners.changes import PARTNERS_LEDGER, Provenance, record_change
from returnhub.partners.models import Agreement
from returnhub.partners.schemas import SourcedIn
from returnhub.partners.views import Source


def lock_register(session: Session) -> None:
    # One partners writer at a time: per-record sequences stay gapless and the change log has one order.
    ledger.lock(session, PARTNERS_LEDGER)


def provenance_of(body: SourcedIn) -> Provenance:
    return Provenance(body.provenance, body.source_url, body.source_title)


def source_view(row: Any) -> Source:
    """Where a register row comes from; a view spreads it (``**dict(source_view(row))``)."""
    return Source.model_validate(row)


def visible(rows: Sequence[Any], known_at: datetime | None) -> list[Any]:
    """The rows the register held at ``known_at`` (all of them when it is None)."""
    if known_at is None:
        return list(rows)
    known = utc(known_at)
    return [r for r in rows if utc(r.recorded_at) <= known]


def day_text(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def agreements_between(session: Session, sending: str, partner: str | None = None) -> frozenset[str]:
    query = select(Agreement.reference).where(Agreement.sending_state == sending)
    if partner is not None:
        query = query.where(Agreement.partner_country == partner)
    return frozenset(session.execute(query).scalars())


def flush_or_conflict(session: Session, what: str) -> None:
    try:
        session.flush()
    except IntegrityError:
        raise VersionConflict(f"{what} changed while this was being recorded; reload and try again") from None


def not_in_future(value: date, what: str, clock: Clock) -> None:
    today = clock.today()
    if value > today:
        raise InvalidInput(f"{what} {value} is in the future (today is {today})")


def currency_code(code: str, what: str) -> str:
    if pycountry.currencies.get(alpha_3=code.upper()) is None:
        raise InvalidInput(f"{what} {code!r} is not an ISO 4217 currency code")
    return code.upper()


def version_on(
    versions: Sequence[Any], on: date, field: str = "effective_from", known_at: datetime | None = None
) -> Any | None:
    """The version in force on ``on`` as known at ``known_at``.

    ``versions`` are in recording order (their version numbers). Of the versions recorded by ``known_at``,
    the one with the latest legal date on or before ``on``; of two with the same legal date, the one
    recorded later (a correction).
    """
    current = None
    for v in visible(versions, known_at):
        legal = getattr(v, field)
        if legal <= on and (current is None or legal >= getattr(current, field)):
            current = v
    return current


def stamp(source: SourcedIn, clock: Clock, recorded_by: str) -> dict[str, Any]:
    """The columns every register row carries: its provenance and source, when and by whom it was recorded."""
    return {
        "provenance": source.provenance,
        "source_url": source.source_url,
        "source_title": source.source_title,
        "recorded_at": clock.now(),
        "recorded_by": recorded_by,
    }


def write(
    session: Session,
    row: Any,
    what: str,
    *,
    clock: Clock,
    recorded_by: str,
    action: str,
    subject: str,
    data: dict[str, Any],
    source: Provenance | None,
) -> None:
    """The one skeleton of a register write, in the caller's transaction: add the row, flush it (a race on
    its version is a 409 naming ``what``), and append the change, with who, when and the source, to the
    hash-chained change log. The caller has taken the register's lock (``lock_register``) first."""
    session.add(row)
    flush_or_conflict(session, what)
    record_change(
        session,
        clock=clock,
        recorded_by=recorded_by,
        action=action,
        subject=subject,
        data=data,
        source=source,
    )
