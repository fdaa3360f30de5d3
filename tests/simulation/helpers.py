"""Small scenarios for the simulator tests (fast enough to run many replications)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np

from returnhub.simulation.engine import EXITS, PEOPLE_STOCKS, SimulationResult
from returnhub.simulation.scenario import Scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"

SMALL: dict[str, Any] = {
    "name": "small",
    "start_month": "2025-01",
    "months": 30,
    "nationalities": {
        "A": {"grant_rate": 0.6, "cooperation": "low"},
        "B": {"grant_rate": 0.3, "cooperation": "high"},
        "C": {"grant_rate": 0.2},
    },
    "arrivals": {
        "routes": {"boat": {"monthly_mean": {"A": 40, "B": 30, "C": 30}}},
        "seasonality": [1, 1, 1, 1, 1.5, 2, 2, 1.5, 1, 1, 1, 1],
    },
    "decisions": {"initial_capacity_per_month": 80, "withdrawal_share": 0.1},
    "appeals": {"mean_duration_months": 4, "appeal_window_months": 2},
    "absconding_rate_per_month": 0.01,
    "hubs": [
        {
            "name": "H1",
            "opening_month": "2025-06",
            "places": 40,
            "nationalities": ["B", "C"],
            "max_stay_months": 4,
            "onward_return_rate_per_month": 0.15,
            "returned_to_sending_state_rate_per_month": 0.1,
            "absconding_rate_per_month": 0.02,
            "transfer_capacity_per_month": 15,
            "payment_per_transfer": 1000,
            "fixed_payments": [{"month": "2025-06", "amount": 50000}],
        },
        {"name": "H2", "opening_month": "2025-09", "places": 30, "max_stay_months": 3},
    ],
}


def small_data(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SMALL)
    data.update(changes)
    return data


def small(**changes: Any) -> Scenario:
    return scenario_from_dict(small_data(**changes))


def people_balance(result: SimulationResult) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(people who ever entered, people accounted for), per replication and month."""
    s = result.series
    entered = result.initial_people.sum() + np.cumsum(s["arrivals"], axis=1)
    accounted = sum(s[name] for name in PEOPLE_STOCKS) + sum(np.cumsum(s[name], axis=1) for name in EXITS)
    return entered, np.asarray(accounted)
