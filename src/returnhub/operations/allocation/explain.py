"""One person's place in a plan, or why they have none, from the plan alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from returnhub.core.errors import NotFound
from returnhub.operations.allocation.model import AllocationPlan


@dataclass(frozen=True)
class PersonExplanation:
    person_id: str
    placed: bool
    text: str
    family_id: str | None = None
    transfer_id: str | None = None
    hub_id: str | None = None
    week: int | None = None
    departs_on: date | None = None
    reason_code: str | None = None


def explain(plan: AllocationPlan, person_id: str) -> PersonExplanation:
    placed = plan.assignments.filter(pl.col("person_id") == person_id)
    if placed.height:
        row = placed.row(0, named=True)
        family = plan.assignments.filter(pl.col("family_id") == row["family_id"]).height
        together = f" with their family ({family} people)" if family > 1 else ""
        return PersonExplanation(
            person_id=person_id,
            placed=True,
            text=(
                f"{person_id} is placed{together} on transfer {row['transfer_id']} to {row['hub_id']}, "
                f"week {row['week'] + 1}, departing {row['departs_on']}"
            ),
            family_id=row["family_id"],
            transfer_id=row["transfer_id"],
            hub_id=row["hub_id"],
            week=row["week"],
            departs_on=row["departs_on"],
        )
    unplaced = plan.unplaced.filter(pl.col("person_id") == person_id)
    if unplaced.height == 0:
        raise NotFound(f"{person_id} was not among the people this plan was computed for")
    row = unplaced.row(0, named=True)
    return PersonExplanation(
        person_id=person_id,
        placed=False,
        text=f"{person_id} is not placed: {row['reason']}",
        family_id=row["family_id"],
        transfer_id=row["transfer_id"],
        reason_code=row["reason_code"],
    )
