"""Scenario files: the shipped ones load; bad ones fail with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from returnhub.simulation.errors import ScenarioError
from returnhub.simulation.parameters import InitialCaseload, compile_scenario
from returnhub.simulation.scenario import load_scenario, scenario_from_dict

from .helpers import SCENARIOS, small, small_data


@pytest.mark.parametrize("name", ["uk_baseline", "uk_with_hubs", "italy_albania"])
def test_shipped_scenarios_load(name: str) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    assert scenario.months >= 12
    assert not scenario.deterrence.enabled


def test_with_hubs_extends_the_baseline() -> None:
    baseline = load_scenario(SCENARIOS / "uk_baseline.yaml")
    with_hubs = load_scenario(SCENARIOS / "uk_with_hubs.yaml")
    assert with_hubs.arrivals == baseline.arrivals
    assert with_hubs.initial == baseline.initial
    assert [hub.places for hub in with_hubs.hubs] == [1000, 1000]
    assert baseline.hubs == []
    yearly = 12 * sum(sum(route.monthly_mean.values()) for route in baseline.arrivals.routes.values())
    assert 95_000 < yearly < 115_000


def _error_for(tmp_path: Path, text: str) -> str:
    file = tmp_path / "bad.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    message = _error_for(tmp_path, "name: x\narrivals: [unclosed\n")
    assert "not valid YAML at line" in message


def test_missing_file() -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario("/nonexistent/scenario.yaml")


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    assert "expected a mapping" in _error_for(tmp_path, "- 1\n- 2\n")


def test_missing_section_is_named() -> None:
    data = small_data()
    del data["arrivals"]
    with pytest.raises(ScenarioError, match=r"arrivals: Field required"):
        scenario_from_dict(data)


def test_rate_out_of_range_gives_path_and_value() -> None:
    data = small_data()
    data["hubs"][0]["onward_return_rate_per_month"] = 1.5
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    message = str(caught.value)
    assert "hubs.0.onward_return_rate_per_month" in message
    assert "1.5" in message


def test_undeclared_nationality_in_route() -> None:
    data = small_data()
    data["arrivals"]["routes"]["boat"]["monthly_mean"]["Z"] = 3
    with pytest.raises(ScenarioError, match=r"undeclared nationalities \['Z'\]"):
        scenario_from_dict(data)


def test_competing_rates_cannot_exceed_one() -> None:
    data = small_data()
    data["nationalities"]["A"]["voluntary_return_rate_per_month"] = 0.7
    data["nationalities"]["A"]["enforced_return_rate_per_month"] = 0.4
    with pytest.raises(ScenarioError, match="add up to"):
        scenario_from_dict(data)


def test_seasonality_needs_twelve_factors() -> None:
    data = small_data()
    data["arrivals"]["seasonality"] = [1.0] * 11
    with pytest.raises(ScenarioError, match="12 monthly factors"):
        scenario_from_dict(data)


def test_bad_month() -> None:
    with pytest.raises(ScenarioError, match="YYYY-MM"):
        scenario_from_dict(small_data(start_month="2025-13"))


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(ScenarioError, match="Extra inputs are not permitted"):
        scenario_from_dict(small_data(hub_count=3))


def test_deterrence_must_be_switched_on_explicitly() -> None:
    with pytest.raises(ScenarioError, match="set enabled: true"):
        scenario_from_dict(small_data(deterrence={"elasticity": 2.0}))
    scenario = small(deterrence={"enabled": True, "elasticity": 2.0})
    assert any("ASSUMPTION" in note for note in scenario.assumptions())


def test_extends_cycle_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")


def test_overrides_change_values_and_reject_unknown_paths() -> None:
    scenario = small()
    bigger = scenario.with_overrides({"hubs.0.places": 80, "deterrence.enabled": True})
    assert bigger.hubs[0].places == 80 and bigger.deterrence.enabled
    assert scenario.hubs[0].places == 40
    with pytest.raises(ScenarioError, match="no such field"):
        scenario.with_overrides({"hubs.7.places": 1})
    with pytest.raises(ScenarioError, match="places"):
        scenario.with_overrides({"hubs.0.places": -1})


def test_initial_caseload_folds_unknown_nationalities_into_other() -> None:
    data = small_data()
    data["nationalities"]["Other"] = {}
    caseload = InitialCaseload.from_status_counts(
        {"awaiting_decision": {"A": 5, "Syria": 7, "Sudan": 1}, "in_hub": {"H1": {"B": 2}}}
    )
    compiled = compile_scenario(scenario_from_dict(data), initial=caseload)
    names = compiled.nationalities
    assert compiled.initial_awaiting_decision[names.index("Other")] == 8
    assert compiled.initial_in_hub[0, names.index("B")] == 2
    assert caseload.total() == 15


def test_initial_caseload_errors_are_clear() -> None:
    with pytest.raises(ScenarioError, match="unknown status"):
        InitialCaseload.from_status_counts({"detained": {"A": 1}})
    with pytest.raises(ScenarioError, match="whole number"):
        InitialCaseload.from_status_counts({"appeal_pending": {"A": -2}})
    with pytest.raises(ScenarioError, match="does not declare"):
        compile_scenario(small(), initial=InitialCaseload(awaiting_decision={"Syria": 3}))
    with pytest.raises(ScenarioError, match="has 40 places"):
        compile_scenario(small(), initial=InitialCaseload(in_hub={"H1": {"B": 41}}))
    with pytest.raises(ScenarioError, match="is not in scenario"):
        compile_scenario(small(), eligible_share={"Q": 0.5})


def test_scaled_divides_every_head_count_and_keeps_every_rate() -> None:
    scenario = small(
        changes=[{"from_month": "2025-06", "decision_capacity_per_month": 200}],
        initial={"awaiting_decision": {"A": 1000}, "in_hub": {"H1": {"B": 30}}},
    )
    tenth = scenario.scaled(0.1, months=12)
    assert tenth.months == 12
    assert tenth.arrivals.scale == pytest.approx(scenario.arrivals.scale * 0.1)
    assert tenth.decisions.initial_capacity_per_month == 8
    assert tenth.changes[0].decision_capacity_per_month == 20
    assert [hub.places for hub in tenth.hubs] == [4, 3]
    assert tenth.hubs[0].transfer_capacity_per_month == 2  # 15 * 0.1, rounded
    assert tenth.initial is not None
    assert tenth.initial.awaiting_decision == {"A": 100} and tenth.initial.in_hub == {"H1": {"B": 3}}
    # Rates are untouched, so the compiled chances are the same.
    a, b = compile_scenario(scenario), compile_scenario(tenth)
    assert (a.grant_rate[:12] == b.grant_rate).all() and (
        a.voluntary_return_rate == b.voluntary_return_rate
    ).all()
    # A capacity never rounds down to nothing.
    assert scenario.scaled(0.001).hubs[1].places == 1
    with pytest.raises(ScenarioError, match="scale factor"):
        scenario.scaled(0)
