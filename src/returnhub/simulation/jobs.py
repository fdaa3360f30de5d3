"""Simulation runs as persistent background jobs.

A run is a row in ``simulation_runs`` (queued -> running -> done | failed) with its scenario text, its
progress and its summary. A thread of the serving process runs it; when the process restarts, every run that
was queued or running is started again from the beginning (the engine is seeded, so the result is the same).
"""

from __future__ import annotations

import threading
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.engine import Engine

from returnhub.core.clock import Clock
from returnhub.core.database import unit_of_work
from returnhub.core.errors import InvalidInput, NotFound
from returnhub.core.time import utc
from returnhub.simulation.errors import ScenarioError, SimulationError
from returnhub.simulation.models import SimulationRun
from returnhub.simulation.views import SimulationOut

MAX_REPS = 5_000
_lock = threading.Lock()
_running: set[int] = set()


def submit(
    engine: Engine,
    clock: Clock,
    *,
    scenario: dict[str, Any],
    reps: int,
    months: int | None,
    seed: int,
    submitted_by: str,
) -> int:
    """Validate the scenario now (a bad one is a 422, nothing stored), store the run, start it."""
    from returnhub.simulation.scenario import scenario_from_dict

    if not 1 <= reps <= MAX_REPS:
        raise InvalidInput(f"reps must be between 1 and {MAX_REPS}")
    if months is not None and not 1 <= months <= 600:
        raise InvalidInput("months must be between 1 and 600")
    try:
        scenario_from_dict(scenario, source="request")
    except (ScenarioError, SimulationError) as exc:
        raise InvalidInput(f"invalid scenario: {exc}") from None
    now = clock.now()
    with unit_of_work(engine) as session:
        run = SimulationRun(
            status="queued",
            scenario_yaml=yaml.safe_dump(scenario, sort_keys=True),
            reps=reps,
            months=months,
            seed=seed,
            progress=0.0,
            submitted_by=submitted_by,
            created_at=now,
            updated_at=now,
        )
        session.add(run)
        session.flush()
        run_id = run.id
    start(engine, clock, run_id)
    return run_id


def start(engine: Engine, clock: Clock, run_id: int) -> None:
    with _lock:
        if run_id in _running:
            return
        _running.add(run_id)
    threading.Thread(
        target=_execute, args=(engine, clock, run_id), name=f"simulation-{run_id}", daemon=True
    ).start()


def resume_unfinished(engine: Engine, clock: Clock) -> list[int]:
    """On start-up: pick up every run a previous process left queued or running."""
    with unit_of_work(engine, read_only=True) as session:
        ids = list(
            session.execute(
                select(SimulationRun.id).where(SimulationRun.status.in_(("queued", "running")))
            ).scalars()
        )
    for run_id in ids:
        start(engine, clock, run_id)
    return ids


def _update(engine: Engine, clock: Clock, run_id: int, **values: Any) -> None:
    with unit_of_work(engine) as session:
        run = session.get(SimulationRun, run_id)
        if run is not None:
            for key, value in values.items():
                setattr(run, key, value)
            run.updated_at = clock.now()


def _execute(engine: Engine, clock: Clock, run_id: int) -> None:
    from returnhub.simulation.engine import simulate
    from returnhub.simulation.results import summary
    from returnhub.simulation.scenario import scenario_from_dict

    try:
        with unit_of_work(engine, read_only=True) as session:
            run = session.get(SimulationRun, run_id)
            assert run is not None
            scenario = scenario_from_dict(yaml.safe_load(run.scenario_yaml), source=f"run {run_id}")
            reps, months, seed = run.reps, run.months, run.seed
        _update(engine, clock, run_id, status="running", progress=0.0, error=None)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            fraction = done / total if total else 1.0
            if fraction - last[0] >= 0.1 or done == total:
                last[0] = fraction
                _update(engine, clock, run_id, progress=round(fraction, 3))

        result = simulate(scenario, reps=reps, months=months, seed=seed, progress=progress)
        _update(engine, clock, run_id, status="done", progress=1.0, summary=summary(result).model_dump())
    except Exception as exc:  # noqa: BLE001 - a failed run is recorded, never lost
        _update(
            engine,
            clock,
            run_id,
            status="failed",
            error=str(exc).splitlines()[0][:2000] if str(exc) else type(exc).__name__,
        )
    finally:
        with _lock:
            _running.discard(run_id)


def run_view(engine: Engine, run_id: int) -> SimulationOut:
    with unit_of_work(engine, read_only=True) as session:
        run = session.get(SimulationRun, run_id)
        if run is None:
            raise NotFound(f"no simulation run {run_id}")
        return SimulationOut(
            id=run.id,
            status=run.status,
            progress=run.progress,
            reps=run.reps,
            months=run.months,
            seed=run.seed,
            submitted_by=run.submitted_by,
            created_at=utc(run.created_at),  # SQLite gives it back naive
            updated_at=utc(run.updated_at),
            summary=run.summary,
            error=run.error,
        )
