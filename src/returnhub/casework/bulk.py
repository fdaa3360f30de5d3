"""Bulk load of whole histories (the synthetic seed and bulk imports).

The same rules as a single append hold: every payload is validated by its type, events that move a
person are refused (only the departure gate writes them), the hash chain continues from its head,
and the projection is filled from the same ``fold``. Work is committed in chunks of whole persons:
each chunk (persons, their events, their projection rows, the new chain head) is one transaction,
so a crash leaves only complete persons behind and a database that verifies.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import itertools
import multiprocessing
import operator
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import orjson
import polars as pl
from sqlalchemy import JSON, Date, DateTime, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from returnhub.casework.events import GATED_EVENT_TYPES, sealed_fields_present, validate_payload
from returnhub.casework.snapshots import next_mark
from returnhub.casework.state import LegalEvent, fold, review_decisions_json
from returnhub.casework.store import EVENTS_LEDGER, STATE_COLUMNS, core_free
from returnhub.core import ledger
from returnhub.core.clock import Clock
from returnhub.core.database import Base
from returnhub.core.errors import InvalidInput
from returnhub.people.names import folded_name

Progress = Callable[[int], None]

#: Run after each chunk of new cases is written, in the chunk's transaction, with (connection, first case
#: id, last case id, events written). Statistics registers its kept counts here; casework does not import
#: it: the composition roots register the hooks (as ``store.POST_APPEND_HOOKS`` for single appends).
NEW_CASES_HOOKS: list[Callable[[Connection, int, int, int], None]] = []

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


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a batch of bulk work.

    A batch creates millions of small containers (rows, events, payloads), none of them in reference
    cycles; with the collector on, its passes over the ever larger young generations cost as much as the
    work itself (a 10,000-person rebuild batch: 1.0 s with it, 0.57 s without). Memory is freed by
    reference counting as usual; the collector is restored, never forced, afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _validated_payloads(events: pl.DataFrame) -> pl.Series:
    """Validate every distinct (type, payload) once and return each event's canonical JSON text.

    The distinct pairs are found and mapped back by Polars, in first-seen order, so that the first refusal
    is the first offending event's and no Python loop runs per event."""
    pairs = events.select("event_type", "data").unique(maintain_order=True)
    canonical: list[str] = []
    for event_type, data in zip(pairs["event_type"].to_list(), pairs["data"].to_list(), strict=True):
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
        canonical.append(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode())
    table = pairs.with_columns(pl.Series("canonical", canonical, dtype=pl.String))
    joined = events.select("event_type", "data").join(
        table, on=["event_type", "data"], how="left", maintain_order="left"
    )
    return joined["canonical"]


def _event_bodies(frame: pl.DataFrame, recorded_by: str) -> pl.Series:
    """Each event's ledger body, ``ledger.encode(event_body_of(...))`` as text, built column-wise.

    ``frame`` holds the chunk's events (case_id, sequence, event_type, occurred_on, recorded_at in UTC and the
    canonical payload text). The body is the encoder's output spelled out: its keys sorted, no spaces, the
    payload embedded as its canonical JSON, the instants as ``core.time.canonical_time`` writes them. Strings
    that are not digits are quoted by orjson itself (once per distinct value), so escaping is the encoder's.
    A bulk event has no ``occurred_at``, which the body then leaves out.
    """
    quoted_types = {t: orjson.dumps(t).decode() for t in frame["event_type"].unique().to_list()}
    return frame.select(
        pl.concat_str(
            pl.lit('{"case":"RH'),
            pl.col("case_id").cast(pl.String).str.zfill(7),
            pl.lit('","data":'),
            pl.col("data"),
            pl.lit(',"occurred_on":"'),
            pl.col("occurred_on").dt.to_string("%Y-%m-%d"),
            pl.lit('","recorded_at":"'),
            pl.col("recorded_at").dt.replace_time_zone(None).dt.to_string("%Y-%m-%dT%H:%M:%S%.6fZ"),
            pl.lit(f'","recorded_by":{orjson.dumps(recorded_by).decode()},"sequence":'),
            pl.col("sequence").cast(pl.String),
            pl.lit(',"type":'),
            pl.col("event_type").replace_strict(quoted_types, return_dtype=pl.String),
            pl.lit("}"),
        ).alias("body")
    )["body"]


class _Chain:
    """The hash chain continued over a chunk's events, as their rows are sent (``head``: the last hash)."""

    def __init__(self, head: str) -> None:
        self.head = head

    def rows(
        self,
        bodies: Sequence[str],
        ids: Iterable[int],
        case_ids: Sequence[int],
        sequences: Sequence[int],
        event_types: Sequence[str],
        occurred: Sequence[str],
        recorded: Sequence[str],
        recorded_by: str,
        data: Sequence[str],
    ) -> Iterator[tuple[Any, ...]]:
        """The ``case_events`` rows (``_EVENT_COLUMNS``), each with its previous hash and its own
        (``ledger.chain_digest`` over the body)."""
        sha256, prev = hashlib.sha256, self.head
        for body, event_id, case_id, sequence, event_type, occurred_on, recorded_at, payload in zip(
            bodies, ids, case_ids, sequences, event_types, occurred, recorded, data, strict=True
        ):
            digest = sha256((prev + body).encode()).hexdigest()
            yield (
                event_id,
                case_id,
                sequence,
                event_type,
                occurred_on,
                recorded_at,
                recorded_by,
                payload,
                prev,
                digest,
            )
            prev = self.head = digest


def load_population(
    engine: Engine,
    persons: pl.DataFrame,
    events: pl.DataFrame,
    *,
    clock: Clock,
    recorded_by: str = "seed",
    chunk_persons: int = 50_000,
    progress: Progress | None = None,
    fold_in_worker: bool | None = None,
) -> tuple[int, int]:
    """Append whole persons with their histories. Returns (persons, events) written.

    ``persons`` and ``events`` follow the contract of ``returnhub.synthetic.Population``; references
    are re-numbered from the database's next person id so that ``--append`` never collides.

    ``fold_in_worker``: fold each chunk's projection rows in a worker process while this one hashes and
    inserts the chunk's events (``None``: when there are at least ``PARALLEL_MIN_PERSONS`` persons and a
    core is free, ``store.core_free``). The worker only computes; every write stays in this process's chunk
    transaction.
    """
    events = events.sort(["person_index", "sequence"])
    n = persons.height
    if fold_in_worker is None:
        fold_in_worker = n >= PARALLEL_MIN_PERSONS and core_free()
    total_events = 0
    with ExitStack() as stack:
        pool = None
        if fold_in_worker:
            # spawn, not fork: this process holds database connections and Polars' threads.
            pool = stack.enter_context(
                ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_watch,
                    initargs=(os.getpid(),),
                )
            )
            pool.submit(_worker_ready)  # start it (a fresh interpreter, imports) while this one works
        for start in range(0, n, chunk_persons):
            stop = min(n, start + chunk_persons)
            chunk_p = persons.filter(pl.col("person_index").is_between(start, stop - 1))
            chunk_e = events.filter(pl.col("person_index").is_between(start, stop - 1))
            with engine.begin() as conn, _gc_paused():
                written = _load_chunk(
                    conn, chunk_p, chunk_e, clock=clock, recorded_by=recorded_by, fold_pool=pool
                )
            total_events += written
            if progress is not None:
                progress(stop - start)
    return n, total_events


def _next_id(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()) + 1


def _load_chunk(
    conn: Connection,
    persons: pl.DataFrame,
    events: pl.DataFrame,
    *,
    clock: Clock,
    recorded_by: str,
    fold_pool: ProcessPoolExecutor | None = None,
) -> int:
    now = clock.now()
    dialect = conn.dialect.name
    if not _is_safe_token(recorded_by):
        raise InvalidInput("recorded_by may hold only letters, digits, '-', '_' and '.'")
    late = events.filter(pl.col("occurred_on") > clock.today())
    if late.height:
        raise InvalidInput(f"bulk load refused: an event occurs after today ({late['occurred_on'][0]})")
    # Lock the chain head first: on PostgreSQL this serialises us with every other writer.
    head = ledger.lock_head(conn, EVENTS_LEDGER)
    prev_hash = head.last_hash

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
    identities: list[tuple[Any, ...]] = []  # in ``_Identity`` order
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
        identities.append((pid, reference, nat, sex, dob, fid, family, given))
        person_rows.append((pid, reference, given, family, dob, sex, nat, list(langs or []), fid, now))
    _fast_insert(conn, "persons", _PERSON_COLUMNS, person_rows)

    canonical = _validated_payloads(events)
    frame = events.select(
        (pl.col("person_index") - base_index + first_person_id).alias("case_id"),
        "sequence",
        "event_type",
        "occurred_on",
        pl.col("recorded_at").dt.convert_time_zone("UTC").alias("recorded_at"),
    ).with_columns(canonical.alias("data"))
    folded: Future[list[tuple[Any, ...]]] | None = None
    if fold_pool is not None:
        folded = fold_pool.submit(_worker_fold_frame, frame, identities, now, dialect)
    n_events = frame.height
    # Dates and instants as text, formatted by Polars: on SQLite as SQLAlchemy stores them (ISO dates, naive
    # UTC instants), on PostgreSQL as COPY reads them (the instant with its UTC offset).
    instant_text = "%Y-%m-%d %H:%M:%S%.6f" if dialect == "sqlite" else "%Y-%m-%d %H:%M:%S%.6f+00"
    texts = frame.select(
        pl.col("occurred_on").dt.to_string("%Y-%m-%d"),
        pl.col("recorded_at").dt.replace_time_zone(None).dt.to_string(instant_text),
    )
    # The ledger's hash over each event's canonical body, as ``append_event`` hashes it. The bodies are built
    # by Polars; the chain itself (each hash over the one before) runs as the rows go to the driver, so on
    # PostgreSQL the server inserts the first events while the later ones are hashed.
    chain = _Chain(prev_hash)
    taken = {name: frame[name].to_list() for name in ("case_id", "sequence", "event_type", "data")}
    event_rows = chain.rows(
        _event_bodies(frame, recorded_by).to_list(),
        range(first_event_id, first_event_id + n_events),
        taken["case_id"],
        taken["sequence"],
        taken["event_type"],
        texts["occurred_on"].to_list(),
        texts["recorded_at"].to_list(),
        recorded_by,
        taken["data"],
    )
    _fast_insert(conn, "case_events", _EVENT_COLUMNS, event_rows, preformatted=True)
    prev_hash = chain.head
    if folded is not None:
        rows = folded.result()
    else:
        rows = _fold_frame(frame, identities, now, dialect, taken)
    _insert_projection(conn, rows)
    if ids:
        for hook in NEW_CASES_HOOKS:
            hook(conn, ids[0], ids[-1], n_events)

    last_id = first_event_id + n_events - 1 if n_events else head.last_id
    ledger.advance_head(conn, EVENTS_LEDGER, ledger.Head(last_id, prev_hash, head.count + n_events))
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


_PROJECTION_COLUMNS = (
    *_IDENTITY_COLUMNS,
    "name_folded",
    *STATE_COLUMNS,
    "review_decisions",
    "retracted_sequences",
    "updated_at",
)


_MARKED_COLUMNS = (*_PROJECTION_COLUMNS, "change_mark")


def projection_rows(
    persons: Sequence[Any], per_case: dict[int, list[LegalEvent]], now: datetime
) -> list[tuple[Any, ...]]:
    """Fold each person's events into a projection row (the bulk form of ``projection_row``), in
    ``_PROJECTION_COLUMNS`` order.

    Tuples in one pass rather than a dict per case: at a national scale the dicts cost more than the fold.
    """
    state_values = operator.attrgetter(*STATE_COLUMNS)
    rows: list[tuple[Any, ...]] = []
    no_events: list[LegalEvent] = []
    # Full names repeat (50,000 synthetic persons have about 1,300): each distinct one is folded once.
    folded_names: dict[tuple[str, str], str] = {}
    for p in persons:
        state = fold(per_case.get(p.id, no_events))
        name = (p.given_name, p.family_name)
        name_folded = folded_names.get(name)
        if name_folded is None:
            name_folded = folded_names[name] = folded_name(*name)
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
                name_folded,
                *state_values(state),
                review_decisions_json(state.review_decisions),
                list(state.retracted_sequences),
                now,
            )
        )
    return rows


def _fold_frame(
    frame: pl.DataFrame,
    identities: list[tuple[Any, ...]],
    now: datetime,
    dialect: str,
    taken: Mapping[str, list[Any]] | None = None,
) -> list[tuple[Any, ...]]:
    """A loading chunk's projection rows, ready to insert: ``frame`` holds the chunk's events (case_id,
    sequence, event_type, occurred_on, recorded_at and the canonical payload text), ordered by case and
    sequence; ``identities`` the persons, in ``_Identity`` order; ``taken`` any of the frame's columns the
    caller has already made lists of (not made twice)."""

    def column(name: str) -> list[Any]:
        return taken[name] if taken is not None and name in taken else frame[name].to_list()

    payloads = _memo(column("data"), orjson.loads)
    events = list(
        map(
            _new_event,
            zip(
                column("sequence"),
                column("event_type"),
                column("occurred_on"),
                column("recorded_at"),
                payloads,
                strict=True,
            ),
        )
    )
    per_case = _group(column("case_id"), events)
    rows = projection_rows(list(map(_new_identity, identities)), per_case, now)
    return _prepared("case_projection", _PROJECTION_COLUMNS, rows, dialect)


def _worker_watch(parent: int) -> None:
    """A worker's first act: leave as soon as the process that started it has gone.

    A pool worker waits on a queue whose writing end it holds itself, so it would never notice a parent
    killed outright (SIGKILL mid-seed) and would linger; a daemon thread watches the parent instead."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _worker_ready() -> None:
    """Nothing: submitted first so that a worker starts, and imports this module, before it is needed."""


def _worker_fold_frame(
    frame: pl.DataFrame, identities: list[tuple[Any, ...]], now: datetime, dialect: str
) -> list[tuple[Any, ...]]:
    with _gc_paused():
        return _fold_frame(frame, identities, now, dialect)


def _group(case_ids: Sequence[int], events: list[LegalEvent]) -> dict[int, list[LegalEvent]]:
    """Each case's events, from parallel lists already grouped by case."""
    per_case: dict[int, list[LegalEvent]] = {}
    position = 0
    for case_id, count in Counter(case_ids).items():  # first-seen order, and the rows come grouped
        per_case[case_id] = events[position : position + count]
        position += count
    return per_case


# --- the projection rebuild --------------------------------------------------------------------------

_new_event = functools.partial(tuple.__new__, LegalEvent)


class _Converted(dict[Any, Any]):
    """Each value's conversion, made on its first lookup (``__missing__``) and looked up in C after."""

    __slots__ = ("convert",)

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        converted = self[value] = self.convert(value)
        return converted


def _memo(values: Iterable[Any], convert: Callable[[Any], Any]) -> list[Any]:
    """``[convert(v) for v in values]``, converting each distinct value once (dates and payloads repeat)."""
    return list(map(_Converted(convert).__getitem__, values))


def _sqlite_utc(text_value: str) -> datetime:
    # SQLAlchemy stores naive UTC text; parsed with its offset, the value is aware UTC in one C call.
    return datetime.fromisoformat(text_value + "+00:00")


def _json_payload(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else orjson.loads(value)


def _events_by_case(rows: Sequence[Any], dialect: str) -> dict[int, list[LegalEvent]]:
    """Raw ``(case_id, sequence, event_type, occurred_on, recorded_at, data)`` rows, ordered by case and
    sequence, as each case's ``LegalEvent`` list: the values exactly as the ORM would load them."""
    if not rows:
        return {}
    case_ids, sequences, types, occurred_raw, recorded_raw, data = zip(*rows, strict=True)
    occurred: Sequence[date]
    recorded: list[datetime]
    payloads: list[dict[str, Any]]
    if dialect == "sqlite":
        # Raw SQLite hands back the text SQLAlchemy stored; parse it as SQLAlchemy would.
        occurred = _memo(occurred_raw, date.fromisoformat)
        recorded = list(map(_sqlite_utc, recorded_raw))
        payloads = _memo(data, orjson.loads)
    else:
        from returnhub.core.time import utc

        occurred = occurred_raw
        recorded = list(map(utc, recorded_raw))
        payloads = list(map(_json_payload, data))
    events = list(map(_new_event, zip(sequences, types, occurred, recorded, payloads, strict=True)))
    return _group(case_ids, events)


_RANGE_PERSONS = (
    "SELECT id, reference, nationality, sex, date_of_birth, family_unit_id, family_name, given_name "
    "FROM persons WHERE id BETWEEN {lo} AND {hi} ORDER BY id"
)
_RANGE_EVENTS = (
    "SELECT case_id, sequence, event_type, occurred_on, recorded_at, data FROM case_events "
    "WHERE case_id BETWEEN {lo} AND {hi} ORDER BY case_id, sequence"
)


class _Identity(NamedTuple):
    id: int
    reference: str
    nationality: str
    sex: str
    date_of_birth: date
    family_unit_id: int | None
    family_name: str
    given_name: str


_new_identity = functools.partial(tuple.__new__, _Identity)


def _range_rows(conn: Connection, lo: int, hi: int, now: datetime) -> list[tuple[Any, ...]]:
    """The projection rows of persons ``lo..hi`` (ids), ready for ``_fast_insert(preformatted=True)``."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    # The driver's own cursor: plain tuples, several times cheaper to take apart than SQLAlchemy rows.
    cursor = raw.cursor()
    with _gc_paused():
        try:
            cursor.execute(_RANGE_PERSONS.format(lo=int(lo), hi=int(hi)))
            persons = list(map(_new_identity, cursor.fetchall()))
            cursor.execute(_RANGE_EVENTS.format(lo=int(lo), hi=int(hi)))
            events = cursor.fetchall()
        finally:
            cursor.close()
        rows = projection_rows(persons, _events_by_case(events, conn.dialect.name), now)
        return _prepared("case_projection", _PROJECTION_COLUMNS, rows, conn.dialect.name)


def _id_ranges(conn: Connection, batch_persons: int) -> list[tuple[int, int]]:
    ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM persons ORDER BY id")]
    return [(ids[i], ids[min(i + batch_persons, len(ids)) - 1]) for i in range(0, len(ids), batch_persons)]


def rebuild_workers(session: Any) -> int:
    """How many worker processes a rebuild in this session may use: 1 (in-process) unless the rebuild is the
    first thing in a fresh session on an engine (so the workers' own connections see exactly the committed
    data this session sees) of a file or server database, and there is enough to share out."""
    from sqlalchemy.engine import Engine

    bind = session.get_bind()
    if session.in_transaction() or not isinstance(bind, Engine):
        return 1
    if bind.dialect.name == "sqlite" and bind.url.database in (None, "", ":memory:"):
        return 1
    persons = session.execute(text("SELECT COUNT(*) FROM persons")).scalar_one()
    if persons < PARALLEL_MIN_PERSONS:
        return 1
    return max(1, min(MAX_REBUILD_WORKERS, os.cpu_count() or 1))


#: Below this many persons a rebuild stays in-process: starting workers costs about a second.
PARALLEL_MIN_PERSONS = 40_000
MAX_REBUILD_WORKERS = 4


def rebuild_projection_fast(
    session: Any,
    now: datetime,
    progress: Progress | None = None,
    batch_persons: int = 10_000,
    workers: int = 1,
) -> int:
    """Refill the (emptied) projection from the events, in batches of persons, through the bulk path.

    With ``workers`` > 1 the batches are read and folded in that many worker processes, each on its own
    read-only connection, while this process inserts the rows they send back, in order, in the session's
    transaction. The caller must make sure those connections see what the session sees (``rebuild_workers``)
    and that no event is appended meanwhile (``casework.store.rebuild_projection`` holds the chain head).
    """
    conn = session.connection()
    ranges = _id_ranges(conn, batch_persons)
    if workers <= 1 or len(ranges) < 2:
        batches: Iterable[list[tuple[Any, ...]]] = (_range_rows(conn, lo, hi, now) for lo, hi in ranges)
        return _insert_batches(conn, batches, progress)
    context = multiprocessing.get_context("spawn")  # no fork: the parent holds connections and threads
    url = conn.engine.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(
        max_workers=min(workers, len(ranges) - 1),
        mp_context=context,
        initializer=_worker_start,
        initargs=(url, os.getpid()),
    ) as pool:
        los, his = zip(*ranges[1:], strict=True)
        later = pool.map(_worker_range_rows, los, his, [now] * len(los))
        # The workers take a second or more to start (a fresh interpreter each): fold the first batch here.
        first = _range_rows(conn, *ranges[0], now)
        return _insert_batches(conn, itertools.chain([first], later), progress)


def _insert_batches(
    conn: Connection, batches: Iterable[list[tuple[Any, ...]]], progress: Progress | None
) -> int:
    total = 0
    for rows in batches:
        _insert_projection(conn, rows)
        total += len(rows)
        if progress is not None:
            progress(len(rows))
    return total


_worker_engine: Engine | None = None


def _worker_start(url: str, parent: int) -> None:
    global _worker_engine
    _worker_watch(parent)
    from returnhub.core.database import create_engine

    # Read-only: on SQLite a deferred BEGIN, so the workers read beside the rebuild's write transaction.
    _worker_engine = create_engine(url, poolclass=NullPool).execution_options(read_only=True)


def _worker_range_rows(lo: int, hi: int, now: datetime) -> list[tuple[Any, ...]]:
    assert _worker_engine is not None
    with _worker_engine.connect() as conn:
        return _range_rows(conn, lo, hi, now)


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


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ", timespec="microseconds")


def _date_iso(value: date) -> str:
    return value.isoformat()


def _date_text(value: Any) -> Any:
    return value.isoformat() if type(value) is date else value  # raw SQLite reads give text already


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


class _Conversion(NamedTuple):
    column: int
    convert: Callable[[Any], Any]
    #: Whether the column's values are hashable and repeat (dates: a few thousand days; a chunk's one
    #: ``now``), so that each distinct value is converted once.
    repeats: bool


def _converters(table: str, columns: Sequence[str], dialect: str) -> list[_Conversion]:
    """Per-column conversions to what SQLAlchemy itself would send; only the columns that need one."""
    types = Base.metadata.tables[table].columns
    out: list[_Conversion] = []
    for i, name in enumerate(columns):
        column_type = types[name].type
        if isinstance(column_type, JSON):
            out.append(_Conversion(i, _json_text, repeats=False))
        elif dialect == "sqlite" and isinstance(column_type, DateTime):
            out.append(_Conversion(i, _sqlite_datetime, repeats=True))
        elif dialect == "sqlite" and isinstance(column_type, Date):
            out.append(_Conversion(i, _date_text, repeats=True))
    return out


# sqlite3 adapts ``date`` parameters with this (ISO text, what SQLAlchemy stores), for rows that do not go
# through ``_prepared``; adapters match the exact type, so ``datetime`` values are unaffected.
sqlite3.register_adapter(date, _date_iso)


def _insert_projection(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert prepared projection rows, each with this transaction's change mark (``casework.snapshots``)."""
    if not rows:
        return
    mark = next_mark(conn)
    marked = [(*row, mark) for row in rows]
    _fast_insert(conn, "case_projection", _MARKED_COLUMNS, marked, preformatted=True)


def _prepared(
    table: str, columns: Sequence[str], rows: list[tuple[Any, ...]], dialect: str
) -> list[tuple[Any, ...]]:
    """Rows with each value as SQLAlchemy would send it (JSON as text; on SQLite, dates and instants as text).

    Column by column rather than row by row: a projection row has a hundred values of which a few columns
    need converting, and the dates among them repeat, so each distinct date is formatted once (and the
    insert then binds plain text, sparing sqlite3 an adapter call per date)."""
    converters = _converters(table, columns, dialect)
    if not converters or not rows:
        return rows
    values: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for i, convert, repeats in converters:
        values[i] = _memo(values[i], convert) if repeats else list(map(convert, values[i]))
    return list(zip(*values, strict=True))


def _fast_insert(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    preformatted: bool = False,
) -> None:
    """Insert rows with the driver's fastest path (COPY on PostgreSQL, executemany on SQLite).

    ``rows`` is a list, or any iterable of rows ready to send (``preformatted``)."""
    if isinstance(rows, list) and not rows:
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    dialect = conn.dialect.name
    if not preformatted:
        rows = _prepared(table, columns, list(rows), dialect)
    names = ", ".join(columns)
    if dialect == "postgresql":
        with raw.cursor() as cur:  # type: ignore[attr-defined]
            with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    if dialect == "sqlite":
        cursor: sqlite3.Cursor = raw.cursor()  # type: ignore[assignment]  # sqlite3's: takes any iterable
        placeholders = ", ".join("?" for _ in columns)
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
        cursor.close()
        return
    raise InvalidInput(f"bulk load does not support the {dialect} database")
