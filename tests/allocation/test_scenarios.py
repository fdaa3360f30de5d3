"""Hand-made scenarios whose right answer is worked out by hand in the comments."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from returnhub.core.errors import InvalidInput, NotFound
from returnhub.operations.allocation import (
    AddTransfer,
    SetHubBeds,
    SetQuotaLimit,
    allocation_summary,
    apply_changes,
    check,
    compare_plans,
    explain,
    greedy_plan,
    make_instance,
    solve,
    what_if,
)
from returnhub.operations.allocation.model import AllocationPlan
from tests.allocation.conftest import problem_from_rows

MALE = "single_adult_male"


def _reason(plan: AllocationPlan, person_id: str) -> dict[str, object]:
    rows = plan.unplaced.filter(pl.col("person_id") == person_id)
    assert rows.height == 1, f"{person_id} should be unplaced"
    return rows.row(0, named=True)


def _three_singles_two_seats():  # type: ignore[no-untyped-def]
    # Three men for one hub; one transfer with two seats: the two most urgent go.
    return problem_from_rows(
        people=[
            ("A", "FA", "ALB", MALE, 5.0, ["H0"]),
            ("B", "FB", "ALB", MALE, 3.0, ["H0"]),
            ("C", "FC", "ALB", MALE, 1.0, ["H0"]),
        ],
        transfers=[("T0", "H0", 0, 2, 1, 500.0)],
        beds=[("H0", MALE, 0, 10), ("H0", MALE, 1, 10)],
        horizon=2,
    )


def test_empty_instance_gives_an_empty_plan_with_a_reason() -> None:
    problem = problem_from_rows(people=[], transfers=[("T0", "H0", 0, 5, 1, 0.0)], beds=[])
    for plan in (solve(problem), greedy_plan(problem)):
        assert plan.people_placed == 0 and plan.status == "empty"
        assert plan.reason == "no people to allocate"
        assert check(problem, plan) == []


def test_no_transfer_in_the_horizon_gives_a_reason() -> None:
    problem = problem_from_rows(
        people=[("A", "FA", "ALB", MALE, 1.0, ["H0"])],
        transfers=[("T9", "H0", 9, 5, 1, 0.0)],
        beds=[("H0", MALE, 9, 5)],
        horizon=2,
    )
    plan = solve(problem)
    assert plan.people_placed == 0 and plan.reason is not None and "horizon" in plan.reason
    assert _reason(plan, "A")["reason_code"] == "no_viable_transfer"
    assert check(problem, plan) == []


def test_infeasible_minimum_loads_give_an_empty_plan_not_an_error() -> None:
    # Two people, but every transfer needs at least three: nothing can run.
    problem = problem_from_rows(
        people=[("A", "FA", "ALB", MALE, 1.0, ["H0", "H1"]), ("B", "FB", "IRQ", MALE, 2.0, ["H0", "H1"])],
        transfers=[("T0", "H0", 0, 5, 3, 0.0), ("T1", "H1", 0, 2, 3, 0.0)],
        beds=[("H0", MALE, 0, 5), ("H1", MALE, 0, 5)],
        horizon=1,
    )
    for plan in (solve(problem), greedy_plan(problem)):
        assert plan.people_placed == 0 and plan.status == "empty" and plan.reason
        assert set(plan.unplaced["reason_code"]) == {"no_viable_transfer"}
        assert plan.objective == 0.0
        assert check(problem, plan) == []


def test_outranked_names_who_took_the_place_and_their_priority() -> None:
    problem = _three_singles_two_seats()
    plan = solve(problem)
    assert sorted(plan.assignments["person_id"]) == ["A", "B"]
    reason = _reason(plan, "C")
    assert reason["reason_code"] == "outranked"
    assert reason["outranked_by"] == "B" and reason["outranked_by_priority"] == 3.0
    assert reason["transfer_id"] == "T0"
    assert "(theirs: 1.0)" in str(reason["reason"])
    assert plan.status == "optimal" and plan.gap == pytest.approx(0.0, abs=1e-9)


def test_quota_used_up_names_the_quota() -> None:
    # Room for three, but the agreement takes two Albanians in weeks 0-1: the least urgent Albanian waits.
    problem = problem_from_rows(
        people=[
            ("A", "FA", "ALB", MALE, 5.0, ["H0"]),
            ("B", "FB", "ALB", MALE, 3.0, ["H0"]),
            ("C", "FC", "ALB", MALE, 1.0, ["H0"]),
        ],
        transfers=[("T0", "H0", 0, 3, 1, 0.0)],
        beds=[("H0", MALE, 0, 3)],
        quotas=[("Q-ALB", "H0", "ALB", 0, 1, 2)],
        horizon=2,
    )
    plan = solve(problem)
    assert plan.people_placed == 2
    reason = _reason(plan, "C")
    assert reason["reason_code"] == "quota_used_up" and reason["quota_id"] == "Q-ALB"
    assert check(problem, plan) == []


def test_family_too_large_for_the_remaining_seats() -> None:
    # First come, first served: four urgent men take four of five seats; the family of two finds one left.
    men = [(f"M{i}", f"FM{i}", "ALB", MALE, 9.0, ["H0"]) for i in range(4)]
    family = [("K1", "FK", "ALB", "family", 1.0, ["H0"]), ("K2", "FK", "ALB", "family", 1.0, ["H0"])]
    problem = problem_from_rows(
        people=men + family,
        transfers=[("T0", "H0", 0, 5, 1, 0.0)],
        beds=[("H0", MALE, 0, 4), ("H0", "family", 0, 2)],
        horizon=1,
    )
    greedy = greedy_plan(problem)
    reason = _reason(greedy, "K1")
    assert reason["reason_code"] == "family_too_large" and reason["remaining_seats"] == 1
    assert _reason(greedy, "K2")["reason_code"] == "family_too_large"
    # The optimiser fills all five seats: the family and three of the men.
    plan = solve(problem)
    assert plan.people_placed == 5 and {"K1", "K2"} <= set(plan.assignments["person_id"])
    assert check(problem, plan) == [] and check(problem, greedy) == []


def test_family_moves_only_where_every_member_may_go() -> None:
    # The father may go to H0 or H1, the mother only to H1: the family goes to H1, or not at all.
    problem = problem_from_rows(
        people=[
            ("P1", "F", "ALB", "family", 2.0, ["H0", "H1"]),
            ("P2", "F", "ALB", "family", 2.0, ["H1"]),
            ("Q1", "G", "ALB", "family", 9.0, ["H0"]),
            ("Q2", "G", "IRQ", "family", 9.0, ["H1"]),
        ],
        transfers=[("T0", "H0", 0, 9, 1, 0.0), ("T1", "H1", 0, 9, 1, 0.0)],
        beds=[("H0", "family", 0, 9), ("H1", "family", 0, 9)],
        horizon=1,
    )
    plan = solve(problem)
    placed = dict(zip(plan.assignments["person_id"], plan.assignments["hub_id"], strict=True))
    assert placed == {"P1": "H1", "P2": "H1"}
    # Family G has no hub in common.
    assert _reason(plan, "Q1")["reason_code"] == "not_eligible_for_any_hub_with_room"
    assert "every member of the family" in str(_reason(plan, "Q2")["reason"])


def test_nobody_is_sent_where_there_is_no_bed_of_their_type() -> None:
    problem = problem_from_rows(
        people=[("W", "FW", "ERI", "adult_female", 4.0, ["H0"]), ("M", "FM", "ERI", MALE, 1.0, ["H0"])],
        transfers=[("T0", "H0", 0, 9, 1, 0.0)],
        beds=[("H0", MALE, 0, 5), ("H0", "adult_female", 0, 0)],
        horizon=1,
    )
    plan = solve(problem)
    assert list(plan.assignments["person_id"]) == ["M"]
    assert _reason(plan, "W")["reason_code"] == "not_eligible_for_any_hub_with_room"


def test_more_urgent_people_take_the_earlier_transfers() -> None:
    people = [(f"P{i}", f"F{i}", "ALB", MALE, float(i), ["H0"]) for i in range(4)]
    problem = problem_from_rows(
        people=people,
        transfers=[("T0", "H0", 0, 2, 1, 0.0), ("T1", "H0", 1, 2, 1, 0.0)],
        beds=[("H0", MALE, 0, 2), ("H0", MALE, 1, 2)],
        horizon=2,
    )
    plan = solve(problem)
    weeks = dict(zip(plan.assignments["person_id"], plan.assignments["week"], strict=True))
    assert weeks == {"P3": 0, "P2": 0, "P1": 1, "P0": 1}


def test_what_if_adding_a_transfer_places_the_outranked_person() -> None:
    problem = _three_singles_two_seats()
    before = solve(problem)
    change = AddTransfer("T1", "H0", 1, date(2026, 1, 12), seats=1, min_load=1, cost_per_person=500.0)
    result = what_if(problem, [change], solve, baseline=before)
    assert result.difference.people_placed_change == 1
    assert result.difference.objective_change > 0
    assert result.difference.transfers.filter(pl.col("transfer_id") == "T1")["load_after"].to_list() == [1]
    assert result.difference.people["person_id"].to_list() == ["C"]
    assert problem.transfers.height == 1  # the original problem is untouched
    assert check(result.problem, result.plan) == []


def test_what_if_quota_and_beds_changes() -> None:
    problem = _three_singles_two_seats()
    no_beds = apply_changes(problem, [SetHubBeds("H0", MALE, 0, 0)])
    assert solve(no_beds).people_placed == 0
    with_quota = replace(
        problem, quotas=pl.DataFrame([("Q", "H0", "*", 0, 1, 1)], schema=problem.quotas.schema, orient="row")
    )
    assert solve(with_quota).people_placed == 1
    raised = apply_changes(with_quota, [SetQuotaLimit("Q", 2)])
    difference = compare_plans(solve(with_quota), solve(raised))
    assert difference.people_placed_before == 1 and difference.people_placed_after == 2
    with pytest.raises(InvalidInput):
        apply_changes(problem, [SetQuotaLimit("nope", 1)])


def test_explain_placed_unplaced_and_unknown() -> None:
    plan = solve(_three_singles_two_seats())
    placed = explain(plan, "A")
    assert placed.placed and placed.transfer_id == "T0" and "T0" in placed.text
    # Weeks are counted from 1 where people read them, as the plan page's headings are (not "week 0").
    assert "week 1," in placed.text and "week 0" not in placed.text
    unplaced = explain(plan, "C")
    assert not unplaced.placed and unplaced.reason_code == "outranked" and "outranked" in unplaced.text
    assert "week 0" not in unplaced.text
    with pytest.raises(NotFound):
        explain(plan, "Z")


def test_checker_catches_tampered_plans() -> None:
    problem = problem_from_rows(
        people=[
            ("A", "FA", "ALB", MALE, 5.0, ["H0"]),
            ("B", "FB", "ALB", MALE, 3.0, ["H0"]),
            ("C", "FC", "ALB", MALE, 1.0, ["H0"]),
            ("K1", "FK", "ALB", "family", 1.0, ["H0", "H1"]),
            ("K2", "FK", "ALB", "family", 1.0, ["H0", "H1"]),
        ],
        transfers=[("T0", "H0", 0, 2, 2, 0.0), ("T1", "H1", 0, 4, 2, 0.0)],
        beds=[("H0", MALE, 0, 10), ("H1", "family", 0, 10)],
        horizon=1,
    )
    plan = solve(problem)
    assert check(problem, plan) == []

    def codes(assignments: pl.DataFrame, **changes: object) -> set[str]:
        tampered = replace(plan, assignments=assignments, **changes)  # type: ignore[arg-type]
        return {v.code for v in check(problem, tampered)}

    a = plan.assignments
    c_row = a.filter(pl.col("person_id") == "A").with_columns(person_id=pl.lit("C"), family_id=pl.lit("FC"))
    assert "over_seats" in codes(pl.concat([a, c_row]))
    assert "placed_twice" in codes(pl.concat([a, a.head(1)]))
    assert "family_split" in codes(a.filter(pl.col("person_id") != "K2"))
    moved = a.with_columns(
        pl.when(pl.col("person_id") == "A").then(pl.lit("T1")).otherwise("transfer_id").alias("transfer_id")
    )
    assert {"not_eligible", "transfer_mismatch"} <= codes(moved)
    assert "objective_mismatch" in codes(a, objective=plan.objective + 1.0)
    assert "bound_below_objective" in codes(a, bound=plan.objective - 1.0)
    lone = a.filter(pl.col("person_id") != "A")
    assert "under_min_load" in codes(lone)
    assert "unaccounted" in codes(a, unplaced=plan.unplaced.head(0))


def test_input_errors_are_clear() -> None:
    problem = _three_singles_two_seats()
    with pytest.raises(InvalidInput, match="person_id must be unique"):
        replace(problem, people=pl.concat([problem.people, problem.people.head(1)]))
    with pytest.raises(InvalidInput, match="lacks column"):
        replace(problem, transfers=problem.transfers.drop("seats"))


def test_summary_has_exactly_the_cli_fields_and_never_loses_to_greedy() -> None:
    result = allocation_summary(make_instance(400, n_hubs=3, n_weeks=4, seed=3))
    assert set(result) == {
        "people_eligible",
        "people_placed",
        "objective",
        "bound",
        "gap",
        "greedy_people_placed",
        "greedy_objective",
        "transfers_used",
        "mean_load_factor",
        "seconds",
    }
    assert result["objective"] >= result["greedy_objective"]
    assert result["bound"] >= result["objective"]


def test_instance_generator_shapes() -> None:
    problem = make_instance(2000, n_hubs=4, n_weeks=3, seed=7)
    sizes = problem.people.group_by("family_id").agg(pl.len().alias("n"))
    in_families = int(sizes.filter(pl.col("n") > 1)["n"].sum())
    assert 0.10 <= in_families / 2000 <= 0.15
    assert sizes["n"].max() <= 6
    assert problem.transfers.height == 4 * 3
    assert set(problem.people["bed_type"]) == {"single_adult_male", "adult_female", "family"}
    assert make_instance(2000, n_hubs=4, n_weeks=3, seed=7).people.equals(problem.people)
    empty = make_instance(0, n_hubs=2, n_weeks=2, seed=0)
    assert solve(empty).reason == "no people to allocate"


def test_a_transfer_that_costs_more_than_it_is_worth_is_not_planned() -> None:
    # 100 + 20 points for placing him, 10,000 for the ticket: the optimiser leaves him, and says why;
    # first come, first served sends him anyway and scores below zero.
    problem = problem_from_rows(
        people=[("A", "FA", "ALB", MALE, 1.0, ["H0"])],
        transfers=[("T0", "H0", 0, 5, 1, 1_000_000.0)],
        beds=[("H0", MALE, 0, 5)],
        horizon=1,
    )
    plan = solve(problem)
    assert plan.people_placed == 0 and _reason(plan, "A")["reason_code"] == "cost_exceeds_value"
    greedy = greedy_plan(problem)
    assert greedy.people_placed == 1 and greedy.objective < 0 <= plan.bound
    assert check(problem, plan) == [] and check(problem, greedy) == []
