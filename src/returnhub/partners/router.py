"""REST for the partners register: /partners, /agreements, /hubs, /assessments.

Translates HTTP to partners services and back. Reads take ``?on=DATE`` (default: today) and answer as the
register stood that day, and ``?known_at=TIME`` (default: everything recorded) to answer as the register
knew it then (the register is bitemporal); writes append (a new step, a new version) and never edit. Who
wrote it comes from the signed-in user (``core.http.deps.RequesterDep``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from returnhub.core.bounds import PlausibleDate, PlausibleInstant
from returnhub.core.errors import NotFound
from returnhub.core.http.deps import ClockDep, RequesterDep, SessionDep
from returnhub.core.http.problems import PROBLEM_RESPONSES
from returnhub.partners import service
from returnhub.partners.changes import list_changes, verify_changes
from returnhub.partners.schemas import (
    AgreementIn,
    AmendmentIn,
    AssessmentIn,
    AssessmentVersionIn,
    HubAmendmentIn,
    HubIn,
    NegotiationIn,
    OccupancyIn,
    SafeListIn,
    StepIn,
)
from returnhub.partners.views import (
    AgreementTermsOut,
    AgreementView,
    AssessmentOn,
    AssessmentView,
    ChangeView,
    CountryAssessments,
    HubView,
    NegotiationView,
    OccupancyView,
    PartnerSummary,
    PartnerView,
    SafeListOn,
    SafeListView,
    TermsOut,
)


def _actor(requester: RequesterDep) -> str:
    return requester.name


#: Who records a change: the authenticated user, never a name the client supplies.
Actor = Annotated[str, Depends(_actor)]
OnDate = Annotated[PlausibleDate | None, Query(description="Read as of this date (default: today).")]
KnownAt = Annotated[
    PlausibleInstant | None,
    Query(
        description="Read as the register knew it at this time (ISO 8601; UTC if no offset). "
        "Default: everything recorded so far."
    ),
]

partners_router = APIRouter(prefix="/partners", tags=["partners"], responses=PROBLEM_RESPONSES)
agreements_router = APIRouter(prefix="/agreements", tags=["partners"], responses=PROBLEM_RESPONSES)
hubs_router = APIRouter(prefix="/hubs", tags=["partners"], responses=PROBLEM_RESPONSES)
assessments_router = APIRouter(prefix="/assessments", tags=["partners"], responses=PROBLEM_RESPONSES)
routers = (partners_router, agreements_router, hubs_router, assessments_router)


# --- /partners --------------------------------------------------------------------------------------------


@partners_router.get("", response_model=list[PartnerSummary])
def list_partners(
    session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> list[PartnerSummary]:
    return service.list_partners(session, on or clock.today(), known_at)


@partners_router.post("", response_model=NegotiationView, status_code=201)
def open_negotiation(
    body: NegotiationIn, session: SessionDep, clock: ClockDep, actor: Actor
) -> NegotiationView:
    return service.open_negotiation(session, body, clock=clock, recorded_by=actor)


@partners_router.get("/changes", response_model=list[ChangeView])
def get_changes(
    session: SessionDep,
    subject: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[ChangeView]:
    """The audit log of the partners register, newest first."""
    return list_changes(session, subject=subject, limit=limit)


@partners_router.get("/changes/verify")
def verify(session: SessionDep) -> dict[str, Any]:
    """Recompute the hash chain of the partners change log."""
    return verify_changes(session).as_dict()


@partners_router.get("/{country}", response_model=PartnerView)
def show_partner(
    country: str, session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> PartnerView:
    return service.show_partner(session, country, on or clock.today(), known_at)


@partners_router.post("/{country}/steps", response_model=NegotiationView, status_code=201)
def record_step(
    country: str, body: StepIn, session: SessionDep, clock: ClockDep, actor: Actor
) -> NegotiationView:
    return service.record_step(session, country, body, clock=clock, recorded_by=actor)


# --- /agreements ------------------------------------------------------------------------------------------


@agreements_router.get("", response_model=list[AgreementView])
def list_agreements(
    session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> list[AgreementView]:
    return service.list_agreements(session, on or clock.today(), known_at)


@agreements_router.post("", response_model=AgreementView, status_code=201)
def create_agreement(body: AgreementIn, session: SessionDep, clock: ClockDep, actor: Actor) -> AgreementView:
    return service.create_agreement(session, body, clock=clock, recorded_by=actor)


@agreements_router.get("/terms", response_model=list[AgreementTermsOut])
def terms(
    session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> list[AgreementTermsOut]:
    """Every agreement's terms as the safeguards read them on a date (R7, R12, R14)."""
    return [AgreementTermsOut.of(t) for t in service.terms_on(session, on or clock.today(), known_at)]


@agreements_router.get("/{reference}", response_model=AgreementView)
def get_agreement(
    reference: str, session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> AgreementView:
    return service.agreement_on(session, reference, on or clock.today(), known_at)


@agreements_router.get("/{reference}/versions", response_model=list[TermsOut])
def get_versions(reference: str, session: SessionDep) -> list[TermsOut]:
    return service.agreement_versions(session, reference)


@agreements_router.post("/{reference}/versions", response_model=AgreementView, status_code=201)
def amend_agreement(
    reference: str, body: AmendmentIn, session: SessionDep, clock: ClockDep, actor: Actor
) -> AgreementView:
    """Amend: a new version of the terms from ``effective_from``. Terms are never edited in place."""
    return service.amend_agreement(session, reference, body, clock=clock, recorded_by=actor)


# --- /hubs ------------------------------------------------------------------------------------------------


@hubs_router.get("", response_model=list[HubView])
def list_hubs(
    session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> list[HubView]:
    return service.list_hubs(session, on or clock.today(), known_at)


@hubs_router.post("", response_model=HubView, status_code=201)
def register_hub(body: HubIn, session: SessionDep, clock: ClockDep, actor: Actor) -> HubView:
    return service.register_hub(session, body, clock=clock, recorded_by=actor)


@hubs_router.get("/occupancy", response_model=list[OccupancyView])
def occupancy(
    session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> list[OccupancyView]:
    """Per hub on a date: beds, occupied, free."""
    return service.occupancy_on(session, on or clock.today(), known_at=known_at)


@hubs_router.get("/{reference}", response_model=HubView)
def get_hub(
    reference: str, session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> HubView:
    return service.hub_on(session, reference, on or clock.today(), known_at)


@hubs_router.post("/{reference}/versions", response_model=HubView, status_code=201)
def amend_hub(
    reference: str, body: HubAmendmentIn, session: SessionDep, clock: ClockDep, actor: Actor
) -> HubView:
    return service.amend_hub(session, reference, body, clock=clock, recorded_by=actor)


@hubs_router.post("/{reference}/occupancy", response_model=HubView, status_code=201)
def record_occupancy(
    reference: str, body: OccupancyIn, session: SessionDep, clock: ClockDep, actor: Actor
) -> HubView:
    return service.record_occupancy(session, reference, body, clock=clock, recorded_by=actor)


# --- /assessments -----------------------------------------------------------------------------------------


@assessments_router.get("", response_model=list[AssessmentOn])
def list_assessments(
    session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> list[AssessmentOn]:
    return service.list_assessments(session, on or clock.today(), known_at)


@assessments_router.post("", response_model=AssessmentView, status_code=201)
def create_assessment(
    body: AssessmentIn, session: SessionDep, clock: ClockDep, actor: Actor
) -> AssessmentView:
    return service.create_assessment(session, body, clock=clock, recorded_by=actor)


@assessments_router.post("/safe-countries-of-origin", response_model=SafeListView, status_code=201)
def record_safe_country_list(
    body: SafeListIn, session: SessionDep, clock: ClockDep, actor: Actor
) -> SafeListView:
    """A new version of a state's safe-countries-of-origin list, each entry with its evidence (R13)."""
    return service.record_safe_country_list(session, body, clock=clock, recorded_by=actor)


@assessments_router.get("/safe-countries-of-origin/{state}", response_model=SafeListOn)
def get_safe_country_list(
    state: str, session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> SafeListOn:
    day = on or clock.today()
    found = service.safe_country_list_on(session, state, day, known_at)
    if found is None:
        raise NotFound(f"no safe-countries-of-origin list of {state.upper()} in force on {day}")
    return found


@assessments_router.get("/safe-countries-of-origin/{state}/history", response_model=list[SafeListView])
def get_safe_country_list_history(state: str, session: SessionDep) -> list[SafeListView]:
    return service.safe_country_list_history(session, state)


@assessments_router.get("/{country}", response_model=CountryAssessments)
def get_assessments(
    country: str,
    session: SessionDep,
    clock: ClockDep,
    on: OnDate = None,
    known_at: KnownAt = None,
    assessor: Annotated[str | None, Query(max_length=60)] = None,
) -> CountryAssessments:
    """The assessments in force on a date, and every version with its evidence (for disclosure)."""
    return service.country_assessments(session, country, on or clock.today(), known_at, assessor)


@assessments_router.post("/{country}/versions", response_model=AssessmentView, status_code=201)
def amend_assessment(
    country: str, body: AssessmentVersionIn, session: SessionDep, clock: ClockDep, actor: Actor
) -> AssessmentView:
    return service.record_assessment(session, body, country, clock=clock, recorded_by=actor, amend=True)
