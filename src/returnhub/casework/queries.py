"""Read side of casework: search the projection, show one case (now or as of a date)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    and_,
    cast,
    extract,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from returnhub.casework.models import SealedValue, StoredEvent, case_projection
from returnhub.casework.sealed import open_events
from returnhub.casework.state import CASE_STATUSES, fold_as_of
from returnhub.casework.store import get_person, load_events, to_legal_event
from returnhub.casework.views import CaseSummary, CaseView, EventOut, Identity
from returnhub.core.crypto import FieldCipher
from returnhub.core.errors import InvalidInput
from returnhub.core.time import utc
from returnhub.people.models import Person
from returnhub.people.names import fold

SUMMARY_COLUMNS = (
    "reference",
    "given_name",
    "family_name",
    "nationality",
    "sex",
    "date_of_birth",
    "status",
    "version",
    "appeal_rights_exhausted_on",
    "last_occurred_on",
)

MAX_PAGE = 500
MAX_AMONG = 2_000


_LAST_CODE_POINT = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)


def prefix_upper_bound(prefix: str) -> str | None:
    """The least string above every string that starts with ``prefix``, in code-point order (SQLite's
    binary collation compares UTF-8 bytes, which keeps that order), or None if there is none.

    The last character is bumped by one; a last character that is already the last code point (U+10FFFF)
    cannot be, so it is dropped and the one before it bumped; the surrogates are skipped, as no string
    can hold them.
    """
    text = prefix.rstrip(chr(_LAST_CODE_POINT))
    if not text:
        return None
    following = ord(text[-1]) + 1
    if following in _SURROGATES:
        following = _SURROGATES.stop
    return text[:-1] + chr(following)


def search_cases(
    session: Session,
    *,
    status: str | None = None,
    nationality: str | None = None,
    reference: str | None = None,
    name: str | None = None,
    born: date | None = None,
    limit: int = 50,
    after: str | None = None,
    within: ColumnElement[bool] | None = None,
    among: Collection[str] | None = None,
) -> list[CaseSummary]:
    """Cases from the projection, ordered by reference; ``after`` is the cursor (the last reference seen).

    ``within`` narrows the search to a record scope (``access.scopes.case_filter``); ``among`` to a set of
    references another context chose (a screening's outcome, a clock's state), at most ``MAX_AMONG``."""
    if limit < 1 or limit > MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    p = case_projection.c
    query = select(*(p[c] for c in SUMMARY_COLUMNS)).order_by(p.reference).limit(limit)
    if status:
        if status not in CASE_STATUSES:
            # A status that no case can have is a typing error, not an empty caseload.
            choices = ", ".join(CASE_STATUSES)
            raise InvalidInput(f"there is no case status {status!r}; choose one of: {choices}")
        query = query.where(p.status == status)
    if nationality:
        query = query.where(p.nationality == nationality.upper())
    if reference:
        prefix = reference.upper()
        if session.get_bind().dialect.name == "sqlite":
            # SQLite's LIKE ignores case, so it cannot use the reference index; a range over the binary
            # collation can: every reference starting with "RH012" lies in ["RH012", "RH013").
            query = query.where(p.reference >= prefix)
            if (following := prefix_upper_bound(prefix)) is not None:
                query = query.where(p.reference < following)
        else:
            query = query.where(p.reference.startswith(prefix, autoescape=True))
    if born is not None:
        query = query.where(p.date_of_birth == born)
    if name:
        # Any part of a name: every word typed must appear in the given or the family name, case and accents
        # folded on both sides ("Tariq Ibrahim", "ibrah" and "IBRĀHĪM" all find Ibrāhīm). Folded text holds
        # no "%" or "_", so each word is a plain substring pattern. A name with no letter in it matches
        # nobody (not everybody, as no condition at all would).
        words = fold(name).split()
        if not words:
            query = query.where(false())
        for word in words:
            query = query.where(p.name_folded.contains(word))
    if after:
        query = query.where(p.reference > after)
    if within is not None:
        query = query.where(within)
    if among is not None:
        if len(among) > MAX_AMONG:
            raise InvalidInput(f"at most {MAX_AMONG} references at a time")
        query = query.where(p.reference.in_(list(among)))
    rows = session.execute(query).mappings().all()
    return [CaseSummary.model_validate(row) for row in rows]


def last_recorded(session: Session, references: Collection[str]) -> dict[str, datetime]:
    """When the system last learnt something about each case (its latest event's ``recorded_at``): how long
    a case in a queue has waited with nothing new. At most ``MAX_AMONG`` references."""
    if not references:
        return {}
    if len(references) > MAX_AMONG:
        raise InvalidInput(f"at most {MAX_AMONG} references at a time")
    rows = session.execute(
        select(Person.reference, func.max(StoredEvent.recorded_at))
        .join(StoredEvent, StoredEvent.case_id == Person.id)
        .where(Person.reference.in_(list(references)))
        .group_by(Person.reference)
    ).all()
    return {reference: utc(at) for reference, at in rows if at is not None}


def event_view(row: StoredEvent) -> EventOut:
    return EventOut(
        sequence=row.sequence,
        type=row.event_type,
        occurred_on=row.occurred_on,
        occurred_at=None if row.occurred_at is None else utc(row.occurred_at),
        recorded_at=utc(row.recorded_at),
        recorded_by=row.recorded_by,
        # A copy: sealed fields are resolved in the view, never in the loaded row.
        data=dict(row.data),
        hash=row.hash,
    )


def count_cases_by(session: Session, *columns: str) -> list[tuple[Any, ...]]:
    """How many cases share each combination of the projection's ``columns`` (e.g. status, nationality,
    hub): one tuple per combination, the count last. Counted by the database (a group-by), so a caller
    that needs totals reads no case."""
    p = case_projection.c
    unknown = [c for c in columns if c not in p]
    if not columns or unknown:
        raise InvalidInput(f"cannot count cases by {', '.join(unknown) or 'nothing'}")
    chosen = [p[c] for c in columns]
    return [tuple(r) for r in session.execute(select(*chosen, func.count()).group_by(*chosen)).all()]


def cases_with_status(
    session: Session, statuses: Collection[str], *, columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    """The projection's ``columns`` for every case in one of ``statuses``: one tuple per case."""
    p = case_projection.c
    unknown = [c for c in columns if c not in p]
    if unknown:
        raise InvalidInput(f"the case record has no {', '.join(unknown)}")
    rows = session.execute(select(*(p[c] for c in columns)).where(p.status.in_(list(statuses)))).all()
    return [tuple(r) for r in rows]


def _year(column: ColumnElement[Any]) -> ColumnElement[int]:
    # EXTRACT on PostgreSQL, STRFTIME on SQLite (SQLAlchemy compiles both); PostgreSQL answers a numeric.
    return cast(extract("year", column), Integer)


def count_cases_by_year(
    conn: Connection | Session,
    day: str,
    category: str | None = None,
    *,
    cases: tuple[int, int] | None = None,
) -> list[tuple[int, str, int]]:
    """How many cases have the projection's date column ``day`` in each year, split by the column
    ``category`` (``""`` without one; a case whose category is empty is left out): ``(year, category,
    count)``, counted by the database, of every case or of those with ids in ``cases`` (inclusive)."""
    p = case_projection.c
    unknown = [c for c in (day, category) if c is not None and c not in p]
    if unknown:
        raise InvalidInput(f"cannot count cases by {', '.join(unknown)}")
    within = [] if cases is None else [p.case_id.between(*cases)]
    year = _year(p[day]).label("year")
    if category is None:
        query = select(year, literal(""), func.count()).where(p[day].is_not(None), *within).group_by(year)
    else:
        query = (
            select(year, p[category], func.count())
            .where(p[day].is_not(None), p[category].is_not(None), *within)
            .group_by(year, p[category])
        )
    return [(int(y), str(c), int(n)) for y, c, n in conn.execute(query).all()]


def count_cases_by_day(
    conn: Connection | Session,
    by: str,
    day: str,
    *,
    filled: Sequence[str] = (),
    until: date | None = None,
    cases: tuple[int, int] | None = None,
) -> list[tuple[Any, date, int]]:
    """How many cases share each value of the projection's column ``by`` and date ``day`` (up to ``until``
    when given), among those with ``by``, ``day`` and every column of ``filled`` set: ``(value, day,
    count)``, counted by the database, of every case or of those with ids in ``cases`` (inclusive)."""
    p = case_projection.c
    unknown = [c for c in (by, day, *filled) if c not in p]
    if unknown:
        raise InvalidInput(f"cannot count cases by {', '.join(unknown)}")
    conditions: list[ColumnElement[bool]] = [p[c].is_not(None) for c in (by, *filled, day)]
    if until is not None:
        conditions.append(p[day] <= until)
    if cases is not None:
        conditions.append(p.case_id.between(*cases))
    query = select(p[by], p[day], func.count()).where(*conditions).group_by(p[by], p[day])
    return [(value, d, int(n)) for value, d, n in conn.execute(query).all()]


#: The person's facts ``standing_events`` reads beside each event (people is casework's base; the two
#: tables are read together, in one select).
PERSON_FACTS: dict[str, Any] = {
    "nationality": pl.String,
    "sex": pl.String,
    "date_of_birth": pl.Date,
    "family_unit_id": pl.Int64,
}


def standing_events(
    session: Session,
    types: Sequence[str],
    since: date,
    until: date,
    *,
    known_at: datetime | None = None,
    fields: Sequence[str] = (),
) -> pl.DataFrame:
    """The events of ``types`` with legal date in ``[since, until]``, as the record stood at ``known_at``
    (``None``: now) and not retracted by then: one row per event, column-wise (one select over the
    ``(event_type, occurred_on)`` index), with ``case_id``, ``sequence``, ``event_type``, ``occurred_on``,
    the person's ``PERSON_FACTS`` and the payload's ``fields`` as text."""
    conditions = [
        StoredEvent.event_type.in_(list(types)),
        StoredEvent.occurred_on >= since,
        StoredEvent.occurred_on <= until,
    ]
    if known_at is not None:
        conditions.append(StoredEvent.recorded_at <= known_at)
    columns = [
        StoredEvent.case_id,
        StoredEvent.sequence,
        StoredEvent.event_type,
        StoredEvent.occurred_on,
        *(getattr(Person, name) for name in PERSON_FACTS),
        *(StoredEvent.data[f].as_string().label(f) for f in fields),
    ]
    rows = session.execute(
        select(*columns).join(Person, Person.id == StoredEvent.case_id).where(and_(*conditions))
    ).all()
    schema: dict[str, Any] = {
        "case_id": pl.Int64,
        "sequence": pl.Int64,
        "event_type": pl.String,
        "occurred_on": pl.Date,
        **PERSON_FACTS,
        **dict.fromkeys(fields, pl.String),
    }
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    retracted = _retracted(session, known_at)
    if retracted.height and frame.height:
        frame = frame.join(retracted, on=["case_id", "sequence"], how="anti")
    return frame


def _retracted(session: Session, known_at: datetime | None) -> pl.DataFrame:
    """The events retracted as known at ``known_at``: ``case_id`` and ``sequence``."""
    query = select(StoredEvent.case_id, StoredEvent.data["sequence"].as_integer()).where(
        StoredEvent.event_type == "event_retracted"
    )
    if known_at is not None:
        query = query.where(StoredEvent.recorded_at <= known_at)
    rows = session.execute(query).all()
    return pl.DataFrame(
        [tuple(r) for r in rows], schema={"case_id": pl.Int64, "sequence": pl.Int64}, orient="row"
    )


def case_versions(session: Session, references: Collection[str]) -> dict[str, int]:
    """Each case's current version (what a plan's approval compares with the versions it was computed on)."""
    if not references:
        return {}
    p = case_projection.c
    rows = session.execute(select(p.reference, p.version).where(p.reference.in_(list(references)))).all()
    return {str(r): int(v) for r, v in rows}


def family_references(session: Session, reference: str) -> list[str]:
    """The person and everyone in their family unit (people who must move together)."""
    person = get_person(session, reference)
    if person.family_unit_id is None:
        return [person.reference]
    return list(
        session.execute(
            select(Person.reference).where(Person.family_unit_id == person.family_unit_id).order_by(Person.id)
        ).scalars()
    )


def family_versions(session: Session, references: Sequence[str]) -> dict[str, tuple[tuple[str, int], ...]]:
    """For each reference, the (reference, case version) of everyone in its family unit, itself included."""
    if not references:
        return {}
    p = case_projection.c
    own = session.execute(
        select(p.reference, p.family_unit_id, p.version).where(p.reference.in_(list(references)))
    ).all()
    units = {r.family_unit_id for r in own if r.family_unit_id is not None}
    members: dict[int, list[tuple[str, int]]] = {}
    if units:
        for r in session.execute(
            select(p.family_unit_id, p.reference, p.version).where(p.family_unit_id.in_(units))
        ):
            members.setdefault(r.family_unit_id, []).append((r.reference, r.version))
    return {
        r.reference: tuple(sorted(members[r.family_unit_id]))
        if r.family_unit_id is not None
        else ((r.reference, r.version),)
        for r in own
    }


def family_births(session: Session, family_unit_id: int) -> list[tuple[int, int, date]]:
    """(case id, family unit, date of birth) of every member of a family unit."""
    p = case_projection.c
    rows = session.execute(
        select(p.case_id, p.family_unit_id, p.date_of_birth).where(p.family_unit_id == family_unit_id)
    ).all()
    return [tuple(r) for r in rows]


def family_sizes(session: Session, unit_ids: Collection[int]) -> dict[int, int]:
    """How many people each family unit holds."""
    if not unit_ids:
        return {}
    rows = session.execute(
        select(Person.family_unit_id, func.count())
        .where(Person.family_unit_id.in_(list(unit_ids)))
        .group_by(Person.family_unit_id)
    ).all()
    return {int(r[0]): int(r[1]) for r in rows if r[0] is not None}


def events_of_types(session: Session, event_types: Collection[str]) -> list[tuple[int, str, date, Any]]:
    """(case id, type, day, payload) of every event of these types, by case, day and sequence."""
    rows = session.execute(
        select(StoredEvent.case_id, StoredEvent.event_type, StoredEvent.occurred_on, StoredEvent.data)
        .where(StoredEvent.event_type.in_(list(event_types)))
        .order_by(StoredEvent.case_id, StoredEvent.occurred_on, StoredEvent.sequence)
    ).all()
    return [tuple(r) for r in rows]


def cases_among(references: Select[Any]) -> ColumnElement[bool]:
    """A condition on the projection (for ``search_cases(within=…)``): the case's reference is among these
    (access's record scope of a legal representative: their clients)."""
    return case_projection.c.reference.in_(references)


def cases_at_hubs(hubs: Select[Any]) -> ColumnElement[bool]:
    """A condition on the projection: the case is at one of these hubs (a hub liaison's scope)."""
    return case_projection.c.hub.in_(hubs)


def case_meets(session: Session, reference: str, condition: ColumnElement[bool]) -> bool:
    """Whether the case with this reference meets a condition on the projection."""
    p = case_projection.c
    return session.execute(select(p.case_id).where(p.reference == reference, condition)).first() is not None


def _closed_before(last_event_before: date, closed_statuses: Collection[str]) -> ColumnElement[bool]:
    p = case_projection.c
    closed = or_(p.hub_exit_reason.is_not(None), p.status.in_(list(closed_statuses)))
    return and_(closed, p.last_occurred_on < last_event_before)


def closed_cases_due(
    session: Session, last_event_before: date, closed_statuses: Collection[str], *, sample: int
) -> tuple[int, list[str]]:
    """Closed cases (a status among ``closed_statuses``, or out of a hub) with nothing recorded since
    ``last_event_before``: how many, and the first ``sample`` references (what retention would erase)."""
    p = case_projection.c
    condition = _closed_before(last_event_before, closed_statuses)
    count = int(
        session.execute(select(func.count()).select_from(case_projection).where(condition)).scalar_one()
    )
    refs = session.execute(select(p.reference).where(condition).order_by(p.reference).limit(sample)).scalars()
    return count, list(refs)


def sealed_values_due(
    session: Session, last_event_before: date, closed_statuses: Collection[str], *, sample: int
) -> tuple[int, list[str]]:
    """Sealed values not yet erased of the closed cases ``closed_cases_due`` names: how many, and the first
    ``sample`` case references."""
    p = case_projection.c
    due = (
        select(SealedValue.case_reference)
        .join(case_projection, p.reference == SealedValue.case_reference)
        .where(_closed_before(last_event_before, closed_statuses), SealedValue.erased_at.is_(None))
    )
    count = int(session.execute(select(func.count()).select_from(due.subquery())).scalar_one())
    refs = session.execute(due.distinct().order_by(SealedValue.case_reference).limit(sample)).scalars()
    return count, list(refs)


def any_event_of_type(session: Session, event_type: str) -> bool:
    """Whether any case holds an event of this type (the demo seeds its reviews only once)."""
    return (
        session.execute(select(StoredEvent.id).where(StoredEvent.event_type == event_type).limit(1)).first()
        is not None
    )


def case_timeline(session: Session, reference: str, *, cipher: FieldCipher | None = None) -> list[EventOut]:
    """Every event of the case. Sealed (special-category) fields are opened with ``cipher``; without one
    (a caller who may not see them) they read ``"[restricted]"``."""
    person = get_person(session, reference)
    timeline = [event_view(e) for e in load_events(session, person.id)]
    open_events(session, person.reference, timeline, cipher=cipher)
    return timeline


def show_case(
    session: Session,
    reference: str,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    cipher: FieldCipher | None = None,
) -> CaseView:
    """Identity, the state (as of a legal date and a system time, if given) and the visible timeline.

    Sealed fields of the timeline are opened with ``cipher``, or read ``"[restricted]"`` without one; the
    state never holds them (the fold does not need them)."""
    person = get_person(session, reference)
    rows = load_events(session, person.id)
    if known_at is not None:
        known_at = utc(known_at)
    state = fold_as_of([to_legal_event(r) for r in rows], as_of=as_of, known_at=known_at)
    visible = [
        r
        for r in rows
        if (known_at is None or utc(r.recorded_at) <= known_at) and (as_of is None or r.occurred_on <= as_of)
    ]
    family: list[str] = []
    if person.family_unit_id is not None:
        family = list(
            session.execute(
                select(case_projection.c.reference)
                .where(case_projection.c.family_unit_id == person.family_unit_id)
                .order_by(case_projection.c.reference)
            ).scalars()
        )
    timeline = [event_view(r) for r in visible]
    open_events(session, person.reference, timeline, cipher=cipher)
    return CaseView(
        reference=person.reference,
        identity=Identity(
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            sex=person.sex,
            nationality=person.nationality,
            languages=person.languages,
        ),
        family_unit=family,
        as_of=as_of,
        known_at=known_at,
        status=state.status,
        version=state.version,
        state=state.as_dict(),
        timeline=timeline,
    )
