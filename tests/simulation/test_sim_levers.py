"""The levers: a lever at zero is the baseline run, and each lever moves its outputs the right way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from returnhub.simulation.engine import COUNT_SERIES, simulate
from returnhub.simulation.errors import ScenarioError
from returnhub.simulation.levers import LEVERS, lever_costs, lever_table, simulate_levers
from returnhub.simulation.scenario import load_scenario

BASELINE = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "uk_baseline.yaml")
MONTHS = 24
REPS = 40


def _run(levers: dict[str, float], seed: int = 11):  # type: ignore[no-untyped-def]
    return simulate_levers(BASELINE, levers, reps=REPS, months=MONTHS, seed=seed)


BASE = _run({})


def total(result, name: str) -> float:  # type: ignore[no-untyped-def]
    return float(np.asarray(result.series[name]).sum())


def test_every_lever_at_zero_is_the_baseline_run_on_common_random_numbers() -> None:
    plain = simulate(BASELINE, reps=REPS, months=MONTHS, seed=11)
    zero = _run(dict.fromkeys(LEVERS, 0))
    for name in COUNT_SERIES:
        assert np.array_equal(plain.series[name], zero.series[name]), name
    assert np.array_equal(plain.series["cost_total"], zero.series["cost_total"])
    assert float(np.asarray(zero.series["cost_levers"]).sum()) == 0.0


# (lever, setting, output, direction): the output's total over the run must move that way.
EXPECTED = [
    ("caseworkers", 1500, "initial_decisions", +1),
    ("returns_agreements", 3, "enforced_returns", +1),
    ("detention_places", 1000, "enforced_returns", +1),
    ("voluntary_incentive", 2000, "voluntary_returns", +1),
    ("hub_places", 1000, "hub_onward_returns", +1),
    ("anti_smuggling", 300, "arrivals", -1),
]


@pytest.mark.parametrize(("lever", "setting", "output", "direction"), EXPECTED)
def test_each_lever_moves_its_output_the_expected_way(
    lever: str, setting: float, output: str, direction: int
) -> None:
    moved = _run({lever: setting})
    change = total(moved, output) - total(BASE, output)
    assert change * direction > 0, (lever, output, change)
    if lever != "deterrence":
        assert lever_costs(moved, {lever: setting})[lever].sum() > 0


@pytest.mark.parametrize(
    ("output", "direction"), [("arrivals", -1), ("voluntary_returns", +1), ("withdrawn_reentered", -1)]
)
def test_deterrence_acts_through_both_channels_only_with_something_to_deter(
    output: str, direction: int
) -> None:
    with_hub = _run({"hub_places": 1000})
    deterred = _run({"hub_places": 1000, "deterrence": 1.0})
    assert (total(deterred, output) - total(with_hub, output)) * direction > 0
    alone = _run({"deterrence": 1.0})
    assert total(alone, output) == total(BASE, output)


def test_backlog_falls_with_caseworkers_and_charters_need_detention_places() -> None:
    more = _run({"caseworkers": 2000})
    assert more.series["awaiting_decision"][:, -1].mean() < BASE.series["awaiting_decision"][:, -1].mean()
    # Flights without anyone detained to put on them remove nobody.
    flights_only = _run({"charter_flights": 10})
    assert total(flights_only, "enforced_returns") == total(BASE, "enforced_returns")
    both = _run({"detention_places": 1000, "charter_flights": 10})
    places_only = _run({"detention_places": 1000})
    assert total(both, "enforced_returns") > total(places_only, "enforced_returns")


@settings(max_examples=12, deadline=None)
@given(
    lever=st.sampled_from(["caseworkers", "voluntary_incentive", "anti_smuggling", "detention_places"]),
    share=st.floats(0.2, 1.0),
)
def test_more_of_a_lever_never_moves_its_output_backwards(lever: str, share: float) -> None:
    output, direction = {
        "caseworkers": ("initial_decisions", +1),
        "voluntary_incentive": ("voluntary_returns", +1),
        "anti_smuggling": ("arrivals", -1),
        "detention_places": ("enforced_returns", +1),
    }[lever]
    maximum = LEVERS[lever].maximum
    low = round(maximum * share / 2)
    high = round(maximum * share)
    a = simulate_levers(BASELINE, {lever: low}, reps=20, months=12, seed=5)
    b = simulate_levers(BASELINE, {lever: high}, reps=20, months=12, seed=5)
    assert (total(b, output) - total(a, output)) * direction >= 0


def test_bad_settings_are_one_clear_line() -> None:
    with pytest.raises(ScenarioError, match="unknown lever 'magic'"):
        _run({"magic": 1})
    with pytest.raises(ScenarioError, match="outside 0 to"):
        _run({"caseworkers": -1})
    with pytest.raises(ScenarioError, match="whole number"):
        _run({"charter_flights": 1.5})


def test_every_lever_states_its_evidence_and_cost() -> None:
    rows = lever_table()
    assert len(rows) == len(LEVERS)
    for row in rows:
        assert row["evidence"] and row["cost"] and row["effect (drawn per replication)"]
