"""Turn a family-to-transfer assignment into a full plan: people, loads, exact objective, reasons for the
unplaced.

Both the optimiser and the greedy baseline end here, so both are scored by the same objective and explained by
the same rules. Reasons are worked out once per class (units in a class are interchangeable, so they share a
reason) and only then spread over people with Polars.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import polars as pl

from returnhub.operations.allocation.classes import Classes
from returnhub.operations.allocation.model import (
    ASSIGNMENTS_SCHEMA,
    TRANSFER_LOADS_SCHEMA,
    UNPLACED_SCHEMA,
    AllocationPlan,
    AllocationProblem,
    PlanMethod,
    PlanStatus,
)
from returnhub.operations.allocation.resources import IntArray, Resources

# When a class has several reasons across its candidate transfers, the most specific one is reported.
PRECEDENCE = (
    "family_too_large",
    "quota_used_up",
    "outranked",
    "cost_exceeds_value",
    "room_left_unused",  # never expected: the tests fail if a plan leaves room a unit could have taken
    "no_viable_transfer",
    "not_eligible_for_any_hub_with_room",
)


@dataclass(frozen=True)
class _Reason:
    code: str
    text: str
    transfer_id: str | None = None
    quota_id: str | None = None
    outranked_by: str | None = None
    outranked_by_priority: float | None = None
    remaining_seats: int | None = None
    # Outranked texts end with the person's own priority, added per person.
    add_own_priority: bool = False
    # Outranked by a unit with the same needs (a fair comparison), not just by whoever is there.
    same_needs: bool = False


def objective_value(problem: AllocationProblem, assignments: pl.DataFrame) -> float:
    """The objective of docs/allocation.md, summed over placed people."""
    if assignments.height == 0:
        return 0.0
    weights = problem.weights
    horizon = problem.horizon_weeks
    scored = (
        assignments.select(["person_id", "transfer_id", "week"])
        .join(problem.people.select(["person_id", "priority"]), on="person_id")
        .join(problem.transfers.select(["transfer_id", "cost_per_person"]), on="transfer_id")
    )
    total = scored.select(
        (
            weights.per_person
            + weights.per_priority_point * pl.col("priority")
            + weights.earliness * (horizon - pl.col("week")) / horizon
            - weights.per_cost_unit * pl.col("cost_per_person")
        ).sum()
    ).item()
    return float(total)


def option_counts(classes: Classes, family_transfers: pl.DataFrame) -> IntArray:
    """Units placed per option o (class, transfer)."""
    counts = np.zeros(classes.options.height, dtype=np.int64)
    if family_transfers.height == 0:
        return counts
    per_option = (
        family_transfers.join(classes.families.select(["family_id", "class_id"]), on="family_id")
        .group_by(["class_id", "t"])
        .agg(pl.len().alias("k"))
        .join(classes.options.select(["class_id", "t", "o"]), on=["class_id", "t"])
    )
    counts[per_option["o"].to_numpy()] = per_option["k"].to_numpy()
    return counts


def assemble_plan(
    problem: AllocationProblem,
    classes: Classes,
    resources: Resources,
    family_transfers: pl.DataFrame,
    *,
    method: PlanMethod,
    status: PlanStatus,
    bound: float,
    started: float,
    notes: tuple[str, ...] = (),
) -> AllocationPlan:
    """``family_transfers``: family_id, t (index into ``classes.transfers``)."""
    transfers = classes.transfers
    assignments = (
        family_transfers.join(transfers.select(["t", "transfer_id", "hub_id", "week", "departs_on"]), on="t")
        .join(problem.people.select(["person_id", "family_id"]), on="family_id")
        .select(list(ASSIGNMENTS_SCHEMA))
        .sort(["week", "transfer_id", "family_id", "person_id"])
    )
    loads = assignments.group_by("transfer_id").agg(pl.len().cast(pl.Int64()).alias("load"))
    transfer_loads = (
        problem.transfers.select(["transfer_id", "hub_id", "week", "seats", "min_load"])
        .join(loads, on="transfer_id", how="left")
        .with_columns(pl.col("load").fill_null(0))
        .with_columns((pl.col("load") > 0).alias("used"))
        .select(list(TRANSFER_LOADS_SCHEMA))
        .sort(["week", "hub_id", "transfer_id"])
    )
    objective = objective_value(problem, assignments)
    counts = option_counts(classes, family_transfers)
    unplaced = _unplaced(problem, classes, resources, counts, assignments, family_transfers)
    people_eligible = int((problem.people["eligible_hubs"].list.len() > 0).sum())
    reason = None
    if assignments.height == 0:
        status = "empty"
        reason = _empty_reason(problem, classes, unplaced)
    if math.isnan(bound):
        gap = math.nan
    else:
        bound = max(bound, objective) if bound >= objective - 1e-6 * max(1.0, abs(objective)) else bound
        gap = (bound - objective) / bound if bound > 0 else 0.0
    return AllocationPlan(
        method=method,
        status=status,
        assignments=assignments,
        transfer_loads=transfer_loads,
        unplaced=unplaced,
        objective=objective,
        bound=bound,
        gap=gap,
        solver_seconds=time.perf_counter() - started,
        people_eligible=people_eligible,
        classes=classes.n_classes,
        reason=reason,
        notes=notes,
    )


def _empty_reason(problem: AllocationProblem, classes: Classes, unplaced: pl.DataFrame) -> str:
    if problem.people.height == 0:
        return "no people to allocate"
    if classes.transfers.height == 0:
        return f"no transfer departs within the {problem.horizon_weeks}-week horizon"
    codes = unplaced["reason_code"].value_counts(sort=True)
    top = ", ".join(f"{code} ({n})" for code, n in codes.iter_rows())
    return f"no one can be placed; reasons: {top}"


Lowest = dict[tuple[object, int], tuple[str, float]]


def _lowest_priority(
    assignments: pl.DataFrame, problem: AllocationProblem, classes: Classes
) -> tuple[Lowest, Lowest]:
    """Per transfer and per bed pool (hub, bed type, week): the placed unit with the lowest priority, both
    among units of each class (key (place, class_id)) and among everybody (key (place, -1)). A unit of the
    same class is the fair comparison: it needed exactly the same seats, beds and quota places."""
    if assignments.height == 0:
        return {}, {}
    # Units, not people: a family is compared by its priority (the sum over members, as in the objective)
    # and named by its first member.
    placed = (
        assignments.join(problem.people.select(["person_id", "bed_type"]), on="person_id")
        .join(
            classes.families.select(["family_id", "class_id", pl.col("family_priority").alias("priority")]),
            on="family_id",
        )
        .sort(["priority", "family_id", "person_id"])
    )
    on_transfer: Lowest = {}
    in_pool: Lowest = {}
    for by_class in (True, False):
        keys = ["class_id"] if by_class else []
        for t, c, person, priority in (
            placed.group_by(["transfer_id", *keys])
            .agg(pl.col("person_id").first(), pl.col("priority").first())
            .select(["transfer_id", pl.col("class_id") if by_class else pl.lit(-1), "person_id", "priority"])
            .iter_rows()
        ):
            on_transfer[(t, c)] = (person, priority)
        for h, b, w, c, person, priority in (
            placed.group_by(["hub_id", "bed_type", "week", *keys])
            .agg(pl.col("person_id").first(), pl.col("priority").first())
            .select(
                [
                    "hub_id",
                    "bed_type",
                    "week",
                    pl.col("class_id") if by_class else pl.lit(-1),
                    "person_id",
                    "priority",
                ]
            )
            .iter_rows()
        ):
            in_pool[((h, b, w), c)] = (person, priority)
    return on_transfer, in_pool


def _outranking(lowest: Lowest, place: object, class_id: int) -> tuple[str, str, float, bool]:
    """Who to name, how to describe them, and whether they had the same needs."""
    if (place, class_id) in lowest:
        person, priority = lowest[(place, class_id)]
        return f"the least urgent unit placed there with the same needs, {person},", person, priority, True
    person, priority = lowest.get((place, -1), ("", math.nan))
    return f"the least urgent unit placed there, {person},", person, priority, False


def _unplaced(
    problem: AllocationProblem,
    classes: Classes,
    resources: Resources,
    counts: IntArray,
    assignments: pl.DataFrame,
    family_transfers: pl.DataFrame,
) -> pl.DataFrame:
    families = classes.families.join(family_transfers.select("family_id"), on="family_id", how="anti")
    if families.height == 0:
        return pl.DataFrame(schema=UNPLACED_SCHEMA)
    weights = problem.weights
    left = resources.remaining(counts)
    transfers = classes.transfers
    t_id = transfers["transfer_id"].to_list()
    t_hub = transfers["hub_id"].to_list()
    t_week = transfers["week"].to_list()
    t_cost = transfers["cost_per_person"].to_list()
    used = np.zeros(transfers.height, dtype=bool)
    if assignments.height:
        used_ids = set(assignments["transfer_id"].unique().to_list())
        used = np.array([tid in used_ids for tid in t_id], dtype=bool)
    pools = classes.pools
    pool_key = list(
        zip(pools["hub_id"].to_list(), pools["bed_type"].to_list(), pools["week"].to_list(), strict=True)
    )
    quota_rows = classes.quotas.to_dicts()
    lowest_on_transfer, lowest_in_pool = _lowest_priority(assignments, problem, classes)

    options_by_class: dict[int, list[tuple[int, int, int, float]]] = {}
    for o, class_id, t, size, value in classes.options.select(
        ["o", "class_id", "t", "size", "value"]
    ).iter_rows():
        options_by_class.setdefault(class_id, []).append((o, t, size, value))
    blocked_by_class: dict[int, list[tuple[int, int, int, int]]] = {}
    for class_id, t, seat_most, bed_most, quota_most in classes.blocked.iter_rows():
        blocked_by_class.setdefault(class_id, []).append((t, seat_most, bed_most, quota_most))
    blocking_quota: dict[tuple[int, int], int] = {}
    for class_id, t, q in classes.quota_blocking.iter_rows():
        blocking_quota.setdefault((class_id, t), q)
    lead = classes.families.group_by("class_id").agg(pl.col("family_priority").max())
    best_priority = dict(lead.iter_rows())

    def quota_text(q: int) -> tuple[str, str]:
        row = quota_rows[q]
        scope = "every nationality" if row["nationality"] == "*" else row["nationality"]
        hub = "every hub" if row["hub_id"] == "*" else row["hub_id"]
        return row["quota_id"], (
            f"quota used up: {row['quota_id']} ({scope} at {hub}, weeks {row['period_start_week']}-"
            f"{row['period_end_week']}, limit {row['limit']}) has no place left"
        )

    def unit(size: int) -> str:
        return "this person" if size == 1 else f"this family of {size}"

    class_reasons: dict[int, _Reason] = {}
    classes_left = families.select("class_id").unique()["class_id"].to_list()
    class_size = dict(classes.classes.select(["class_id", "size"]).iter_rows())
    class_hubs = dict(classes.classes.select(["class_id", "hubs"]).iter_rows())
    for class_id in classes_left:
        size = class_size[class_id]
        found: dict[str, _Reason] = {}

        def note(reason: _Reason, found: dict[str, _Reason] = found) -> None:
            # Candidates come in time order: keep the earliest, but prefer naming a unit with the same needs.
            kept = found.get(reason.code)
            if kept is None or (reason.same_needs and not kept.same_needs):
                found[reason.code] = reason

        candidates: list[tuple[int, str, int, int, float, int, int, int]] = []
        for o, t, _, value in options_by_class.get(class_id, []):
            candidates.append((t, "option", o, size, value, 0, 0, 0))
        for t, seat_most, bed_most, quota_most in blocked_by_class.get(class_id, []):
            candidates.append((t, "blocked", -1, size, 0.0, seat_most, bed_most, quota_most))
        candidates.sort()
        for t, kind, o, _, value, seat_most, _bed_most, quota_most in candidates:
            where = f"transfer {t_id[t]} ({t_hub[t]}, week {t_week[t] + 1})"
            if kind == "blocked":
                if seat_most <= 0:
                    if size > 1:
                        seats = int(resources.capacity[t])
                        note(
                            _Reason(
                                "family_too_large",
                                f"family too large: {unit(size)} needs {size} seats; {where} has {seats}",
                                t_id[t],
                                remaining_seats=seats,
                            )
                        )
                    else:
                        note(
                            _Reason(
                                "no_viable_transfer", f"no viable transfer: {where} has no seats", t_id[t]
                            )
                        )
                elif quota_most <= 0:
                    q = blocking_quota.get((class_id, t), -1)
                    if q >= 0:
                        quota_id, text = quota_text(q)
                        note(_Reason("quota_used_up", text, t_id[t], quota_id=quota_id))
                else:
                    note(
                        _Reason(
                            "not_eligible_for_any_hub_with_room",
                            f"not eligible for any hub with room: {t_hub[t]} has no free bed of the needed "
                            f"type in week {t_week[t] + 1}",
                            t_id[t],
                        )
                    )
                continue
            worthless = value + weights.per_priority_point * best_priority[class_id] <= 0
            if worthless:
                note(
                    _Reason(
                        "cost_exceeds_value",
                        f"cost exceeds value: {where} costs {t_cost[t]:.2f} per person, more than placing "
                        "them is worth in the objective",
                        t_id[t],
                    )
                )
                continue
            if not used[t]:
                note(
                    _Reason(
                        "no_viable_transfer",
                        f"no viable transfer: {where} is not planned (it would stay under its minimum load)",
                        t_id[t],
                    )
                )
                continue
            uses = resources.uses[o]
            short = [(r, need) for r, need in uses if left[r] < need]
            quota_short = [r for r, _ in short if r >= resources.n_transfers + resources.n_pools]
            seat_left = int(left[t])
            pool_short = [
                r for r, _ in short if resources.n_transfers <= r < resources.n_transfers + resources.n_pools
            ]
            if quota_short:
                quota_id, text = quota_text(quota_short[0] - resources.n_transfers - resources.n_pools)
                note(_Reason("quota_used_up", text, t_id[t], quota_id=quota_id))
            elif seat_left == 0 or (seat_left < size and not pool_short):
                if seat_left == 0:
                    who, person, priority, same = _outranking(lowest_on_transfer, t_id[t], class_id)
                    note(
                        _Reason(
                            "outranked",
                            f"outranked: {where} is full; {who} has priority {priority:.2f}",
                            t_id[t],
                            outranked_by=person,
                            outranked_by_priority=priority,
                            add_own_priority=True,
                            same_needs=same,
                        )
                    )
                else:
                    note(
                        _Reason(
                            "family_too_large",
                            f"family too large: {unit(size)} needs {size} seats; "
                            f"{where} has {seat_left} left",
                            t_id[t],
                            remaining_seats=seat_left,
                        )
                    )
            elif pool_short:
                hub, bed_type, week = pool_key[pool_short[0] - resources.n_transfers]
                who, person, priority, same = _outranking(lowest_in_pool, (hub, bed_type, week), class_id)
                note(
                    _Reason(
                        "outranked",
                        f"outranked: the {bed_type} beds at {hub} in week {week + 1} are taken; {who} has "
                        f"priority {priority:.2f}",
                        t_id[t],
                        outranked_by=person,
                        outranked_by_priority=priority,
                        add_own_priority=True,
                        same_needs=same,
                    )
                )
            else:
                note(_Reason("room_left_unused", f"{where} had room but the plan left it unused", t_id[t]))
        if not found:
            hubs = class_hubs[class_id]
            text = (
                f"no viable transfer: no transfer to {', '.join(hubs)} departs within the horizon"
                if hubs
                else "no viable transfer: no transfer to any hub open to them departs within the horizon"
            )
            found["no_viable_transfer"] = _Reason("no_viable_transfer", text)
        class_reasons[class_id] = next(found[code] for code in PRECEDENCE if code in found)

    reasons = pl.DataFrame(
        [
            (
                class_id,
                r.code,
                r.text,
                r.transfer_id,
                r.quota_id,
                r.outranked_by,
                r.outranked_by_priority,
                r.remaining_seats,
                r.add_own_priority,
            )
            for class_id, r in class_reasons.items()
        ],
        schema={
            "class_id": pl.Int64(),
            "reason_code": pl.String(),
            "reason": pl.String(),
            "transfer_id": pl.String(),
            "quota_id": pl.String(),
            "outranked_by": pl.String(),
            "outranked_by_priority": pl.Float64(),
            "remaining_seats": pl.Int64(),
            "add_own": pl.Boolean(),
        },
        orient="row",
    )
    no_hub = "not eligible for any hub with room: no hub is open to {} under the safeguards and agreements"
    people = (
        families.select(["family_id", "class_id", "size", "has_eligible_hub", "family_priority"])
        .join(reasons, on="class_id", how="left")
        .join(problem.people.select(["person_id", "family_id", "priority"]), on="family_id")
        .with_columns(
            # A unit with no hub in common is not eligible, whichever class it landed in.
            pl.when(~pl.col("has_eligible_hub"))
            .then(pl.lit("not_eligible_for_any_hub_with_room"))
            .otherwise(pl.col("reason_code"))
            .alias("reason_code"),
            pl.when(~pl.col("has_eligible_hub"))
            .then(
                pl.when(pl.col("size") == 1)
                .then(pl.lit(no_hub.format("this person")))
                .otherwise(pl.lit(no_hub.format("every member of the family")))
            )
            .when(pl.col("add_own"))
            .then(pl.format("{} (theirs: {})", pl.col("reason"), pl.col("family_priority").round(2)))
            .otherwise(pl.col("reason"))
            .alias("reason"),
        )
        .with_columns(
            [
                pl.when(pl.col("has_eligible_hub")).then(pl.col(c)).otherwise(None).alias(c)
                for c in (
                    "transfer_id",
                    "quota_id",
                    "outranked_by",
                    "outranked_by_priority",
                    "remaining_seats",
                )
            ]
        )
        .select(list(UNPLACED_SCHEMA))
        .sort(["reason_code", "person_id"])
    )
    return people
