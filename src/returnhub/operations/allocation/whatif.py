"""What-ifs: change a copy of the problem, plan again, and say what changed. Nothing live is touched."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from returnhub.core.errors import InvalidInput
from returnhub.operations.allocation.model import (
    HUB_BEDS_SCHEMA,
    QUOTAS_SCHEMA,
    TRANSFERS_SCHEMA,
    AllocationPlan,
    AllocationProblem,
)


@dataclass(frozen=True)
class AddTransfer:
    transfer_id: str
    hub_id: str
    week: int
    departs_on: date
    seats: int
    min_load: int
    cost_per_person: float
    escorts_per_person: float = 1.0


@dataclass(frozen=True)
class RemoveTransfer:
    transfer_id: str


@dataclass(frozen=True)
class SetHubBeds:
    """Set the free beds of one bed type at a hub in one week (adds the row if there was none)."""

    hub_id: str
    bed_type: str
    week: int
    free_beds: int


@dataclass(frozen=True)
class SetQuotaLimit:
    quota_id: str
    limit: int


Change = AddTransfer | RemoveTransfer | SetHubBeds | SetQuotaLimit


def apply_changes(problem: AllocationProblem, changes: Sequence[Change]) -> AllocationProblem:
    """A new problem with the changes applied in order; the given one is left as it was."""
    transfers = problem.transfers
    hub_beds = problem.hub_beds
    quotas = problem.quotas
    for change in changes:
        if isinstance(change, AddTransfer):
            if change.transfer_id in transfers["transfer_id"]:
                raise InvalidInput(f"transfer {change.transfer_id} already exists")
            row = pl.DataFrame([vars(change)], schema=TRANSFERS_SCHEMA)
            transfers = pl.concat([transfers, row])
        elif isinstance(change, RemoveTransfer):
            if change.transfer_id not in transfers["transfer_id"]:
                raise InvalidInput(f"no transfer {change.transfer_id}")
            transfers = transfers.filter(pl.col("transfer_id") != change.transfer_id)
        elif isinstance(change, SetHubBeds):
            key = (
                (pl.col("hub_id") == change.hub_id)
                & (pl.col("bed_type") == change.bed_type)
                & (pl.col("week") == change.week)
            )
            hub_beds = pl.concat(
                [hub_beds.filter(~key), pl.DataFrame([vars(change)], schema=HUB_BEDS_SCHEMA)]
            )
        else:
            if change.quota_id not in quotas["quota_id"]:
                raise InvalidInput(f"no quota {change.quota_id}")
            quotas = quotas.with_columns(
                pl.when(pl.col("quota_id") == change.quota_id)
                .then(pl.lit(change.limit))
                .otherwise(pl.col("limit"))
                .cast(QUOTAS_SCHEMA["limit"])
                .alias("limit")
            )
    return replace(problem, transfers=transfers, hub_beds=hub_beds, quotas=quotas)


@dataclass(frozen=True)
class PlanDifference:
    """after - before. ``transfers``: transfer_id, load_before, load_after, change (only where loads differ);
    ``people``: person_id, transfer_before, transfer_after (only people whose placement differs)."""

    people_placed_before: int
    people_placed_after: int
    objective_before: float
    objective_after: float
    transfers: pl.DataFrame
    people: pl.DataFrame

    @property
    def people_placed_change(self) -> int:
        return self.people_placed_after - self.people_placed_before

    @property
    def objective_change(self) -> float:
        return self.objective_after - self.objective_before


def compare_plans(before: AllocationPlan, after: AllocationPlan) -> PlanDifference:
    loads = (
        before.transfer_loads.select(["transfer_id", pl.col("load").alias("load_before")])
        .join(
            after.transfer_loads.select(["transfer_id", pl.col("load").alias("load_after")]),
            on="transfer_id",
            how="full",
            coalesce=True,
        )
        .with_columns(pl.col("load_before").fill_null(0), pl.col("load_after").fill_null(0))
        .with_columns((pl.col("load_after") - pl.col("load_before")).alias("change"))
        .filter(pl.col("change") != 0)
        .sort("transfer_id")
    )
    people = (
        before.assignments.select(["person_id", pl.col("transfer_id").alias("transfer_before")])
        .join(
            after.assignments.select(["person_id", pl.col("transfer_id").alias("transfer_after")]),
            on="person_id",
            how="full",
            coalesce=True,
        )
        .filter(pl.col("transfer_before").ne_missing(pl.col("transfer_after")))
        .sort("person_id")
    )
    return PlanDifference(
        people_placed_before=before.people_placed,
        people_placed_after=after.people_placed,
        objective_before=before.objective,
        objective_after=after.objective,
        transfers=loads,
        people=people,
    )


@dataclass(frozen=True)
class WhatIf:
    problem: AllocationProblem
    plan: AllocationPlan
    difference: PlanDifference


def what_if(
    problem: AllocationProblem,
    changes: Sequence[Change],
    planner: Callable[[AllocationProblem], AllocationPlan],
    baseline: AllocationPlan | None = None,
) -> WhatIf:
    """Plan the changed problem with ``planner`` (e.g. ``solve``) and compare with ``baseline`` (planned from
    the unchanged problem when not given)."""
    changed = apply_changes(problem, changes)
    before = baseline if baseline is not None else planner(problem)
    after = planner(changed)
    return WhatIf(problem=changed, plan=after, difference=compare_plans(before, after))
