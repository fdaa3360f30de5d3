"""REST for planning: POST /plans, GET /plans/{id}, POST /plans/{id}/approve, POST /plans/{id}/what-if."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from returnhub.access.deps import CurrentUser
from returnhub.core.http.deps import ClockDep, RuntimeDep, SessionDep
from returnhub.core.http.problems import PROBLEM_RESPONSES
from returnhub.operations import planning
from returnhub.operations.views import PlanApproval, PlanSummary, PlanView, WhatIfResult

PlanId = Annotated[int, Path(ge=1, le=2**31 - 1)]

router = APIRouter(prefix="/plans", tags=["plans"], responses=PROBLEM_RESPONSES)


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: date | None = None
    weeks: int = Field(default=26, ge=1, le=104)


class WhatIfIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    changes: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=100,
        description="Each {kind: add_transfer|set_hub_beds|set_quota_limit, ...}; nothing live changes.",
    )


@router.post("", status_code=201, response_model=PlanSummary)
def create_plan(
    body: PlanIn, session: SessionDep, clock: ClockDep, runtime: RuntimeDep, principal: CurrentUser
) -> PlanSummary:
    return planning.compute_plan(
        session,
        start=body.start or clock.today(),
        weeks=body.weeks,
        clock=clock,
        created_by=principal.name,
        save=True,
    )


@router.get("/{plan_id}", response_model=PlanView)
def get_plan(plan_id: PlanId, session: SessionDep) -> PlanView:
    return planning.plan_view(session, plan_id)


@router.post("/{plan_id}/approve", response_model=PlanApproval)
def approve_plan(
    plan_id: PlanId, session: SessionDep, clock: ClockDep, principal: CurrentUser
) -> PlanApproval:
    return planning.approve_plan(session, plan_id, clock=clock, approved_by=principal.name)


@router.post("/{plan_id}/what-if", response_model=WhatIfResult)
def what_if(plan_id: PlanId, body: WhatIfIn, session: SessionDep) -> WhatIfResult:
    return planning.what_if_plan(session, plan_id, body.changes)
