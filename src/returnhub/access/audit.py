"""The access log: one hash-chained row per request that reads or writes person records.

The chain is the event store's mechanism with its own ledger name ("access" in ``ledger_heads``): each row
carries the previous row's hash and the SHA-256 of its own canonical content, and the head keeps the count
and last hash, so an edited, inserted, reordered or deleted row (even the last one) is detected by
``verify_access_log`` (``returnhub audit verify --log access``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, String, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from returnhub.access.models import AccessLogEntry
from returnhub.casework.models import GENESIS_HASH, LedgerHead
from returnhub.casework.store import canonical_time, utc
from returnhub.core.clock import Clock

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


def access_digest(prev_hash: str, occurred_at: datetime, record: AccessRecord) -> str:
    body = orjson.dumps(
        {
            "at": canonical_time(occurred_at),
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
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


_heads: Table = LedgerHead.__table__  # type: ignore[assignment]
_log: Table = AccessLogEntry.__table__  # type: ignore[assignment]


# Built once: this runs on every request that touches a person, and building and keying a statement
# costs about as much as executing it.
_LOCK_HEAD = (
    select(_heads.c.last_hash, _heads.c.count).where(_heads.c.name == ACCESS_LEDGER).with_for_update()
)
_INSERT_ENTRY = insert(_log)
_ADVANCE_HEAD = (
    update(_heads)
    .where(_heads.c.name == ACCESS_LEDGER)
    .values(last_id=bindparam("entry_id"), last_hash=bindparam("digest"), count=bindparam("new_count"))
)


def append_access(connection: Connection, record: AccessRecord, *, clock: Clock) -> int:
    """Append one entry in the connection's current transaction; returns its id.

    Core statements rather than the ORM: this runs once per request on a person's record, and the ORM's
    unit-of-work bookkeeping cost several times the database work (see benchmarks/audit_overhead.py).
    The head row is locked first (FOR UPDATE on PostgreSQL; SQLite's write lock covers it), so entries
    get one order on every database, exactly as ``casework.store.lock_ledger`` does for the events.
    """
    head = connection.execute(_LOCK_HEAD).first()
    if head is None:
        _create_head(connection)
        head = connection.execute(_LOCK_HEAD).one()
    prev_hash, count = head
    occurred_at = clock.now()
    record = as_stored(record)
    digest = access_digest(prev_hash, occurred_at, record)
    inserted = connection.execute(
        _INSERT_ENTRY,
        {
            **{name: getattr(record, name) for name in _RECORD_FIELDS},
            "occurred_at": occurred_at,
            "prev_hash": prev_hash,
            "hash": digest,
        },
    )
    key = inserted.inserted_primary_key
    assert key is not None
    entry_id = int(key[0])
    connection.execute(_ADVANCE_HEAD, {"entry_id": entry_id, "digest": digest, "new_count": count + 1})
    return entry_id


_RECORD_FIELDS = tuple(f.name for f in fields(AccessRecord))
#: Each text column's length: a value is cut to it BEFORE it is hashed, so the hash covers exactly what is
#: stored (a longer path or query once broke the chain at its entry, and hid every later change).
_LENGTHS: dict[str, int] = {
    c.name: int(c.type.length) for c in _log.columns if isinstance(c.type, String) and c.type.length
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


def _create_head(connection: Connection) -> None:
    # Two first entries racing on PostgreSQL must not both insert the head: insert-if-absent.
    values = {"name": ACCESS_LEDGER, "last_id": 0, "last_hash": GENESIS_HASH, "count": 0}
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        connection.execute(pg_insert(_heads).values(values).on_conflict_do_nothing(index_elements=["name"]))
    else:
        connection.execute(insert(_heads).values(values))


def record_access(session: Session, record: AccessRecord, *, clock: Clock) -> int:
    """Append one entry to the access log in the session's transaction (the caller commits)."""
    return append_access(session.connection(), record, clock=clock)


def _record_of(row: Any) -> AccessRecord:
    return AccessRecord(
        user_name=row.user_name,
        role=row.role,
        method=row.method,
        route=row.route,
        path=row.path,
        query=row.query,
        case_reference=row.case_reference,
        client=row.client,
        outcome=row.outcome,
        status=row.status,
    )


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


def verify_access_log(session: Session, *, batch: int = 50_000) -> AccessLogReport:
    """Recompute every hash in order and compare the end of the chain with its head."""
    head = session.execute(select(LedgerHead).where(LedgerHead.name == ACCESS_LEDGER)).scalar_one_or_none()
    prev = GENESIS_HASH
    count = 0
    last_id = 0
    while True:
        rows = (
            session.execute(
                select(AccessLogEntry)
                .where(AccessLogEntry.id > last_id)
                .order_by(AccessLogEntry.id)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for row in rows:
            if row.prev_hash != prev:
                return AccessLogReport(
                    count,
                    False,
                    row.id,
                    "previous-hash link broken (an entry before it was removed or changed)",
                )
            if access_digest(prev, utc(row.occurred_at), _record_of(row)) != row.hash:
                return AccessLogReport(count, False, row.id, "content does not match its hash")
            prev = row.hash
            count += 1
        last_id = rows[-1].id
        session.expunge_all()
    if head is not None and (head.count != count or head.last_hash != prev):
        return AccessLogReport(
            count,
            False,
            None,
            f"chain head records {head.count} entries ending {head.last_hash[:12]}…, "
            f"found {count} ending {prev[:12]}… (entries removed from the end)",
        )
    if head is None and count:
        return AccessLogReport(count, False, None, "entries exist but the chain head is missing")
    return AccessLogReport(count, True)


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
