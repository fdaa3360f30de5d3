"""Properties that must hold on every instance (issue 7, "Must hold"), on random small problems.

The optimum used as a reference is found by brute force over every family's choice (stay, or one transfer),
with feasibility and the objective written out here in plain Python from the problem's rows, not taken from
the module under test.
"""

from __future__ import annotations

import itertools
from collections import Counter

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings

from returnhub.operations.allocation import (
    SolverSettings,
    check,
    greedy_plan,
    make_instance,
    relaxation_bound,
    solve,
)
from returnhub.operations.allocation.model import AllocationPlan, AllocationProblem
from tests.allocation.conftest import tiny_problems

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _brute_force_optimum(problem: AllocationProblem) -> float | None:
    """The best objective over all plans, or None if there are too many plans to enumerate."""
    weights = problem.config.weights
    horizon = problem.config.horizon_weeks
    people = problem.people.to_dicts()
    transfers = [t for t in problem.transfers.to_dicts() if 0 <= t["week"] < horizon]
    families: dict[str, list[dict[str, object]]] = {}
    for person in people:
        families.setdefault(str(person["family_id"]), []).append(person)
    units = list(families.values())
    if (len(transfers) + 1) ** len(units) > 30_000:
        return None
    beds = {
        (b["hub_id"], b["bed_type"], b["week"]): max(b["free_beds"], 0) for b in problem.hub_beds.to_dicts()
    }
    quotas = problem.quotas.to_dicts()
    best = 0.0
    for choice in itertools.product(range(-1, len(transfers)), repeat=len(units)):
        load: Counter[int] = Counter()
        pools: Counter[tuple[str, str, int]] = Counter()
        quota_use: Counter[str] = Counter()
        value = 0.0
        feasible = True
        for members, pick in zip(units, choice, strict=True):
            if pick < 0:
                continue
            transfer = transfers[pick]
            hub, week = transfer["hub_id"], transfer["week"]
            for person in members:
                if hub not in person["eligible_hubs"]:  # type: ignore[operator]
                    feasible = False
                load[pick] += 1
                pools[(hub, person["bed_type"], week)] += 1  # type: ignore[index]
                for quota in quotas:
                    if (
                        quota["hub_id"] in ("*", hub)
                        and quota["nationality"] in ("*", person["nationality"])
                        and quota["period_start_week"] <= week <= quota["period_end_week"]
                    ):
                        quota_use[quota["quota_id"]] += 1
                value += (
                    weights.per_person
                    + weights.per_priority_point * person["priority"]  # type: ignore[operator]
                    + weights.earliness * (horizon - week) / horizon
                    - weights.per_cost_unit * transfer["cost_per_person"]
                )
            if not feasible:
                break
        if not feasible:
            continue
        if any(n > transfers[t]["seats"] or n < transfers[t]["min_load"] for t, n in load.items()):
            continue
        if any(n > beds.get(pool, 0) for pool, n in pools.items()):
            continue
        if any(quota_use[q["quota_id"]] > q["limit"] for q in quotas):
            continue
        best = max(best, value)
    return best


def _assert_plan_is_lawful(problem: AllocationProblem, plan: AllocationPlan) -> None:
    assert check(problem, plan) == []
    placed = plan.assignments.join(problem.people.select(["person_id", "eligible_hubs"]), on="person_id")
    # Nobody at a hub a safeguard bars them from.
    assert placed.filter(~pl.col("eligible_hubs").list.contains(pl.col("hub_id"))).height == 0
    # Families move whole, on one transfer.
    sizes = problem.people.group_by("family_id").agg(pl.len().alias("size"))
    moved = plan.assignments.group_by("family_id").agg(
        pl.len().alias("moved"), pl.col("transfer_id").n_unique()
    )
    joined = moved.join(sizes, on="family_id")
    assert (joined["moved"] == joined["size"]).all() and (joined["transfer_id"] == 1).all()
    # No used transfer below its minimum load, or above its seats.
    used = plan.transfer_loads.filter(pl.col("used"))
    assert (used["load"] >= used["min_load"]).all() and (used["load"] <= used["seats"]).all()


@FAST
@given(tiny_problems())
def test_solver_and_greedy_plans_are_lawful_and_solver_is_optimal(problem: AllocationProblem) -> None:
    plan = solve(problem)
    greedy = greedy_plan(problem)
    _assert_plan_is_lawful(problem, plan)
    _assert_plan_is_lawful(problem, greedy)
    tolerance = 1e-6 * max(1.0, abs(plan.objective))
    assert plan.objective >= greedy.objective - tolerance
    assert plan.bound >= plan.objective - tolerance
    optimum = _brute_force_optimum(problem)
    if optimum is not None:
        assert plan.objective == pytest.approx(optimum, rel=1e-9, abs=1e-6)
        assert plan.bound >= optimum - tolerance
    if plan.people_placed == 0:
        assert plan.reason


@settings(max_examples=6, deadline=None)
@given(tiny_problems())
def test_people_are_either_placed_or_given_a_documented_reason(problem: AllocationProblem) -> None:
    plan = solve(problem)
    everyone = set(problem.people["person_id"].to_list())
    placed = set(plan.assignments["person_id"].to_list())
    unplaced = set(plan.unplaced["person_id"].to_list())
    assert placed | unplaced == everyone and not placed & unplaced
    assert plan.unplaced["reason"].str.len_chars().min() or plan.unplaced.height == 0


def test_lp_rounding_has_a_small_proven_gap_and_the_greedy_seed_is_a_floor() -> None:
    # The path large instances take: no exact MIP. Its bound must hold against any plan, greedy's included.
    problem = make_instance(3000, n_hubs=5, n_weeks=8, seed=0)
    settings = SolverSettings(exact_up_to_options=0, pack_time_limit_seconds=1.0)
    greedy = greedy_plan(problem)
    plan = solve(problem, settings)
    _assert_plan_is_lawful(problem, plan)
    _assert_plan_is_lawful(problem, greedy)
    assert plan.gap <= 0.005
    assert plan.bound >= greedy.objective
    seeded = solve(problem, settings, baseline=greedy)
    _assert_plan_is_lawful(problem, seeded)
    assert seeded.objective >= max(greedy.objective, plan.objective) - 1e-6 * plan.objective


def test_the_bound_alone_is_the_plans_bound_and_polishing_never_loses() -> None:
    problem = make_instance(3000, n_hubs=5, n_weeks=8, seed=1)
    plain = SolverSettings(exact_up_to_options=0, polish_above_gap=1.0)  # never polish
    polished = SolverSettings(exact_up_to_options=0, polish_above_gap=0.0, pack_time_limit_seconds=1.0)
    quick = solve(problem, plain)
    careful = solve(problem, polished)
    _assert_plan_is_lawful(problem, quick)
    _assert_plan_is_lawful(problem, careful)
    # The large-instance path reports the relaxation's bound as it stands, whatever the rounding did.
    assert quick.bound == pytest.approx(relaxation_bound(problem, plain), rel=1e-12)
    assert careful.bound == pytest.approx(quick.bound, rel=1e-12)
    assert careful.objective >= quick.objective - 1e-9 * quick.objective
    assert quick.bound >= careful.objective and quick.gap <= 0.01
