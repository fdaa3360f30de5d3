"""The allocation optimiser: a class-level mixed-integer model, its LP relaxation for a proven bound, and an
LP-guided rounding that yields a feasible plan (docs/allocation.md explains the choices).

Model (per option o = (class c, transfer t); per transfer t; per priority segment j of class c):
    x_o in {0..most_o}  units of class c on transfer t
    y_t in {0, 1}       transfer t is used
    u_cj in [0, n_cj]   units of segment j of class c that are placed (segments: the class's units in
                        descending priority, cut into equal runs)
    max   sum_o value_o x_o + w_priority * sum_cj mean_priority_cj u_cj
    s.t.  min_load_t y_t <= sum_{o at t} size_o x_o <= seats_t y_t           (seats, minimum viable load)
          sum_{o using pool p} need_op x_o <= free_beds_p                     (beds per hub, bed type, week)
          sum_{o using quota q} need_oq x_o <= limit_q                       (quotas)
          sum_{o of class c} x_o = sum_j u_cj                                 (units come from the segments)

The LP relaxation is solved with GLOP (through OR-Tools' model builder). Its dual values give a bound by weak
duality computed here in NumPy, so the bound does not rest on the LP solver's tolerances. The same duals also
price the exact model (one column per family unit instead of the segments), whose weak-duality bound needs no
segment error; the smaller of the two is reported. The rounding decides which transfers run (cut-offs on the
relaxed load, each re-solved as an LP with y fixed), floors, and refills spare capacity (transfers short of
their minimum load first), cancelling any transfer left under its minimum load. Only when that plain rounding
is further than ``polish_above_gap`` from the bound do two small SCIP MIPs polish it (which of the uncertain
transfers run; repacking the leftovers). Small models are also solved whole as a MIP (SCIP), warm-started from
the rounding.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import scipy.sparse as sparse
from ortools.linear_solver import linear_solver_pb2, pywraplp  # type: ignore[attr-defined]
from ortools.linear_solver.python import model_builder as mb
from ortools.linear_solver.python import model_builder_helper as mbh

from returnhub.operations.allocation.assemble import assemble_plan, option_counts
from returnhub.operations.allocation.classes import Classes, build_classes
from returnhub.operations.allocation.model import AllocationPlan, AllocationProblem
from returnhub.operations.allocation.resources import IntArray, Resources, build_resources

FloatArray = npt.NDArray[np.float64]
INTEGRAL = 1e-6  # LP values this close to an integer count as that integer
REPACK_GIVE = 10  # units an option may give up when the leftovers are repacked
REPACK_PRICED = 64  # units per class whose priority the repacking prices one by one


@dataclass(frozen=True)
class SolverSettings:
    """How hard to try. ``time_limit_seconds`` caps each LP solve; ``budget_seconds`` is what the whole
    optimiser aims to stay within: the polishing MIPs get a share of what is left of it."""

    time_limit_seconds: float = 120.0
    budget_seconds: float = 12.0
    priority_segments: int = 64
    # Models with at most this many option variables are solved exactly as a MIP (SCIP), warm-started from
    # the rounding; larger ones keep the LP-guided rounding, whose gap is proven by the LP bound.
    exact_up_to_options: int = 4000
    mip_time_limit_seconds: float = 5.0
    # After flooring the relaxation, the seats, beds and quota places left over are packed exactly (a small
    # MIP: only options with room for one more unit take part) within this time.
    pack_time_limit_seconds: float = 4.0
    # GLOP: deterministic, and its dual values are exact enough for the weak-duality bound below (HiGHS is
    # a little faster here but its duals do not come back through the model builder in a usable form).
    lp_solver: str = "glop"
    # GLOP's Maros crash basis halves the first relaxation here (about 1 s instead of 2 s, 100,000 people).
    # Only there: the re-solves with fixed transfers are quick anyway, and the vertex they reach with it
    # rounds worse (0.19% instead of 0.03-0.05% on that instance).
    relaxation_glop_parameters: str = "initial_basis: MAROS"
    # The polishing MIPs (which transfers run among the uncertain ones; repacking the leftovers) run only when
    # the plain rounding's proven gap is above this: on large instances the rounding alone is usually within
    # it, and the MIPs then cost seconds for nothing.
    polish_above_gap: float = 0.001
    # Rounding tries these cut-offs: a transfer runs if its relaxed load reaches this share of its minimum.
    open_thresholds: tuple[float, ...] = (0.0, 0.5, 1.0)


@dataclass(frozen=True)
class _Lp:
    """The relaxation in matrix form: max c.v s.t. row_lo <= A v <= row_hi, lb <= v <= ub."""

    matrix: sparse.csr_matrix
    objective: FloatArray
    lower: FloatArray
    upper: FloatArray
    row_lo: FloatArray
    row_hi: FloatArray
    n_x: int
    n_y: int
    option_of_x: IntArray  # option o of each x variable
    transfer_of_y: IntArray  # transfer t of each y variable
    y_of_x: IntArray  # index of each x's y variable


@dataclass(frozen=True)
class _LpResult:
    ok: bool
    values: FloatArray
    objective: float
    duals: FloatArray


@dataclass(frozen=True)
class _Relaxation:
    segments: pl.DataFrame
    chord: float  # the segment error, in objective points
    lp: _Lp
    relaxed: _LpResult
    bound: float


def _relax(
    problem: AllocationProblem, classes: Classes, resources: Resources, settings: SolverSettings
) -> _Relaxation | None:
    """The LP relaxation and its proven bound; None when no transfer can reach its minimum load."""
    viable = _viable_transfers(classes)
    active = viable[classes.options["t"].to_numpy()]
    if not active.any():
        return None
    segments, segment_error = _segments(classes, settings.priority_segments)
    w = problem.weights.per_priority_point
    lp = _build_lp(classes, resources, segments, active, viable, w)
    relaxed = _solve_lp(lp, settings, parameters=settings.relaxation_glop_parameters)
    chord = w * segment_error
    if relaxed.ok:
        bound = min(_dual_bound(lp, relaxed.duals) + chord, _family_bound(lp, classes, relaxed.duals, w))
    else:
        bound = _trivial_bound(classes, active, w)
    return _Relaxation(segments, chord, lp, relaxed, bound)


def relaxation_bound(problem: AllocationProblem, settings: SolverSettings | None = None) -> float:
    """The proven upper bound alone (classes, the LP relaxation, weak duality): what `solve` reports as
    ``bound`` before any rounding. 0 when no transfer can reach its minimum load."""
    classes = build_classes(problem)
    relaxation = _relax(problem, classes, build_resources(classes), settings or SolverSettings())
    return 0.0 if relaxation is None else relaxation.bound


def solve(
    problem: AllocationProblem,
    settings: SolverSettings | None = None,
    *,
    baseline: AllocationPlan | None = None,
) -> AllocationPlan:
    """Plan who goes on which transfer. Never raises on an empty or infeasible instance: the plan is empty and
    carries a reason. A ``baseline`` plan of the same problem (e.g. the greedy one) seeds the exact MIP and
    is a floor: the result's objective is never below it."""
    settings = settings or SolverSettings()
    started = time.perf_counter()
    classes = build_classes(problem)
    resources = build_resources(classes)
    relaxation = _relax(problem, classes, resources, settings)
    if relaxation is None:
        # No transfer can reach its minimum load: no plan places anyone, so 0 is a proven bound.
        empty = pl.DataFrame(schema={"family_id": pl.String(), "t": pl.Int64()})
        return assemble_plan(
            problem, classes, resources, empty, method="optimiser", status="empty", bound=0.0, started=started
        )
    lp, relaxed, segments = relaxation.lp, relaxation.relaxed, relaxation.segments
    chord, bound = relaxation.chord, relaxation.bound
    w = problem.weights.per_priority_point
    notes: list[str] = []
    if not relaxed.ok:
        notes.append("the LP relaxation did not finish; the bound is the trivial one")

    counts = _round(
        classes, resources, lp, relaxed, settings, notes, w, started + settings.budget_seconds, bound
    )
    baseline_transfers = _baseline_transfers(classes, baseline)
    if baseline_transfers is not None:
        baseline_counts = option_counts(classes, baseline_transfers)
        if _class_objective(classes, baseline_counts, w) > _class_objective(classes, counts, w):
            counts = baseline_counts
    if lp.n_x <= settings.exact_up_to_options:
        exact, mip_bound = _solve_mip(classes, lp, segments, counts, settings)
        if exact is not None and _class_objective(classes, exact, w) >= _class_objective(classes, counts, w):
            counts = exact
        if not math.isnan(mip_bound):
            bound = min(bound, mip_bound + chord)
    family_transfers = _families_on_transfers(classes, counts)
    plan = assemble_plan(
        problem,
        classes,
        resources,
        family_transfers,
        method="optimiser",
        status="feasible",
        bound=bound,
        started=started,
        notes=tuple(notes),
    )
    if baseline is not None and baseline_transfers is not None and baseline.objective > plan.objective:
        # Within a class the baseline may hold other (less urgent) units than the top-k; keep it verbatim.
        notes.append(f"kept the {baseline.method} plan: the optimiser's own scored lower")
        plan = assemble_plan(
            problem,
            classes,
            resources,
            baseline_transfers,
            method="optimiser",
            status="feasible",
            bound=bound,
            started=started,
            notes=tuple(notes),
        )
    if plan.people_placed and plan.gap <= 1e-7:
        plan = replace(plan, status="optimal")
    return plan


def _baseline_transfers(classes: Classes, baseline: AllocationPlan | None) -> pl.DataFrame | None:
    if baseline is None:
        return None
    return (
        baseline.assignments.select(["family_id", "transfer_id"])
        .unique()
        .join(classes.transfers.select(["transfer_id", "t"]), on="transfer_id")
        .select(["family_id", "t"])
        .sort("family_id")
    )


def _viable_transfers(classes: Classes) -> npt.NDArray[np.bool_]:
    """A transfer can run only if the units that could take it, alone, reach its minimum load."""
    transfers = classes.transfers
    reach = (
        classes.options.group_by("t")
        .agg((pl.col("size") * pl.col("most")).sum().alias("reach"))
        .join(transfers.select(["t", "seats", "min_load"]), on="t")
        .filter(pl.min_horizontal("reach", "seats") >= pl.max_horizontal("min_load", 1))
    )
    viable = np.zeros(transfers.height, dtype=bool)
    viable[reach["t"].to_numpy()] = True
    return viable


def _segments(classes: Classes, per_class: int) -> tuple[pl.DataFrame, float]:
    """Cut each class's units (already in descending priority) into at most ``per_class`` runs.

    Returns the segments (class_id, seg, n, mean) and the largest amount, summed over classes, by which the
    best k units of a class can beat k times their segment mean (the bound adds it; see module docstring).
    """
    families = classes.families.join(classes.classes.select(["class_id", "n_families"]), on="class_id")
    families = families.sort(["class_id", "rank"]).with_columns(
        ((pl.col("rank") * per_class) // pl.col("n_families")).alias("seg")
    )
    families = families.with_columns(pl.col("family_priority").mean().over(["class_id", "seg"]).alias("mean"))
    families = families.with_columns(
        (
            pl.col("family_priority").cum_sum().over(["class_id", "seg"])
            - (pl.int_range(1, pl.len() + 1).over(["class_id", "seg"])) * pl.col("mean")
        ).alias("excess")
    )
    segments = (
        families.group_by(["class_id", "seg"])
        .agg(pl.len().alias("n"), pl.col("mean").first(), pl.col("excess").max().clip(lower_bound=0.0))
        .sort(["class_id", "seg"])
    )
    error = segments.group_by("class_id").agg(pl.col("excess").max())["excess"].sum()
    return segments.select(["class_id", "seg", "n", "mean"]), float(error)


def _build_lp(
    classes: Classes,
    resources: Resources,
    segments: pl.DataFrame,
    active: npt.NDArray[np.bool_],
    viable: npt.NDArray[np.bool_],
    per_priority_point: float,
) -> _Lp:
    options = classes.options
    option_of_x = np.flatnonzero(active).astype(np.int64)
    n_x = option_of_x.size
    transfer_of_y = np.flatnonzero(viable).astype(np.int64)
    n_y = transfer_of_y.size
    y_index = np.full(resources.n_transfers, -1, dtype=np.int64)
    y_index[transfer_of_y] = np.arange(n_y)
    x_index = np.full(options.height, -1, dtype=np.int64)
    x_index[option_of_x] = np.arange(n_x)
    n_u = segments.height

    size = options["size"].to_numpy()[option_of_x].astype(np.float64)
    most = options["most"].to_numpy()[option_of_x].astype(np.float64)
    t_of_x = options["t"].to_numpy()[option_of_x]
    y_of_x = y_index[t_of_x]
    seats = classes.transfers["seats"].to_numpy()[transfer_of_y].astype(np.float64)
    min_load = classes.transfers["min_load"].to_numpy()[transfer_of_y].astype(np.float64)

    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    row_lo: list[FloatArray] = []
    row_hi: list[FloatArray] = []
    n_rows = 0
    xs = np.arange(n_x)
    ys = n_x + np.arange(n_y)

    def block(r: IntArray, c: IntArray, v: FloatArray) -> None:
        rows.append(n_rows + r)
        cols.append(c)
        vals.append(v)

    # Seats: sum size x - seats y <= 0, and min_load y - sum size x <= 0.
    block(y_of_x, xs, size)
    block(np.arange(n_y), ys, -seats)
    row_lo.append(np.full(n_y, -np.inf))
    row_hi.append(np.zeros(n_y))
    n_rows += n_y
    block(y_of_x, xs, -size)
    block(np.arange(n_y), ys, min_load)
    row_lo.append(np.full(n_y, -np.inf))
    row_hi.append(np.zeros(n_y))
    n_rows += n_y
    # Beds and quotas, only where the options could together exceed the capacity.
    for use, key, capacity in (
        (classes.bed_use, "pool", classes.pools["free_beds"].to_numpy()),
        (classes.quota_use, "q", classes.quotas["limit"].to_numpy()),
    ):
        o = use["o"].to_numpy()
        keep = x_index[o] >= 0
        o = o[keep]
        resource = use[key].to_numpy()[keep]
        need = use["need"].to_numpy()[keep].astype(np.float64)
        demand = np.bincount(resource, weights=need * most[x_index[o]], minlength=capacity.size)
        binding = np.flatnonzero(demand > capacity)
        row_of = np.full(capacity.size, -1, dtype=np.int64)
        row_of[binding] = np.arange(binding.size)
        sel = row_of[resource] >= 0
        block(row_of[resource[sel]], x_index[o[sel]], need[sel])
        row_lo.append(np.full(binding.size, -np.inf))
        row_hi.append(capacity[binding].astype(np.float64))
        n_rows += binding.size
    # Classes: sum x - sum u = 0 (classes without active options keep u at 0 through their bound).
    class_ids = segments["class_id"].to_numpy()
    class_row = np.full(classes.n_classes, -1, dtype=np.int64)
    present = np.unique(class_ids)
    class_row[present] = np.arange(present.size)
    x_class = options["class_id"].to_numpy()[option_of_x]
    block(class_row[x_class], xs, np.ones(n_x))
    block(class_row[class_ids], n_x + n_y + np.arange(n_u), -np.ones(n_u))
    row_lo.append(np.zeros(present.size))
    row_hi.append(np.zeros(present.size))
    n_rows += present.size

    n_vars = n_x + n_y + n_u
    matrix = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n_vars)
    )
    objective = np.concatenate(
        [
            options["value"].to_numpy()[option_of_x],
            np.zeros(n_y),
            per_priority_point * segments["mean"].to_numpy(),
        ]
    )
    lower = np.zeros(n_vars)
    upper = np.concatenate([most, np.ones(n_y), segments["n"].to_numpy().astype(np.float64)])
    return _Lp(
        matrix,
        objective,
        lower,
        upper,
        np.concatenate(row_lo),
        np.concatenate(row_hi),
        n_x,
        n_y,
        option_of_x,
        transfer_of_y,
        y_of_x,
    )


def _solve_lp(
    lp: _Lp,
    settings: SolverSettings,
    upper: FloatArray | None = None,
    lower: FloatArray | None = None,
    columns: IntArray | None = None,
    parameters: str = "",
) -> _LpResult:
    """Solve the relaxation, optionally with other variable bounds and only some columns (the others are
    0), and with solver-specific ``parameters`` (GLOP's text format)."""
    upper = lp.upper if upper is None else upper
    lower = lp.lower if lower is None else lower
    matrix = lp.matrix
    objective = lp.objective
    if columns is not None:
        matrix = lp.matrix.tocsc()[:, columns].tocsr()
        objective = objective[columns]
        upper = upper[columns]
        lower = lower[columns]
    model = _matrix_model(lower, upper, objective, lp.row_lo, lp.row_hi, matrix)
    solver = mbh.ModelSolverHelper(settings.lp_solver)
    solver.set_time_limit_in_seconds(settings.time_limit_seconds)
    if settings.lp_solver == "glop" and parameters:
        solver.set_solver_specific_parameters(parameters)
    solver.solve(model)
    if solver.status() != mbh.SolveStatus.OPTIMAL:
        return _LpResult(False, np.zeros(lp.objective.size), math.nan, np.zeros(lp.row_lo.size))
    values: FloatArray = np.asarray(solver.variable_values(), dtype=np.float64)
    if columns is not None:
        full = np.zeros(lp.objective.size)
        full[columns] = values
        values = full
    duals: FloatArray = np.asarray(solver.dual_values(), dtype=np.float64)
    return _LpResult(True, values, solver.objective_value(), duals)


def _matrix_model(
    lower: FloatArray,
    upper: FloatArray,
    objective: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    matrix: sparse.csr_matrix,
) -> mbh.ModelBuilderHelper:
    """A maximisation model filled from arrays in one call (no Python loop over coefficients)."""
    model = mbh.ModelBuilderHelper()
    fill: Any = model.fill_model_from_sparse_data  # its stub mistypes NumPy arrays
    fill(lower, upper, objective, row_lo, row_hi, matrix)
    model.set_maximize(True)
    return model


def _solve_mip(
    classes: Classes, lp: _Lp, segments: pl.DataFrame, hint: IntArray, settings: SolverSettings
) -> tuple[IntArray | None, float]:
    """The class model with integral x and y (SCIP), started from the rounding. Returns its units per option
    (or None) and its proven bound on the class model (nan if none)."""
    model_class: Any = mb.Model  # untyped in OR-Tools
    builder = model_class()
    fill: Any = builder.helper.fill_model_from_sparse_data  # its stub mistypes NumPy arrays
    fill(lp.lower, lp.upper, lp.objective, lp.row_lo, lp.row_hi, lp.matrix)
    builder.helper.set_maximize(True)
    for j in range(lp.n_x + lp.n_y):
        builder.helper.set_var_integrality(j, True)
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None or solver.LoadModelFromProto(builder.export_to_proto()):
        return None, math.nan
    # Hint: the rounding's units, its used transfers, and each class's segments filled in priority order.
    x_hint = hint[lp.option_of_x].astype(np.float64)
    size = classes.options["size"].to_numpy()[lp.option_of_x]
    y_hint = (np.bincount(lp.y_of_x, weights=x_hint * size, minlength=lp.n_y) > 0).astype(np.float64)
    placed = np.bincount(classes.options["class_id"].to_numpy(), weights=hint, minlength=classes.n_classes)
    filled = segments.with_columns(pl.Series("k", placed[segments["class_id"].to_numpy()])).with_columns(
        (pl.col("k") - (pl.col("n").cum_sum() - pl.col("n")).over("class_id")).clip(0).alias("room")
    )
    u_hint = np.minimum(filled["room"].to_numpy(), filled["n"].to_numpy()).astype(np.float64)
    variables = solver.variables()
    solver.SetHint(variables, np.concatenate([x_hint, y_hint, u_hint]).tolist())
    solver.SetTimeLimit(int(settings.mip_time_limit_seconds * 1000))
    parameters = pywraplp.MPSolverParameters()
    parameters.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, 1e-7)
    status = solver.Solve(parameters)
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None, math.nan
    response = linear_solver_pb2.MPSolutionResponse()
    solver.FillSolutionResponseProto(response)
    values = np.array(response.variable_value)
    counts = np.zeros(classes.options.height, dtype=np.int64)
    counts[lp.option_of_x] = np.round(values[: lp.n_x]).astype(np.int64)
    return counts, float(solver.Objective().BestBound())


def _class_objective(classes: Classes, counts: IntArray, per_priority_point: float) -> float:
    """Exact objective of class-level units: option values plus the priorities of each class's top-k units."""
    linear = float((counts * classes.options["value"].to_numpy()).sum())
    placed = np.bincount(classes.options["class_id"].to_numpy(), weights=counts, minlength=classes.n_classes)
    families = classes.families
    top = families["rank"].to_numpy() < placed[families["class_id"].to_numpy()]
    return linear + per_priority_point * float(families["family_priority"].to_numpy()[top].sum())


def _dual_bound(lp: _Lp, duals: FloatArray) -> float:
    """Weak duality: for any row multipliers pi of the right sign, c.v <= pi.(A v) + (c - A'pi).v is bounded
    by the row and variable bounds. Valid whatever the LP solver's tolerances; both sign conventions are
    tried."""
    best = math.inf
    for pi in (duals, -duals):
        pi = pi.copy()
        pi[np.isinf(lp.row_lo) & (pi < 0)] = 0.0  # a <= row needs pi >= 0
        pi[np.isinf(lp.row_hi) & (pi > 0)] = 0.0  # a >= row needs pi <= 0
        rows = np.where(
            pi > 0,
            pi * np.where(np.isinf(lp.row_hi), 0.0, lp.row_hi),
            pi * np.where(np.isinf(lp.row_lo), 0.0, lp.row_lo),
        )
        reduced = lp.objective - lp.matrix.T @ pi
        columns = np.maximum(reduced * lp.lower, reduced * lp.upper)
        best = min(best, float(rows.sum() + columns.sum()))
    return best


def _family_bound(lp: _Lp, classes: Classes, duals: FloatArray, per_priority_point: float) -> float:
    """The weak-duality bound of the exact model, priced with the segment model's duals.

    The exact relaxation has one column per family unit (in [0, 1], worth its own priority, -1 in its class's
    row) instead of the segment columns; every row is the same, so the same multipliers price it. It needs no
    segment error: on the 100,000-person instance it lies about 50 above the LP value, where adding the
    segment error gives about 7,000 (0.08%).
    """
    families = classes.families
    n_rows = lp.row_lo.size
    # The class rows are the last block, one per class present, in class order (see _build_lp).
    present = np.unique(families["class_id"].to_numpy())
    class_row = np.full(classes.n_classes, -1, dtype=np.int64)
    class_row[present] = n_rows - present.size + np.arange(present.size)
    n_f = families.height
    kept = lp.n_x + lp.n_y
    unit_columns = sparse.csr_matrix(
        (-np.ones(n_f), (class_row[families["class_id"].to_numpy()], np.arange(n_f))), shape=(n_rows, n_f)
    )
    exact = replace(
        lp,
        matrix=sparse.hstack([lp.matrix[:, :kept], unit_columns], format="csr"),
        objective=np.concatenate(
            [lp.objective[:kept], per_priority_point * families["family_priority"].to_numpy()]
        ),
        lower=np.zeros(kept + n_f),
        upper=np.concatenate([lp.upper[:kept], np.ones(n_f)]),
    )
    return _dual_bound(exact, duals)


def _trivial_bound(classes: Classes, active: npt.NDArray[np.bool_], per_priority_point: float) -> float:
    """Every unit placed at its best option, with its own priority: loose but always valid."""
    best = classes.options.filter(pl.Series(active)).group_by("class_id").agg(pl.col("value").max())
    per_class = best.join(classes.classes.select(["class_id", "n_families"]), on="class_id")
    linear = float((per_class["value"].clip(lower_bound=0) * per_class["n_families"]).sum())
    priority = classes.families.join(best.select("class_id"), on="class_id")["family_priority"].sum()
    return linear + per_priority_point * float(priority)


def _round(
    classes: Classes,
    resources: Resources,
    lp: _Lp,
    relaxed: _LpResult,
    settings: SolverSettings,
    notes: list[str],
    per_priority_point: float,
    deadline: float,
    bound: float,
) -> IntArray:
    """Integer units per option, feasible for every constraint including minimum loads."""
    n_options = classes.options.height
    counts = np.zeros(n_options, dtype=np.int64)
    min_load = classes.transfers["min_load"].to_numpy()
    is_open = np.zeros(resources.n_transfers, dtype=bool)
    plain: IntArray | None = None
    if relaxed.ok:
        size = classes.options["size"].to_numpy()[lp.option_of_x]
        load = np.bincount(lp.y_of_x, weights=relaxed.values[: lp.n_x] * size, minlength=lp.n_y).astype(
            np.float64
        )
        y_min = min_load[lp.transfer_of_y].astype(np.float64)
        x_class = classes.options["class_id"].to_numpy()[lp.option_of_x]
        best: tuple[float, _LpResult, npt.NDArray[np.bool_]] | None = None
        seen: list[npt.NDArray[np.bool_]] = []
        option_t = classes.options["t"].to_numpy()

        def floor_and_refill(values: FloatArray, runs: npt.NDArray[np.bool_]) -> IntArray:
            floored = np.zeros(n_options, dtype=np.int64)
            floored[lp.option_of_x] = np.floor(values[: lp.n_x] + INTEGRAL).astype(np.int64)
            running = np.zeros(resources.n_transfers, dtype=bool)
            running[lp.transfer_of_y[runs]] = True
            floored[~running[option_t]] = 0
            return _refill_and_repair(classes, resources, floored, running, per_priority_point)

        # Which transfers run is the hard, integral part. Try a few cut-offs on the relaxed load (share of
        # the minimum load): each fixes y and is re-solved. Each re-solve is floored and refilled at once
        # (cheap): the first within `polish_above_gap` of the bound is the plan, with no further cut-off
        # and no polishing MIP. Otherwise the best re-solved LP goes on to the polishing below.
        for threshold in settings.open_thresholds:
            tried = (load >= threshold * y_min - INTEGRAL) & (load > INTEGRAL)
            if any(np.array_equal(tried, other) for other in seen):
                continue
            seen.append(tried)
            fixed = _fixed_transfers_lp(lp, relaxed, tried, load, y_min, x_class, classes.n_classes, settings)
            if not fixed.ok:
                continue
            if best is None or fixed.objective > best[0]:
                best = (fixed.objective, fixed, tried)
            candidate = floor_and_refill(fixed.values, tried)
            reached = _class_objective(classes, candidate, per_priority_point)
            if plain is None or reached > _class_objective(classes, plain, per_priority_point):
                plain = candidate
            if bound - reached <= settings.polish_above_gap * abs(bound):
                return candidate
        # The transfers between empty and viable in the relaxation are few: decide them exactly with a MIP
        # (x continuous, only their y integral) when the cut-offs leave room for improvement.
        uncertain = (load > INTEGRAL) & (load < y_min - INTEGRAL)
        if uncertain.any():
            decided = _uncertain_transfers_mip(
                lp, relaxed, load, y_min, uncertain, x_class, classes.n_classes, settings, deadline
            )
            if (
                decided is not None
                and decided[0].ok
                and (best is None or decided[0].objective > best[0] + 1e-9)
            ):
                best = (decided[0].objective, decided[0], decided[1])
        if best is None:
            tried = (load >= y_min - INTEGRAL) & (load > INTEGRAL)
            chosen = relaxed
            notes.append("no re-solve with fixed transfers succeeded; rounding the relaxation itself")
        else:
            _, chosen, tried = best
        counts[lp.option_of_x] = np.floor(chosen.values[: lp.n_x] + INTEGRAL).astype(np.int64)
        is_open[lp.transfer_of_y[tried]] = True
        counts[~is_open[classes.options["t"].to_numpy()]] = 0
        counts = _pack_leftovers(classes, resources, counts, is_open, per_priority_point, settings, deadline)
    if not relaxed.ok:
        # No relaxation to follow: every viable transfer open, filled best value first.
        is_open[lp.transfer_of_y] = True
        return _refill_and_repair(classes, resources, counts, is_open, per_priority_point)
    rounded = _refill_and_repair(classes, resources, counts, is_open, per_priority_point)
    if plain is not None and _class_objective(classes, plain, per_priority_point) > _class_objective(
        classes, rounded, per_priority_point
    ):
        rounded = plain
    if lp.n_x > settings.exact_up_to_options:
        return rounded
    # On small or crowded instances (a few seats per transfer) a plain value-ordered fill of every viable
    # transfer can beat the rounding; it is cheap there, so try it too and keep the better.
    is_open = np.zeros(resources.n_transfers, dtype=bool)
    is_open[lp.transfer_of_y] = True
    filled = _refill_and_repair(
        classes, resources, np.zeros(n_options, dtype=np.int64), is_open, per_priority_point
    )
    if _class_objective(classes, filled, per_priority_point) > _class_objective(
        classes, rounded, per_priority_point
    ):
        notes.append("the value-ordered fill beat the LP rounding")
        return filled
    return rounded


def _uncertain_transfers_mip(
    lp: _Lp,
    relaxed: _LpResult,
    load: FloatArray,
    y_min: FloatArray,
    uncertain: npt.NDArray[np.bool_],
    x_class: IntArray,
    n_classes: int,
    settings: SolverSettings,
    deadline: float,
) -> tuple[_LpResult, npt.NDArray[np.bool_]] | None:
    """Which of the uncertain transfers run: the restricted relaxation with their y binary (SCIP)."""
    viable_now = (load >= y_min - INTEGRAL) & (load > INTEGRAL)
    lower = lp.lower.copy()
    upper = lp.upper.copy()
    lower[lp.n_x : lp.n_x + lp.n_y] = viable_now.astype(np.float64)
    upper[lp.n_x : lp.n_x + lp.n_y] = (viable_now | uncertain).astype(np.float64)
    moving = np.zeros(n_classes, dtype=bool)
    moving[x_class[(relaxed.values[: lp.n_x] > INTEGRAL) & uncertain[lp.y_of_x]]] = True
    free = uncertain[lp.y_of_x] | moving[x_class]
    upper[np.flatnonzero((relaxed.values[: lp.n_x] <= INTEGRAL) & ~free)] = 0.0
    columns = np.flatnonzero(upper > 0)
    model_class: Any = mb.Model  # untyped in OR-Tools
    builder = model_class()
    fill: Any = builder.helper.fill_model_from_sparse_data  # its stub mistypes NumPy arrays
    fill(
        lower[columns],
        upper[columns],
        lp.objective[columns],
        lp.row_lo,
        lp.row_hi,
        lp.matrix.tocsc()[:, columns].tocsr(),
    )
    builder.helper.set_maximize(True)
    for j in np.flatnonzero((columns >= lp.n_x) & (columns < lp.n_x + lp.n_y)).tolist():
        builder.helper.set_var_integrality(j, True)
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None or solver.LoadModelFromProto(builder.export_to_proto()):
        return None
    solver.SetTimeLimit(_milliseconds_left(deadline, settings))
    parameters = pywraplp.MPSolverParameters()
    parameters.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, 1e-4)
    if solver.Solve(parameters) not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    response = linear_solver_pb2.MPSolutionResponse()
    solver.FillSolutionResponseProto(response)
    values = np.zeros(lp.objective.size)
    values[columns] = np.array(response.variable_value)
    runs = values[lp.n_x : lp.n_x + lp.n_y] > 0.5
    return _LpResult(True, values, float(solver.Objective().Value()), np.zeros(lp.row_lo.size)), runs


def _milliseconds_left(deadline: float, settings: SolverSettings) -> int:
    """Half of what is left of the budget, capped, and never under half a second."""
    left = deadline - time.perf_counter()
    return int(1000 * max(0.5, min(settings.pack_time_limit_seconds, left / 2)))


def _fixed_transfers_lp(
    lp: _Lp,
    relaxed: _LpResult,
    tried: npt.NDArray[np.bool_],
    load: FloatArray,
    y_min: FloatArray,
    x_class: IntArray,
    n_classes: int,
    settings: SolverSettings,
) -> _LpResult:
    """The relaxation with y fixed: ``tried`` transfers run (at least their minimum load), the rest stay
    empty.

    Only options the relaxation used take part, which keeps this LP small (the relaxation is very
    degenerate, so reduced costs would not prune much); but transfers lifted to their minimum load keep all
    their options, and so do the classes whose units rode on transfers now closed, so that they can move.
    """
    lower = lp.lower.copy()
    upper = lp.upper.copy()
    lower[lp.n_x : lp.n_x + lp.n_y] = tried.astype(np.float64)
    upper[lp.n_x : lp.n_x + lp.n_y] = tried.astype(np.float64)
    short = tried & (load < y_min - INTEGRAL)
    moving = np.zeros(n_classes, dtype=bool)
    displaced = (relaxed.values[: lp.n_x] > INTEGRAL) & ~tried[lp.y_of_x]
    moving[x_class[displaced]] = True
    free = short[lp.y_of_x] | moving[x_class]
    restricted = upper.copy()
    restricted[np.flatnonzero((relaxed.values[: lp.n_x] <= INTEGRAL) & ~free)] = 0.0
    fixed = _solve_lp(lp, settings, upper=restricted, lower=lower, columns=np.flatnonzero(restricted > 0))
    if fixed.ok:
        return fixed
    # Too few columns to lift every tried transfer to its minimum load: let every option take part.
    return _solve_lp(lp, settings, upper=upper, lower=lower)


def _pack_leftovers(
    classes: Classes,
    resources: Resources,
    counts: IntArray,
    is_open: npt.NDArray[np.bool_],
    per_priority_point: float,
    settings: SolverSettings,
    deadline: float,
) -> IntArray:
    """Repack around the floored relaxation with a small MIP: each option may gain units where room is left
    and give up a few of its units, so that seats, beds and quota places wasted by flooring whole families are
    used; open transfers stay at or above their minimum load. Falls back to ``counts``."""
    options = classes.options
    option_t = options["t"].to_numpy()
    option_class = options["class_id"].to_numpy()
    option_size = options["size"].to_numpy()
    n_families = classes.classes["n_families"].to_numpy()
    placed = np.bincount(option_class, weights=counts, minlength=classes.n_classes).astype(np.int64)
    left = resources.remaining(counts)
    left[: resources.n_transfers][~is_open] = 0
    room = np.zeros(options.height, dtype=np.int64)
    for o in np.flatnonzero(is_open[option_t] & (placed[option_class] < n_families[option_class])).tolist():
        room[o] = min(resources.room(o, left), int(n_families[option_class[o]] - placed[option_class[o]]))
    give = np.minimum(counts, REPACK_GIVE)
    candidates = np.flatnonzero((room > 0) | ((give > 0) & is_open[option_t]))
    if not (room > 0).any():
        return counts
    n_d = candidates.size
    load = np.bincount(option_t, weights=counts * option_size, minlength=resources.n_transfers)
    min_load = classes.transfers["min_load"].to_numpy()
    # Priority, exactly: units gained are the next most urgent of their class, units given up the least
    # urgent placed ones (a few per class).
    gain_cap = np.bincount(option_class[candidates], weights=room[candidates], minlength=classes.n_classes)
    give_cap = np.bincount(option_class[candidates], weights=give[candidates], minlength=classes.n_classes)
    families = classes.families.select(["class_id", "rank", "family_priority"])
    class_of_family = families["class_id"].to_numpy()
    rank = families["rank"].to_numpy()
    first = placed[class_of_family]
    gained = (rank >= first) & (rank < first + np.minimum(gain_cap, REPACK_PRICED)[class_of_family])
    given = (rank < first) & (rank >= first - np.minimum(give_cap, REPACK_PRICED)[class_of_family])
    priority = per_priority_point * families["family_priority"].to_numpy()
    u_class = np.concatenate([class_of_family[gained], class_of_family[given]])
    u_sign = np.concatenate([np.ones(int(gained.sum())), -np.ones(int(given.sum()))])
    u_value = np.concatenate([priority[gained], -priority[given]])
    n_u = u_class.size

    triples: list[tuple[int, int, float]] = []  # (row key, column, coefficient)
    row_lo: list[float] = []
    row_hi: list[float] = []
    row_of: dict[int, int] = {}
    for j, o in enumerate(candidates.tolist()):
        for r, need in resources.uses[o]:
            if r not in row_of:
                row_of[r] = len(row_lo)
                row_lo.append(-np.inf)
                row_hi.append(float(left[r]))
            triples.append((row_of[r], j, float(need)))
    for t in np.unique(option_t[candidates]).tolist():
        if load[t] > 0:
            at = np.flatnonzero(option_t[candidates] == t)
            row = len(row_lo)
            triples.extend((row, int(j), float(option_size[candidates[j]])) for j in at)
            row_lo.append(float(min_load[t] - load[t]))
            row_hi.append(np.inf)
    class_row: dict[int, int] = {}
    for c in np.unique(option_class[candidates]).tolist():
        class_row[c] = len(row_lo)
        row_lo.append(0.0)
        row_hi.append(0.0)
    triples.extend((class_row[int(c)], j, 1.0) for j, c in enumerate(option_class[candidates].tolist()))
    triples.extend(
        (class_row[int(c)], n_d + i, -float(sign))
        for i, (c, sign) in enumerate(zip(u_class.tolist(), u_sign.tolist(), strict=True))
        if int(c) in class_row
    )
    r_index, c_index, coefficient = (np.array(v) for v in zip(*triples, strict=True))
    matrix = sparse.csr_matrix((coefficient, (r_index, c_index)), shape=(len(row_lo), n_d + n_u))
    model_class: Any = mb.Model  # untyped in OR-Tools
    builder = model_class()
    fill: Any = builder.helper.fill_model_from_sparse_data  # its stub mistypes NumPy arrays
    fill(
        np.concatenate([-give[candidates].astype(np.float64), np.zeros(n_u)]),
        np.concatenate([room[candidates].astype(np.float64), np.ones(n_u)]),
        np.concatenate([options["value"].to_numpy()[candidates], u_value]),
        np.array(row_lo),
        np.array(row_hi),
        matrix,
    )
    builder.helper.set_maximize(True)
    for j in range(n_d):
        builder.helper.set_var_integrality(j, True)
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None or solver.LoadModelFromProto(builder.export_to_proto()):
        return counts
    solver.SetHint(solver.variables(), [0.0] * (n_d + n_u))  # doing nothing is feasible
    solver.SetTimeLimit(_milliseconds_left(deadline, settings))
    parameters = pywraplp.MPSolverParameters()
    parameters.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, 1e-5)
    if solver.Solve(parameters) not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return counts
    if solver.Objective().Value() <= 0:
        return counts
    response = linear_solver_pb2.MPSolutionResponse()
    solver.FillSolutionResponseProto(response)
    change = np.round(np.array(response.variable_value)[:n_d]).astype(np.int64)
    packed = counts.copy()
    packed[candidates] += change
    return packed


def _refill_and_repair(
    classes: Classes,
    resources: Resources,
    counts: IntArray,
    is_open: npt.NDArray[np.bool_],
    per_priority_point: float,
) -> IntArray:
    """Add units where open transfers still have room (best value first, but open transfers under their
    minimum load first of all); cancel transfers left under their minimum load, one at a time from the least
    loaded, refilling after each cancellation."""
    options = classes.options
    option_t = options["t"].to_numpy()
    option_size = options["size"].to_numpy()
    min_load = classes.transfers["min_load"].to_numpy()
    n_families = classes.classes["n_families"].to_numpy()
    families = classes.families.sort(["class_id", "rank"])
    start = np.searchsorted(families["class_id"].to_numpy(), np.arange(classes.n_classes + 1))
    family_priority = families["family_priority"].to_numpy()
    option_class = options["class_id"].to_numpy()
    option_value = options["value"].to_numpy()
    while True:
        placed = np.bincount(option_class, weights=counts, minlength=classes.n_classes).astype(np.int64)
        # The next unit of a class is its most urgent unplaced one: its priority decides the refill order.
        next_rank = np.minimum(placed, n_families - 1)
        next_priority = (
            per_priority_point * family_priority[np.minimum(start[:-1] + next_rank, family_priority.size - 1)]
        )
        # A transfer short of its minimum load is filled before any other takes the units it could use:
        # cancelling it loses its whole load (flooring a relaxation leaves a few such transfers).
        load = np.bincount(option_t, weights=counts * option_size, minlength=resources.n_transfers)
        short = is_open & (load > 0) & (load < min_load)
        order = np.lexsort((-(option_value + next_priority[option_class]), ~short[option_t]))
        left = resources.remaining(counts)
        left[: resources.n_transfers][~is_open] = 0
        remaining = (n_families - placed).tolist()
        left_list: list[int] = left.tolist()
        counts_list: list[int] = counts.tolist()
        for o in order.tolist():
            c = option_class[o]
            if remaining[c] <= 0 or option_value[o] + next_priority[c] <= 0:
                continue
            room = remaining[c]
            for r, need in resources.uses[o]:
                room = min(room, left_list[r] // need)
                if room <= 0:
                    break
            if room <= 0:
                continue
            for r, need in resources.uses[o]:
                left_list[r] -= room * need
            counts_list[o] += room
            remaining[c] -= room
        counts = np.array(counts_list, dtype=np.int64)
        load = np.bincount(option_t, weights=counts * option_size, minlength=resources.n_transfers)
        under = np.flatnonzero((load > 0) & (load < min_load))
        if under.size == 0:
            return counts
        # Far-under transfers go together (saves refills); a nearly full one goes alone, the least loaded
        # first.
        far = under[load[under] < min_load[under] / 2]
        cancel = far if far.size else under[[np.argmin(load[under])]]
        is_open[cancel] = False
        counts[np.isin(option_t, cancel)] = 0


def _families_on_transfers(classes: Classes, counts: IntArray) -> pl.DataFrame:
    """Within a class, the most urgent units take the places, and the earliest places go to the most
    urgent."""
    options = (
        classes.options.with_columns(pl.Series("k", counts)).filter(pl.col("k") > 0).sort(["class_id", "t"])
    )
    if options.height == 0:
        return pl.DataFrame(schema={"family_id": pl.String(), "t": pl.Int64()})
    slots = options.with_columns(
        (pl.col("k").cum_sum().over("class_id") - pl.col("k")).alias("first_rank")
    ).select(["class_id", "t", "first_rank", "k"])
    taken = slots.group_by("class_id").agg(pl.col("k").sum().alias("taken"))
    families = (
        classes.families.join(taken, on="class_id")
        .filter(pl.col("rank") < pl.col("taken"))
        .select(["family_id", "class_id", "rank"])
        .sort(["class_id", "rank"])
    )
    placed = families.sort("rank").join_asof(
        slots.sort("first_rank"),
        left_on="rank",
        right_on="first_rank",
        by="class_id",
        strategy="backward",
        check_sortedness=False,
    )
    return placed.select(["family_id", pl.col("t").cast(pl.Int64())])
