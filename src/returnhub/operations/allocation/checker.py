"""An independent checker: does a plan respect every constraint of its problem?

It reads only the raw input frames and the plan's output frames. It shares no code with the solver, the greedy
baseline or the class building (not even the objective: it is written out again here), so a bug there cannot
hide itself here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from returnhub.operations.allocation.model import REASON_CODES, AllocationPlan, AllocationProblem

RELATIVE_TOLERANCE = 1e-6
SHOWN = 5  # offenders named per violation; the count says how many there are


@dataclass(frozen=True)
class Violation:
    code: str
    message: str


def _names(frame: pl.DataFrame, column: str) -> str:
    names = [str(v) for v in frame[column].head(SHOWN).to_list()]
    more = f" and {frame.height - SHOWN} more" if frame.height > SHOWN else ""
    return ", ".join(names) + more


def check(problem: AllocationProblem, plan: AllocationPlan) -> list[Violation]:
    violations: list[Violation] = []

    def flag(code: str, offenders: pl.DataFrame, column: str, what: str) -> None:
        if offenders.height:
            violations.append(Violation(code, f"{offenders.height} {what}: {_names(offenders, column)}"))

    people = problem.people
    transfers = problem.transfers
    horizon = problem.config.horizon_weeks
    placed = plan.assignments

    flag(
        "placed_twice",
        placed.filter(pl.col("person_id").is_duplicated()).unique("person_id"),
        "person_id",
        "people placed more than once",
    )
    flag(
        "unknown_person",
        placed.join(people, on="person_id", how="anti"),
        "person_id",
        "unknown people placed",
    )
    flag(
        "unknown_transfer",
        placed.join(transfers, on="transfer_id", how="anti"),
        "transfer_id",
        "placements on unknown transfers",
    )

    rows = placed.join(
        people.select(
            [
                "person_id",
                pl.col("family_id").alias("true_family"),
                "nationality",
                "bed_type",
                "priority",
                "eligible_hubs",
            ]
        ),
        on="person_id",
    ).join(
        transfers.select(
            [
                "transfer_id",
                pl.col("hub_id").alias("true_hub"),
                pl.col("week").alias("true_week"),
                "seats",
                "min_load",
                "cost_per_person",
            ]
        ),
        on="transfer_id",
    )
    flag(
        "transfer_mismatch",
        rows.filter((pl.col("hub_id") != pl.col("true_hub")) | (pl.col("week") != pl.col("true_week"))),
        "person_id",
        "placements whose hub or week differ from their transfer's",
    )
    flag(
        "outside_horizon",
        rows.filter((pl.col("true_week") < 0) | (pl.col("true_week") >= horizon)),
        "person_id",
        "placements on transfers outside the horizon",
    )
    flag(
        "family_mismatch",
        rows.filter(pl.col("family_id") != pl.col("true_family")),
        "person_id",
        "placements recorded under another family",
    )
    flag(
        "not_eligible",
        rows.filter(~pl.col("eligible_hubs").list.contains(pl.col("true_hub"))),
        "person_id",
        "people placed at a hub where a safeguard or the agreement bars them",
    )

    # Families: all members or none, and all on one transfer.
    family_size = people.group_by("family_id").agg(pl.len().alias("members"))
    family_placed = (
        rows.group_by("true_family")
        .agg(pl.len().alias("placed"), pl.col("transfer_id").n_unique().alias("transfers"))
        .join(family_size, left_on="true_family", right_on="family_id")
    )
    flag(
        "family_split",
        family_placed.filter((pl.col("placed") != pl.col("members")) | (pl.col("transfers") > 1)),
        "true_family",
        "families split (not all members, or not on one transfer)",
    )

    # Seats and minimum loads.
    loads = rows.group_by("transfer_id").agg(
        pl.len().alias("load"), pl.col("seats").first(), pl.col("min_load").first()
    )
    flag(
        "over_seats",
        loads.filter(pl.col("load") > pl.col("seats")),
        "transfer_id",
        "transfers with more people than seats",
    )
    flag(
        "under_min_load",
        loads.filter(pl.col("load") < pl.col("min_load")),
        "transfer_id",
        "transfers planned below their minimum load",
    )

    # Beds per hub, bed type and week; no row means no bed.
    beds = (
        rows.group_by(["true_hub", "bed_type", "true_week"])
        .agg(pl.len().alias("arrivals"))
        .join(
            problem.hub_beds,
            left_on=["true_hub", "bed_type", "true_week"],
            right_on=["hub_id", "bed_type", "week"],
            how="left",
        )
        .with_columns(
            pl.col("free_beds").fill_null(0).clip(lower_bound=0),
            pl.format("{}/{}/week {}", "true_hub", "bed_type", "true_week").alias("pool"),
        )
    )
    flag(
        "over_beds",
        beds.filter(pl.col("arrivals") > pl.col("free_beds")),
        "pool",
        "bed pools with more arrivals than free beds",
    )

    # Quotas: count the placed people each quota covers.
    if problem.quotas.height and rows.height:
        placed_people = rows.select(["person_id", "true_hub", "true_week", "nationality"])
        quotas = problem.quotas.rename({"nationality": "quota_nationality"})
        # Hub-specific quotas join on the hub; quotas for every hub ("*") are joined to everybody.
        covered = pl.concat(
            [
                placed_people.join(
                    quotas.filter(pl.col("hub_id") != "*"), left_on="true_hub", right_on="hub_id"
                ),
                placed_people.join(quotas.filter(pl.col("hub_id") == "*").drop("hub_id"), how="cross"),
            ]
        ).filter(
            ((pl.col("quota_nationality") == "*") | (pl.col("quota_nationality") == pl.col("nationality")))
            & (pl.col("true_week") >= pl.col("period_start_week"))
            & (pl.col("true_week") <= pl.col("period_end_week"))
        )
        used = covered.group_by("quota_id").agg(pl.len().alias("used"), pl.col("limit").first())
        flag("over_quota", used.filter(pl.col("used") > pl.col("limit")), "quota_id", "quotas exceeded")

    # The objective, written out again from docs/allocation.md.
    weights = problem.config.weights
    objective = (
        float(
            rows.select(
                (
                    weights.per_person
                    + weights.per_priority_point * pl.col("priority")
                    + weights.earliness * (horizon - pl.col("true_week")) / horizon
                    - weights.per_cost_unit * pl.col("cost_per_person")
                ).sum()
            ).item()
        )
        if rows.height
        else 0.0
    )
    tolerance = RELATIVE_TOLERANCE * max(1.0, abs(objective))
    if abs(objective - plan.objective) > tolerance:
        violations.append(
            Violation(
                "objective_mismatch",
                f"reported objective {plan.objective} but the placements score {objective}",
            )
        )
    if not math.isnan(plan.bound):
        if plan.bound < objective - tolerance:
            violations.append(
                Violation("bound_below_objective", f"bound {plan.bound} is below the objective {objective}")
            )
        expected_gap = (plan.bound - plan.objective) / plan.bound if plan.bound > 0 else 0.0
        if abs(expected_gap - plan.gap) > 1e-9:
            violations.append(Violation("gap_mismatch", f"gap {plan.gap} should be {expected_gap}"))

    # Reported loads match the placements.
    reported = (
        plan.transfer_loads.select(["transfer_id", "load", "used"])
        .join(
            loads.select(["transfer_id", pl.col("load").alias("counted")]),
            on="transfer_id",
            how="full",
            coalesce=True,
        )
        .with_columns(pl.col("counted").fill_null(0), pl.col("load").fill_null(-1))
    )
    flag(
        "loads_mismatch",
        reported.filter((pl.col("load") != pl.col("counted")) | (pl.col("used") != (pl.col("counted") > 0))),
        "transfer_id",
        "transfers whose reported load differs from the placements",
    )

    # Everybody is either placed or explained, never both; reasons come from the documented list.
    unplaced = plan.unplaced
    flag(
        "placed_and_unplaced",
        unplaced.join(placed, on="person_id", how="semi"),
        "person_id",
        "people both placed and listed as unplaced",
    )
    accounted = pl.concat([placed.select("person_id"), unplaced.select("person_id")])
    flag(
        "unaccounted",
        people.join(accounted, on="person_id", how="anti"),
        "person_id",
        "people neither placed nor explained",
    )
    flag(
        "unknown_reason",
        unplaced.filter(~pl.col("reason_code").is_in(list(REASON_CODES))),
        "person_id",
        "unplaced people with an unknown reason code",
    )
    if plan.assignments.height == 0 and not plan.reason:
        violations.append(Violation("empty_without_reason", "the plan is empty but gives no reason"))
    return violations
