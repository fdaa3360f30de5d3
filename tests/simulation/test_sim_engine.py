"""The vectorised engine: people are conserved, hubs respect their terms, seeds reproduce."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from returnhub.simulation.engine import EXITS, PEOPLE_STOCKS, multivariate_hypergeometric, simulate
from returnhub.simulation.errors import ScenarioError
from returnhub.simulation.parameters import InitialCaseload
from returnhub.simulation.scenario import load_scenario

from .helpers import people_balance, small

INITIAL = InitialCaseload(
    awaiting_decision={"A": 100, "B": 50},
    refused_awaiting_appeal={"C": 5},
    appeal_pending={"C": 40},
    appeal_rights_exhausted={"B": 60, "C": 30},
    in_hub={"H1": {"B": 10}},
)


def test_people_are_conserved_every_month_every_replication() -> None:
    scenario = small(deterrence={"enabled": True, "elasticity": 3.0})
    result = simulate(scenario, reps=60, seed=11, initial=INITIAL, block_size=25, record_by_nationality=True)
    entered, accounted = people_balance(result)
    assert entered.shape == (60, scenario.months)
    np.testing.assert_array_equal(entered, accounted)
    # And nationality by nationality, since hub returns come back as the same nationality.
    by = result.by_nationality
    assert by is not None
    entered_n = result.initial_people[None, None, :] + np.cumsum(by["arrivals"], axis=1)
    accounted_n = sum(by[name] for name in PEOPLE_STOCKS) + sum(np.cumsum(by[name], axis=1) for name in EXITS)
    np.testing.assert_array_equal(entered_n, accounted_n)
    for name, values in result.series.items():
        assert np.all(np.asarray(values) >= 0), name


def test_hubs_never_exceed_places_or_monthly_transfer_capacity() -> None:
    scenario = small(months=40)
    result = simulate(scenario, reps=80, seed=5, initial=INITIAL)
    places = np.array(result.hub_places)
    assert np.all(result.hub_occupancy <= places[None, None, :])
    assert result.hub_occupancy[:, :, 0].max() == 40  # it does fill up
    assert result.hub_transfers_by_hub[:, :, 0].max() <= 15
    # Closed before the opening month: H1 opens 2025-06 (month 5), H2 2025-09 (month 8).
    assert result.hub_transfers_by_hub[:, :5, 0].sum() == 0
    assert result.hub_transfers_by_hub[:, :8, 1].sum() == 0
    np.testing.assert_array_equal(result.hub_occupancy.sum(axis=2), result.series["in_hub"])


def test_only_nationalities_in_the_agreement_are_transferred() -> None:
    scenario = small(hubs=[small().hubs[0].model_dump()])  # H1 covers B and C only
    result = simulate(scenario, reps=40, seed=2, initial=INITIAL, record_by_nationality=True)
    assert result.by_nationality is not None
    transfers = result.by_nationality["hub_transfers"]
    assert transfers[:, :, 0].sum() == 0
    assert transfers[:, :, 1:].sum() > 0


def test_maximum_stay_clock_is_exact() -> None:
    hub = {
        "name": "H",
        "opening_month": "2025-01",
        "places": 25,
        "max_stay_months": 3,
        "onward_return_rate_per_month": 0.0,
        "returned_to_sending_state_rate_per_month": 0.0,
        "absconding_rate_per_month": 0.0,
    }
    scenario = small(hubs=[hub], months=24)
    result = simulate(scenario, reps=20, seed=9, initial=InitialCaseload(appeal_rights_exhausted={"B": 60}))
    transfers = result.series["hub_transfers"]
    timed_out = result.series["hub_max_stay_reached"]
    # Nobody leaves any other way, so everyone transferred in month t leaves in month t + 3.
    np.testing.assert_array_equal(timed_out[:, 3:], transfers[:, :-3])
    assert timed_out[:, :3].sum() == 0


def test_decisions_respect_capacity() -> None:
    result = simulate(small(), reps=30, seed=3, initial=InitialCaseload(awaiting_decision={"A": 500}))
    concluded = result.series["initial_decisions"] + result.series["claims_withdrawn"]
    assert concluded.max() == 80
    assert np.all(concluded <= 80)
    np.testing.assert_array_equal(
        result.series["initial_decisions"],
        result.series["initial_grants"] + result.series["initial_refusals"],
    )


def test_same_seed_same_result_and_different_seed_differs() -> None:
    scenario = small()
    first = simulate(scenario, reps=12, seed=42, initial=INITIAL)
    again = simulate(scenario, reps=12, seed=42, initial=INITIAL)
    other = simulate(scenario, reps=12, seed=43, initial=INITIAL)
    for name in first.series:
        np.testing.assert_array_equal(first.series[name], again.series[name])
    assert not np.array_equal(first.series["awaiting_decision"], other.series["awaiting_decision"])


def test_complete_blocks_do_not_change_when_more_replications_are_asked_for() -> None:
    scenario = small()
    fewer = simulate(scenario, reps=6, seed=7, block_size=3)
    more = simulate(scenario, reps=10, seed=7, block_size=3)
    for name in fewer.series:
        np.testing.assert_array_equal(fewer.series[name], more.series[name][:6])


def test_deterrence_is_off_by_default_and_arrivals_then_ignore_hubs() -> None:
    with_hubs = small()
    without = small(hubs=[])
    assert with_hubs.deterrence.enabled is False
    a = simulate(without, reps=20, seed=1)
    b = simulate(with_hubs, reps=20, seed=1)
    # Common random numbers: upstream of the hubs the two runs are identical, person for person.
    for name in ("arrivals", "awaiting_decision", "initial_grants", "appeals_lodged"):
        np.testing.assert_array_equal(a.series[name], b.series[name])
    assert b.series["hub_transfers"].sum() > 0
    assert any("OFF" in note for note in b.assumptions)


def test_deterrence_when_switched_on_lowers_arrivals_after_transfers() -> None:
    plain = simulate(small(), reps=40, seed=4)
    deterred = simulate(small(deterrence={"enabled": True, "elasticity": 5.0}), reps=40, seed=4)
    assert deterred.series["arrivals"][:, 12:].mean() < 0.97 * plain.series["arrivals"][:, 12:].mean()
    # Before any hub opens there is nothing to respond to.
    np.testing.assert_array_equal(deterred.series["arrivals"][:, :6], plain.series["arrivals"][:, :6])
    assert any("ASSUMPTION" in note for note in deterred.assumptions)


def test_eligible_share_from_the_caller_controls_transfers() -> None:
    scenario = small()
    nobody = simulate(scenario, reps=10, seed=8, eligible_share={"A": 0.0, "B": 0.0, "C": 0.0})
    assert nobody.series["hub_transfers"].sum() == 0
    everyone = simulate(scenario, reps=10, seed=8, eligible_share={"A": 1.0, "B": 1.0, "C": 1.0})
    assert everyone.series["hub_transfers"].sum() > 0
    with pytest.raises(ScenarioError):
        simulate(scenario, reps=2, eligible_share={"A": 1.5})


def test_starting_from_a_caseload_differs_from_an_empty_system() -> None:
    scenario = small(hubs=[])
    empty = simulate(scenario, reps=5, seed=1, months=1)
    loaded = simulate(
        scenario, reps=5, seed=1, months=1, initial=InitialCaseload(awaiting_decision={"A": 1000})
    )
    assert empty.initial_people.sum() == 0
    assert loaded.series["awaiting_decision"][:, 0].min() >= 1000 - 80


def test_bad_arguments() -> None:
    with pytest.raises(ScenarioError, match="reps"):
        simulate(small(), reps=0)
    with pytest.raises(ScenarioError, match="months"):
        simulate(small(), reps=1, months=0)


def test_multivariate_hypergeometric_draws_without_replacement() -> None:
    rng = np.random.default_rng(0)
    colours = np.array([[5, 0, 7, 3]] * 4000, dtype=np.int64)
    draws = np.full(4000, 6, dtype=np.int64)
    picked = multivariate_hypergeometric(rng, colours, draws)
    assert np.all(picked.sum(axis=1) == 6)
    assert np.all(picked <= colours)
    # Expected share of each group is its share of the pool: 5/15, 0, 7/15, 3/15 of 6 draws.
    np.testing.assert_allclose(picked.mean(axis=0), [2.0, 0.0, 2.8, 1.2], atol=0.06)
    everything = multivariate_hypergeometric(rng, colours, np.full(4000, 99, dtype=np.int64))
    np.testing.assert_array_equal(everything, colours)


def test_threads_change_nothing_but_time() -> None:
    scenario = small()
    one = simulate(scenario, reps=9, seed=12, block_size=3)
    calls: list[tuple[int, int]] = []
    three = simulate(
        scenario, reps=9, seed=12, block_size=3, threads=3, progress=lambda d, t: calls.append((d, t))
    )
    for name in one.series:
        np.testing.assert_array_equal(one.series[name], three.series[name])
    assert [d for d, _ in calls] == list(range(1, 3 * scenario.months + 1))


def test_the_benchmark_scenario_is_the_same_on_one_thread_and_two() -> None:
    """The UK scenario of `benchmarks/simulate.py`, two blocks of 500 replications: the default thread count
    (the machine's cores) gives the numbers of one thread."""
    scenario = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "uk_with_hubs.yaml")
    one = simulate(scenario, reps=1000, months=6, seed=7, threads=1)
    two = simulate(scenario, reps=1000, months=6, seed=7, threads=2)
    assert one.series.keys() == two.series.keys()
    for name in one.series:
        np.testing.assert_array_equal(one.series[name], two.series[name])
    np.testing.assert_array_equal(one.hub_occupancy, two.hub_occupancy)
    np.testing.assert_array_equal(one.hub_transfers_by_hub, two.hub_transfers_by_hub)
