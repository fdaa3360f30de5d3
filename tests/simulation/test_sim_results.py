"""Percentile bands, Parquet and charts, and the with/without-hubs comparison."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from returnhub.simulation.engine import simulate
from returnhub.simulation.results import (
    PERCENTILES,
    compare,
    comparison_summary,
    percentile_bands,
    summary,
    write_comparison,
    write_results,
)

from .helpers import small


def test_bands_are_ordered_and_match_numpy() -> None:
    result = simulate(small(), reps=50, seed=1)
    bands = percentile_bands(result)
    assert bands.height == 13 * result.months
    columns = [f"p{q}" for q in PERCENTILES]
    ordered = bands.drop_nulls().select(columns).to_numpy()
    assert np.all(np.diff(ordered, axis=1) >= -1e-9)
    backlog = bands.filter(pl.col("series") == "awaiting_decision").sort("month_index")
    expected = np.percentile(result.series["awaiting_decision"], 50, axis=0)
    np.testing.assert_allclose(backlog["p50"].to_numpy(), expected)


def test_summary_holds_the_main_outputs() -> None:
    result = simulate(small(), reps=30, seed=2)
    digest = summary(result)
    assert digest.reps == 30 and digest.months == 30
    assert set(dict(digest.final)) >= {"backlog", "people_in_accommodation", "in_hub"}
    for name in ("voluntary_returns", "enforced_returns", "hub_onward_returns", "cost_total"):
        bands = digest.totals[name]
        assert bands.p5 <= bands.p50 <= bands.p95
    removals = (
        result.series["voluntary_returns"]
        + result.series["enforced_returns"]
        + result.series["withdrawn_departed"]
        + result.series["hub_onward_returns"]
    ).sum(axis=1)
    per_removal = result.series["cost_total"].sum(axis=1) / removals
    assert digest.cost_per_removal.p50 == round(float(np.percentile(per_removal, 50)), 2)
    assert digest.assumptions == ["deterrence OFF: arrivals do not respond to hub transfers"]


def test_costs_follow_the_terms() -> None:
    scenario = small(hubs=[small().hubs[0].model_dump()])
    result = simulate(scenario, reps=5, seed=3)
    hub = scenario.hubs[0]
    # Places are paid from the opening month (index 5, June 2025: 30 days) whether filled or not.
    assert result.series["cost_hub_places"][0, 4] == 0
    assert result.series["cost_hub_places"][0, 5] == hub.places * hub.cost_per_place_per_day * 30
    payments = result.series["cost_hub_payments"]
    np.testing.assert_allclose(payments[:, 5], result.series["hub_transfers"][:, 5] * 1000 + 50000)


def test_write_results_creates_parquet_and_charts(tmp_path: Path) -> None:
    result = simulate(small(months=12), reps=20, seed=4)
    written = write_results(result, tmp_path / "out")
    assert pl.read_parquet(written["bands"]).height > 0
    assert pl.read_parquet(written["replications"]).height == 20
    assert pl.read_parquet(written["paths"]).height == 20 * 12
    assert Path(written["chart_png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in Path(written["chart_svg"]).read_text(encoding="utf-8")[:2000]


def test_comparison_is_paired_and_isolates_the_hub_effect(tmp_path: Path) -> None:
    without = simulate(small(hubs=[]), reps=40, seed=6)
    with_hubs = simulate(small(), reps=40, seed=6)
    comparison = compare(without, with_hubs)
    assert comparison.paired
    # Same arrivals and casework in both runs, so the backlog difference is exactly zero...
    assert np.all(comparison.final["awaiting_decision"] == 0)
    # ...and every replication moved people to the hubs.
    assert np.all(comparison.totals["hub_transfers"] > 0)
    digest = comparison_summary(comparison)
    assert digest["paired_common_random_numbers"] is True
    assert digest["totals"]["hub_transfers"]["p5"] > 0
    written = write_comparison(comparison, tmp_path)
    assert pl.read_parquet(written["bands"]).height == 4 * 30
    assert Path(written["chart_svg"]).exists()
    unpaired = compare(without, simulate(small(), reps=40, seed=7))
    assert not unpaired.paired
