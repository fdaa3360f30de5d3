"""Parameter sweeps: local pool, serial, and Ray (optional extra)."""

from __future__ import annotations

import sys

import pytest

from returnhub.simulation.errors import ScenarioError, SweepBackendError
from returnhub.simulation.sweep import grid_points, sweep

from .helpers import small


def test_grid_is_the_cartesian_product() -> None:
    points = grid_points({"a": [1, 2], "b": ["x", "y", "z"]})
    assert len(points) == 6 and {"a": 2, "b": "z"} in points
    assert grid_points({}) == [{}]


def test_local_pool_matches_serial_and_more_places_mean_more_transfers() -> None:
    grid = {"hubs.0.places": [5, 60]}
    local = sweep(small(months=18), grid, reps=20, seed=1, backend="local", max_workers=1)
    serial = sweep(small(months=18), grid, reps=20, seed=1, backend="serial")
    assert local.height == 2
    assert local.drop("seconds").equals(serial.drop("seconds"))
    by_places = dict(zip(local["hubs.0.places"], local["totals.hub_transfers.p50"], strict=True))
    assert by_places[60] > by_places[5]


def test_bad_override_fails_before_any_work() -> None:
    with pytest.raises(ScenarioError, match="no such field"):
        sweep(small(), {"hubs.9.places": [1]}, reps=2)
    with pytest.raises(SweepBackendError, match="unknown sweep backend"):
        sweep(small(), {}, reps=2, backend="cluster")


def test_ray_backend_without_ray_gives_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail as if not installed
    with pytest.raises(SweepBackendError) as caught:
        sweep(small(months=3), {"hubs.0.places": [5]}, reps=2, backend="ray")
    assert "returnhub[ray]" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_ray_backend_on_a_local_instance() -> None:
    ray = pytest.importorskip("ray", reason="Ray is the optional extra 'ray'")
    try:
        table = sweep(small(months=6), {"hubs.0.places": [5, 60]}, reps=5, seed=3, backend="ray")
        serial = sweep(small(months=6), {"hubs.0.places": [5, 60]}, reps=5, seed=3, backend="serial")
        assert table.drop("seconds").equals(serial.drop("seconds"))
    finally:
        ray.shutdown()
