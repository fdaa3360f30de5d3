"""Approving a plan, locking a manifest and departing run as page jobs, on both databases: through the pages
they still change the record, a refusal shows its message and writes nothing, and a slow one shows its
progress on the page it ends on."""

from __future__ import annotations

import html
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from returnhub.casework.models import StoredEvent
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.operations import planning
from returnhub.operations.models import AllocationPlanRecord
from returnhub.operations.transfers import add_to_manifest, create_transfer, show_transfer
from returnhub.operations.views import TransferView
from returnhub.partners.seed import seed_partners
from tests.operations.conftest import HUB, eligible_person

from .pages import held, outcome, page_client, settled

PEOPLE = [f"RH{i:07d}" for i in range(1, 6)]


@pytest.fixture
def world(runtime: Runtime, clock: FixedClock) -> str:
    """Five eligible people and a planned transfer to a UK hub in three days (10 seats, minimum 4)."""
    with unit_of_work(runtime.engine) as s:
        seed_partners(s, clock)
    for reference in PEOPLE:
        eligible_person(runtime.engine, clock, reference)
    with unit_of_work(runtime.engine) as s:
        departs = datetime.combine(clock.today() + timedelta(days=3), datetime.min.time(), tzinfo=UTC)
        transfer = create_transfer(
            s,
            hub=HUB,
            mode="charter_flight",
            departs_at=departs + timedelta(hours=18),
            seats=10,
            min_load=4,
            escorts=10,
            monitor_on_board=True,
            clock=clock,
            created_by="planner",
        )
        return transfer.reference


@pytest.fixture(params=["inline", "behind its progress page"])
def inline_wait(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways a page job can end: within the request's wait, or (as on a loaded machine) after it,
    behind its progress page. The tests follow either to the same outcome."""
    from returnhub.web.ui import jobs

    if request.param != "inline":
        monkeypatch.setattr(jobs, "INLINE_SECONDS", 0.0)


def _events(runtime: Runtime) -> int:
    with unit_of_work(runtime.engine, read_only=True) as s:
        return int(s.execute(select(func.count()).select_from(StoredEvent)).scalar_one())


def _transfer(runtime: Runtime, reference: str) -> TransferView:
    with unit_of_work(runtime.engine, read_only=True) as s:
        return show_transfer(s, reference)


def _plan_status(runtime: Runtime, plan_id: int) -> str:
    with unit_of_work(runtime.engine, read_only=True) as s:
        return str(s.get(AllocationPlanRecord, plan_id).status)  # type: ignore[union-attr]


def _listed(runtime: Runtime, reference: str, clock: FixedClock) -> None:
    with unit_of_work(runtime.engine) as s:
        for person in PEOPLE:
            add_to_manifest(s, reference, person, clock=clock, recorded_by="planner")


def test_approving_a_plan_through_the_page_lists_people_and_a_second_approval_writes_nothing(
    runtime: Runtime, clock: FixedClock, world: str, inline_wait: None
) -> None:
    with unit_of_work(runtime.engine) as s:
        plan_id = planning.compute_plan(
            s, start=clock.today(), weeks=4, clock=clock, created_by="planner", save=True
        ).plan_id
    before = _events(runtime)
    with page_client(runtime, "operations_planner") as planner:
        # Check your answers is still the step before.
        assert "Check before you approve the plan" in planner.get(f"/ui/plans/{plan_id}?confirm=approve").text
        # Followed to its outcome whether it ended within the inline wait or behind a progress page.
        approved = settled(
            planner,
            planner.post(f"/ui/plans/{plan_id}/approve", data=planner.form({}), follow_redirects=False),
        )
        assert approved.status_code == 303
        assert approved.headers["location"] == f"/ui/plans/{plan_id}?done=approved"
        shown = planner.get(approved.headers["location"]).text
        assert "The plan was approved" in shown
        # Drill-down from a week's row: the people planned on one transfer, by name, and where it went.
        assert f"/ui/plans/{plan_id}?transfer={world}#drill" in html.unescape(shown)
        drill = planner.get(f"/ui/plans/{plan_id}", params={"transfer": world}).text
        section = drill.split('id="drill"')[1].split("Back to the whole plan")[0]
        assert f'href="/ui/transfers/{world}"' in section
        assert all(f"Test Person</a> ({p})" in section for p in PEOPLE), section[:800]
        assert _plan_status(runtime, plan_id) == "approved"
        # The planning page lists the plan, newest first, with what it placed of whom it could.
        listed = planner.get("/ui/planning").text
        row = listed.split(f'href="/ui/plans/{plan_id}">Plan {plan_id}</a>')[1].split("</tr>")[0]
        assert "Approved" in row and "planner" in row
        assert re.findall(r"numeric\">([^<]*)<", row) == ["5", "5"], row
        after = _events(runtime)
        assert after > before  # the people were listed through the gate: their allocation events
        again = settled(
            planner,
            planner.post(f"/ui/plans/{plan_id}/approve", data=planner.form({}), follow_redirects=False),
        )
        assert again.status_code == 409 and "approved" in again.text
        assert _events(runtime) == after


def test_locking_and_departing_through_the_pages_and_refusals_write_nothing(
    runtime: Runtime, clock: FixedClock, world: str, inline_wait: None
) -> None:
    _listed(runtime, world, clock)
    with page_client(runtime, "operations_planner") as planner:
        check = planner.get(f"/ui/transfers/{world}?confirm=lock").text
        assert "Check before you lock the manifest" in check
        version = int(str(_transfer(runtime, world).version))
        # A stale version is refused on the transfer page, with its message, and nothing is written.
        before = _events(runtime)
        stale = settled(
            planner,
            planner.post(
                f"/ui/transfers/{world}/lock",
                data=planner.form({"expected_version": str(version - 1)}),
                follow_redirects=False,
            ),
        )
        assert stale.status_code == 409 and "govuk-error-summary" in stale.text
        assert "someone else changed it" in stale.text
        assert _transfer(runtime, world).status == "planned" and _events(runtime) == before
        locked = settled(
            planner,
            planner.post(
                f"/ui/transfers/{world}/lock",
                data=planner.form({"expected_version": str(version)}),
                follow_redirects=False,
            ),
        )
        assert (
            locked.status_code == 303 and locked.headers["location"] == f"/ui/transfers/{world}?done=locked"
        )
        assert "The manifest was locked." in planner.get(locked.headers["location"]).text
        assert _transfer(runtime, world).status == "locked"
        # Locking twice is refused: only a planned manifest can be locked.
        twice = settled(
            planner,
            planner.post(f"/ui/transfers/{world}/lock", data=planner.form({}), follow_redirects=False),
        )
        assert twice.status_code == 409 and "only a planned manifest can be locked" in twice.text
        before = _events(runtime)
        departed = settled(
            planner,
            planner.post(
                f"/ui/transfers/{world}/depart",
                data=planner.form({"expected_version": str(_transfer(runtime, world).version)}),
                follow_redirects=False,
            ),
        )
        assert departed.headers["location"] == f"/ui/transfers/{world}?done=departed"
        assert _transfer(runtime, world).status == "departed"
        assert _events(runtime) == before + len(PEOPLE)  # one departure each
    # The hub's liaison records the arrival on the same page: a liaison of another hub may not, and a
    # second arrival is refused in words; each refusal writes nothing.
    with page_client(runtime, "hub_liaison", hubs=["GBR-XXX-H9"]) as stranger:
        before = _events(runtime)
        refused = stranger.post(
            f"/ui/transfers/{world}/arrive", data=stranger.form({}), follow_redirects=False
        )
        assert refused.status_code == 404 and _events(runtime) == before
    with page_client(runtime, "hub_liaison", hubs=[HUB]) as liaison:
        page_text = liaison.get(f"/ui/transfers/{world}").text
        assert "Record arrival at the hub" in page_text
        version = str(_transfer(runtime, world).version)
        arrived = liaison.post(
            f"/ui/transfers/{world}/arrive",
            data=liaison.form({"expected_version": version}),
            follow_redirects=False,
        )
        assert (
            arrived.status_code == 303
            and arrived.headers["location"] == f"/ui/transfers/{world}?done=arrived"
        )
        assert "stay clocks have started" in liaison.get(arrived.headers["location"]).text
        assert _transfer(runtime, world).status == "arrived"
        assert _events(runtime) == before + len(PEOPLE)  # one arrival each
        again = liaison.post(f"/ui/transfers/{world}/arrive", data=liaison.form({}), follow_redirects=False)
        assert again.status_code == 409 and "only a departed transfer arrives" in html.unescape(again.text)
        assert _events(runtime) == before + len(PEOPLE)


def test_a_slow_lock_shows_its_progress_on_the_transfer_page_then_itsoutcome(
    runtime: Runtime, clock: FixedClock, world: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from returnhub.web.ui import jobs, operations

    release = threading.Event()
    monkeypatch.setattr(operations, "_gate_work", held(operations._gate_work, release))
    monkeypatch.setattr(jobs, "INLINE_SECONDS", 0.05)  # the request answers before the work is done
    _listed(runtime, world, clock)
    with page_client(runtime, "operations_planner") as planner:
        started = planner.post(f"/ui/transfers/{world}/lock", data=planner.form({}), follow_redirects=False)
        assert started.status_code == 303
        assert started.headers["location"].startswith(f"/ui/transfers/{world}?job=")
        waiting = planner.get(started.headers["location"])
        assert 'id="job-progress"' in waiting.text and 'http-equiv="refresh"' in waiting.text
        assert "Locking the manifest…" in waiting.text and 'id="lock-check"' not in waiting.text
        release.set()
        done = outcome(planner, started.headers["location"])
        assert done.status_code == 303 and done.headers["location"] == f"/ui/transfers/{world}?done=locked"
        assert _transfer(runtime, world).status == "locked"
        # A slow refusal ends on the transfer page with its message, and writes nothing.
        before = _events(runtime)
        release.clear()
        again = planner.post(f"/ui/transfers/{world}/lock", data=planner.form({}), follow_redirects=False)
        assert again.status_code == 303
        release.set()
        refused = outcome(planner, again.headers["location"])
        assert refused.status_code == 409 and "only a planned manifest can be locked" in refused.text
        assert _events(runtime) == before
    with page_client(runtime, "operations_planner") as someone_else:
        # Another user's job id is as good as unknown: the plain transfer page, no progress, no outcome.
        other = someone_else.get(started.headers["location"], follow_redirects=False)
        assert other.status_code == 200 and 'id="job-progress"' not in other.text


def test_the_review_queue_names_the_rule_each_case_waits_on(
    runtime: Runtime, clock: FixedClock, world: str
) -> None:
    from datetime import date

    from returnhub.safeguards.service import latest_screening, screening_waits
    from returnhub.web.ui.labels import rule_label
    from tests.casework.helpers import REFUSED_HISTORY, add_person, record

    waiting = "RH0000099"
    with unit_of_work(runtime.engine) as s:
        # As eligible as the others, but no senior caseworker has yet checked that the destination is safe
        # for them (R12P, a review rule); the others' approvals of R12P leave them eligible.
        add_person(s, waiting, nationality="ALB", date_of_birth=date(1990, 1, 1))
        for event_type, on, data in REFUSED_HISTORY:
            record(s, clock, waiting, event_type, on, data)
        record(s, clock, waiting, "removal_notice_served", clock.today() - timedelta(days=20))
        record(s, clock, waiting, "departure_details_served", clock.today() - timedelta(days=15))
        record(
            s, clock, waiting, "fitness_to_fly_assessed", clock.today() - timedelta(days=10), {"fit": True}
        )
    with page_client(runtime, "senior_caseworker") as senior:
        assert senior.post("/ui/screenings", data=senior.form({})).status_code == 200
        with unit_of_work(runtime.engine, read_only=True) as s:
            row = latest_screening(s)
            assert row is not None
            waits = screening_waits(row)
        assert waits == {waiting: ["R12P"]}  # the others' R12P reviews were approved: they wait on nothing
        queue = senior.get("/ui/").text.split("Cases needing a senior caseworker")[1].split("</ul>")[0]
        assert waiting in queue
        for rule in waits[waiting]:
            # The id with its title: "R12P: Hub country unsafe for a profile …".
            assert rule_label(rule) in html.unescape(queue) and rule_label(rule) != rule
        assert "a rule needs a senior caseworker" not in queue
        assert "waiting since today" in queue  # how long: its latest fact was recorded today


def test_a_slow_approval_shows_its_progress_on_the_plan_page(
    runtime: Runtime, clock: FixedClock, world: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from returnhub.web.ui import jobs, operations

    release = threading.Event()
    monkeypatch.setattr(operations, "_approve_plan", held(operations._approve_plan, release))
    monkeypatch.setattr(jobs, "INLINE_SECONDS", 0.05)
    with unit_of_work(runtime.engine) as s:
        plan_id = planning.compute_plan(
            s, start=clock.today(), weeks=4, clock=clock, created_by="planner", save=True
        ).plan_id
    with page_client(runtime, "operations_planner") as planner:
        started = planner.post(f"/ui/plans/{plan_id}/approve", data=planner.form({}), follow_redirects=False)
        assert started.headers["location"].startswith(f"/ui/plans/{plan_id}?job=")
        waiting = planner.get(started.headers["location"])
        assert 'id="job-progress"' in waiting.text and "Approving the plan…" in waiting.text
        assert "Check and approve the plan" not in waiting.text  # no second approval while one runs
        release.set()
        done = outcome(planner, started.headers["location"])
        assert done.headers["location"] == f"/ui/plans/{plan_id}?done=approved"
        assert _plan_status(runtime, plan_id) == "approved"


def _someone_else_writes(runtime: Runtime, clock: FixedClock, reference: str) -> None:
    """Another user registers a person and records an event: on SQLite this needs the write lock at once."""
    from datetime import date

    from tests.casework.helpers import add_person, record

    with unit_of_work(runtime.engine) as s:
        add_person(s, reference)
        record(s, clock, reference, "asylum_claim_lodged", date(2024, 1, 5))


def _paused_after(work: object, reached: threading.Event, release: threading.Event) -> object:
    """The work done, then held: the job stops between its steps until the test lets it go on."""

    def _pause(*args: object, **kwargs: object) -> object:
        result = work(*args, **kwargs)  # type: ignore[operator]
        reached.set()
        release.wait(timeout=60)
        return result

    return _pause


def _paused_before(work: object, reached: threading.Event, release: threading.Event) -> object:
    def _pause(*args: object, **kwargs: object) -> object:
        reached.set()
        release.wait(timeout=60)
        return work(*args, **kwargs)  # type: ignore[operator]

    return _pause


@pytest.mark.parametrize("job", ["screening", "approval", "lock"])
def test_other_users_write_while_a_page_job_runs(
    runtime: Runtime, clock: FixedClock, world: str, monkeypatch: pytest.MonkeyPatch, job: str
) -> None:
    """A page job holds no write lock while it reads and judges (SQLite has one): screening judges the
    caseload read-only, approval writes a batch of families at a time, a lock judges its manifest before
    it writes. Held between its steps, the job lets another user's write through, then ends as before."""
    from returnhub.operations import transfers
    from returnhub.safeguards import service as safeguards
    from returnhub.web.ui import jobs

    reached, release = threading.Event(), threading.Event()
    monkeypatch.setattr(jobs, "INLINE_SECONDS", 0.0)
    if job == "screening":
        monkeypatch.setattr(safeguards, "screen", _paused_after(safeguards.screen, reached, release))
        role, path = "senior_caseworker", "/ui/screenings"
    elif job == "approval":
        monkeypatch.setattr(
            planning, "list_families", _paused_before(planning.list_families, reached, release)
        )
        with unit_of_work(runtime.engine) as s:
            plan_id = planning.compute_plan(
                s, start=clock.today(), weeks=4, clock=clock, created_by="planner", save=True
            ).plan_id
        role, path = "operations_planner", f"/ui/plans/{plan_id}/approve"
    else:
        _listed(runtime, world, clock)
        monkeypatch.setattr(
            transfers, "prepare_check", _paused_after(transfers.prepare_check, reached, release)
        )
        role, path = "operations_planner", f"/ui/transfers/{world}/lock"
    with page_client(runtime, role) as user:
        started = user.post(path, data=user.form({}), follow_redirects=False)
        assert reached.wait(timeout=60), "the job never reached its pause"
        before = _events(runtime)
        _someone_else_writes(runtime, clock, "RH0000077")  # would wait for the lock if the job held it
        assert _events(runtime) == before + 1
        release.set()
        done = settled(user, started)
        assert done.status_code == 303 and "done=" in done.headers["location"], done.text[:300]
    if job == "approval":
        assert _plan_status(runtime, plan_id) == "approved"
    elif job == "lock":
        assert _transfer(runtime, world).status == "locked"


def test_a_lock_judges_again_anyone_whose_record_changed_after_the_read(
    runtime: Runtime, clock: FixedClock, world: str
) -> None:
    """A judgement made ahead of the write is used only while the family's record is unchanged."""
    from returnhub.operations import transfers
    from tests.casework.helpers import record

    _listed(runtime, world, clock)
    with unit_of_work(runtime.engine, read_only=True) as s:
        prepared = transfers.prepare_check(s, world, "manifest_lock", clock=clock)
    assert {o.outcome for _, o in prepared.outcomes.values()} == {"eligible"}
    # Pretend the read found two people barred; one of them then has a (harmless) fact recorded.
    fake = transfers.GateOutcome(PEOPLE[0], "barred", ["R4"], "judged barred before the write")
    stale = transfers.PreparedCheck(
        prepared.transfer,
        prepared.stage,
        {
            **prepared.outcomes,
            PEOPLE[0]: (prepared.outcomes[PEOPLE[0]][0], fake),
            PEOPLE[1]: (prepared.outcomes[PEOPLE[1]][0], fake),
        },
        prepared.judged_on,
    )
    with unit_of_work(runtime.engine) as s:
        record(s, clock, PEOPLE[1], "fitness_to_fly_assessed", clock.today(), {"fit": True})
    with unit_of_work(runtime.engine) as s:
        result = transfers.lock_manifest(s, world, clock=clock, recorded_by="planner", prepared=stale)
    # The unchanged judgement stood; the changed record was judged again, on the latest facts.
    assert [r.reference for r in result.removed] == [PEOPLE[0]]
    assert PEOPLE[1] in {e.reference for e in _transfer(runtime, world).manifest if e.state == "listed"}  # type: ignore[attr-defined]


def test_a_judgement_made_on_another_day_is_not_used(runtime: Runtime, clock: FixedClock, world: str) -> None:
    """A job that crosses midnight judges everyone again: rules turn on the passing of days."""
    from returnhub.operations import transfers

    _listed(runtime, world, clock)
    with unit_of_work(runtime.engine, read_only=True) as s:
        prepared = transfers.prepare_check(s, world, "manifest_lock", clock=clock)
    fake = transfers.GateOutcome(PEOPLE[0], "barred", ["R4"], "judged barred the day before")
    yesterday = transfers.PreparedCheck(
        prepared.transfer,
        prepared.stage,
        {**prepared.outcomes, PEOPLE[0]: (prepared.outcomes[PEOPLE[0]][0], fake)},
        prepared.judged_on - timedelta(days=1),
    )
    with unit_of_work(runtime.engine) as s:
        result = transfers.lock_manifest(s, world, clock=clock, recorded_by="planner", prepared=yesterday)
    assert result.removed == []  # yesterday's judgement was not used; today's finds everyone eligible


def test_the_departure_check_warns_of_a_load_under_the_minimum_and_departing_accepts_it(
    runtime: Runtime, clock: FixedClock, world: str
) -> None:
    from returnhub.operations.transfers import lock_manifest

    with unit_of_work(runtime.engine) as s:
        for person in PEOPLE[:2]:  # two people; the transfer's minimum is four
            add_to_manifest(s, world, person, clock=clock, recorded_by="planner")
    with unit_of_work(runtime.engine) as s:
        lock_manifest(s, world, clock=clock, recorded_by="planner")
    with page_client(runtime, "operations_planner") as planner:
        check = planner.get(f"/ui/transfers/{world}?confirm=depart").text
        warning = check.split('id="under-minimum"')[1].split("</div>")[0]
        assert "Only 2 people are on the manifest, under this transfer" in html.unescape(warning)
        assert "minimum of 4" in warning and "Accept the lower load and depart" in check
        before = _events(runtime)
        departed = settled(
            planner,
            planner.post(
                f"/ui/transfers/{world}/depart",
                data=planner.form({"accept_under_minimum": "yes"}),
                follow_redirects=False,
            ),
        )
        assert departed.headers["location"] == f"/ui/transfers/{world}?done=departed"
        assert _events(runtime) == before + 2
    assert _transfer(runtime, world).status == "departed"


def test_overdue_clocks_name_people_and_how_long_they_are_overdue(
    runtime: Runtime, clock: FixedClock, world: str
) -> None:
    from returnhub.operations import transfers

    _listed(runtime, world, clock)
    with unit_of_work(runtime.engine) as s:
        transfers.lock_manifest(s, world, clock=clock, recorded_by="planner")
    clock.advance(timedelta(days=3))
    with unit_of_work(runtime.engine) as s:
        transfers.depart(s, world, clock=clock, recorded_by="planner")
    with unit_of_work(runtime.engine) as s:
        transfers.arrive(s, world, clock=clock, recorded_by="liaison")
    clock.advance(timedelta(days=200))  # past the agreement's longest stay (180 days)
    with page_client(runtime, "caseworker") as worker:
        home = html.unescape(worker.get("/ui/").text)
    queue = home.split("Overdue clocks")[1].split("</table>")[0]
    assert all(f"Test Person</a> ({p})" in queue for p in PEOPLE), queue[:800]
    assert "Overdue by" in queue and " days</td>" in queue
    assert 'href="/ui/cases?clock=overdue"' in home
