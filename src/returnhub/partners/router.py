"""REST for the partners register: /partners, /agreements, /hubs, /assessments.

Translates HTTP to partners services and back. Reads take ``?on=DATE`` (default: today) and answer as the
register stood that day, and ``?known_at=TIME`` (default: everything recorded) to answer as the register
knew it then (the register is bitemporal); writes append (a new step, a new version) and never edit. Who
wrote it comes from the signed-in user (``access.deps.CurrentUser``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from returnhub.access.deps import CurrentUser
from returnhub.core.bounds import PlausibleDate, PlausibleInstant
from returnhub.core.errors import NotFound
from returnhub.partners import service
from returnhub.partners.agreement_terms import AgreementTerms
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
    AssessmentOn,
    AssessmentView,
    ChangeView,
    CountryAssessments,
    NegotiationView,
    PartnerSummary,
    SafeListOn,
    SafeListView,
)
from returnhub.web.deps import ClockDep, SessionDep
from returnhub.web.problems import PROBLEM_RESPONSES


def _actor(principal: CurrentUser) -> str:
    return principal.name


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


class TermsOut(BaseModel):
    version: int
    effective_from: date
    places: int | None
    annual_quota: int | None
    scope: dict[str, Any]
    excluded_groups: list[str]
    max_stay_days: int | None
    cost_per_place_per_day: str | None
    cost_currency: str | None
    fixed_payments: list[dict[str, Any]]
    monitoring_body: str | None
    consequences_of_breach: str | None
    requires_judicial_validation_of_detention: bool
    note: str | None
    provenance: str
    source_url: str | None
    source_title: str | None
    recorded_at: datetime


class AgreementOut(BaseModel):
    reference: str
    title: str
    instrument: str
    sending_state: str
    partner_country: str
    partner_name: str
    signed_on: date | None
    provenance: str
    source_url: str | None
    source_title: str | None
    on: date
    known_at: datetime | None = None
    pipeline_status: str | None
    in_force: bool
    terms: TermsOut | None
    nationalities_in_scope: list[str] | None
    versions: list[dict[str, Any]]
    hubs: list[str]


class AgreementTermsOut(BaseModel):
    """The terms as the safeguards read them (``returnhub.partners.agreement_terms.AgreementTerms``)."""

    agreement: str
    hub_country: str
    sending_state: str | None
    on: date
    in_force: bool
    nationalities_in_scope: list[str] | None
    excluded_groups: list[str]
    max_stay_days: int | None
    monitoring_body: str | None
    requires_judicial_validation_of_detention: bool
    unsafe_for_nationalities: list[str]
    unsafe_for_profiles: list[str]
    hubs: list[str]
    sources: list[str]


def _terms_json(terms: AgreementTerms) -> dict[str, Any]:
    out = asdict(terms)
    for key, value in out.items():
        if isinstance(value, frozenset):
            out[key] = sorted(value)
        elif isinstance(value, tuple):
            out[key] = list(value)
    return out


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


@partners_router.get("/{country}")
def show_partner(
    country: str, session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> dict[str, Any]:
    return service.show_partner(session, country, on or clock.today(), known_at)


@partners_router.post("/{country}/steps", response_model=NegotiationView, status_code=201)
def record_step(
    country: str, body: StepIn, session: SessionDep, clock: ClockDep, actor: Actor
) -> NegotiationView:
    return service.record_step(session, country, body, clock=clock, recorded_by=actor)


# --- /agreements ------------------------------------------------------------------------------------------


@agreements_router.get("", response_model=list[AgreementOut])
def list_agreements(
    session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> list[dict[str, Any]]:
    return service.list_agreements(session, on or clock.today(), known_at)


@agreements_router.post("", response_model=AgreementOut, status_code=201)
def create_agreement(body: AgreementIn, session: SessionDep, clock: ClockDep, actor: Actor) -> dict[str, Any]:
    return service.create_agreement(session, body, clock=clock, recorded_by=actor)


@agreements_router.get("/terms", response_model=list[AgreementTermsOut])
def terms(
    session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> list[dict[str, Any]]:
    """Every agreement's terms as the safeguards read them on a date (R7, R12, R14)."""
    return [_terms_json(t) for t in service.terms_on(session, on or clock.today(), known_at)]


@agreements_router.get("/{reference}", response_model=AgreementOut)
def get_agreement(
    reference: str, session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> dict[str, Any]:
    return service.agreement_on(session, reference, on or clock.today(), known_at)


@agreements_router.get("/{reference}/versions", response_model=list[TermsOut])
def get_versions(reference: str, session: SessionDep) -> list[dict[str, Any]]:
    return service.agreement_versions(session, reference)


@agreements_router.post("/{reference}/versions", response_model=AgreementOut, status_code=201)
def amend_agreement(
    reference: str, body: AmendmentIn, session: SessionDep, clock: ClockDep, actor: Actor
) -> dict[str, Any]:
    """Amend: a new version of the terms from ``effective_from``. Terms are never edited in place."""
    return service.amend_agreement(session, reference, body, clock=clock, recorded_by=actor)


# --- /hubs ------------------------------------------------------------------------------------------------


@hubs_router.get("")
def list_hubs(
    session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> list[dict[str, Any]]:
    return service.list_hubs(session, on or clock.today(), known_at)


@hubs_router.post("", status_code=201)
def register_hub(body: HubIn, session: SessionDep, clock: ClockDep, actor: Actor) -> dict[str, Any]:
    return service.register_hub(session, body, clock=clock, recorded_by=actor)


@hubs_router.get("/occupancy")
def occupancy(
    session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> list[dict[str, Any]]:
    """Per hub on a date: beds, occupied, free."""
    return service.occupancy_on(session, on or clock.today(), known_at=known_at)


@hubs_router.get("/{reference}")
def get_hub(
    reference: str, session: SessionDep, clock: ClockDep, on: OnDate = None, known_at: KnownAt = None
) -> dict[str, Any]:
    return service.hub_on(session, reference, on or clock.today(), known_at)


@hubs_router.post("/{reference}/versions", status_code=201)
def amend_hub(
    reference: str, body: HubAmendmentIn, session: SessionDep, clock: ClockDep, actor: Actor
) -> dict[str, Any]:
    return service.amend_hub(session, reference, body, clock=clock, recorded_by=actor)


@hubs_router.post("/{reference}/occupancy", status_code=201)
def record_occupancy(
    reference: str, body: OccupancyIn, session: SessionDep, clock: ClockDep, actor: Actor
) -> dict[str, Any]:
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
