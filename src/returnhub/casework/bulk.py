"""Bulk load of whole histories (the synthetic seed and bulk imports).

The same rules as a single append hold: every payload is validated by its type, events that move a
person are refused (only the departure gate writes them), the hash chain continues from its head,
and the projection is filled from the same ``fold``. Work is committed in chunks of whole persons:
each chunk (persons, their events, their projection rows, the new chain head) is one transaction,
so a crash leaves only complete persons behind and a database that verifies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC
from typing import Any

import orjson
import polars as pl
from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection, Engine

from returnhub.casework.events import GATED_EVENT_TYPES, validate_payload
from returnhub.casework.models import GENESIS_HASH, LedgerHead, case_projection
from returnhub.casework.state import LegalEvent, fold
from returnhub.casework.store import EVENTS_LEDGER, canonical_time, projection_row
from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput
from returnhub.people.models import Person

Progress = Callable[[int], None]

_EVENT_COLUMNS = (
    "id",
    "case_id",
    "sequence",
    "event_type",
    "occurred_on",
    "recorded_at",
    "recorded_by",
    "data",
    "prev_hash",
    "hash",
)


def _validated_payloads(events: pl.DataFrame) -> list[str]:
    """Validate every payload once per distinct (type, payload) and return canonical JSON strings."""
    cache: dict[tuple[str, str], str] = {}
    out: list[str] = []
    for event_type, data in zip(events["event_type"].to_list(), events["data"].to_list(), strict=True):
        key = (event_type, data)
        canonical = cache.get(key)
        if canonical is None:
            if event_type in GATED_EVENT_TYPES:
                raise InvalidInput(f"bulk load refused: {event_type} is recorded only by the departure gate")
            payload = validate_payload(event_type, orjson.loads(data))
            canonical = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode()
            cache[key] = canonical
        out.append(canonical)
    return out


def load_population(
    engine: Engine,
    persons: pl.DataFrame,
    events: pl.DataFrame,
    *,
    clock: Clock,
    recorded_by: str = "seed",
    chunk_persons: int = 50_000,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Append whole persons with their histories. Returns (persons, events) written.

    ``persons`` and ``events`` follow the contract of ``returnhub.synthetic.Population``; references
    are re-numbered from the database's next person id so that ``--append`` never collides.
    """
    events = events.sort(["person_index", "sequence"])
    n = persons.height
    total_events = 0
    for start in range(0, n, chunk_persons):
        stop = min(n, start + chunk_persons)
        chunk_p = persons.filter(pl.col("person_index").is_between(start, stop - 1))
        chunk_e = events.filter(pl.col("person_index").is_between(start, stop - 1))
        with engine.begin() as conn:
            written = _load_chunk(conn, chunk_p, chunk_e, clock=clock, recorded_by=recorded_by)
        total_events += written
        if progress is not None:
            progress(stop - start)
    return n, total_events


def _next_id(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()) + 1


def _load_chunk(
    conn: Connection, persons: pl.DataFrame, events: pl.DataFrame, *, clock: Clock, recorded_by: str
) -> int:
    now = clock.now()
    dialect = conn.dialect.name
    # Lock the chain head first: on PostgreSQL this serialises us with every other writer.
    head = conn.execute(
        select(LedgerHead.last_id, LedgerHead.last_hash, LedgerHead.count)
        .where(LedgerHead.name == EVENTS_LEDGER)
        .with_for_update()
    ).first()
    if head is None:
        conn.execute(
            insert(LedgerHead).values(name=EVENTS_LEDGER, last_id=0, last_hash=GENESIS_HASH, count=0)
        )
        prev_hash, count = GENESIS_HASH, 0
    else:
        prev_hash, count = head.last_hash, int(head.count)

    first_person_id = _next_id(conn, "persons")
    first_family_id = _next_id(conn, "family_units")
    first_event_id = _next_id(conn, "case_events")

    # Families: the generator's family_index -> new family unit ids.
    family_index = persons["family_index"].to_list()
    family_ids: dict[int, int] = {}
    for fi in family_index:
        if fi is not None and fi not in family_ids:
            family_ids[fi] = first_family_id + len(family_ids)
    if family_ids:
        conn.execute(
            text("INSERT INTO family_units (id, reference) VALUES (:id, :reference)"),
            [{"id": fid, "reference": f"FU{fid:07d}"} for fid in family_ids.values()],
        )

    base_index = int(persons["person_index"].min())  # type: ignore[arg-type]
    person_rows: list[dict[str, Any]] = []
    person_objs: list[Person] = []
    for idx, given, family, dob, sex, nat, langs, fi in zip(
        persons["person_index"].to_list(),
        persons["given_name"].to_list(),
        persons["family_name"].to_list(),
        persons["date_of_birth"].to_list(),
        persons["sex"].to_list(),
        persons["nationality"].to_list(),
        persons["languages"].to_list(),
        family_index,
        strict=True,
    ):
        pid = first_person_id + (idx - base_index)
        fid = family_ids.get(fi) if fi is not None else None
        row = {
            "id": pid,
            "reference": f"RH{pid:07d}",
            "given_name": given,
            "family_name": family,
            "date_of_birth": dob,
            "sex": sex,
            "nationality": nat,
            "languages": list(langs or []),
            "family_unit_id": fid,
            "created_at": now,
        }
        person_rows.append(row)
        person_objs.append(Person(**row))
    conn.execute(insert(Person), person_rows)

    canonical = _validated_payloads(events)
    case_idx = events["person_index"].to_list()
    sequences = events["sequence"].to_list()
    types = events["event_type"].to_list()
    occurred = events["occurred_on"].to_list()
    recorded = events["recorded_at"].to_list()

    event_rows: list[tuple[Any, ...]] = []
    per_case: dict[int, list[LegalEvent]] = {}
    sha256 = hashlib.sha256
    loads = orjson.loads
    today = clock.today()
    for i, (pi, seq, etype, occ, rec, data) in enumerate(
        zip(case_idx, sequences, types, occurred, recorded, canonical, strict=True)
    ):
        if occ > today:
            raise InvalidInput(f"bulk load refused: an event occurs after today ({occ.isoformat()})")
        pid = first_person_id + (pi - base_index)
        rec_utc = rec.replace(tzinfo=UTC) if rec.tzinfo is None else rec.astimezone(UTC)
        reference = f"RH{pid:07d}"
        # The same canonical bytes as ``event_digest`` (orjson, sorted keys, compact).
        body = (
            f'{{"case":"{reference}","data":{data},"occurred_on":"{occ.isoformat()}",'
            f'"recorded_at":"{canonical_time(rec_utc)}","recorded_by":"{recorded_by}",'
            f'"sequence":{seq},"type":"{etype}"}}'
        )
        digest = sha256(prev_hash.encode("ascii") + body.encode()).hexdigest()
        event_rows.append(
            (first_event_id + i, pid, seq, etype, occ, rec_utc, recorded_by, data, prev_hash, digest)
        )
        per_case.setdefault(pid, []).append(LegalEvent(seq, etype, occ, rec_utc, loads(data)))
        prev_hash = digest

    _insert_events(conn, dialect, event_rows)

    projection = [projection_row(p, fold(per_case.get(p.id, [])), now) for p in person_objs]
    conn.execute(insert(case_projection), projection)

    last_id = first_event_id + len(event_rows) - 1 if event_rows else (head.last_id if head else 0)
    conn.execute(
        text("UPDATE ledger_heads SET last_id = :last_id, last_hash = :h, count = :c WHERE name = :n"),
        {"last_id": last_id, "h": prev_hash, "c": count + len(event_rows), "n": EVENTS_LEDGER},
    )
    if dialect == "postgresql":
        for table in ("persons", "family_units", "case_events"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )
    return len(event_rows)


def _insert_events(conn: Connection, dialect: str, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    columns = ", ".join(_EVENT_COLUMNS)
    if dialect == "postgresql":
        with raw.cursor() as cur:  # type: ignore[attr-defined]
            with cur.copy(f"COPY case_events ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    if dialect == "sqlite":
        cur = raw.cursor()
        # SQLite stores our timestamps as SQLAlchemy does: naive ISO text in UTC.
        cur.executemany(
            f"INSERT INTO case_events ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4].isoformat(),
                    r[5].strftime("%Y-%m-%d %H:%M:%S.%f"),
                    r[6],
                    r[7],
                    r[8],
                    r[9],
                )
                for r in rows
            ],
        )
        cur.close()
        return
    raise InvalidInput(f"bulk load does not support the {dialect} database")
