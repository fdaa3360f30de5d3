"""What the simulator's reads return: a run's summary (percentiles across replications), a scenario run from
the command line, and a background run's state. Shared by the API (``SimulationOut``, its response model),
the command line and the sweeps."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from returnhub.core.jsonable import Instant


class Bands(BaseModel):
    """An output's percentiles across replications (None where the output is undefined, e.g. no removal)."""

    p5: float | None
    p25: float | None
    p50: float | None
    p75: float | None
    p95: float | None


class FinalBands(BaseModel):
    """The caseload at the last month."""

    backlog: Bands
    appeal_pending: Bands
    appeal_rights_exhausted: Bands
    people_in_accommodation: Bands
    in_hub: Bands


class SimulationSummary(BaseModel):
    """A simulation's summary (``results.summary``)."""

    scenario: str
    engine: str
    reps: int
    months: int
    first_month: str
    last_month: str
    seed: int
    currency: str
    assumptions: list[str]
    #: Places per hub.
    hubs: dict[str, int]
    final: FinalBands
    #: Each flow summed over the horizon (``results.FLOW_TOTALS``).
    totals: dict[str, Bands]
    cost_per_removal: Bands
    hub_cost_per_onward_return: Bands
    seconds: float


class ScenarioRun(SimulationSummary):
    """``returnhub simulate run``: the summary, where the scenario and its starting caseload came from, and
    the files written (when asked for)."""

    scenario_file: str
    initial_caseload: str
    #: Left out when no files were asked for.
    outputs: dict[str, str] | None = Field(default=None, exclude_if=lambda value: value is None)
    total_seconds: float


class SimulationOut(BaseModel):
    """A background run (``POST /simulations``) and its state; ``summary`` is the stored summary when done."""

    id: int
    status: str
    progress: float
    reps: int
    months: int | None
    seed: int
    submitted_by: str
    created_at: Instant
    updated_at: Instant
    summary: dict[str, Any] | None
    error: str | None
