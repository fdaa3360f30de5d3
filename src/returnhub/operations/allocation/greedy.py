"""First-come-first-served baseline: what a planner with a spreadsheet would do.

Families are taken in descending order of their most urgent member's priority (ties: family_id), and each
takes the earliest transfer (week, then departure date, then transfer_id) to a hub open to every member that
still has seats, beds of each needed type and quota places for it. Transfers that end a pass below their
minimum load are cancelled and everybody is placed again without them, until every planned transfer is
viable. The result is scored with the optimiser's objective (``assemble.objective_value``).
"""

from __future__ import annotations

import math
import time

import numpy as np
import polars as pl

from returnhub.operations.allocation.assemble import assemble_plan
from returnhub.operations.allocation.classes import Classes, build_classes
from returnhub.operations.allocation.model import AllocationPlan, AllocationProblem
from returnhub.operations.allocation.resources import IntArray, Resources, build_resources


def greedy_plan(problem: AllocationProblem) -> AllocationPlan:
    started = time.perf_counter()
    classes = build_classes(problem)
    resources = build_resources(classes)
    family_transfers = greedy_assignment(classes, resources)
    return assemble_plan(
        problem,
        classes,
        resources,
        family_transfers,
        method="greedy",
        status="feasible",
        bound=math.nan,
        started=started,
    )


def greedy_assignment(classes: Classes, resources: Resources) -> pl.DataFrame:
    """family_id, t for every family placed by the first-come-first-served rule."""
    families = classes.families.sort(["lead_priority", "family_id"], descending=[True, False])
    family_class = families["class_id"].to_numpy()
    n_t = resources.n_transfers
    options = classes.options
    # Each class's options in departure order (options are sorted by class, then t, and t is departure order).
    first = np.searchsorted(options["class_id"].to_numpy(), np.arange(classes.n_classes + 1))
    option_t = options["t"].to_numpy()
    min_load = classes.transfers["min_load"].to_numpy()
    cancelled = np.zeros(n_t, dtype=bool)
    while True:
        chosen, load = _one_pass(family_class, first, option_t, resources, cancelled)
        under = (load > 0) & (load < min_load)
        if not under.any():
            break
        cancelled |= under
    placed = chosen >= 0
    return pl.DataFrame(
        {
            "family_id": families["family_id"].filter(pl.Series(placed)),
            "t": option_t[chosen[placed]].astype(np.int64),
        }
    )


def _one_pass(
    family_class: IntArray,
    first: IntArray,
    option_t: IntArray,
    resources: Resources,
    cancelled: np.ndarray,
) -> tuple[IntArray, IntArray]:
    left: list[int] = resources.capacity.tolist()
    for t in np.flatnonzero(cancelled):
        left[int(t)] = 0
    uses = resources.uses
    # Capacity only shrinks within a pass, so an option that cannot take one more unit of its class never will
    # again: each class keeps a cursor to its first option that might still fit (amortised O(1) per family).
    cursor: list[int] = first[:-1].tolist()
    end: list[int] = first[1:].tolist()
    chosen = np.full(family_class.size, -1, dtype=np.int64)
    chosen_list: list[int] = [-1] * family_class.size
    for i, c in enumerate(family_class.tolist()):
        o = cursor[c]
        stop = end[c]
        while o < stop:
            use = uses[o]
            if all(left[r] >= need for r, need in use):
                for r, need in use:
                    left[r] -= need
                chosen_list[i] = o
                break
            o += 1
        cursor[c] = o
    chosen[:] = chosen_list
    n_t = resources.n_transfers
    load = np.zeros(n_t, dtype=np.int64)
    placed = chosen >= 0
    if placed.any():
        seats_used = np.array([uses[o][0][1] for o in chosen[placed].tolist()], dtype=np.int64)
        np.add.at(load, option_t[chosen[placed]], seats_used)
    return chosen, load
