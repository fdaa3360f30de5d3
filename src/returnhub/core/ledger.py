"""The one hash-chained ledger, shared by the event log, the access log and the partners change log.

A ledger is an insert-only table whose rows each carry ``prev_hash`` (the hash of the row before, or the
genesis hash) and ``hash`` = SHA-256(prev_hash as ASCII + the row's canonical body). Its head (last id, last
hash and count) is a ``ledger_heads`` row named for the ledger: appends lock it, so the chain has one order
on every database, and the count catches rows deleted from the end, where no later link would break.

Each log is an adapter that says what its canonical body is (a mapping of JSON values, encoded here one
way: orjson, keys sorted, compact, UTF-8); this module owns the head, the genesis, the lock, the encoding,
the digest and the verify. The bodies of rows written before this module existed hash the same
(``tests/core/test_ledger_golden.py``).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import BigInteger, Connection, String, Table, bindparam, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from returnhub.core.database import Base

GENESIS_HASH = "0" * 64


class LedgerHead(Base):
    """The head of a hash chain. Appends lock this row, so the chain has one order on every database."""

    __tablename__ = "ledger_heads"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(BigInteger, default=0)


@dataclass(frozen=True)
class Head:
    """A head as plain values (what the Core-statement appenders and the verify read)."""

    last_id: int
    last_hash: str
    count: int


#: The canonical encoding of a row's body. ``orjson.Fragment`` values (JSON already canonical, as the bulk
#: loader's payloads) are embedded as they are. A partial, not a function: it runs once per row in the
#: verify and the bulk load, and a Python call costs about a tenth of the encoding.
encode: Callable[[Mapping[str, Any]], bytes] = partial(orjson.dumps, option=orjson.OPT_SORT_KEYS)


def chain_digest(prev_hash: str, body: bytes) -> str:
    """The hash of a row: SHA-256 over the previous row's hash (ASCII hex) and the row's canonical body."""
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


def digest(prev_hash: str, body: Mapping[str, Any]) -> str:
    return chain_digest(prev_hash, encode(body))


_heads: Table = LedgerHead.__table__  # type: ignore[assignment]
# Built once: the access log appends on every request that touches a person, and building and keying a
# statement costs about as much as executing it.
_LOCK_HEAD = (
    select(_heads.c.last_id, _heads.c.last_hash, _heads.c.count)
    .where(_heads.c.name == bindparam("ledger"))
    .with_for_update()
)
_READ_HEAD = select(_heads.c.last_id, _heads.c.last_hash, _heads.c.count).where(
    _heads.c.name == bindparam("ledger")
)
_ADVANCE_HEAD = (
    update(_heads)
    .where(_heads.c.name == bindparam("ledger"))
    .values(
        last_id=bindparam("new_last_id"), last_hash=bindparam("new_last_hash"), count=bindparam("new_count")
    )
)


def lock(session: Session, ledger_name: str) -> LedgerHead:
    """Take the chain head for update, creating it at the genesis if absent (a row lock on PostgreSQL;
    SQLite's write lock, taken by BEGIN IMMEDIATE, covers it). The caller advances it after its insert."""
    head = session.execute(
        select(LedgerHead).where(LedgerHead.name == ledger_name).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = LedgerHead(name=ledger_name, last_id=0, last_hash=GENESIS_HASH, count=0)
        session.add(head)
        session.flush()
    return head


def lock_head(connection: Connection, ledger_name: str) -> Head:
    """``lock`` with Core statements, for the appenders that bypass the ORM (the access log, bulk loads)."""
    row = connection.execute(_LOCK_HEAD, {"ledger": ledger_name}).first()
    if row is None:
        _create_head(connection, ledger_name)
        row = connection.execute(_LOCK_HEAD, {"ledger": ledger_name}).one()
    return Head(int(row[0]), str(row[1]), int(row[2]))


def _create_head(connection: Connection, ledger_name: str) -> None:
    # Two first appends racing on PostgreSQL must not both insert the head: insert-if-absent.
    values = {"name": ledger_name, "last_id": 0, "last_hash": GENESIS_HASH, "count": 0}
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert  # only PostgreSQL needs the dialect

        connection.execute(pg_insert(_heads).values(values).on_conflict_do_nothing(index_elements=["name"]))
    else:
        connection.execute(insert(_heads).values(values))


def advance_head(connection: Connection, ledger_name: str, head: Head) -> None:
    """Move a locked head (``lock_head``) to its new last row, hash and count."""
    connection.execute(
        _ADVANCE_HEAD,
        {
            "ledger": ledger_name,
            "new_last_id": head.last_id,
            "new_last_hash": head.last_hash,
            "new_count": head.count,
        },
    )


def read_head(connection: Connection, ledger_name: str) -> Head | None:
    row = connection.execute(_READ_HEAD, {"ledger": ledger_name}).first()
    return None if row is None else Head(int(row[0]), str(row[1]), int(row[2]))


# ------------------------------------------------------------------------------------------------------
# Verify
# ------------------------------------------------------------------------------------------------------

#: One row as the verify sees it: (id, stored prev_hash, stored hash, canonical body recomputed).
Link = tuple[int, str, str, bytes]

_body_of_link: Callable[[tuple[Any, ...]], bytes] = itemgetter(3)


@dataclass(frozen=True)
class Words:
    """How a log names its rows in a report: ``Words("an event", "events")``."""

    one: str
    many: str


@dataclass(frozen=True)
class Verdict:
    """The result of a verify: how many rows hold, and the first that does not (None: the end is wrong)."""

    rows: int
    ok: bool
    first_broken_id: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Segment:
    """A run of consecutive rows checked on its own, from the stored previous hash of its first row (so a
    chain can be checked in parts, in parallel): how many hold before the first that does not, and the
    ends ``join`` links to the neighbouring parts."""

    rows: int
    first_id: int | None = None  # None: the part holds no rows
    first_prev_hash: str | None = None
    last_hash: str | None = None  # of the last row that holds
    broken_id: int | None = None
    broken_link: bool = False  # the break: a previous-hash link (else a row's content)


def verify(
    rows: Iterable[tuple[Any, ...]],
    head: Head | None,
    words: Words,
    body_of: Callable[[tuple[Any, ...]], bytes] = _body_of_link,
) -> Verdict:
    """Recompute every hash in chain order, then compare the end of the chain with its head.

    ``rows`` are (id, stored prev_hash, stored hash, ...): ``Link``s, or rows as read whose canonical body
    ``body_of(row)`` rebuilds. Detects an edited row (its content no longer matches its hash), a removed,
    inserted or reordered row (the next link breaks), and rows removed from the end (the head's count and
    hash)."""
    return join([verify_segment(rows, body_of)], head, words)


def verify_segment(
    rows: Iterable[tuple[Any, ...]], body_of: Callable[[tuple[Any, ...]], bytes] = _body_of_link
) -> Segment:
    """Check a run of rows in order: each row's hash over its stored previous hash and its body, and each
    link to the row before; stops at the first row that does not hold. One call per row and nothing else
    built per row: a long chain's verify spends most of its time here."""
    sha256 = hashlib.sha256
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return Segment(0)
    first_id = first[0]
    prev = first[1]
    count = 0
    for row in itertools.chain((first,), iterator):
        if row[1] != prev:
            return Segment(count, first_id, first[1], prev, row[0], broken_link=True)
        stored = row[2]
        if sha256(prev.encode("ascii") + body_of(row)).hexdigest() != stored:
            return Segment(count, first_id, first[1], prev, row[0])
        prev = stored
        count += 1
    return Segment(count, first_id, first[1], prev)


def join(segments: Iterable[Segment], head: Head | None, words: Words) -> Verdict:
    """The verdict on a chain checked in consecutive parts (``verify_segment``), in order: the first part
    starts at the genesis, each next one at the last hash of the one before, and the end is the head's."""
    prev = GENESIS_HASH
    count = 0
    link_broken = f"previous-hash link broken ({words.one} before it was removed or changed)"
    for segment in segments:
        if segment.first_id is None:
            continue
        if segment.first_prev_hash != prev:
            return Verdict(count, False, segment.first_id, link_broken)
        if segment.broken_id is not None:
            problem = link_broken if segment.broken_link else "content does not match its hash"
            return Verdict(count + segment.rows, False, segment.broken_id, problem)
        count += segment.rows
        prev = segment.last_hash or prev
    if head is None:
        if count:
            return Verdict(count, False, None, f"{words.many} exist but the chain head is missing")
        return Verdict(0, True)
    if head.count != count or head.last_hash != prev:
        return Verdict(
            count,
            False,
            None,
            f"chain head records {head.count} {words.many} ending {head.last_hash[:12]}…, "
            f"found {count} ending {prev[:12]}… ({words.many} removed from the end)",
        )
    return Verdict(count, True)


def stream(session: Session, sql: str, *, batch: int = 20_000) -> Generator[tuple[Any, ...], None, None]:
    """Rows of ``sql`` straight from the driver, in the session's transaction, ``batch`` at a time.

    A verify reads every row once, so it skips SQLAlchemy's result processing (the JSON and datetime
    conversions cost more than the hashing): SQLite's cursor steps through the table as it is read, and on
    PostgreSQL a named (server-side) cursor keeps memory flat however long the chain."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    if session.get_bind().dialect.name == "postgresql":
        cursor = raw.cursor(name="returnhub_ledger_verify")
        cursor.itersize = batch
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(batch):
            yield from rows
    finally:
        cursor.close()
