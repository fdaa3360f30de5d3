"""The fast engine against the plain SimPy model: same distributions of the main outputs."""

from __future__ import annotations

import numpy as np
from scipy import stats

from returnhub.simulation.engine import simulate
from returnhub.simulation.parameters import InitialCaseload
from returnhub.simulation.reference_model import simulate_reference

from .helpers import people_balance, small

# Small enough that forty SimPy replications take a few seconds.
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


def test_engine_and_simpy_reference_agree() -> None:
    fast = simulate(SCENARIO, reps=600, seed=101, initial=INITIAL)
    plain = simulate_reference(SCENARIO, reps=40, seed=202, initial=INITIAL)
    checks = 0
    for name in STOCKS + FLOWS:
        a = fast.series[name][:, -1] if name in STOCKS else fast.series[name].sum(axis=1)
        b = plain.series[name][:, -1] if name in STOCKS else plain.series[name].sum(axis=1)
        # Twelve outputs, two tests each: 0.001 per test keeps a false alarm below 3 in 100.
        assert stats.ks_2samp(a, b).pvalue > 0.001, name
        if a.std() > 0 and b.std() > 0:  # Welch's test needs spread in both samples
            assert stats.ttest_ind(a, b, equal_var=False).pvalue > 0.001, name
        # And the means are close in absolute terms, not only "not significantly different".
        assert abs(a.mean() - b.mean()) <= 0.05 * max(a.mean(), 1.0) + 3 * b.std() / np.sqrt(len(b)), name
        checks += 1
    assert checks == len(STOCKS) + len(FLOWS)
    # The hub really was used, so its flows were compared on something.
    assert plain.series["hub_transfers"].sum() > 100


def test_reference_conserves_people_and_is_reproducible() -> None:
    first = simulate_reference(SCENARIO, reps=3, seed=5, initial=INITIAL, months=10)
    again = simulate_reference(SCENARIO, reps=3, seed=5, initial=INITIAL, months=10)
    entered, accounted = people_balance(first)
    np.testing.assert_array_equal(entered, accounted)
    for name in first.series:
        np.testing.assert_array_equal(first.series[name], again.series[name])
    assert np.all(first.hub_occupancy <= np.array(first.hub_places)[None, None, :])
