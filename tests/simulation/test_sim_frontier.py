"""The frontier: the chosen mix holds up with fresh seeds; the silver-bullet table and the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from returnhub.simulation.cli import app
from returnhub.simulation.errors import ScenarioError
from returnhub.simulation.frontier import Target, confirm, load_target, search, wilson_lower

TARGETS = Path(__file__).resolve().parents[2] / "scenarios" / "targets"
SMALL_GRID = {
    "caseworkers": [0, 150],
    "detention_places": [0, 500, 1500],
    "voluntary_incentive": [0, 3000],
    "hub_places": [0, 1024],
}


def small(target: Target) -> Target:
    return target.model_copy(update={"levers": SMALL_GRID, "reps": 100})


@pytest.mark.parametrize("name", ["backlog_under_50k_by_2028.yaml", "net_removals_plus_20.yaml"])
def test_the_chosen_mix_reaches_the_target_in_the_stated_share_with_fresh_seeds(name: str) -> None:
    target, scenario = load_target(TARGETS / name)
    frontier = search(small(target), scenario, backend="serial")
    assert frontier.chosen is not None, frontier.notes
    assert frontier.chosen["lever_spend_per_year"] <= target.budget_per_year
    share = confirm(target, scenario, frontier.chosen["mix"], reps=400, seed=target.seed + 7919)
    assert share >= target.required_share
    # No cheaper reaching mix was passed over.
    for row in frontier.reaching():
        assert row["expected_total_cost"] >= frontier.chosen["expected_total_cost"]


def test_a_screened_search_chooses_from_full_runs_and_holds_up_with_fresh_seeds() -> None:
    target, scenario = load_target(TARGETS / "net_removals_plus_20.yaml")
    frontier = search(small(target), scenario, backend="serial", screen_reps=20, finalists=6)
    assert frontier.screened == 24 and len(frontier.rows) < 24
    assert frontier.chosen is not None
    share = confirm(target, scenario, frontier.chosen["mix"], reps=400, seed=target.seed + 104729)
    assert share >= target.required_share


def test_the_silver_bullet_table_shows_each_lever_alone_and_the_best_mixes() -> None:
    target, scenario = load_target(TARGETS / "net_removals_plus_20.yaml")
    frontier = search(small(target), scenario, backend="serial")
    table = frontier.silver_bullet_table()
    alone = [row for row in table if row["kind"] == "one lever"]
    assert {key for row in alone for key in row["settings"]} == set(SMALL_GRID)
    assert any(row["kind"] == "best mix" for row in table)
    for row in table:
        assert 0.0 <= row["chance_of_success"] <= 1.0
        assert "_" not in row["mix"]  # plain words, not lever keys


def test_process_pool_gives_the_serial_answer() -> None:
    target, scenario = load_target(TARGETS / "backlog_under_50k_by_2028.yaml")
    tiny = target.model_copy(
        update={"levers": {"caseworkers": [0, 150], "detention_places": [0, 500]}, "reps": 20}
    )
    serial = search(tiny, scenario, backend="serial")
    pooled = search(tiny, scenario, backend="local", max_workers=2, chunk=2)
    assert [r["success_share"] for r in serial.rows] == [r["success_share"] for r in pooled.rows]
    assert [r["expected_total_cost"] for r in serial.rows] == [r["expected_total_cost"] for r in pooled.rows]


def test_wilson_lower_bound() -> None:
    assert wilson_lower(0, 100) == pytest.approx(0.0, abs=1e-12)
    assert 0.96 < wilson_lower(100, 100) < 1.0
    assert wilson_lower(80, 100) < 0.8


def test_frontier_command_writes_its_answer_and_fails_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    target_file = tmp_path / "t.yaml"
    target_file.write_text(
        (TARGETS / "backlog_under_50k_by_2028.yaml")
        .read_text(encoding="utf-8")
        .replace("scenario: ../uk_baseline.yaml", f"scenario: {TARGETS.parent / 'uk_baseline.yaml'}"),
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        [
            "frontier",
            str(target_file),
            "--limit",
            "3",
            "--reps",
            "10",
            "--backend",
            "serial",
            "--out",
            str(tmp_path),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert written["mixes"] == 3 and "silver_bullet" in written
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nscenario: nowhere.yaml\nmonths: 12\n", encoding="utf-8")
    result = runner.invoke(app, ["frontier", str(bad)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "error:" in result.output
    with pytest.raises(ScenarioError, match="unknown lever"):
        Target.model_validate(
            {
                "name": "x",
                "scenario": "s",
                "months": 1,
                "measure": "backlog_at_end",
                "threshold": 1,
                "direction": "below",
                "required_share": 0.5,
                "budget_per_year": 0,
                "levers": {"magic": [1]},
            }
        )
