"""Typed inputs and outputs of the allocation optimiser.

Every input is a Polars frame with a fixed schema (below), wrapped in a frozen ``AllocationProblem`` that
checks the schema once, so that the solver, the greedy baseline and the checker can trust column names and
types.

People (one row per person, all already cleared by the safeguards at hub-referral stage):
    person_id      str        unique
    family_id      str        a family moves together on one transfer or not at all; a single person has
                              a family id of their own
    nationality    str        ISO 3166-1 alpha-3
    bed_type       str        e.g. single_adult_male, adult_female, family
    priority       f64 >= 0   higher is more urgent (sentence length, time since appeal rights exhausted, ...)
    eligible_hubs  list[str]  hubs where every safeguard and the agreement allow this person
                              (computed upstream)

Transfers (one row per planned movement):
    transfer_id, hub_id (str); week (i64, 0-based within the horizon); departs_on (date);
    seats (i64); min_load (i64, minimum viable load: a transfer is either not used or carries at least this
    many people); cost_per_person (f64); escorts_per_person (f64, informational only)

Hub beds (one row per hub, bed type and week; a missing row means no bed of that type that week):
    hub_id, bed_type (str); week (i64); free_beds (i64: capacity - occupancy + expected exits, i.e. how many
    new arrivals of this bed type the hub can take in that week; a negative value means overbooked = 0)

Quotas (agreement terms):
    quota_id (str); hub_id (str or "*" for every hub); nationality (str or "*" for every nationality);
    period_start_week, period_end_week (i64, inclusive); limit (i64: most arrivals in that period)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from returnhub.core.errors import InvalidInput

ANY = "*"

PEOPLE_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "family_id": pl.String(),
    "nationality": pl.String(),
    "bed_type": pl.String(),
    "priority": pl.Float64(),
    "eligible_hubs": pl.List(pl.String()),
}
TRANSFERS_SCHEMA: dict[str, pl.DataType] = {
    "transfer_id": pl.String(),
    "hub_id": pl.String(),
    "week": pl.Int64(),
    "departs_on": pl.Date(),
    "seats": pl.Int64(),
    "min_load": pl.Int64(),
    "cost_per_person": pl.Float64(),
    "escorts_per_person": pl.Float64(),
}
HUB_BEDS_SCHEMA: dict[str, pl.DataType] = {
    "hub_id": pl.String(),
    "bed_type": pl.String(),
    "week": pl.Int64(),
    "free_beds": pl.Int64(),
}
QUOTAS_SCHEMA: dict[str, pl.DataType] = {
    "quota_id": pl.String(),
    "hub_id": pl.String(),
    "nationality": pl.String(),
    "period_start_week": pl.Int64(),
    "period_end_week": pl.Int64(),
    "limit": pl.Int64(),
}
ASSIGNMENTS_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "family_id": pl.String(),
    "transfer_id": pl.String(),
    "hub_id": pl.String(),
    "week": pl.Int64(),
    "departs_on": pl.Date(),
}
TRANSFER_LOADS_SCHEMA: dict[str, pl.DataType] = {
    "transfer_id": pl.String(),
    "hub_id": pl.String(),
    "week": pl.Int64(),
    "seats": pl.Int64(),
    "min_load": pl.Int64(),
    "load": pl.Int64(),
    "used": pl.Boolean(),
}
UNPLACED_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "family_id": pl.String(),
    "priority": pl.Float64(),
    "reason_code": pl.String(),
    "reason": pl.String(),
    # The evidence behind the reason, where there is one (nulls otherwise).
    "transfer_id": pl.String(),
    "quota_id": pl.String(),
    "outranked_by": pl.String(),
    "outranked_by_priority": pl.Float64(),
    "remaining_seats": pl.Int64(),
}

ReasonCode = Literal[
    "not_eligible_for_any_hub_with_room",
    "outranked",
    "quota_used_up",
    "family_too_large",
    "no_viable_transfer",
    "cost_exceeds_value",
]
REASON_CODES: tuple[ReasonCode, ...] = (
    "not_eligible_for_any_hub_with_room",
    "outranked",
    "quota_used_up",
    "family_too_large",
    "no_viable_transfer",
    "cost_exceeds_value",
)

PlanStatus = Literal["optimal", "feasible", "empty"]
PlanMethod = Literal["optimiser", "greedy"]


@dataclass(frozen=True)
class ObjectiveWeights:
    """Weights of the objective (docs/allocation.md states the formula).

    A person placed on transfer t is worth
        per_person + per_priority_point * priority + earliness * (H - week_t) / H - per_cost_unit * cost_t
    where H is the horizon in weeks. The defaults make placing one more person worth more than any change of
    week, priority or cost of another, so the optimiser first fills seats, then picks the most urgent people.
    """

    per_person: float = 100.0
    per_priority_point: float = 10.0
    earliness: float = 20.0
    per_cost_unit: float = 0.01

    def __post_init__(self) -> None:
        for name in ("per_person", "per_priority_point", "earliness", "per_cost_unit"):
            if getattr(self, name) < 0:
                raise InvalidInput(f"objective weight {name} must not be negative")


@dataclass(frozen=True)
class AllocationConfig:
    """What the planner chooses: the horizon and the objective weights."""

    horizon_weeks: int = 26
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)

    def __post_init__(self) -> None:
        if self.horizon_weeks < 1:
            raise InvalidInput("the horizon must be at least one week")


def _conform(frame: pl.DataFrame, schema: dict[str, pl.DataType], name: str) -> pl.DataFrame:
    """Select the schema's columns in order and cast them; extra columns are dropped on purpose."""
    missing = [column for column in schema if column not in frame.columns]
    if missing:
        raise InvalidInput(f"{name} lacks column(s): {', '.join(missing)}")
    try:
        return frame.select([pl.col(column).cast(dtype, strict=True) for column, dtype in schema.items()])
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as error:
        raise InvalidInput(f"{name} has a column of the wrong type: {error}") from error


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidInput(message)


@dataclass(frozen=True)
class AllocationProblem:
    """One planning instance. Construction validates and normalises the frames; it never solves anything."""

    people: pl.DataFrame
    transfers: pl.DataFrame
    hub_beds: pl.DataFrame
    quotas: pl.DataFrame
    config: AllocationConfig = field(default_factory=AllocationConfig)

    def __post_init__(self) -> None:
        people = _conform(self.people, PEOPLE_SCHEMA, "people")
        transfers = _conform(self.transfers, TRANSFERS_SCHEMA, "transfers")
        hub_beds = _conform(self.hub_beds, HUB_BEDS_SCHEMA, "hub_beds")
        quotas = _conform(self.quotas, QUOTAS_SCHEMA, "quotas")
        # Nulls in eligible_hubs mean "nowhere"; everything else must be present.
        people = people.with_columns(
            pl.col("eligible_hubs").fill_null(pl.lit([], dtype=pl.List(pl.String())))
        )
        for frame, name in (
            (people, "people"),
            (transfers, "transfers"),
            (hub_beds, "hub_beds"),
            (quotas, "quotas"),
        ):
            nulls = [c for c, n in zip(frame.columns, frame.null_count().row(0), strict=True) if n]
            _require(not nulls, f"{name} has missing values in: {', '.join(nulls)}")
        _require(people["person_id"].n_unique() == people.height, "people: person_id must be unique")
        _require(bool((people["priority"] >= 0).all()), "people: priority must be >= 0")
        _require(
            transfers["transfer_id"].n_unique() == transfers.height, "transfers: transfer_id must be unique"
        )
        _require(bool((transfers["seats"] >= 0).all()), "transfers: seats must be >= 0")
        _require(bool((transfers["min_load"] >= 0).all()), "transfers: min_load must be >= 0")
        _require(bool((transfers["cost_per_person"] >= 0).all()), "transfers: cost_per_person must be >= 0")
        _require(
            hub_beds.select(["hub_id", "bed_type", "week"]).is_duplicated().sum() == 0,
            "hub_beds: one row per (hub_id, bed_type, week)",
        )
        _require(quotas["quota_id"].n_unique() == quotas.height, "quotas: quota_id must be unique")
        _require(bool((quotas["limit"] >= 0).all()), "quotas: limit must be >= 0")
        _require(
            bool((quotas["period_end_week"] >= quotas["period_start_week"]).all()),
            "quotas: period_end_week must not precede period_start_week",
        )
        object.__setattr__(self, "people", people)
        object.__setattr__(self, "transfers", transfers)
        object.__setattr__(self, "hub_beds", hub_beds)
        object.__setattr__(self, "quotas", quotas)

    @property
    def horizon_weeks(self) -> int:
        return self.config.horizon_weeks

    @property
    def weights(self) -> ObjectiveWeights:
        return self.config.weights


@dataclass(frozen=True)
class AllocationPlan:
    """The result of the optimiser or the greedy baseline.

    ``objective`` is the exact objective of ``assignments`` (docs/allocation.md); ``bound`` is a proven upper
    bound on the objective of every feasible plan of the same problem (the greedy baseline computes none:
    ``nan``); ``gap`` = (bound - objective) / bound. ``reason`` says why a plan is empty; it is ``None`` when
    anyone is placed. ``solver_seconds`` is the wall time of the planner that made it.
    """

    method: PlanMethod
    status: PlanStatus
    assignments: pl.DataFrame
    transfer_loads: pl.DataFrame
    unplaced: pl.DataFrame
    objective: float
    bound: float
    gap: float
    solver_seconds: float
    people_eligible: int
    classes: int
    reason: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def people_placed(self) -> int:
        return self.assignments.height

    @property
    def transfers_used(self) -> int:
        return int(self.transfer_loads["used"].sum())

    @property
    def mean_load_factor(self) -> float:
        """Mean of load / seats over used transfers (0 when none is used)."""
        used = self.transfer_loads.filter(pl.col("used") & (pl.col("seats") > 0))
        if used.height == 0:
            return 0.0
        return float((used["load"] / used["seats"]).mean())  # type: ignore[arg-type]


def empty_frame(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
