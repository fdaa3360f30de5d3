"""REST for the simulator: POST /simulations (a background run that survives a restart), GET by id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from returnhub.access.deps import CurrentUser
from returnhub.core.http.deps import RuntimeDep
from returnhub.core.http.problems import PROBLEM_RESPONSES
from returnhub.simulation import jobs
from returnhub.simulation.views import SimulationOut

router = APIRouter(prefix="/simulations", tags=["simulations"], responses=PROBLEM_RESPONSES)


class SimulationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: dict[str, Any] = Field(description="A scenario, as in the YAML files under scenarios/.")
    reps: int = Field(default=200, ge=1, le=jobs.MAX_REPS)
    months: int | None = Field(default=None, ge=1, le=600)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


@router.post("", status_code=202, response_model=SimulationOut)
def start_simulation(body: SimulationIn, runtime: RuntimeDep, principal: CurrentUser) -> SimulationOut:
    run_id = jobs.submit(
        runtime.engine,
        runtime.clock,
        scenario=body.scenario,
        reps=body.reps,
        months=body.months,
        seed=body.seed,
        submitted_by=principal.name,
    )
    return jobs.run_view(runtime.engine, run_id)


@router.get("/{run_id}", response_model=SimulationOut)
def get_simulation(run_id: Annotated[int, Path(ge=1, le=2**31 - 1)], runtime: RuntimeDep) -> SimulationOut:
    return jobs.run_view(runtime.engine, run_id)
