"""The partners audit log: every change with who, when, what and its source, hash-chained like case events.

Each row's hash is SHA-256 over the previous row's hash and a canonical encoding of the row, so an edited,
removed or reordered change is found by ``verify_changes``. The chain head lives in ``ledger_heads`` under
``PARTNERS_LEDGER`` and is locked for the append, so the chain has one order on every database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.casework.models import GENESIS_HASH, LedgerHead
from returnhub.casework.store import canonical_time, lock_ledger
from returnhub.core.clock import Clock
from returnhub.partners.models import PartnerChange

PARTNERS_LEDGER = "partner_changes"


@dataclass(frozen=True)
class Provenance:
    """Where a record comes from. ``sourced`` needs a URL; ``illustrative`` marks demo-only inventions."""

    provenance: str
    source_url: str | None = None
    source_title: str | None = None


def change_digest(
    prev_hash: str,
    *,
    recorded_at: datetime,
    recorded_by: str,
    action: str,
    subject: str,
    data: dict[str, Any],
    provenance: str | None,
    source_url: str | None,
    source_title: str | None,
) -> str:
    body = orjson.dumps(
        {
            "recorded_at": canonical_time(recorded_at),
            "recorded_by": recorded_by,
            "action": action,
            "subject": subject,
            "data": data,
            "provenance": provenance,
            "source_url": source_url,
            "source_title": source_title,
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


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
    head = lock_ledger(session, PARTNERS_LEDGER)
    recorded_at = clock.now()
    provenance = source.provenance if source else None
    url = source.source_url if source else None
    title = source.source_title if source else None
    digest = change_digest(
        head.last_hash,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        action=action,
        subject=subject,
        data=data,
        provenance=provenance,
        source_url=url,
        source_title=title,
    )
    row = PartnerChange(
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        action=action,
        subject=subject,
        data=data,
        provenance=provenance,
        source_url=url,
        source_title=title,
        prev_hash=head.last_hash,
        hash=digest,
    )
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


def verify_changes(session: Session) -> ChangeLogReport:
    """Recompute every hash in order; report the first change that does not match."""
    prev = GENESIS_HASH
    count = 0
    for row in session.execute(select(PartnerChange).order_by(PartnerChange.id)).scalars():
        if row.prev_hash != prev:
            return ChangeLogReport(count, False, row.id, "previous-hash link broken (a change was removed)")
        expected = change_digest(
            prev,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
            action=row.action,
            subject=row.subject,
            data=row.data,
            provenance=row.provenance,
            source_url=row.source_url,
            source_title=row.source_title,
        )
        if expected != row.hash:
            return ChangeLogReport(count, False, row.id, "content does not match its hash")
        prev = row.hash
        count += 1
    head = session.execute(select(LedgerHead).where(LedgerHead.name == PARTNERS_LEDGER)).scalar_one_or_none()
    if head is not None and (head.count != count or head.last_hash != prev):
        return ChangeLogReport(
            count, False, None, f"chain head records {head.count} changes, found {count} (changes removed)"
        )
    return ChangeLogReport(count, True)


def list_changes(session: Session, subject: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    query = select(PartnerChange).order_by(PartnerChange.id.desc()).limit(limit)
    if subject is not None:
        query = query.where(PartnerChange.subject == subject)
    return [
        {
            "id": r.id,
            "recorded_at": r.recorded_at,
            "recorded_by": r.recorded_by,
            "action": r.action,
            "subject": r.subject,
            "data": r.data,
            "provenance": r.provenance,
            "source_url": r.source_url,
            "source_title": r.source_title,
            "hash": r.hash,
        }
        for r in session.execute(query).scalars()
    ]
