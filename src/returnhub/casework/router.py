"""REST for the case register. Translates HTTP to casework services and back; no logic of its own."""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from returnhub.casework.events import EventType
from returnhub.casework.intake import PersonIn, register_person
from returnhub.casework.queries import MAX_PAGE, case_timeline, search_cases, show_case
from returnhub.casework.store import append_event
from returnhub.casework.views import CaseDetail, CasePage, EventOut
from returnhub.core.bounds import MAX_COUNT, PlausibleDate, PlausibleInstant
from returnhub.core.errors import Forbidden, InvalidInput
from returnhub.core.http.conditional import IfMatch, if_match_version, set_etag
from returnhub.core.http.deps import ClockDep, ReadCipher, Requester, RequesterDep, SessionDep, WriteCipher
from returnhub.core.http.problems import PROBLEM_RESPONSES
from returnhub.partners.countries import country_code

router = APIRouter(prefix="/cases", tags=["cases"], responses=PROBLEM_RESPONSES)


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=48, description="An event type from the catalogue.")
    occurred_on: date
    occurred_at: datetime | None = Field(
        default=None,
        description="The instant in law when the time of day is known (with its offset, on occurred_on): "
        "the departure gate compares instants, so a Rule 39 measure at 21:30 bars a 22:30 departure.",
    )
    data: dict[str, Any] = Field(default_factory=dict)
    expected_version: int | None = Field(
        default=None,
        ge=0,
        le=MAX_COUNT,
        description="The case version you last read; a stale one gets 409. The `If-Match` header (the "
        "case's ETag) says the same; if both are given they must agree (422).",
    )


class EventRecorded(BaseModel):
    reference: str
    sequence: int
    hash: str
    status: str
    version: int


@router.get("", response_model=CasePage)
def list_cases(
    session: SessionDep,
    requester: RequesterDep,
    status: str | None = None,
    nationality: Annotated[
        str | None, Query(max_length=60, description="A country's name or its alpha-2 or alpha-3 code")
    ] = None,
    reference: Annotated[str | None, Query(max_length=16)] = None,
    name: Annotated[
        str | None,
        Query(max_length=100, description="Any part of a given or family name; case and accents folded"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    after: Annotated[str | None, Query(max_length=16)] = None,
) -> CasePage:
    if nationality:
        # A name ("Egypt") or a code ("EG", "egy"); anything else is a 422 naming what to give.
        nationality = country_code(nationality, "nationality")
    rows = search_cases(
        session,
        status=status,
        nationality=nationality,
        reference=reference,
        name=name,
        limit=limit,
        after=after,
        within=requester.case_filter(),  # a legal representative or hub liaison lists only their scope
    )
    return CasePage(data=rows, next_cursor=rows[-1].reference if len(rows) == limit else None)


def _case_in_scope(session: Any, requester: Requester, reference: str, **kwargs: Any) -> CaseDetail:
    """The case, with its family narrowed to the members the requester may open (the others counted)."""
    case = CaseDetail(**dict(show_case(session, reference, **kwargs)))
    within = requester.case_filter()
    others = [r for r in case.family_unit if r != case.reference]
    if within is not None and others:
        visible = {
            r.reference for r in search_cases(session, limit=MAX_PAGE, among=others[:MAX_PAGE], within=within)
        }
        case.family_unit = [r for r in case.family_unit if r == case.reference or r in visible]
        case.family_members_not_shown = len(others) - len(visible)
    return case


@router.get("/{reference}", response_model=CaseDetail)
async def get_case(
    reference: str,
    session: SessionDep,
    requester: RequesterDep,
    response: Response,
    cipher: ReadCipher,
    as_of: PlausibleDate | None = None,
    known_at: PlausibleInstant | None = None,
) -> CaseDetail:
    # The busiest read: async so that the answer is checked against CaseDetail on the event loop (about
    # 0.1 ms) instead of in a second trip to a worker thread; the database work still runs in one.
    case = await run_in_threadpool(
        functools.partial(
            _case_in_scope,
            session,
            requester,
            reference.upper(),
            as_of=as_of,
            known_at=known_at,
            cipher=cipher,
        )
    )
    set_etag(response, case.version)
    return case


@router.get("/{reference}/events", response_model=list[EventOut])
def get_events(reference: str, session: SessionDep, cipher: ReadCipher) -> list[EventOut]:
    return case_timeline(session, reference.upper(), cipher=cipher)


@router.post(
    "/{reference}/events",
    response_model=EventRecorded,
    status_code=201,
    responses={
        201: {"headers": {"ETag": {"description": "The case's new version.", "schema": {"type": "string"}}}}
    },
)
def post_event(
    reference: str,
    body: EventIn,
    session: SessionDep,
    clock: ClockDep,
    requester: RequesterDep,
    response: Response,
    cipher: WriteCipher,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    if not requester.may_record(body.type):
        raise Forbidden(f"a {requester.role_name} may not record {body.type} events")
    expected = _expected_version(if_match, body.expected_version)
    data = body.data
    if body.type == EventType.REVIEW_DECIDED:
        # Who decided is who is signed in, never a name the client sends.
        data = {**(data or {}), "decided_by": requester.name}
    result = append_event(
        session,
        reference.upper(),
        body.type,
        body.occurred_on,
        data,
        clock=clock,
        recorded_by=requester.name,
        expected_version=expected,
        cipher=cipher,
        occurred_at=body.occurred_at,
    )
    set_etag(response, result.state.version)
    return {
        "reference": reference.upper(),
        "sequence": result.sequence,
        "hash": result.hash,
        "status": result.state.status,
        "version": result.state.version,
    }


def _expected_version(if_match: str | None, in_body: int | None) -> int | None:
    """The version the client last read, from ``If-Match`` or the body. Both may be given only if they
    agree: a request that contradicts itself is invalid input (422), not a stale precondition."""
    from_header = if_match_version(if_match)
    if from_header is not None and in_body is not None and from_header != in_body:
        raise InvalidInput(
            f"If-Match names version {from_header} but expected_version is {in_body}; send one, or the same"
        )
    return from_header if from_header is not None else in_body


persons_router = APIRouter(prefix="/persons", tags=["cases"], responses=PROBLEM_RESPONSES)


@persons_router.post("", status_code=201)
def add_person(body: PersonIn, session: SessionDep, clock: ClockDep) -> dict[str, Any]:
    """Register a person (a new case) with identity documents (MRZ checked) and family links. A likely
    duplicate (same folded name, date of birth and nationality) is refused with 409 until
    ``confirm_duplicate`` is true."""
    return register_person(session, body, clock=clock)
