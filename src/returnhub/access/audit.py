"""The access log: one hash-chained row per request that reads or writes person records.

The chain is ``core.ledger``'s under its own name ("access" in ``ledger_heads``); this module gives an
entry's canonical body. Each row carries the previous row's hash and the SHA-256 of its own canonical
content, and the head keeps the count and last hash, so an edited, inserted, reordered or deleted row (even
the last one) is detected by ``verify_access_log`` (``returnhub audit verify --log access``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, String, insert, select
from sqlalchemy.orm import Session

from returnhub.access.models import AccessLogEntry
from returnhub.core import ledger
from returnhub.core.clock import Clock
from returnhub.core.time import canonical_stored_time, canonical_time, utc

ACCESS_LEDGER = "access"
GRANTED = "granted"
DENIED = "denied"
FAILED = "failed"
#: Allowed in, but the page refused what was asked (a form with errors, 422; a stale version, 409).
REFUSED = "refused"


@dataclass(frozen=True)
class AccessRecord:
    user_name: str
    role: str
    method: str
    route: str
    path: str
    query: str
    case_reference: str | None
    client: str
    outcome: str
    status: int


def access_body(occurred_at: str, record: AccessRecord) -> dict[str, Any]:
    """The canonical body of an access-log entry in the ledger (``occurred_at`` as ``canonical_time``)."""
    return {
        "at": occurred_at,
        "user": record.user_name,
        "role": record.role,
        "method": record.method,
        "route": record.route,
        "path": record.path,
        "query": record.query,
        "case": record.case_reference,
        "client": record.client,
        "outcome": record.outcome,
        "status": record.status,
    }


def access_digest(prev_hash: str, occurred_at: datetime, record: AccessRecord) -> str:
    return ledger.digest(prev_hash, access_body(canonical_time(occurred_at), record))


# Built once: this runs on every request that touches a person.
_INSERT_ENTRY = insert(AccessLogEntry)


def append_access(connection: Connection, record: AccessRecord, *, clock: Clock) -> int:
    """Append one entry in the connection's current transaction; returns its id.

    Core statements rather than the ORM: this runs once per request on a person's record, and the ORM's
    unit-of-work bookkeeping cost several times the database work (see benchmarks/audit_overhead.py).
    The head row is locked first (``core.ledger.lock_head``), so entries get one order on every database.
    """
    head = ledger.lock_head(connection, ACCESS_LEDGER)
    occurred_at = clock.now()
    record = as_stored(record)
    digest = access_digest(head.last_hash, occurred_at, record)
    inserted = connection.execute(
        _INSERT_ENTRY,
        {
            **{name: getattr(record, name) for name in _RECORD_FIELDS},
            "occurred_at": occurred_at,
            "prev_hash": head.last_hash,
            "hash": digest,
        },
    )
    key = inserted.inserted_primary_key
    assert key is not None
    entry_id = int(key[0])
    ledger.advance_head(connection, ACCESS_LEDGER, ledger.Head(entry_id, digest, head.count + 1))
    return entry_id


_RECORD_FIELDS = tuple(f.name for f in fields(AccessRecord))
#: Each text column's length: a value is cut to it BEFORE it is hashed, so the hash covers exactly what is
#: stored (a longer path or query once broke the chain at its entry, and hid every later change).
_LENGTHS: dict[str, int] = {
    c.name: int(c.type.length)
    for c in AccessLogEntry.__table__.columns
    if isinstance(c.type, String) and c.type.length
}


def _storable(value: str, length: int) -> str:
    # No database stores a NUL in text (PostgreSQL refuses it) and UTF-8 has no lone surrogates: both
    # are replaced, so that what a request carried can always be logged.
    if not value.isascii():
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value.replace("\x00", "\ufffd")[:length]


def as_stored(record: AccessRecord) -> AccessRecord:
    """The record as the log stores it: each text cut to its column's length, unstorable characters
    replaced. Hashing this (not the request's own values) is what makes the chain verify."""
    changes: dict[str, Any] = {}
    for name, length in _LENGTHS.items():
        value = getattr(record, name, None)
        if isinstance(value, str) and (len(value) > length or not value.isascii() or "\x00" in value):
            changes[name] = _storable(value, length)
    return replace(record, **changes) if changes else record


def record_access(session: Session, record: AccessRecord, *, clock: Clock) -> int:
    """Append one entry to the access log in the session's transaction (the caller commits)."""
    return append_access(session.connection(), record, clock=clock)


@dataclass(frozen=True)
class AccessLogReport:
    entries: int
    ok: bool
    first_broken_id: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"log": ACCESS_LEDGER, "entries": self.entries, "ok": self.ok}
        if not self.ok:
            out.update(first_broken_entry_id=self.first_broken_id, problem=self.problem)
        return out


ACCESS_WORDS = ledger.Words("an entry", "entries")


def verify_access_log(session: Session, *, batch: int = 20_000) -> AccessLogReport:
    """Recompute every hash in order and compare the end of the chain with its head (``core.ledger``)."""
    head = ledger.read_head(session.connection(), ACCESS_LEDGER)
    rows = ledger.stream(
        session,
        "SELECT id, occurred_at, user_name, role, method, route, path, query, case_reference, client, "
        "outcome, status, prev_hash, hash FROM access_log ORDER BY id",
        batch=batch,
    )
    links = (
        (
            r[0],
            r[12],
            r[13],
            ledger.encode(access_body(canonical_stored_time(r[1]), AccessRecord(*r[2:12]))),
        )
        for r in rows
    )
    try:
        verdict = ledger.verify(links, head, ACCESS_WORDS)
    finally:
        rows.close()
    return AccessLogReport(verdict.rows, verdict.ok, verdict.first_broken_id, verdict.problem)


def entry_view(row: AccessLogEntry) -> dict[str, Any]:
    return {
        "id": row.id,
        "occurred_at": utc(row.occurred_at).isoformat(),
        "user": row.user_name,
        "role": row.role,
        "method": row.method,
        "route": row.route,
        "path": row.path,
        "query": row.query,
        "case_reference": row.case_reference,
        "client": row.client,
        "outcome": row.outcome,
        "status": row.status,
        "hash": row.hash,
    }


def list_access(
    session: Session,
    *,
    reference: str | None = None,
    user: str | None = None,
    after: int | None = None,
    limit: int = 100,
    newest_first: bool = False,
    before: int | None = None,
    action: tuple[str, str] | None = None,
    on: date | None = None,
) -> list[dict[str, Any]]:
    """Entries oldest first (or newest first, for the monitor's page); ``after`` is the cursor (the last id
    seen, oldest first), ``before`` the cursor newest first. ``action`` narrows to one (method, route);
    ``on`` to one day (UTC)."""
    order = AccessLogEntry.id.desc() if newest_first else AccessLogEntry.id
    query = select(AccessLogEntry).order_by(order).limit(limit)
    if reference:
        query = query.where(AccessLogEntry.case_reference == reference.strip().upper())
    if user:
        query = query.where(AccessLogEntry.user_name == user.strip().lower())
    if after is not None:
        query = query.where(AccessLogEntry.id > after)
    if before is not None:
        query = query.where(AccessLogEntry.id < before)
    if action is not None:
        query = query.where(AccessLogEntry.method == action[0], AccessLogEntry.route == action[1])
    if on is not None:
        start = datetime(on.year, on.month, on.day, tzinfo=UTC)
        query = query.where(
            AccessLogEntry.occurred_at >= start, AccessLogEntry.occurred_at < start + timedelta(days=1)
        )
    return [entry_view(r) for r in session.execute(query).scalars()]
