"""Optimiser and greedy baseline side by side: what `returnhub allocate --json` prints."""

from __future__ import annotations

import time
from dataclasses import dataclass

from returnhub.operations.allocation.greedy import greedy_plan
from returnhub.operations.allocation.model import AllocationPlan, AllocationProblem
from returnhub.operations.allocation.solver import SolverSettings, solve


@dataclass(frozen=True)
class AllocationOutcome:
    plan: AllocationPlan
    greedy: AllocationPlan
    seconds: float


def allocate(problem: AllocationProblem, settings: SolverSettings | None = None) -> AllocationOutcome:
    """The greedy plan first, then the optimiser seeded with it, so the optimiser's objective is never
    lower."""
    started = time.perf_counter()
    greedy = greedy_plan(problem)
    plan = solve(problem, settings, baseline=greedy)
    return AllocationOutcome(plan=plan, greedy=greedy, seconds=time.perf_counter() - started)


def summary(outcome: AllocationOutcome) -> dict[str, float | int]:
    """``seconds`` is the wall time of both planners together."""
    plan = outcome.plan
    return {
        "people_eligible": plan.people_eligible,
        "people_placed": plan.people_placed,
        "objective": plan.objective,
        "bound": plan.bound,
        "gap": plan.gap,
        "greedy_people_placed": outcome.greedy.people_placed,
        "greedy_objective": outcome.greedy.objective,
        "transfers_used": plan.transfers_used,
        "mean_load_factor": plan.mean_load_factor,
        "seconds": outcome.seconds,
    }


def allocation_summary(
    problem: AllocationProblem, settings: SolverSettings | None = None
) -> dict[str, float | int]:
    return summary(allocate(problem, settings))
