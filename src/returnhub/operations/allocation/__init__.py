"""Allocation optimiser (issue 7): who goes to which hub on which transfer. Pure functions over frames."""

from returnhub.operations.allocation.checker import Violation, check
from returnhub.operations.allocation.explain import PersonExplanation, explain
from returnhub.operations.allocation.greedy import greedy_plan
from returnhub.operations.allocation.instances import make_instance
from returnhub.operations.allocation.model import (
    AllocationConfig,
    AllocationPlan,
    AllocationProblem,
    ObjectiveWeights,
)
from returnhub.operations.allocation.solver import SolverSettings, relaxation_bound, solve
from returnhub.operations.allocation.summary import AllocationOutcome, allocate, allocation_summary, summary
from returnhub.operations.allocation.whatif import (
    AddTransfer,
    PlanDifference,
    RemoveTransfer,
    SetHubBeds,
    SetQuotaLimit,
    WhatIf,
    apply_changes,
    compare_plans,
    what_if,
)

__all__ = [
    "AddTransfer",
    "AllocationConfig",
    "AllocationOutcome",
    "AllocationPlan",
    "AllocationProblem",
    "ObjectiveWeights",
    "PersonExplanation",
    "PlanDifference",
    "RemoveTransfer",
    "SetHubBeds",
    "SetQuotaLimit",
    "SolverSettings",
    "Violation",
    "WhatIf",
    "allocate",
    "allocation_summary",
    "apply_changes",
    "check",
    "compare_plans",
    "explain",
    "greedy_plan",
    "make_instance",
    "relaxation_bound",
    "solve",
    "summary",
    "what_if",
]
