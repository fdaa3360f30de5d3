"""REST for the safeguards: a case's eligibility, the rules, and stored screenings. Translation only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from returnhub.access.deps import CurrentUser
from returnhub.core.bounds import MAX_COUNT, PlausibleDate, PlausibleInstant
from returnhub.core.http.deps import ClockDep, RuntimeDep, SessionDep
from returnhub.core.http.problems import PROBLEM_RESPONSES
from returnhub.safeguards import service
from returnhub.safeguards.views import ScreeningOut

router = APIRouter(tags=["safeguards"], responses=PROBLEM_RESPONSES)

StageName = Literal["hub_referral", "manifest_lock", "departure", "onward_return"]
ScreeningId = Annotated[int, Path(ge=1, le=2**53)]


class CitationOut(BaseModel):
    title: str
    href: str
    paragraph: str | None = None
    note: str | None = None


class RuleResultOut(BaseModel):
    id: str
    title: str
    kind: str
    outcome: Literal["not_applicable", "pass", "review", "bar"]
    reason: str
    facts: dict[str, Any]
    citations: list[CitationOut]
    agreement: str | None = None
    exception: dict[str, Any] | None = None
    review: dict[str, Any] | None = None
    status: Literal["law", "proposal"] = "law"


class AgreementOut(BaseModel):
    agreement: str
    hub_country: str
    in_force: bool
    outcome: Literal["eligible", "review", "barred"]
    hubs: list[str]
    sources: list[str]
    rules: list[RuleResultOut]


class EligibilityOut(BaseModel):
    reference: str
    pack: str
    pack_version: str
    stage: str
    as_of: date
    known_at: datetime | None
    outcome: Literal["eligible", "review", "barred"]
    agreement: str | None
    eligible_agreements: list[str]
    rules: list[RuleResultOut]
    agreements: list[AgreementOut]
    derived_facts: dict[str, Any]
    outcome_under_proposals: Literal["eligible", "review", "barred"] | None = None
    proposal_note: str | None = None


class ScreeningIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pack: str | None = Field(default=None, description="Rule pack (default from settings).")
    stage: StageName = "hub_referral"
    as_of: date | None = Field(default=None, description="Legal date (default today).")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str = Field(min_length=1, max_length=16)
    decision: Literal["approve", "refuse"]
    reasoning: str = Field(min_length=1, max_length=4000)
    pack: str | None = None
    stage: StageName = "hub_referral"
    agreement: str | None = Field(default=None, description="For a per-agreement review rule.")


class ReviewRecorded(BaseModel):
    reference: str
    rule: str
    decision: str
    decided_by: str
    sequence: int
    facts_fingerprint: str | None


@router.get("/cases/{reference}/eligibility", response_model=EligibilityOut)
def get_eligibility(
    reference: str,
    session: SessionDep,
    runtime: RuntimeDep,
    clock: ClockDep,
    stage: StageName = "hub_referral",
    as_of: PlausibleDate | None = None,
    known_at: PlausibleInstant | None = None,
    pack: Annotated[str | None, Query(max_length=16)] = None,
    include_proposals: Annotated[
        bool, Query(description="Also screen proposals (not law): shown, never deciding a move.")
    ] = False,
) -> dict[str, Any]:
    explanation = service.evaluate_case(
        session,
        reference.upper(),
        pack=pack or runtime.settings.default_pack,
        stage=stage,
        as_of=as_of,
        known_at=known_at,
        clock=clock,
        include_proposals=include_proposals,
    )
    return explanation.as_dict()


@router.get("/rules")
def get_rules(
    runtime: RuntimeDep, pack: Annotated[str | None, Query(max_length=16)] = None
) -> dict[str, Any]:
    return service.list_rules(pack or runtime.settings.default_pack)


@router.post("/screenings", response_model=ScreeningOut, status_code=201)
def post_screening(
    body: ScreeningIn, session: SessionDep, runtime: RuntimeDep, clock: ClockDep, principal: CurrentUser
) -> ScreeningOut:
    row = service.run_screening(
        session,
        pack=body.pack or runtime.settings.default_pack,
        stage=body.stage,
        as_of=body.as_of or clock.today(),
        clock=clock,
        created_by=principal.name,
    )
    return service.screening_summary(row)


@router.get("/screenings/{screening_id}", response_model=ScreeningOut)
def get_screening(screening_id: ScreeningId, session: SessionDep) -> ScreeningOut:
    return service.screening_summary(service.get_screening(session, screening_id))


@router.get("/screenings/{screening_id}/cases")
def get_screening_cases(
    screening_id: ScreeningId,
    session: SessionDep,
    outcome: Literal["eligible", "review", "barred"] | None = None,
    rule: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_COUNT)] = 0,
) -> list[dict[str, Any]]:
    row = service.get_screening(session, screening_id)
    return service.screening_cases(row, outcome=outcome, rule=rule, limit=limit, offset=offset)


@router.post("/cases/{reference}/reviews", response_model=ReviewRecorded, status_code=201)
def post_review(
    reference: str,
    body: ReviewIn,
    session: SessionDep,
    runtime: RuntimeDep,
    clock: ClockDep,
    principal: CurrentUser,
) -> dict[str, Any]:
    """A senior caseworker's decision on a rule that sent the case for review; the signed-in user decides."""
    result = service.record_review_decision(
        session,
        reference.upper(),
        rule=body.rule,
        decision=body.decision,
        reasoning=body.reasoning,
        decided_by=principal.name,
        pack=body.pack or runtime.settings.default_pack,
        stage=body.stage,
        agreement=body.agreement,
        clock=clock,
    )
    return {
        "reference": reference.upper(),
        "rule": body.rule,
        "decision": body.decision,
        "decided_by": principal.name,
        "sequence": result.sequence,
        "facts_fingerprint": result.state.review_decisions[-1].facts_fingerprint,
    }
