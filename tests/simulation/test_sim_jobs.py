"""Background simulation runs: stored, progressed, finished; unfinished runs resume after a restart."""

from __future__ import annotations

import time
from pathlib import Path

import yaml
from sqlalchemy.engine import Engine

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.simulation import jobs
from returnhub.simulation.models import SimulationRun
from returnhub.simulation.views import SimulationOut

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "uk_with_hubs.yaml"


def _wait(engine: Engine, run_id: int, seconds: float = 120) -> SimulationOut:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        view = jobs.run_view(engine, run_id)
        if view.status in ("done", "failed"):
            return view
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish")


def _scenario() -> dict[str, object]:
    data = yaml.safe_load(SCENARIO.read_text())
    data.pop("extends", None)
    return data


def test_a_run_finishes_with_a_summary(engine: Engine, clock: FixedClock) -> None:
    from returnhub.simulation.scenario import load_scenario

    # Resolve `extends` the way the loader does, then submit the full scenario as a request would.
    scenario = load_scenario(SCENARIO).model_dump(mode="json")
    run_id = jobs.submit(engine, clock, scenario=scenario, reps=20, months=12, seed=1, submitted_by="test")
    view = _wait(engine, run_id)
    assert view.status == "done", view.error
    assert view.progress == 1.0 and view.summary


def test_unfinished_runs_resume_after_a_restart(engine: Engine, clock: FixedClock) -> None:
    from returnhub.simulation.scenario import load_scenario

    text = yaml.safe_dump(load_scenario(SCENARIO).model_dump(mode="json"))
    with unit_of_work(engine) as s:
        # What a process killed mid-run leaves behind.
        run = SimulationRun(
            status="running",
            scenario_yaml=text,
            reps=10,
            months=6,
            seed=2,
            progress=0.4,
            submitted_by="test",
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        s.add(run)
        s.flush()
        run_id = run.id
    assert run_id in jobs.resume_unfinished(engine, clock)
    assert _wait(engine, run_id).status == "done"


def test_a_bad_scenario_is_refused_and_nothing_is_stored(engine: Engine, clock: FixedClock) -> None:
    import pytest

    from returnhub.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        jobs.submit(
            engine,
            clock,
            scenario={"name": "x", "months": -3},
            reps=5,
            months=None,
            seed=0,
            submitted_by="test",
        )
    with unit_of_work(engine, read_only=True) as s:
        assert s.query(SimulationRun).count() == 0
