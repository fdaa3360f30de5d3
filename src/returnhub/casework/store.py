"""The event store: append (validated, versioned, hash-chained), read, verify, project.

Service functions take a ``Session`` and never commit: the caller's unit of work does, once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import orjson
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from returnhub.casework.events import (
    GATED_EVENT_TYPES,
    EventType,
    check_plausible_dates,
    sealed_fields_present,
    validate_payload,
)
from returnhub.casework.models import StoredEvent, case_projection
from returnhub.casework.sealed import seal_payload, store_sealed
from returnhub.casework.snapshots import clear_snapshots, next_mark
from returnhub.casework.state import CaseState, LegalEvent, fold, fold_as_of, review_decisions_json
from returnhub.core import bounds, ledger
from returnhub.core.clock import Clock
from returnhub.core.crypto import FieldCipher, default_field_cipher
from returnhub.core.errors import InvalidInput, NotFound, StateConflict, VersionConflict
from returnhub.core.ledger import LedgerHead
from returnhub.core.time import canonical_stored_time, canonical_time, utc
from returnhub.people.models import Person
from returnhub.people.names import folded_name

EVENTS_LEDGER = "events"

#: Run after every append, inside the same transaction, with (session, reference, result, clock).
#: Operations registers the departure gate's re-check here, so a notice recorded at any time takes the
#: person off a locked manifest in the very transaction that records it.
POST_APPEND_HOOKS: list[Callable[[Session, str, AppendResult, Clock], None]] = []
#: Run before an event is written, with (session, reference, event type, legal date, validated payload,
#: clock, instant or None); a hook refuses the event by raising a ``DomainError``, and nothing is written.
#: Operations registers the gate's check of a ``hub_referral`` here, and the departure gate for the events
#: that take a person out of the UK (``events.DEPARTURE_EVENT_TYPES``), so neither is ever recorded past a
#: safeguard, whoever records it. Casework does not import operations: the composition root registers both
#: lists, and ``append_event`` refuses to run before it has (``HooksNotRegistered``), so no code path can
#: record an event past the gate by forgetting to.
PRE_APPEND_HOOKS: list[Callable[[Session, str, str, date, dict[str, Any], Clock, datetime | None], None]] = []
_hooks_registered = False


class HooksNotRegistered(RuntimeError):
    """An append before the composition root registered the hooks: a wiring mistake, never a user's."""


def hooks_registered() -> None:
    """Called by whoever fills the hook lists above (``operations.transfers.register_hooks``, run by the
    composition roots: ``web.app.create_app``, the CLI's ``runtime()``, the test suite's conftest)."""
    global _hooks_registered
    _hooks_registered = True


def event_body(
    *,
    case_reference: str,
    sequence: int,
    event_type: str,
    occurred_on: str,
    recorded_at: str,
    recorded_by: str,
    data: Any,
    occurred_at: str | None = None,
) -> dict[str, Any]:
    """The canonical body of an event in the ledger (dates ISO, instants ``core.time.canonical_time``).

    ``occurred_at`` is covered when present and left out when absent, so the events recorded before it
    existed (and the bulk loader's, which have none) keep their hashes. ``data`` is the payload as stored
    (with ``$sealed`` markers), or an ``orjson.Fragment`` of its canonical JSON (the bulk loader)."""
    return event_body_of(
        case_reference, sequence, event_type, occurred_on, recorded_at, recorded_by, data, occurred_at
    )


def event_body_of(
    case_reference: str,
    sequence: int,
    event_type: str,
    occurred_on: str,
    recorded_at: str,
    recorded_by: str,
    data: Any,
    occurred_at: str | None,
) -> dict[str, Any]:
    """``event_body`` with positional arguments, for the loops that build one per event (the verify, the
    bulk load): keywords cost about a tenth of their time per event."""
    body: dict[str, Any] = {
        "case": case_reference,
        "sequence": sequence,
        "type": event_type,
        "occurred_on": occurred_on,
        "recorded_at": recorded_at,
        "recorded_by": recorded_by,
        "data": data,
    }
    if occurred_at is not None:
        body["occurred_at"] = occurred_at
    return body


def event_digest(
    prev_hash: str,
    *,
    occurred_on: date,
    recorded_at: datetime,
    occurred_at: datetime | None = None,
    **fields: Any,
) -> str:
    """The ledger hash of an event: over the previous hash and the canonical body of every stored field
    (``fields``: the rest of ``event_body``: case_reference, sequence, event_type, recorded_by, data)."""
    body = event_body(
        occurred_on=occurred_on.isoformat(),
        recorded_at=canonical_time(recorded_at),
        occurred_at=None if occurred_at is None else canonical_time(occurred_at),
        **fields,
    )
    return ledger.digest(prev_hash, body)


@dataclass(frozen=True)
class AppendResult:
    event_id: int
    sequence: int
    hash: str
    state: CaseState
    event_type: str = ""
    #: The case's events before this one, as the append read them: a hook that needs the state before
    #: the event folds these rather than reading the case again.
    earlier: tuple[LegalEvent, ...] = ()


def get_person(session: Session, reference: str) -> Person:
    person = session.execute(select(Person).where(Person.reference == reference)).scalar_one_or_none()
    if person is None:
        raise NotFound(f"no case with reference {reference!r}")
    return person


def to_legal_event(row: StoredEvent) -> LegalEvent:
    return LegalEvent(
        sequence=row.sequence,
        event_type=row.event_type,
        occurred_on=row.occurred_on,
        recorded_at=utc(row.recorded_at),
        data=row.data,
        occurred_at=None if row.occurred_at is None else utc(row.occurred_at),
    )


def load_events(session: Session, case_id: int) -> list[StoredEvent]:
    return list(
        session.execute(
            select(StoredEvent).where(StoredEvent.case_id == case_id).order_by(StoredEvent.sequence)
        ).scalars()
    )


def load_legal_events(session: Session, case_id: int) -> list[LegalEvent]:
    """One case's events, as the fold takes them."""
    return load_legal_events_of(session, [case_id])[case_id]


def load_legal_events_of(session: Session, case_ids: Sequence[int]) -> dict[int, list[LegalEvent]]:
    """The events of each case, in sequence order, as the fold takes them: the one loader of case events
    for a fold (a single case's view and append, the screening's refold, rebuilds)."""
    grouped: dict[int, list[LegalEvent]] = {case_id: [] for case_id in case_ids}
    for batch in batched(list(grouped), 1_000):
        rows = session.execute(
            select(
                StoredEvent.case_id,
                StoredEvent.sequence,
                StoredEvent.event_type,
                StoredEvent.occurred_on,
                StoredEvent.recorded_at,
                StoredEvent.data,
                StoredEvent.occurred_at,
            )
            .where(StoredEvent.case_id.in_(batch))
            .order_by(StoredEvent.case_id, StoredEvent.sequence)
        ).all()
        for r in rows:
            grouped[r[0]].append(
                LegalEvent(r[1], r[2], r[3], utc(r[4]), r[5], None if r[6] is None else utc(r[6]))
            )
    return grouped


def case_state(
    session: Session,
    reference: str,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    at: datetime | None = None,
) -> tuple[Person, CaseState]:
    person = get_person(session, reference)
    events = load_legal_events(session, person.id)
    return person, fold_as_of(events, as_of=as_of, known_at=known_at, at=at)


def append_event(
    session: Session,
    reference: str,
    event_type: str,
    occurred_on: date,
    data: dict[str, Any] | None,
    *,
    clock: Clock,
    recorded_by: str,
    expected_version: int | None = None,
    via_gate: bool = False,
    cipher: FieldCipher | None = None,
    occurred_at: datetime | None = None,
) -> AppendResult:
    """Validate and append one event, then refresh the case's projection row, in the caller's transaction.

    ``expected_version`` is the version the caller last read; if the case has moved on since, the
    append is refused (409). Events that move a person are accepted only from the operations gate.
    Special-category fields are sealed with ``cipher`` (the configured one if not given): the stored
    payload, its hash and the fold see only ``{"$sealed": id}`` markers. ``occurred_at`` is the instant
    in law when the time of day is known: an aware datetime on ``occurred_on`` (in its own offset).
    """
    if not _hooks_registered:
        raise HooksNotRegistered(
            "the departure gate's hooks are not registered: start through web.app.create_app or the CLI's "
            "runtime(), or call operations.transfers.register_hooks() first"
        )
    payload = validate_payload(event_type, data)
    if event_type in GATED_EVENT_TYPES and not via_gate:
        raise InvalidInput(
            f"{event_type} moves a person and is recorded only through operations' gate "
            "(`returnhub transfers` for manifests, `returnhub stays exit` for leaving a hub)"
        )
    today = clock.today()
    if occurred_on > today:
        raise InvalidInput(f"occurred_on {occurred_on.isoformat()} is in the future (today is {today})")
    bounds.check_legal_date(occurred_on, today, "occurred_on")
    check_plausible_dates(event_type, payload, today)
    occurred_at = _instant(occurred_at, occurred_on, clock)
    person = get_person(session, reference)
    head = ledger.lock(session, EVENTS_LEDGER)
    current_version = session.execute(
        select(func.coalesce(func.max(StoredEvent.sequence), 0)).where(StoredEvent.case_id == person.id)
    ).scalar_one()
    if expected_version is not None and expected_version != current_version:
        raise VersionConflict(
            f"case {reference} is at version {current_version}, not {expected_version}; "
            "reload the case and try again",
            current_version=current_version,
        )
    events = load_legal_events(session, person.id)
    if event_type == EventType.EVENT_RETRACTED:
        _check_retraction(events, payload["sequence"], reference, via_gate=via_gate)
    for check in PRE_APPEND_HOOKS:
        check(session, reference, event_type, occurred_on, payload, clock, occurred_at)

    recorded_at = clock.now()
    sequence = current_version + 1
    sealed: list[dict[str, Any]] = []
    if sealed_fields_present(event_type, payload):
        payload, sealed = seal_payload(
            event_type,
            payload,
            cipher=cipher or default_field_cipher(),
            case_reference=reference,
            sequence=sequence,
            sealed_at=recorded_at,
        )
    digest = event_digest(
        head.last_hash,
        case_reference=reference,
        sequence=sequence,
        event_type=event_type,
        occurred_on=occurred_on,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        data=payload,
        occurred_at=occurred_at,
    )
    row = StoredEvent(
        case_id=person.id,
        sequence=sequence,
        event_type=event_type,
        occurred_on=occurred_on,
        occurred_at=occurred_at,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        data=payload,
        prev_hash=head.last_hash,
        hash=digest,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise VersionConflict(
            f"case {reference} changed while this event was being recorded; reload and try again"
        ) from None
    store_sealed(session, sealed)
    head.last_id = row.id
    head.last_hash = digest
    head.count = head.count + 1
    state = fold(
        [*events, LegalEvent(sequence, event_type, occurred_on, utc(recorded_at), payload, occurred_at)]
    )
    upsert_projection(session, person, state, clock.now())
    result = AppendResult(
        event_id=row.id,
        sequence=sequence,
        hash=digest,
        state=state,
        event_type=event_type,
        earlier=tuple(events),
    )
    for hook in POST_APPEND_HOOKS:
        hook(session, reference, result, clock)
    return result


def _instant(occurred_at: datetime | None, occurred_on: date, clock: Clock) -> datetime | None:
    """Check an event's instant: aware, on its legal date (in its own offset), not in the future; as UTC."""
    if occurred_at is None:
        return None
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise InvalidInput(
            f"the time {occurred_at.isoformat()} has no time zone: give its offset, like 21:30+01:00"
        )
    bounds.check_instant(occurred_at, "the time", now=clock.now())
    if occurred_at.date() != occurred_on:
        raise InvalidInput(
            f"the time {occurred_at.isoformat()} is not on the event's date {occurred_on.isoformat()}"
        )
    if occurred_at > clock.now():
        raise InvalidInput(f"the time {occurred_at.isoformat()} is in the future")
    return utc(occurred_at)


def _check_retraction(events: Sequence[LegalEvent], target: int, reference: str, *, via_gate: bool) -> None:
    by_sequence = {e.sequence: e for e in events}
    if target not in by_sequence:
        raise InvalidInput(f"case {reference} has no event with sequence {target} to retract")
    if by_sequence[target].event_type in GATED_EVENT_TYPES and not via_gate:
        # Withdrawing a move moves the person in the record (back onto a manifest, back into a hub), so
        # it is as much the gate's business as recording the move.
        raise InvalidInput(
            f"event {target} of case {reference} ({by_sequence[target].event_type}) moved a person; "
            "only operations' gate may withdraw it"
        )
    if by_sequence[target].event_type == EventType.EVENT_RETRACTED:
        raise InvalidInput("a retraction cannot itself be retracted; record the event again instead")
    if any(e.event_type == EventType.EVENT_RETRACTED and e.data["sequence"] == target for e in events):
        raise StateConflict(f"event {target} of case {reference} is already retracted")


class PersonLike(Protocol):
    """A person as the projection needs one: the ORM row or a bulk loader's plain record."""

    @property
    def id(self) -> int: ...
    @property
    def reference(self) -> str: ...
    @property
    def nationality(self) -> str: ...
    @property
    def sex(self) -> str: ...
    @property
    def date_of_birth(self) -> date: ...
    @property
    def family_unit_id(self) -> int | None: ...
    @property
    def family_name(self) -> str: ...
    @property
    def given_name(self) -> str: ...


def projection_row(person: PersonLike, state: CaseState, updated_at: datetime) -> dict[str, Any]:
    row = projection_values(state)
    row.update(
        case_id=person.id,
        reference=person.reference,
        nationality=person.nationality,
        sex=person.sex,
        date_of_birth=person.date_of_birth,
        family_unit_id=person.family_unit_id,
        family_name=person.family_name,
        given_name=person.given_name,
        name_folded=folded_name(person.given_name, person.family_name),
        updated_at=updated_at,
    )
    return row


STATE_COLUMNS = [
    c.name
    for c in case_projection.columns
    if c.name
    not in {
        "case_id",
        "reference",
        "nationality",
        "sex",
        "date_of_birth",
        "family_unit_id",
        "family_name",
        "given_name",
        "name_folded",
        "updated_at",
        "review_decisions",
        "retracted_sequences",
        "change_mark",
    }
]


def projection_values(state: CaseState) -> dict[str, Any]:
    values = {name: getattr(state, name) for name in STATE_COLUMNS}
    values["review_decisions"] = review_decisions_json(state.review_decisions)
    values["retracted_sequences"] = list(state.retracted_sequences)
    return values


def upsert_projection(session: Session, person: Person, state: CaseState, updated_at: datetime) -> None:
    row = projection_row(person, state, updated_at)
    row["change_mark"] = next_mark(session)  # the fact snapshots are patched with the newer rows
    result = session.execute(
        update(case_projection).where(case_projection.c.case_id == person.id).values(row)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(case_projection).values(row))


@dataclass(frozen=True)
class ChainReport:
    events: int
    ok: bool
    first_broken_id: int | None = None
    first_broken_case: str | None = None
    first_broken_sequence: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"events": self.events, "ok": self.ok}
        if not self.ok:
            out.update(
                first_broken_event_id=self.first_broken_id,
                case=self.first_broken_case,
                sequence=self.first_broken_sequence,
                problem=self.problem,
            )
        return out


EVENT_WORDS = ledger.Words("an event", "events")


#: Below this many events a verify stays in one process: a second one takes about a second to start.
PARALLEL_VERIFY_MIN_EVENTS = 600_000
_EVENT_ROWS = (
    "SELECT id, prev_hash, hash, case_id, sequence, event_type, occurred_on, recorded_at, recorded_by, "
    "{data}, occurred_at FROM case_events {where} ORDER BY id"
)


def verify_chain(session: Session, *, batch: int = 20_000, workers: int | None = None) -> ChainReport:
    """Recompute every hash in chain order. Detects an edited, deleted, reordered or inserted event.

    Rows come straight from the driver (``ledger.stream``) and their bodies are rebuilt from the stored
    text: the same bytes ``event_digest`` hashes, without SQLAlchemy's per-row conversions.

    ``workers`` (None: 2 for a long chain when ``verify_workers`` allows, else 1): with 2, a second
    process checks the first half of the ids while this one checks the rest, each part from the stored
    previous hash of its first event, and ``ledger.join`` checks the joint; the verdict is the same."""
    may_share = workers is None and verify_workers(session) > 1  # before the session's first statement
    references = _references(session, batch)
    head = ledger.read_head(session.connection(), EVENTS_LEDGER)
    if workers is None:
        long_chain = head is not None and head.count >= PARALLEL_VERIFY_MIN_EVENTS
        workers = 2 if may_share and long_chain else 1
    body_of = _stored_event_body(references)
    if workers > 1:
        verdict = _verify_in_parts(session, head, workers, batch, body_of)
    else:
        verdict = ledger.join([_verify_event_rows(session, "", batch, body_of)], head, EVENT_WORDS)
    if verdict.ok or verdict.first_broken_id is None:
        return ChainReport(verdict.rows, verdict.ok, problem=verdict.problem)
    case_id, sequence = session.execute(
        select(StoredEvent.case_id, StoredEvent.sequence).where(StoredEvent.id == verdict.first_broken_id)
    ).one()
    return ChainReport(
        verdict.rows,
        False,
        verdict.first_broken_id,
        references.get(case_id, f"#{case_id}"),
        sequence,
        verdict.problem,
    )


def core_free() -> bool:
    """Whether a worker would have a core of its own: more than one, and the load average a core below.

    A worker process costs more CPU in all than it saves the one that starts it (its own start, and what
    it sends back): the bulk load's fold, 50,000 persons on SQLite, 9.1 s in the loading process and 5.2 s
    in the worker against 11.0 s in one process. It pays only on a core that would otherwise idle; on a
    busy machine it was 40.6 s against 27.0 s."""
    cores = os.cpu_count() or 1
    return cores > 1 and os.getloadavg()[0] <= cores - 1


def verify_workers(session: Session) -> int:
    """How many processes a verify in this session may use: 1 unless it is the first thing in a fresh
    session on an engine of a file or server database (so another process's connection reads the same
    committed events below the ids this session sees; appends only add ids above them) and a second core
    is free (``core_free``: the second process costs more CPU than it saves this one, about a second
    to start and the persons read again; 3 million events on a busy machine: 42.6 s in two processes,
    28.6 s in one)."""
    from sqlalchemy.engine import Engine

    bind = session.get_bind()
    if session.in_transaction() or not isinstance(bind, Engine):
        return 1
    if bind.dialect.name == "sqlite" and bind.url.database in (None, "", ":memory:"):
        return 1
    return 2 if core_free() else 1


def _references(session: Session, batch: int) -> dict[int, str]:
    return dict(ledger.stream(session, "SELECT id, reference FROM persons", batch=batch))


def _verify_event_rows(
    session: Session, where: str, batch: int, body_of: Callable[[tuple[Any, ...]], bytes]
) -> ledger.Segment:
    data = "data::text" if session.get_bind().dialect.name == "postgresql" else "data"
    rows = ledger.stream(session, _EVENT_ROWS.format(data=data, where=where), batch=batch)
    try:
        return ledger.verify_segment(rows, body_of)
    finally:
        rows.close()  # a verify that stops early closes its server-side cursor now, not at collection


def _verify_in_parts(
    session: Session,
    head: ledger.Head | None,
    workers: int,
    batch: int,
    body_of: Callable[[tuple[Any, ...]], bytes],
) -> ledger.Verdict:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from returnhub.casework.bulk import _worker_watch

    low, high = session.execute(select(func.min(StoredEvent.id), func.max(StoredEvent.id))).one()
    if low is None:
        return ledger.join([], head, EVENT_WORDS)
    step = max(1, (high - low + 1) // workers)
    cuts = [low + step * k for k in range(workers)]  # part k: ids from cuts[k] below cuts[k + 1]
    url = session.get_bind().url.render_as_string(hide_password=False)  # type: ignore[union-attr]
    context = multiprocessing.get_context("spawn")  # no fork: this process holds connections
    with ProcessPoolExecutor(
        max_workers=workers - 1, mp_context=context, initializer=_worker_watch, initargs=(os.getpid(),)
    ) as pool:
        parts = [
            pool.submit(_verify_event_range, url, cuts[k], cuts[k + 1], batch) for k in range(workers - 1)
        ]
        # The last part here, in this session's snapshot: it alone runs to the end, where the head is.
        last = _verify_event_rows(session, f"WHERE id >= {cuts[-1]:d}", batch, body_of)
        segments = [part.result() for part in parts]
    return ledger.join([*segments, last], head, EVENT_WORDS)


def _verify_event_range(url: str, low: int, below: int, batch: int) -> ledger.Segment:
    """A worker's part of ``verify_chain``: the events with ids from ``low`` below ``below``."""
    from sqlalchemy.pool import NullPool

    from returnhub.core.database import create_engine, unit_of_work

    engine = create_engine(url, poolclass=NullPool)
    try:
        with unit_of_work(engine, read_only=True) as session:
            body_of = _stored_event_body(_references(session, batch))
            return _verify_event_rows(session, f"WHERE id >= {low:d} AND id < {below:d}", batch, body_of)
    finally:
        engine.dispose()


_PAYLOAD_MEMO = 20_000


def _stored_event_body(references: dict[int, str]) -> Callable[[tuple[Any, ...]], bytes]:
    """The canonical body of an event row as ``verify_chain`` reads it (id, prev_hash, hash, case_id,
    sequence, event_type, occurred_on, recorded_at, recorded_by, data, occurred_at)."""
    encode = ledger.encode
    fragment = orjson.Fragment
    reference_of = references.get
    # Stored payload text -> its canonical JSON, embedded as it is (what encoding the parsed payload inside
    # the body gives): many events carry the same payload, and parsing and encoding it is a third of the
    # time per event. Bounded, so a chain of distinct payloads costs no more memory than a batch.
    canonical_payloads: dict[str, orjson.Fragment] = {}

    def body_of(row: tuple[Any, ...]) -> bytes:
        _, _, _, case_id, sequence, event_type, on, at, by, data, occurred_at = row
        reference = reference_of(case_id)
        if reference is None:
            reference = f"#{case_id}"
        # canonical_stored_time's common case inline: SQLite's stored text of a naive UTC instant.
        if type(at) is str and len(at) == 26 and at[10] == " ":
            at = f"{at[:10]}T{at[11:]}Z"
        else:
            at = canonical_stored_time(at)
        payload = canonical_payloads.get(data)
        if payload is None:
            payload = fragment(encode(_stored_json(data)))
            if len(canonical_payloads) < _PAYLOAD_MEMO:
                canonical_payloads[data] = payload
        return encode(
            event_body_of(
                reference,
                sequence,
                event_type,
                on if type(on) is str else on.isoformat(),
                at,
                by,
                payload,
                None if occurred_at is None else canonical_stored_time(occurred_at),
            )
        )

    return body_of


def _stored_json(text: Any) -> Any:
    """A payload as stored (JSON text); the values SQLAlchemy's JSON type would give, for the hash."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)  # what orjson refuses (NaN, integers beyond 64 bits): the standard reader


def iter_case_events(
    session: Session, *, batch_cases: int = 5_000
) -> Iterator[tuple[Person, list[LegalEvent]]]:
    """Every case with its events, in batches, for rebuilds."""
    last = 0
    while True:
        people = list(
            session.execute(
                select(Person).where(Person.id > last).order_by(Person.id).limit(batch_cases)
            ).scalars()
        )
        if not people:
            return
        grouped = load_legal_events_of(session, [p.id for p in people])
        for p in people:
            yield p, grouped[p.id]
        last = people[-1].id


def rebuild_projection(
    session: Session,
    clock: Clock,
    progress: Any = None,
    *,
    workers: int | None = None,
    batch_persons: int = 10_000,
) -> int:
    """Drop and refill the projection from the events. Returns the number of cases.

    The chain head is held first, so no event is appended until the rebuild commits. ``workers``: fold in
    that many processes (``None``: as many as ``bulk.rebuild_workers`` allows for this session; 1: here).
    """
    from returnhub.casework.bulk import rebuild_projection_fast, rebuild_workers

    if workers is None:
        workers = rebuild_workers(session)
    session.execute(select(LedgerHead.name).where(LedgerHead.name == EVENTS_LEDGER).with_for_update())
    session.execute(delete(case_projection))
    clear_snapshots(session)  # the rebuilt rows are what a snapshot must now copy
    return rebuild_projection_fast(session, clock.now(), progress, batch_persons, workers=workers)


def count_cases(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Person)).scalar_one())


def batched(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
