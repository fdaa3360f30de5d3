"""The partners audit log: every change with who, when, what and its source, hash-chained like case events.

The chain is ``core.ledger``'s under ``PARTNERS_LEDGER``; this module gives a change's canonical body. Each
row's hash is SHA-256 over the previous row's hash and that body, so an edited, removed or reordered change
is found by ``verify_changes``; the head is locked for the append, so the chain has one order everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.core import ledger
from returnhub.core.clock import Clock
from returnhub.core.time import canonical_time
from returnhub.partners.models import PartnerChange
from returnhub.partners.views import ChangeView

PARTNERS_LEDGER = "partner_changes"


@dataclass(frozen=True)
class Provenance:
    """Where a record comes from. ``sourced`` needs a URL; ``illustrative`` marks demo-only inventions."""

    provenance: str
    source_url: str | None = None
    source_title: str | None = None


def change_body(
    *,
    recorded_at: str,
    recorded_by: str,
    action: str,
    subject: str,
    data: Any,
    provenance: str | None,
    source_url: str | None,
    source_title: str | None,
) -> dict[str, Any]:
    """The canonical body of a change in the ledger (``recorded_at`` as ``canonical_time``)."""
    return {
        "recorded_at": recorded_at,
        "recorded_by": recorded_by,
        "action": action,
        "subject": subject,
        "data": data,
        "provenance": provenance,
        "source_url": source_url,
        "source_title": source_title,
    }


def change_digest(prev_hash: str, *, recorded_at: datetime, **fields: Any) -> str:
    """The ledger hash of a change; ``fields`` are ``change_body``'s other fields, as stored."""
    return ledger.digest(prev_hash, change_body(recorded_at=canonical_time(recorded_at), **fields))


def record_change(
    session: Session,
    *,
    clock: Clock,
    recorded_by: str,
    action: str,
    subject: str,
    data: dict[str, Any],
    source: Provenance | None,
) -> PartnerChange:
    """Append one change to the chain, in the caller's transaction. ``data`` must be JSON-native."""
    head = ledger.lock(session, PARTNERS_LEDGER)
    stored: dict[str, Any] = {
        "recorded_at": clock.now(),
        "recorded_by": recorded_by,
        "action": action,
        "subject": subject,
        "data": data,
        "provenance": source.provenance if source else None,
        "source_url": source.source_url if source else None,
        "source_title": source.source_title if source else None,
    }
    digest = change_digest(head.last_hash, **stored)
    row = PartnerChange(**stored, prev_hash=head.last_hash, hash=digest)
    session.add(row)
    session.flush()
    head.last_id = row.id
    head.last_hash = digest
    head.count = head.count + 1
    return row


@dataclass(frozen=True)
class ChangeLogReport:
    changes: int
    ok: bool
    first_broken_id: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"log": PARTNERS_LEDGER, "changes": self.changes, "ok": self.ok}
        if not self.ok:
            out.update(first_broken_id=self.first_broken_id, problem=self.problem)
        return out


CHANGE_WORDS = ledger.Words("a change", "changes")
#: A change's stored columns that its body holds as they are (``recorded_at`` is written canonically).
_BODY_COLUMNS = ("recorded_by", "action", "subject", "data", "provenance", "source_url", "source_title")


def verify_changes(session: Session) -> ChangeLogReport:
    """Recompute every hash in order; report the first change that does not match (``core.ledger``)."""
    head = ledger.read_head(session.connection(), PARTNERS_LEDGER)
    rows = session.execute(
        select(
            PartnerChange.id,
            PartnerChange.prev_hash,
            PartnerChange.hash,
            PartnerChange.recorded_at,
            *(getattr(PartnerChange, name) for name in _BODY_COLUMNS),
        ).order_by(PartnerChange.id)
    )
    # The register changes by the hundred, not the million: the ORM's typed columns are fast enough here.
    links = (
        (
            r[0],
            r[1],
            r[2],
            ledger.encode(
                change_body(recorded_at=canonical_time(r[3]), **dict(zip(_BODY_COLUMNS, r[4:], strict=True)))
            ),
        )
        for r in rows
    )
    verdict = ledger.verify(links, head, CHANGE_WORDS)
    return ChangeLogReport(verdict.rows, verdict.ok, verdict.first_broken_id, verdict.problem)


def list_changes(session: Session, subject: str | None = None, limit: int = 200) -> list[ChangeView]:
    query = select(PartnerChange).order_by(PartnerChange.id.desc()).limit(limit)
    if subject is not None:
        query = query.where(PartnerChange.subject == subject)
    return [ChangeView.model_validate(r) for r in session.execute(query).scalars()]
