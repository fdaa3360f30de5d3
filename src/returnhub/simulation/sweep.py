"""Parameter sweeps: one simulation per grid point, in a local process pool or on Ray.

Every point runs with the same seed, so points are compared on common random numbers. Ray is an
optional extra; it is imported only when `backend="ray"` is asked for.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import polars as pl

from returnhub.simulation.engine import simulate
from returnhub.simulation.errors import SweepBackendError
from returnhub.simulation.parameters import InitialCaseload
from returnhub.simulation.results import summary
from returnhub.simulation.scenario import Scenario, scenario_from_dict
from returnhub.simulation.views import Bands

BACKENDS = ("local", "serial", "ray")
RAY_MISSING = (
    "backend 'ray' needs Ray, which is not installed; install the optional extra: "
    "pip install 'returnhub[ray]'"
)


@dataclass(frozen=True)
class SweepTask:
    """Everything one grid point needs, in plain picklable data."""

    scenario: dict[str, Any]
    overrides: dict[str, Any]
    reps: int
    months: int | None
    seed: int
    initial: InitialCaseload | None
    eligible_share: dict[str, float] | None


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The Cartesian product of a grid {dotted.path: [values...]}."""
    if not grid:
        return [{}]
    keys = list(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(grid[k] for k in keys))]


def run_point(task: SweepTask) -> dict[str, Any]:
    """Simulate one grid point and flatten its summary into a table row."""
    scenario = scenario_from_dict(task.scenario, source="sweep").with_overrides(task.overrides)
    result = simulate(
        scenario,
        reps=task.reps,
        months=task.months,
        seed=task.seed,
        initial=task.initial,
        eligible_share=task.eligible_share,
    )
    digest = summary(result)
    row: dict[str, Any] = {
        key: (value if isinstance(value, int | float | str | bool) else repr(value))
        for key, value in task.overrides.items()
    }
    groups: dict[str, dict[str, Bands]] = {"final": dict(digest.final), "totals": digest.totals}
    for group, outputs in groups.items():
        for name, bands in outputs.items():
            for band, value in bands:
                row[f"{group}.{name}.{band}"] = value
    for band, value in digest.cost_per_removal:
        row[f"cost_per_removal.{band}"] = value
    row["seconds"] = digest.seconds
    return row


def sweep(
    scenario: Scenario,
    grid: Mapping[str, Sequence[Any]],
    *,
    reps: int = 200,
    months: int | None = None,
    seed: int = 0,
    backend: str = "local",
    max_workers: int | None = None,
    initial: InitialCaseload | None = None,
    eligible_share: Mapping[str, float] | None = None,
    ray_address: str | None = None,
    on_point_done: Callable[[int, int], None] | None = None,
) -> pl.DataFrame:
    """Run the scenario at every point of `grid`; one row per point, columns of percentiles."""
    if backend not in BACKENDS:
        raise SweepBackendError(f"unknown sweep backend {backend!r}; use one of {', '.join(BACKENDS)}")
    points = grid_points(grid)
    for point in points:
        scenario.with_overrides(point)  # reject a bad override before any work starts
    data = scenario.model_dump(mode="json")
    tasks = [
        SweepTask(
            scenario=data,
            overrides=point,
            reps=reps,
            months=months,
            seed=seed,
            initial=initial,
            eligible_share=dict(eligible_share) if eligible_share is not None else None,
        )
        for point in points
    ]
    if backend == "ray":
        rows = _run_on_ray(tasks, ray_address)
    elif backend == "serial" or len(tasks) == 1:
        rows = []
        for done, task in enumerate(tasks, start=1):
            rows.append(run_point(task))
            if on_point_done is not None:
                on_point_done(done, len(tasks))
    else:
        workers = max_workers or min(len(tasks), os.cpu_count() or 1)
        rows = []
        # Spawn, not fork: Polars and NumPy keep thread pools, and a forked child can inherit a
        # lock held by a thread that does not exist in it, and hang.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for done, row in enumerate(pool.map(run_point, tasks), start=1):
                rows.append(row)
                if on_point_done is not None:
                    on_point_done(done, len(tasks))
    return pl.DataFrame(rows)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise SweepBackendError(RAY_MISSING) from None
    return ray


def _run_on_ray(tasks: list[SweepTask], address: str | None) -> list[dict[str, Any]]:
    ray = _import_ray()
    if not ray.is_initialized():
        # With no address Ray starts a local instance; RAY_ADDRESS or `address` joins a cluster.
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    remote_point = ray.remote(run_point)
    return list(ray.get([remote_point.remote(task) for task in tasks]))
