"""Invariants over random valid scenarios (Hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returnhub.simulation.engine import simulate
from returnhub.simulation.parameters import InitialCaseload
from returnhub.simulation.scenario import scenario_from_dict

from .helpers import people_balance

NATIONALITIES = ("A", "B", "C")
rates = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
small_rates = st.floats(min_value=0.0, max_value=0.3, allow_nan=False)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[dict[str, Any], InitialCaseload]:
    names = NATIONALITIES[: draw(st.integers(1, 3))]
    nationalities = {
        name: {
            "grant_rate": draw(rates),
            "appeal_rate": draw(rates),
            "appeal_allowed_rate": draw(rates),
            "voluntary_return_rate_per_month": draw(small_rates),
            "enforced_return_rate_per_month": draw(small_rates),
            "hub_eligible_share": draw(rates),
        }
        for name in names
    }
    hubs = [
        {
            "name": f"hub{j}",
            "opening_month": f"2025-{draw(st.integers(1, 12)):02d}",
            "places": draw(st.integers(1, 60)),
            "nationalities": "all"
            if draw(st.booleans())
            else list(names[: draw(st.integers(1, len(names)))]),
            "max_stay_months": draw(st.integers(1, 8)),
            "onward_return_rate_per_month": draw(small_rates),
            "returned_to_sending_state_rate_per_month": draw(small_rates),
            "absconding_rate_per_month": draw(small_rates),
            "transfer_capacity_per_month": draw(st.none() | st.integers(0, 30)),
        }
        for j in range(draw(st.integers(0, 2)))
    ]
    deterrence = draw(st.booleans())
    data = {
        "name": "random",
        "start_month": "2025-01",
        "months": draw(st.integers(1, 18)),
        "nationalities": nationalities,
        "arrivals": {
            "routes": {"r": {"monthly_mean": {name: draw(st.floats(0, 80)) for name in names}}},
            "seasonality": [draw(st.floats(0.2, 3.0)) for _ in range(12)],
        },
        "decisions": {
            "initial_capacity_per_month": draw(st.integers(0, 120)),
            "withdrawal_share": draw(small_rates),
        },
        "appeals": {
            "appeal_window_months": draw(st.floats(1.0, 3.0)),
            "mean_duration_months": draw(st.floats(1.0, 12.0)),
        },
        "absconding_rate_per_month": draw(small_rates),
        "hubs": hubs,
        "deterrence": {"enabled": deterrence, "elasticity": draw(st.floats(0, 10)) if deterrence else 0.0},
    }
    initial = InitialCaseload(
        awaiting_decision={name: draw(st.integers(0, 200)) for name in names},
        appeal_pending={name: draw(st.integers(0, 50)) for name in names},
        appeal_rights_exhausted={name: draw(st.integers(0, 100)) for name in names},
        in_hub={hub["name"]: {names[0]: draw(st.integers(0, hub["places"]))} for hub in hubs},
    )
    return data, initial


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_for_any_valid_scenario(
    case: tuple[dict[str, Any], InitialCaseload], seed: int
) -> None:
    data, initial = case
    scenario = scenario_from_dict(data)
    result = simulate(scenario, reps=7, seed=seed, initial=initial, block_size=4)
    entered, accounted = people_balance(result)
    np.testing.assert_array_equal(entered, accounted)
    for name, values in result.series.items():
        assert np.all(np.asarray(values) >= 0), name
    places = np.array(result.hub_places, dtype=np.int64)
    assert np.all(result.hub_occupancy <= places[None, None, :])
    concluded = result.series["initial_decisions"] + result.series["claims_withdrawn"]
    assert np.all(concluded <= data["decisions"]["initial_capacity_per_month"])
    assert np.all(result.series["hub_eligible_waiting"] <= result.series["appeal_rights_exhausted"])
    for j, hub in enumerate(data["hubs"]):
        cap = hub["transfer_capacity_per_month"]
        if cap is not None:
            assert result.hub_transfers_by_hub[:, :, j].max(initial=0) <= cap
