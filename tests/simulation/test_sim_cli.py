"""The `simulate` sub-app: JSON summaries, written files, and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from returnhub.simulation import cli
from returnhub.simulation.cli import app, run_scenario
from returnhub.simulation.parameters import InitialCaseload

from .helpers import small_data

runner = CliRunner()


def _scenario_file(tmp_path: Path, name: str = "s.yaml", **changes: object) -> Path:
    file = tmp_path / name
    file.write_text(yaml.safe_dump(small_data(months=8, **changes)), encoding="utf-8")
    return file


def test_run_json_writes_results(tmp_path: Path) -> None:
    file = _scenario_file(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", str(file), "--reps", "12", "--out", str(out), "--json", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    digest = json.loads(result.stdout)
    assert digest["reps"] == 12 and digest["months"] == 8 and digest["seed"] == 3
    assert digest["seconds"] >= 0
    assert set(digest["final"]["backlog"]) == {"p5", "p25", "p50", "p75", "p95"}
    for key in ("bands", "replications", "paths", "chart_png", "chart_svg"):
        assert Path(digest["outputs"][key]).is_file()


def test_run_scenario_function_takes_a_live_caseload(tmp_path: Path) -> None:
    file = _scenario_file(tmp_path)
    caseload = InitialCaseload.from_status_counts({"awaiting_decision": {"A": 5000}})
    digest = run_scenario(file, reps=5, months=2, out=None, seed=1, initial=caseload)
    assert digest.initial_caseload == "given by caller"
    assert digest.final.backlog.p50 > 4800
    assert digest.outputs is None and "outputs" not in digest.model_dump()


def test_errors_are_one_line_with_exit_code_2(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("name: [\n", encoding="utf-8")
    bad_value = _scenario_file(tmp_path, "value.yaml", absconding_rate_per_month=3)
    cases = [
        (["run", str(tmp_path / "missing.yaml")], "file not found"),
        (["run", str(bad_yaml), "--json"], "not valid YAML"),
        (["run", str(bad_value)], "absconding_rate_per_month"),
        (["run", str(bad_value), "--reps", "0"], "--reps must be at least 1"),
        (["sweep", str(bad_yaml), "--set", "nonsense"], "path=value"),
    ]
    for arguments, expected in cases:
        result = runner.invoke(app, arguments)
        assert result.exit_code == 2, (arguments, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], lines
        assert "Traceback" not in result.output


def test_compare_reports_paired_differences(tmp_path: Path) -> None:
    without = _scenario_file(tmp_path, "a.yaml", hubs=[])
    with_hubs = _scenario_file(tmp_path, "b.yaml")
    result = runner.invoke(app, ["compare", str(without), str(with_hubs), "--reps", "10", "--json"])
    assert result.exit_code == 0, result.output
    digest = json.loads(result.stdout)
    assert digest["paired_common_random_numbers"] is True
    assert digest["final"]["awaiting_decision"]["p50"] == 0
    assert digest["totals"]["hub_transfers"]["p50"] > 0


def test_calibrate_writes_params(tmp_path: Path) -> None:
    out = tmp_path / "PARAMS.yaml"
    result = runner.invoke(app, ["calibrate", "--out", str(out), "--reps", "8"])
    assert result.exit_code == 0, result.output
    params = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert params["fitted"]["arrivals_per_year"]["value"] == 108138
    assert "Back-test" in result.stdout


def test_sweep_command(tmp_path: Path) -> None:
    file = _scenario_file(tmp_path)
    result = runner.invoke(
        app,
        ["sweep", str(file), "--set", "hubs.0.places=5,50", "--reps", "5", "--backend", "serial", "--json"],
    )
    assert result.exit_code == 0, result.output
    points = json.loads(result.stdout)["points"]
    assert [p["hubs.0.places"] for p in points] == [5, 50]


def test_sweep_and_run_tables_print_without_json(tmp_path: Path) -> None:
    file = _scenario_file(tmp_path)
    swept = runner.invoke(
        app, ["sweep", str(file), "--set", "hubs.0.places=5,50", "--reps", "4", "--backend", "serial"]
    )
    assert swept.exit_code == 0, swept.output
    assert "hubs.0.places" in swept.stdout
    out = tmp_path / "table-run"
    ran = runner.invoke(app, ["run", str(file), "--reps", "4", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    assert "deterrence OFF" in ran.stdout and (out / "bands.parquet").is_file()


def test_run_uses_the_machines_cores_by_default_with_the_same_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = _scenario_file(tmp_path)
    used: list[int] = []
    real = cli.simulate

    def spy(*args: Any, **kwargs: Any) -> Any:
        used.append(kwargs["threads"])
        return real(*args, **kwargs)

    monkeypatch.setattr(cli, "simulate", spy)
    monkeypatch.setattr(cli, "machine_threads", lambda: 3)
    default = run_scenario(file, reps=1200, months=4, out=None, seed=5)
    one = run_scenario(file, reps=1200, months=4, out=None, seed=5, threads=1)
    assert used == [3, 1]  # 1,200 replications are three blocks of 500: three threads at work
    timings = {"seconds", "total_seconds"}
    assert default.model_dump(exclude=timings) == one.model_dump(exclude=timings)
    result = runner.invoke(app, ["run", str(file), "--threads", "0"])
    assert result.exit_code == 2 and "threads must be at least 1" in result.output
