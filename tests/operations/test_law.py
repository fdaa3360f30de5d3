"""Each transfer is judged under its own law (issue 13, item 1), planning screens every stage (item 11),
and a hub referral goes through the gate (item 12)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.errors import StateConflict
from returnhub.operations import planning
from returnhub.operations import transfers as ops
from returnhub.operations.law import law_of_sender
from returnhub.operations.views import ManifestLine
from returnhub.partners.schemas import AmendmentIn
from returnhub.partners.service import amend_agreement
from returnhub.safeguards.service import record_review_decision

from ..casework.helpers import REFUSED_HISTORY, add_person, record

UK_HUB = "GBR-MKD-H1"
EU_HUB = "ITA-ALB-GJADER-CPR"


@pytest.fixture
def register(engine: Engine, clock: FixedClock, partners: None) -> None:
    """The seeded register, with a monitoring body named for the Italy-Albania protocol (illustrative), so
    that the EU pack can clear someone at all."""
    with unit_of_work(engine) as s:
        amend_agreement(
            s,
            "ITA-ALB-PROTOCOL",
            AmendmentIn(
                effective_from=date(2026, 5, 1),
                provenance="illustrative",
                monitoring_body="ILLUSTRATIVE monitoring body",
            ),
            clock=clock,
            recorded_by="test",
        )


def person(
    engine: Engine,
    clock: FixedClock,
    reference: str,
    *,
    sex: str = "M",
    fit: bool = True,
    notice: bool = False,
) -> str:
    """An adult from Bangladesh (a designated safe country of origin for Italy), appeal rights exhausted,
    assessed not vulnerable, detained with the detention validated by a judge; the UK review of the hub
    country (R12P) approved. With ``notice`` a removal notice was served 20 days ago."""
    with unit_of_work(engine) as s:
        add_person(s, reference, nationality="BGD", date_of_birth=date(1990, 1, 1), sex=sex)
        for event_type, on, data in REFUSED_HISTORY:
            record(s, clock, reference, event_type, on, data)
        record(s, clock, reference, "adults_at_risk_assessed", date(2026, 5, 1), {"level": 0})
        # The EU rules read their own vulnerability assessment, not the UK Adults-at-Risk level.
        record(s, clock, reference, "vulnerability_assessed", date(2026, 5, 1), {"vulnerable": False})
        record(s, clock, reference, "detained", date(2026, 5, 2))
        record(s, clock, reference, "detention_validated", date(2026, 5, 3))
        # Recent: an assessment older than 28 days calls for a fresh one (FTFS) under UK law.
        record(
            s, clock, reference, "fitness_to_fly_assessed", clock.today() - timedelta(days=3), {"fit": fit}
        )
        if notice:
            record(s, clock, reference, "removal_notice_served", clock.today() - timedelta(days=20))
            # UK law (R5D) also needs the departure-details notice before the move.
            record(s, clock, reference, "departure_details_served", clock.today() - timedelta(days=15))
    with unit_of_work(engine) as s:
        record_review_decision(
            s,
            reference,
            rule="R12P",
            decision="approve",
            reasoning="no such profile on interview",
            decided_by="senior1",
            pack="uk",
            clock=clock,
            agreement="GBR-MKD-ILLUSTRATIVE",
        )
    return reference


def make_transfer(engine: Engine, clock: FixedClock, hub: str) -> str:
    with unit_of_work(engine) as s:
        t = ops.create_transfer(
            s,
            hub=hub,
            mode="charter_flight",
            departs_at=datetime.combine(clock.today() + timedelta(days=3), datetime.min.time(), tzinfo=UTC)
            + timedelta(hours=18),
            seats=10,
            min_load=1,
            clock=clock,
            created_by="planner",
        )
        return t.reference


def _states(engine: Engine, transfer: str) -> dict[str, ManifestLine]:
    with unit_of_work(engine, read_only=True) as s:
        view = ops.show_transfer(s, transfer)
    return {e.reference: e for e in view.manifest}


def test_the_law_of_a_sender() -> None:
    assert law_of_sender("GBR") == "uk"
    assert law_of_sender("ITA") == "eu" and law_of_sender("NLD") == "eu"
    assert law_of_sender("USA") is None


def test_each_transfer_is_judged_under_its_own_law(engine: Engine, clock: FixedClock, register: None) -> None:
    uk, eu = make_transfer(engine, clock, UK_HUB), make_transfer(engine, clock, EU_HUB)
    with unit_of_work(engine, read_only=True) as s:
        assert ops.show_transfer(s, uk).law == "uk"
        assert ops.show_transfer(s, eu).law == "eu"

    # Referral: a woman. The Italy-Albania protocol takes adult men only (EU-R6A); the UK has no such rule.
    for reference in ("RH0000001", "RH0000002"):
        person(engine, clock, reference, sex="F", notice=True)
    with unit_of_work(engine) as s:
        ops.add_to_manifest(s, uk, "RH0000001", clock=clock, recorded_by="planner")
    with pytest.raises(StateConflict, match="EU-R6A") as refused, unit_of_work(engine) as s:
        ops.add_to_manifest(s, eu, "RH0000002", clock=clock, recorded_by="planner")
    assert "under EU law" in refused.value.detail and "Adult men only" in refused.value.detail
    with unit_of_work(engine) as s:
        ops.remove_person(s, uk, "RH0000001", "test over", clock=clock, recorded_by="planner")

    # The same three men on each transfer: one unfit to fly (the UK bars at lock, FTF; the EU pack has no
    # such rule), two with no removal notice (the UK bars at departure, R5; the EU pack has no such rule).
    people = {
        law: {
            "unfit": person(engine, clock, f"RH000{base + 1:04d}", fit=False),
            "hook": person(engine, clock, f"RH000{base + 2:04d}"),
            "departure": person(engine, clock, f"RH000{base + 3:04d}"),
        }
        for law, base in (("uk", 10), ("eu", 20))
    }
    for law, transfer in (("uk", uk), ("eu", eu)):
        for reference in people[law].values():
            with unit_of_work(engine) as s:
                ops.add_to_manifest(s, transfer, reference, clock=clock, recorded_by="planner")

    with unit_of_work(engine) as s:
        uk_lock = ops.lock_manifest(s, uk, clock=clock, recorded_by="planner")
        eu_lock = ops.lock_manifest(s, eu, clock=clock, recorded_by="planner")
    assert [r.reference for r in uk_lock.removed] == [people["uk"]["unfit"]]
    assert "FTF" in uk_lock.removed[0].reason and "under UK law" in uk_lock.removed[0].reason
    assert eu_lock.removed == [] and eu_lock.load == 3

    # The post-append hook: any new fact re-checks the departure stage under the transfer's law.
    for law in ("uk", "eu"):
        with unit_of_work(engine) as s:
            record(
                s, clock, people[law]["hook"], "travel_document_requested", clock.today(), {"country": "BGD"}
            )
    uk_states, eu_states = _states(engine, uk), _states(engine, eu)
    assert uk_states[people["uk"]["hook"]].state == "removed"
    assert "R5" in uk_states[people["uk"]["hook"]].reason
    assert eu_states[people["eu"]["hook"]].state == "listed"

    clock.advance(timedelta(days=3, hours=8))
    with unit_of_work(engine) as s:
        uk_departure = ops.depart(s, uk, clock=clock, recorded_by="planner")
        eu_departure = ops.depart(s, eu, clock=clock, recorded_by="planner")
    assert [r.reference for r in uk_departure.removed] == [people["uk"]["departure"]]
    assert "R5" in uk_departure.removed[0].reason and not uk_departure.departed
    assert eu_departure.departed and eu_departure.load == 3 and eu_departure.removed == []


def test_planning_screens_every_stage_and_records_each_hub_law(
    engine: Engine, clock: FixedClock, register: None
) -> None:
    fit = person(engine, clock, "RH0000001", notice=True)
    unfit = person(engine, clock, "RH0000002", fit=False, notice=True)
    with unit_of_work(engine) as s:
        result = planning.compute_plan(
            s, start=clock.today(), weeks=2, clock=clock, created_by="p", save=True
        )
    assert result.laws[UK_HUB] == "uk" and result.laws[EU_HUB] == "eu"
    with unit_of_work(engine, read_only=True) as s:
        built = planning.build_problem(s, start=clock.today(), weeks=2)
        view = planning.plan_view(s, result.plan_id)
        why = planning.explain_plan_person(s, result.plan_id, unfit)
    offered = dict(zip(built.problem.people["person_id"], built.problem.people["eligible_hubs"], strict=True))
    # Cleared for referral under both laws; unfit to fly bars the UK move at lock, not the Italian one.
    assert UK_HUB in offered[fit] and EU_HUB in offered[fit]
    assert UK_HUB not in offered[unfit] and EU_HUB in offered[unfit]
    assert view.pack == "eu+uk"
    assert {a["law"] for a in view.assignments} <= {"uk", "eu"}

    # Someone whose transfer-stage bar is on record under every law is not planned, with a plain reason.
    with unit_of_work(engine) as s:
        add_person(s, "RH0000003", nationality="ALB", date_of_birth=date(1990, 1, 1))
        for event_type, on, data in REFUSED_HISTORY:
            record(s, clock, "RH0000003", event_type, on, data)
        record(s, clock, "RH0000003", "fitness_to_fly_assessed", date(2026, 5, 4), {"fit": False})
    with unit_of_work(engine) as s:
        record_review_decision(
            s,
            "RH0000003",
            rule="R12P",
            decision="approve",
            reasoning="no such profile on interview",
            decided_by="senior1",
            pack="uk",
            clock=clock,
            agreement="GBR-MKD-ILLUSTRATIVE",
        )
    with unit_of_work(engine) as s:
        result = planning.compute_plan(
            s, start=clock.today(), weeks=2, clock=clock, created_by="p", save=True
        )
    with unit_of_work(engine, read_only=True) as s:
        why = planning.explain_plan_person(s, result.plan_id, "RH0000003")
    assert why.placed is False
    assert "not planned" in why.text and "at manifest lock under UK law: FTF (Fit to fly)" in why.text
    assert result.not_planned == 1
