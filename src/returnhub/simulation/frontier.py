"""The frontier: which mix of levers reaches a target, at the least expected cost, and how surely.

A target file (scenarios/targets/*.yaml) names a scenario, a horizon, a measure, a threshold, the
share of replications that must reach it, a yearly budget for the levers, and a grid of settings
for each lever. Every combination of the grid is simulated with the same seed (common random
numbers: replication r has the same luck in every mix, including the baseline), on a local
process pool or on Ray.

A mix *reaches* the target when the lower end of the 95% Wilson interval of its share of
successful replications is at least the required share, so that a fresh run with new seeds is
very likely to confirm it (tested). Among the mixes that reach it within the budget, the chosen
one has the least expected total public cost over the horizon (accommodation, hubs and levers
together: a lever that shortens stays can pay for itself). The "silver bullet" table shows each
lever alone at every setting tried and the best mixes, with effect, cost and chance of success.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from returnhub.simulation.engine import SimulationResult
from returnhub.simulation.errors import ScenarioError, SweepBackendError
from returnhub.simulation.levers import LEVERS, check_settings, lever_costs, simulate_levers, simulate_stacked
from returnhub.simulation.scenario import Scenario, load_scenario, scenario_from_dict
from returnhub.simulation.sweep import RAY_MISSING

FRONTIER_BACKENDS = ("local", "serial", "ray")
MEASURES = {
    "backlog_at_end": "people awaiting an initial decision at the end",
    "removals_vs_baseline": "removals over the horizon, as a multiple of the same replication without levers",
}
Z_95 = 1.959963984540054


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str = ""
    scenario: str
    months: Annotated[int, Field(ge=1, le=240)]
    measure: Literal["backlog_at_end", "removals_vs_baseline"]
    threshold: float
    direction: Literal["below", "at_least"]
    required_share: Annotated[float, Field(gt=0.0, lt=1.0)]
    budget_per_year: Annotated[float, Field(ge=0.0)]
    reps: Annotated[int, Field(ge=10)] = 200
    seed: Annotated[int, Field(ge=0)] = 0
    levers: dict[str, list[float]] = Field(min_length=1)

    @model_validator(mode="after")
    def _levers_known(self) -> Target:
        for key, values in self.levers.items():
            if not values:
                raise ValueError(f"lever {key!r} needs at least one setting")
            for value in values:
                check_settings({key: value})
        return self


def load_target(path: str | Path) -> tuple[Target, Scenario]:
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{file}: file not found") from None
    except (OSError, yaml.YAMLError) as error:
        raise ScenarioError(f"{file}: cannot read ({error})") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{file}: expected a mapping at the top level")
    try:
        target = Target.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "target"
        raise ScenarioError(f"{file}: {where}: {str(first['msg']).removeprefix('Value error, ')}") from None
    except ScenarioError as error:
        raise ScenarioError(f"{file}: {error}") from None
    return target, load_scenario((file.parent / target.scenario).resolve())


def mixes(target: Target) -> list[dict[str, float]]:
    keys = list(target.levers)
    return [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*(target.levers[k] for k in keys))
    ]


def wilson_lower(successes: int, trials: int) -> float:
    if trials == 0:
        return 0.0
    p = successes / trials
    denominator = 1 + Z_95**2 / trials
    centre = p + Z_95**2 / (2 * trials)
    spread = Z_95 * math.sqrt(p * (1 - p) / trials + Z_95**2 / (4 * trials**2))
    return max(0.0, (centre - spread) / denominator)


def measure_values(
    result: SimulationResult, measure: str, baseline_removals: np.ndarray[Any, Any] | None
) -> Any:
    if measure == "backlog_at_end":
        return np.asarray(result.series["awaiting_decision"][:, -1], dtype=np.float64)
    removals = removals_per_rep(result)
    assert baseline_removals is not None
    return removals / np.maximum(baseline_removals, 1.0)


def removals_per_rep(result: SimulationResult) -> np.ndarray[Any, Any]:
    s = result.series
    total = s["voluntary_returns"] + s["enforced_returns"] + s["withdrawn_departed"] + s["hub_onward_returns"]
    return np.asarray(total.sum(axis=1), dtype=np.float64)


@dataclass(frozen=True)
class FrontierTask:
    scenario: dict[str, Any]
    target: dict[str, Any]
    mixes: list[dict[str, float]]
    baseline_removals: list[float] | None
    seed: int
    reps: int
    stacked: bool = False  # screening: the chunk's mixes in one engine run per hub setting


def _runs(
    task: FrontierTask, scenario: Scenario, months: int
) -> list[tuple[dict[str, float], SimulationResult]]:
    if not task.stacked:
        return [
            (mix, simulate_levers(scenario, mix, reps=task.reps, months=months, seed=task.seed))
            for mix in task.mixes
        ]
    out = []
    for places in sorted({mix.get("hub_places", 0) for mix in task.mixes}):
        group = [mix for mix in task.mixes if mix.get("hub_places", 0) == places]
        stacked = simulate_stacked(scenario, group, reps=task.reps, months=months, seed=task.seed)
        for i, mix in enumerate(group):
            rows = slice(i * task.reps, (i + 1) * task.reps)
            series = {name: values[rows] for name, values in stacked.series.items()}
            out.append((mix, dataclasses.replace(stacked, series=series, reps=task.reps)))
    return out


def evaluate(task: FrontierTask) -> list[dict[str, Any]]:
    """Simulate a chunk of mixes; one summary row per mix (runs in a worker process)."""
    scenario = scenario_from_dict(task.scenario, source="frontier")
    target = Target.model_validate(task.target)
    base = np.asarray(task.baseline_removals) if task.baseline_removals is not None else None
    years = target.months / 12
    rows = []
    for mix, result in _runs(task, scenario, target.months):
        if task.stacked:
            # Stacked runs carry no lever cost line; add it as simulate_levers does.
            costs = lever_costs(result, mix)
            extra = sum(value for key, value in costs.items() if key != "hub_places")
            result.series["cost_total"] = np.asarray(result.series["cost_total"], dtype=np.float64) + extra
        values = measure_values(result, target.measure, base)
        success = values < target.threshold if target.direction == "below" else values >= target.threshold
        costs = lever_costs(result, mix)
        spend = {key: float(value.sum(axis=1).mean()) for key, value in costs.items()}
        rows.append(
            {
                "mix": mix,
                "success_share": float(success.mean()),
                "success_lower_95": wilson_lower(int(success.sum()), task.reps),
                "measure_p5": float(np.percentile(values, 5)),
                "measure_p50": float(np.percentile(values, 50)),
                "measure_p95": float(np.percentile(values, 95)),
                "expected_total_cost": float(result.series["cost_total"].sum(axis=1).mean()),
                "lever_spend_per_year": sum(spend.values()) / years,
                "lever_spend_by_lever": spend,
            }
        )
    return rows


@dataclass
class Frontier:
    target: Target
    rows: list[dict[str, Any]]
    baseline: dict[str, Any]
    chosen: dict[str, Any] | None
    seconds: float
    backend: str
    workers: int
    notes: list[str] = field(default_factory=list)
    screened: int = 0  # mixes screened at `screen_reps` before the finalists were run in full
    screen_reps: int | None = None

    def within_budget(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["lever_spend_per_year"] <= self.target.budget_per_year]

    def reaching(self) -> list[dict[str, Any]]:
        return [r for r in self.within_budget() if r["success_lower_95"] >= self.target.required_share]

    def chosen_without_deterrence(self) -> dict[str, Any] | None:
        """The cheapest mix that reaches the target without counting on deterrence (an assumption
        with no evidence behind it), so a reader can see how much of the answer rests on it."""
        reaching = [r for r in self.reaching() if not r["mix"].get("deterrence")]
        return min(reaching, key=lambda r: r["expected_total_cost"]) if reaching else None

    def silver_bullet_table(self, best: int = 5) -> list[dict[str, Any]]:
        """Each lever alone at every setting tried, then the best mixes."""
        table = []
        for row in self.rows:
            active = {k: v for k, v in row["mix"].items() if v}
            if len(active) == 1:
                table.append({"kind": "one lever", **_plain(row, self.target)})
        reaching = sorted(self.reaching(), key=lambda r: r["expected_total_cost"])
        if reaching:
            table.extend({"kind": "best mix", **_plain(r, self.target)} for r in reaching[:best])
        else:
            closest = sorted(self.within_budget(), key=lambda r: -r["success_share"])[:best]
            table.extend({"kind": "closest mix (none reaches)", **_plain(r, self.target)} for r in closest)
        return table

    def to_data(self) -> dict[str, Any]:
        return {
            "target": self.target.model_dump(),
            "measure": MEASURES[self.target.measure],
            "mixes": len(self.rows),
            "screened_mixes": self.screened,
            "screen_reps": self.screen_reps,
            "reps": self.target.reps,
            "months": self.target.months,
            "backend": self.backend,
            "workers": self.workers,
            "seconds": round(self.seconds, 2),
            "baseline": self.baseline,
            "chosen": None if self.chosen is None else _plain(self.chosen, self.target),
            "chosen_without_deterrence": (
                None
                if self.chosen_without_deterrence() is None
                else _plain(self.chosen_without_deterrence() or {}, self.target)
            ),
            "reaching_within_budget": len(self.reaching()),
            "silver_bullet": self.silver_bullet_table(),
            "notes": self.notes,
        }


def describe_mix(mix: dict[str, float]) -> str:
    active = [LEVERS[k].describe(v) for k, v in mix.items() if v]
    return "; ".join(active) if active else "no levers (baseline)"


def _plain(row: dict[str, Any], target: Target) -> dict[str, Any]:
    return {
        "mix": describe_mix(row["mix"]),
        "settings": {k: v for k, v in row["mix"].items() if v},
        "effect_p50": round(row["measure_p50"], 3),
        "effect_p5": round(row["measure_p5"], 3),
        "effect_p95": round(row["measure_p95"], 3),
        "chance_of_success": round(row["success_share"], 3),
        "chance_lower_95": round(row["success_lower_95"], 3),
        "lever_spend_per_year": round(row["lever_spend_per_year"]),
        "expected_total_cost": round(row["expected_total_cost"]),
        "within_budget": row["lever_spend_per_year"] <= target.budget_per_year,
    }


def search(
    target: Target,
    scenario: Scenario,
    *,
    backend: str = "local",
    max_workers: int | None = None,
    reps: int | None = None,
    seed: int | None = None,
    limit: int | None = None,
    chunk: int = 16,
    on_chunk_done: Callable[[int, int], None] | None = None,
    screen_reps: int | None = None,
    finalists: int = 48,
) -> Frontier:
    """Evaluate every mix of the target's grid (or the first `limit`) and pick the frontier.

    With `screen_reps`, every mix is first run with that many replications and only the finalists
    are run in full: every lever alone, and the `finalists` cheapest mixes within the budget whose
    screened chance is near the required share (topped up with the likeliest). The choice and the
    table rest on the full runs only; the screen decides what is worth running in full.
    """
    if backend not in FRONTIER_BACKENDS:
        raise SweepBackendError(f"unknown backend {backend!r}; use one of {', '.join(FRONTIER_BACKENDS)}")
    reps = target.reps if reps is None else reps
    seed = target.seed if seed is None else seed
    started = time.perf_counter()
    all_mixes = mixes(target)
    if limit is not None:
        all_mixes = all_mixes[:limit]
    baseline = simulate_levers(scenario, {}, reps=reps, months=target.months, seed=seed)
    baseline_removals = removals_per_rep(baseline)
    data = scenario.model_dump(mode="json")

    def run(
        chosen: list[dict[str, float]], count: int, stacked: bool = False
    ) -> tuple[list[dict[str, Any]], int]:
        removals = baseline_removals
        if count != reps:
            removals = removals_per_rep(
                simulate_levers(scenario, {}, reps=count, months=target.months, seed=seed)
            )
        # A stacked chunk is one engine run per hub setting: larger chunks amortise each month's calls.
        step = max(chunk, 48) if stacked else chunk
        tasks = [
            FrontierTask(
                scenario=data,
                target=target.model_dump(),
                mixes=chosen[i : i + step],
                baseline_removals=removals.tolist() if target.measure == "removals_vs_baseline" else None,
                seed=seed,
                reps=count,
                stacked=stacked,
            )
            for i in range(0, len(chosen), step)
        ]
        return _run_tasks(tasks, backend, max_workers, on_chunk_done)

    screened = 0
    if screen_reps is not None and screen_reps < reps:
        screen_rows, workers = run(all_mixes, screen_reps, stacked=True)
        screened = len(screen_rows)
        rows, workers = run(_finalists(screen_rows, target, finalists), reps)
    else:
        rows, workers = run(all_mixes, reps)
    base_values = measure_values(baseline, target.measure, baseline_removals)
    base_success = (
        base_values < target.threshold if target.direction == "below" else base_values >= target.threshold
    )
    frontier = Frontier(
        target=target,
        rows=rows,
        baseline={
            "effect_p50": round(float(np.percentile(base_values, 50)), 3),
            "chance_of_success": round(float(base_success.mean()), 3),
            "expected_total_cost": round(float(baseline.series["cost_total"].sum(axis=1).mean())),
        },
        chosen=None,
        seconds=0.0,
        backend=backend,
        workers=workers,
        screened=screened,
        screen_reps=screen_reps if screened else None,
    )
    reaching = sorted(frontier.reaching(), key=lambda r: r["expected_total_cost"])
    frontier.chosen = reaching[0] if reaching else None
    if frontier.chosen is None:
        frontier.notes.append(
            f"no mix within the budget of £{target.budget_per_year:,.0f} a year reaches the target in "
            f"{target.required_share:.0%} of replications"
        )
    frontier.seconds = time.perf_counter() - started
    return frontier


def _finalists(rows: list[dict[str, Any]], target: Target, count: int) -> list[dict[str, float]]:
    alone = [r["mix"] for r in rows if sum(1 for v in r["mix"].values() if v) <= 1]
    affordable = [r for r in rows if r["lever_spend_per_year"] <= target.budget_per_year]
    # A margin below the required share: the screen's estimate is rough, and the full run decides.
    near = sorted(
        (r for r in affordable if r["success_share"] >= target.required_share - 0.15),
        key=lambda r: r["expected_total_cost"],
    )
    likeliest = sorted(affordable, key=lambda r: (-r["success_share"], r["expected_total_cost"]))
    # Half the places go to mixes that do not count on deterrence, so that answer is searched too.
    without = [r for r in near if not r["mix"].get("deterrence")][: count // 2]
    chosen: list[dict[str, float]] = list(alone)
    for row in [*without, *near, *likeliest]:
        if len(chosen) >= len(alone) + count:
            break
        if row["mix"] not in chosen:
            chosen.append(row["mix"])
    return chosen


def _run_tasks(
    tasks: list[FrontierTask],
    backend: str,
    max_workers: int | None,
    on_chunk_done: Callable[[int, int], None] | None,
) -> tuple[list[dict[str, Any]], int]:
    rows: list[dict[str, Any]] = []
    if backend == "ray":
        return _on_ray(tasks), 0
    if backend == "serial" or len(tasks) == 1:
        for done, task in enumerate(tasks, start=1):
            rows.extend(evaluate(task))
            if on_chunk_done is not None:
                on_chunk_done(done, len(tasks))
        return rows, 1
    workers = max_workers or min(len(tasks), os.cpu_count() or 1)
    # Spawn, not fork (see sweep.py): a forked child can inherit a lock no thread will release.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for done, chunk_rows in enumerate(pool.map(evaluate, tasks), start=1):
            rows.extend(chunk_rows)
            if on_chunk_done is not None:
                on_chunk_done(done, len(tasks))
    return rows, workers


def confirm(target: Target, scenario: Scenario, mix: dict[str, float], *, reps: int, seed: int) -> float:
    """Share of replications, with fresh seeds, in which `mix` reaches the target."""
    baseline = simulate_levers(scenario, {}, reps=reps, months=target.months, seed=seed)
    result = simulate_levers(scenario, mix, reps=reps, months=target.months, seed=seed)
    values = measure_values(result, target.measure, removals_per_rep(baseline))
    success = values < target.threshold if target.direction == "below" else values >= target.threshold
    return float(success.mean())


def _on_ray(tasks: Sequence[FrontierTask]) -> list[dict[str, Any]]:
    try:
        import ray
    except ImportError:
        raise SweepBackendError(RAY_MISSING) from None
    if not ray.is_initialized():
        ray.init(ignore_reinit_error=True, log_to_driver=False, include_dashboard=False)
    remote = ray.remote(evaluate)
    rows: list[dict[str, Any]] = []
    for chunk_rows in ray.get([remote.remote(task) for task in tasks]):
        rows.extend(chunk_rows)
    return rows
