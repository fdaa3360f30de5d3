"""Bulk load of whole histories (the synthetic seed and bulk imports).

The same rules as a single append hold: every payload is validated by its type, events that move a
person are refused (only the departure gate writes them), the hash chain continues from its head,
and the projection is filled from the same ``fold``. Work is committed in chunks of whole persons:
each chunk (persons, their events, their projection rows, the new chain head) is one transaction,
so a crash leaves only complete persons behind and a database that verifies.
"""

from __future__ import annotations

import hashlib
import operator
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
import polars as pl
from sqlalchemy import JSON, DateTime, insert, select, text
from sqlalchemy.engine import Connection, Engine

from returnhub.casework.events import GATED_EVENT_TYPES, sealed_fields_present, validate_payload
from returnhub.casework.models import GENESIS_HASH, LedgerHead
from returnhub.casework.state import LegalEvent, fold, review_decisions_json
from returnhub.casework.store import EVENTS_LEDGER, STATE_COLUMNS
from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput

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
            # Special-category text must be sealed, which this path does not do; refuse, never store it
            # in the clear. (Checked once per distinct payload, like the validation: no per-event cost.)
            if sealed := sealed_fields_present(event_type, payload):
                raise InvalidInput(
                    f"bulk load refused: {event_type} carries special-category fields ({', '.join(sealed)}) "
                    "that are sealed only by `case record` or the events API"
                )
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


@dataclass(frozen=True, slots=True)
class _PersonRow:
    id: int
    reference: str
    nationality: str
    sex: str
    date_of_birth: date
    family_unit_id: int | None
    family_name: str
    given_name: str


def _load_chunk(
    conn: Connection, persons: pl.DataFrame, events: pl.DataFrame, *, clock: Clock, recorded_by: str
) -> int:
    now = clock.now()
    dialect = conn.dialect.name
    if not _is_safe_token(recorded_by):
        raise InvalidInput("recorded_by may hold only letters, digits, '-', '_' and '.'")
    late = events.filter(pl.col("occurred_on") > clock.today())
    if late.height:
        raise InvalidInput(f"bulk load refused: an event occurs after today ({late['occurred_on'][0]})")
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
        head_last_id, prev_hash, count = 0, GENESIS_HASH, 0
    else:
        # A Row is a tuple, so ``head.count`` would be tuple.count: unpack instead.
        head_last_id, prev_hash, count = int(head[0]), str(head[1]), int(head[2])

    first_person_id = _next_id(conn, "persons")
    first_family_id = _next_id(conn, "family_units")
    first_event_id = _next_id(conn, "case_events")
    base_index = int(persons["person_index"].min())  # type: ignore[arg-type]

    # Families: the generator's family_index -> new family unit ids, in order of first appearance.
    family_keys = persons["family_index"].drop_nulls().unique(maintain_order=True).to_list()
    family_ids = {key: first_family_id + i for i, key in enumerate(family_keys)}
    if family_ids:
        _fast_insert(
            conn, "family_units", ("id", "reference"), [(fid, f"FU{fid:07d}") for fid in family_ids.values()]
        )

    ids = (persons["person_index"] - base_index + first_person_id).to_list()
    person_objs: list[_PersonRow] = []
    person_rows: list[tuple[Any, ...]] = []
    for pid, given, family, dob, sex, nat, langs, fi in zip(
        ids,
        persons["given_name"].to_list(),
        persons["family_name"].to_list(),
        persons["date_of_birth"].to_list(),
        persons["sex"].to_list(),
        persons["nationality"].to_list(),
        persons["languages"].to_list(),
        persons["family_index"].to_list(),
        strict=True,
    ):
        fid = family_ids[fi] if fi is not None else None
        reference = f"RH{pid:07d}"
        person_objs.append(_PersonRow(pid, reference, nat, sex, dob, fid, family, given))
        person_rows.append((pid, reference, given, family, dob, sex, nat, list(langs or []), fid, now))
    _fast_insert(conn, "persons", _PERSON_COLUMNS, person_rows)

    canonical = _validated_payloads(events)
    frame = events.select(
        (pl.col("person_index") - base_index + first_person_id).alias("case_id"),
        "sequence",
        "event_type",
        "occurred_on",
        pl.col("recorded_at").dt.convert_time_zone("UTC").alias("recorded_at"),
    ).with_columns(pl.Series("data", canonical, dtype=pl.String))
    # The same canonical bytes as ``event_digest`` (orjson, sorted keys, compact), built column-wise.
    bodies = frame.select(
        pl.concat_str(
            pl.lit('{"case":"RH'),
            pl.col("case_id").cast(pl.String).str.zfill(7),
            pl.lit('","data":'),
            pl.col("data"),
            pl.lit(',"occurred_on":"'),
            pl.col("occurred_on").dt.to_string("%Y-%m-%d"),
            pl.lit('","recorded_at":"'),
            pl.col("recorded_at").dt.replace_time_zone(None).dt.to_string("%Y-%m-%dT%H:%M:%S%.6f"),
            pl.lit('Z","recorded_by":"' + recorded_by + '","sequence":'),
            pl.col("sequence").cast(pl.String),
            pl.lit(',"type":"'),
            pl.col("event_type"),
            pl.lit('"}'),
        ).alias("body")
    )["body"].to_list()

    sha256 = hashlib.sha256
    prevs: list[str] = []
    hashes: list[str] = []
    for body in bodies:
        prevs.append(prev_hash)
        prev_hash = sha256((prev_hash + body).encode()).hexdigest()
        hashes.append(prev_hash)

    case_ids = frame["case_id"].to_list()
    sequences = frame["sequence"].to_list()
    types = frame["event_type"].to_list()
    occurred = frame["occurred_on"].to_list()
    recorded = frame["recorded_at"].to_list()
    n_events = len(case_ids)
    if dialect == "sqlite":
        # Pre-format dates column-wise exactly as SQLAlchemy stores them in SQLite (naive UTC text).
        occurred_out: list[Any] = frame["occurred_on"].dt.to_string("%Y-%m-%d").to_list()
        recorded_out: list[Any] = (
            frame["recorded_at"].dt.replace_time_zone(None).dt.to_string("%Y-%m-%d %H:%M:%S%.6f").to_list()
        )
    else:
        occurred_out, recorded_out = occurred, recorded
    event_rows = list(
        zip(
            range(first_event_id, first_event_id + n_events),
            case_ids,
            sequences,
            types,
            occurred_out,
            recorded_out,
            [recorded_by] * n_events,
            canonical,
            prevs,
            hashes,
            strict=True,
        )
    )
    _fast_insert(conn, "case_events", _EVENT_COLUMNS, event_rows, preformatted=True)

    loads_cache: dict[str, dict[str, Any]] = {}
    per_case: dict[int, list[LegalEvent]] = {}
    for cid, seq, etype, occ, rec, data in zip(
        case_ids, sequences, types, occurred, recorded, canonical, strict=True
    ):
        payload = loads_cache.get(data)
        if payload is None:
            payload = loads_cache[data] = orjson.loads(data)
        per_case.setdefault(cid, []).append(LegalEvent(seq, etype, occ, rec, payload))

    insert_projection(conn, person_objs, per_case, now)

    last_id = first_event_id + n_events - 1 if n_events else head_last_id
    conn.execute(
        text("UPDATE ledger_heads SET last_id = :last_id, last_hash = :h, count = :c WHERE name = :n"),
        {"last_id": last_id, "h": prev_hash, "c": count + n_events, "n": EVENTS_LEDGER},
    )
    if dialect == "postgresql":
        for table in ("persons", "family_units", "case_events"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )
    return n_events


_IDENTITY_COLUMNS = (
    "case_id",
    "reference",
    "nationality",
    "sex",
    "date_of_birth",
    "family_unit_id",
    "family_name",
    "given_name",
)


def insert_projection(
    conn: Connection, persons: Sequence[Any], per_case: dict[int, list[LegalEvent]], now: datetime
) -> int:
    """Fold each person's events and insert their projection rows (the bulk form of ``projection_row``).

    Tuples in one pass rather than a dict per case: at a national scale the dicts cost more than the fold.
    """
    columns = [*_IDENTITY_COLUMNS, *STATE_COLUMNS, "review_decisions", "retracted_sequences", "updated_at"]
    state_values = operator.attrgetter(*STATE_COLUMNS)
    rows: list[tuple[Any, ...]] = []
    no_events: list[LegalEvent] = []
    for p in persons:
        state = fold(per_case.get(p.id, no_events))
        rows.append(
            (
                p.id,
                p.reference,
                p.nationality,
                p.sex,
                p.date_of_birth,
                p.family_unit_id,
                p.family_name,
                p.given_name,
                *state_values(state),
                review_decisions_json(state.review_decisions),
                list(state.retracted_sequences),
                now,
            )
        )
    _fast_insert(conn, "case_projection", columns, rows)
    return len(rows)


def rebuild_projection_fast(
    session: Any, now: datetime, progress: Progress | None = None, batch_persons: int = 20_000
) -> int:
    """Refill the projection from the events, in batches of persons, through the bulk path."""
    from returnhub.casework.store import utc
    from returnhub.people.models import Person

    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    loads_cache: dict[str, dict[str, Any]] = {}
    total = 0
    last = 0
    while True:
        persons = conn.execute(
            select(
                Person.id,
                Person.reference,
                Person.nationality,
                Person.sex,
                Person.date_of_birth,
                Person.family_unit_id,
                Person.family_name,
                Person.given_name,
            )
            .where(Person.id > last)
            .order_by(Person.id)
            .limit(batch_persons)
        ).all()
        if not persons:
            return total
        lo, hi = persons[0].id, persons[-1].id
        rows = conn.exec_driver_sql(
            "SELECT case_id, sequence, event_type, occurred_on, recorded_at, data FROM case_events "
            f"WHERE case_id BETWEEN {int(lo)} AND {int(hi)} ORDER BY case_id, sequence"
        ).fetchall()
        per_case: dict[int, list[LegalEvent]] = {}
        for cid, seq, etype, occ, rec, data in rows:
            if sqlite:
                # Raw SQLite hands back the text SQLAlchemy stored; parse it as SQLAlchemy would.
                occ = date.fromisoformat(occ)
                rec = datetime.fromisoformat(rec)
                payload = loads_cache.get(data)
                if payload is None:
                    payload = loads_cache[data] = orjson.loads(data)
            else:
                payload = data if isinstance(data, dict) else orjson.loads(data)
            per_case.setdefault(cid, []).append(LegalEvent(seq, etype, occ, utc(rec), payload))
        total += insert_projection(conn, persons, per_case, now)
        if progress is not None:
            progress(len(persons))
        last = hi


_PERSON_COLUMNS = (
    "id",
    "reference",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "nationality",
    "languages",
    "family_unit_id",
    "created_at",
)


def _is_safe_token(value: str) -> bool:
    return bool(value) and all(ch.isalnum() or ch in "-_." for ch in value)


def _sqlite_datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ", timespec="microseconds")


def _date_iso(value: date) -> str:
    return value.isoformat()


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _converters(table: str, columns: Sequence[str], dialect: str) -> list[tuple[int, Callable[[Any], Any]]]:
    """Per-column conversions to what SQLAlchemy itself would send; only the columns that need one."""
    from returnhub.models import Base

    types = Base.metadata.tables[table].columns
    out: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(columns):
        column_type = types[name].type
        if isinstance(column_type, JSON):
            out.append((i, _json_text))
        elif dialect == "sqlite" and isinstance(column_type, DateTime):
            out.append((i, _sqlite_datetime))
        # Dates go through the sqlite3 adapter registered below (exact type match, so datetimes do not).
    return out


# sqlite3 adapts ``date`` parameters with this (ISO text, what SQLAlchemy stores) in C, far faster than a
# Python conversion per value; adapters match the exact type, so ``datetime`` values are unaffected.
sqlite3.register_adapter(date, _date_iso)


def _fast_insert(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    *,
    preformatted: bool = False,
) -> None:
    """Insert rows with the driver's fastest path (COPY on PostgreSQL, executemany on SQLite)."""
    if not rows:
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    dialect = conn.dialect.name
    converters = [] if preformatted else _converters(table, columns, dialect)
    if converters:
        converted: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(row)
            for i, convert in converters:
                if values[i] is not None:
                    values[i] = convert(values[i])
            converted.append(tuple(values))
        rows = converted
    names = ", ".join(columns)
    if dialect == "postgresql":
        with raw.cursor() as cur:  # type: ignore[attr-defined]
            with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    if dialect == "sqlite":
        cur = raw.cursor()
        placeholders = ", ".join("?" for _ in columns)
        cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
        cur.close()
        return
    raise InvalidInput(f"bulk load does not support the {dialect} database")
