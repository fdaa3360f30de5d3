"""The fast engine against the plain SimPy model: same distributions of the main outputs.

Both tests compare hundreds of SimPy replications with the engine's, so that a real difference would show:
with 200 SimPy and 1,000 engine replications, Welch's test at 0.001 finds a difference of means of a third
of a standard deviation 80% of the time ((3.29 + 0.84) * sqrt(1/1000 + 1/200) = 0.32); with 400 and 2,000,
a quarter (0.23). The seeds are fixed, so each test passes or fails for good; 0.001 per test keeps the
chance that a correct engine fails one when a seed changes to about 2-3 in 100.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from returnhub.simulation.engine import SimulationResult, simulate
from returnhub.simulation.parameters import InitialCaseload
from returnhub.simulation.reference_model import simulate_reference
from returnhub.simulation.scenario import load_scenario

from .helpers import SCENARIOS, people_balance, small

# Small enough that four hundred SimPy replications take about five seconds.
SCENARIO = small(
    months=20,
    arrivals={
        "routes": {"boat": {"monthly_mean": {"A": 20, "B": 15, "C": 15}}},
        "seasonality": [1, 1, 1, 1, 1.5, 2, 2, 1.5, 1, 1, 1, 1],
    },
    decisions={"initial_capacity_per_month": 45, "withdrawal_share": 0.1},
    absconding_rate_per_month=0.03,
)
INITIAL = InitialCaseload(
    awaiting_decision={"A": 40, "B": 20},
    appeal_pending={"C": 30},
    appeal_rights_exhausted={"B": 60, "C": 40},
    in_hub={"H1": {"B": 8}},
)
# Each output at the last month (stocks) or summed over the run (flows).
STOCKS = ("awaiting_decision", "appeal_pending", "appeal_rights_exhausted", "in_hub")
FLOWS = (
    "initial_grants",
    "appeals_allowed",
    "voluntary_returns",
    "enforced_returns",
    "absconds",
    "hub_transfers",
    "hub_onward_returns",
    "hub_returned_to_sending_state",
)


def _main_outputs(
    result: SimulationResult, stocks: tuple[str, ...], flows: tuple[str, ...]
) -> dict[str, Any]:
    """Each stock at the last month and each flow summed over the run, per replication."""
    values = {name: np.asarray(result.series[name])[:, -1] for name in stocks}
    values.update({name: np.asarray(result.series[name]).sum(axis=1) for name in flows})
    return values


def _assert_same_distributions(fast: dict[str, Any], plain: dict[str, Any]) -> None:
    for name, a in fast.items():
        b = plain[name]
        assert stats.ks_2samp(a, b).pvalue > 0.001, name
        if a.std() > 0 and b.std() > 0:  # Welch's test needs spread in both samples
            assert stats.ttest_ind(a, b, equal_var=False).pvalue > 0.001, name
        # And the means are close in absolute terms, not only "not significantly different".
        assert abs(a.mean() - b.mean()) <= 0.05 * max(a.mean(), 1.0) + 3 * b.std() / np.sqrt(len(b)), name


def test_engine_and_simpy_reference_agree() -> None:
    fast = simulate(SCENARIO, reps=2000, seed=101, initial=INITIAL)
    plain = simulate_reference(SCENARIO, reps=400, seed=202, initial=INITIAL)
    _assert_same_distributions(_main_outputs(fast, STOCKS, FLOWS), _main_outputs(plain, STOCKS, FLOWS))
    # The hub really was used, so its flows were compared on something.
    assert plain.series["hub_transfers"].sum() > 1000


def test_engine_and_simpy_agree_on_the_uk_hub_scenario_at_a_hundredth_of_its_scale() -> None:
    # Every head count divided by 100 (two hubs of 10 places, 3 transfers a month each), 48 months: about
    # 0.08 s per SimPy replication, so 200 of them fit in this test.
    scenario = load_scenario(SCENARIOS / "uk_with_hubs.yaml").scaled(0.01, months=48)
    fast = simulate(scenario, reps=1000, seed=303)
    plain = simulate_reference(scenario, reps=200, seed=404)
    stocks = ("awaiting_decision", "appeal_rights_exhausted", "in_hub")
    flows = ("initial_grants", "voluntary_returns", "enforced_returns", "absconds", "hub_transfers")
    fast_out, plain_out = _main_outputs(fast, stocks, flows), _main_outputs(plain, stocks, flows)
    fast_out["cost_total"] = np.asarray(fast.series["cost_total"]).sum(axis=1)
    plain_out["cost_total"] = np.asarray(plain.series["cost_total"]).sum(axis=1)
    _assert_same_distributions(fast_out, plain_out)
    assert plain.series["hub_transfers"].sum() > 200 * 50


def test_reference_conserves_people_and_is_reproducible() -> None:
    first = simulate_reference(SCENARIO, reps=3, seed=5, initial=INITIAL, months=10)
    again = simulate_reference(SCENARIO, reps=3, seed=5, initial=INITIAL, months=10)
    entered, accounted = people_balance(first)
    np.testing.assert_array_equal(entered, accounted)
    for name in first.series:
        np.testing.assert_array_equal(first.series[name], again.series[name])
    assert np.all(first.hub_occupancy <= np.array(first.hub_places)[None, None, :])
