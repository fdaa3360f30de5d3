"""A register change re-runs the departure gate (issue 13, finding 10): when the hub country is assessed
unsafe or the agreement's status changes, everyone listed on an open or locked transfer to it is re-checked
at once, through the same re-check as a late notice: taken off the manifest with a reason naming the
change, the planner and the legal representative notified."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from returnhub.access.models import User
from returnhub.casework.store import case_state
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.notices.models import Notice
from returnhub.operations import transfers as ops
from returnhub.operations.models import GateCheck
from returnhub.partners import service as partners
from returnhub.partners.hooks import REGISTER_CHANGE_HOOKS
from returnhub.partners.schemas import AssessmentVersionIn, StepIn
from tests.auth_helpers import make_user


def _locked(engine: Engine, clock: FixedClock, transfer: str, people: list[str]) -> None:
    for r in people:
        with unit_of_work(engine) as s:
            ops.add_to_manifest(s, transfer, r, clock=clock, recorded_by="planner")
    with unit_of_work(engine) as s:
        assert ops.lock_manifest(s, transfer, clock=clock, recorded_by="planner").load == len(people)


def test_the_composition_root_registers_the_register_change_hook(runtime: Runtime) -> None:
    from returnhub.web.app import create_app

    REGISTER_CHANGE_HOOKS.clear()
    create_app(runtime)
    assert REGISTER_CHANGE_HOOKS == [ops.recheck_after_register_change]


def test_hub_country_assessed_unsafe_takes_everyone_off_the_locked_manifest(
    runtime: Runtime,
    engine: Engine,
    clock: FixedClock,
    make_people: Callable[..., list[str]],
    transfer: str,
) -> None:
    ops.register_hooks()  # as the composition root does
    people = make_people(5)
    make_user(runtime, "operations_planner", name="planner.one")
    make_user(runtime, "legal_representative", name="rep.first", clients=[people[0]])
    _locked(engine, clock, transfer, people)
    clock.advance(timedelta(hours=2))
    with unit_of_work(engine) as s:
        partners.record_assessment(
            s,
            AssessmentVersionIn(
                assessing_state="GBR",
                assessed_on=clock.today(),
                safe=False,
                summary="Test finding: a real risk of refoulement for everyone.",
                evidence=[{"url": "https://example.org/finding", "title": "Finding"}],  # type: ignore[list-item]
                provenance="illustrative",
                source_title="test",
            ),
            "MKD",
            clock=clock,
            recorded_by="partnerships",
            amend=True,
        )
    with unit_of_work(engine, read_only=True) as s:
        view = ops.show_transfer(s, transfer)
        manifest = {e.reference: e for e in view.manifest}
        for r in people:
            assert manifest[r].state == "removed"
            assert "United Kingdom assessed North Macedonia as unsafe for everyone" in manifest[r].reason
            assert "R12" in manifest[r].reason
            assert case_state(s, r)[1].allocated_transfer is None
        notes = s.execute(
            select(User.name, Notice.body)
            .join(User, User.id == Notice.user_id)
            .where(Notice.case_reference == people[0], Notice.cause == "taken_off")
        ).all()
        # The same notices as a late notice: the person's own representative and the transfer's planner.
        assert {name for name, _ in notes} == {"planner.one", "rep.first"}
        assert all("North Macedonia" in body for _, body in notes)
        checks = s.execute(select(GateCheck).where(GateCheck.trigger == "register change")).scalars().all()
        assert len(checks) == len(people)
    assert view.load == 0 and view.flagged_for_decision


def test_agreement_suspended_takes_everyone_off(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> None:
    ops.register_hooks()
    people = make_people(4)
    _locked(engine, clock, transfer, people)
    with unit_of_work(engine) as s:
        partners.record_step(
            s,
            "MKD",
            StepIn(
                sending_state="GBR",
                status="suspended",
                occurred_on=clock.today(),
                reason="monitoring body reports breaches",
                provenance="illustrative",
                source_title="test",
            ),
            clock=clock,
            recorded_by="partnerships",
        )
    with unit_of_work(engine, read_only=True) as s:
        manifest = {e.reference: e for e in ops.show_transfer(s, transfer).manifest}
    assert {manifest[r].state for r in people} == {"removed"}
    assert all("as suspended from" in manifest[r].reason for r in people)


def test_an_eligibility_as_known_then_reads_the_register_as_known_then(
    engine: Engine, clock: FixedClock, make_people: Callable[..., list[str]]
) -> None:
    """Issue 13, finding 9: the as-of view shows what was known when, for the register as for the events."""
    from returnhub.safeguards import evaluate_case

    (person,) = make_people(1)
    known_before = clock.now()
    clock.advance(timedelta(hours=1))
    with unit_of_work(engine) as s:
        partners.record_assessment(
            s,
            AssessmentVersionIn(
                assessing_state="GBR",
                assessed_on=clock.today() - timedelta(days=30),  # a past finding, recorded late
                safe=False,
                summary="Late-recorded finding.",
                evidence=[{"url": "https://example.org/finding", "title": "Finding"}],  # type: ignore[list-item]
                provenance="illustrative",
                source_title="test",
            ),
            "MKD",
            clock=clock,
            recorded_by="partnerships",
            amend=True,
        )
    with unit_of_work(engine, read_only=True) as s:
        then = evaluate_case(
            s, person, pack="uk", stage="hub_referral", as_of=clock.today(), known_at=known_before
        )
        now = evaluate_case(s, person, pack="uk", stage="hub_referral", as_of=clock.today())
    assert "GBR-MKD-ILLUSTRATIVE" in then.eligible_agreements
    assert "GBR-MKD-ILLUSTRATIVE" not in now.eligible_agreements
