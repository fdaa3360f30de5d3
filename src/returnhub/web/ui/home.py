"""The home page: each role's work queue (reviews due, overdue clocks, transfers this week, clients)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from returnhub.access.deps import CurrentUser
from returnhub.access.permissions import CASEWORK_STAFF, PLANNERS, SCREENERS
from returnhub.access.roles import Role
from returnhub.access.scopes import at_own_hubs, case_filter
from returnhub.casework.queries import last_recorded, search_cases
from returnhub.core.database import unit_of_work
from returnhub.core.http.deps import ClockDep, RuntimeDep, SessionDep
from returnhub.notices import service as notices
from returnhub.operations import stays, transfers
from returnhub.safeguards import service as safeguards
from returnhub.web.ui import jobs, labels
from returnhub.web.ui.templating import page

router = APIRouter(prefix="/ui", include_in_schema=False)

QUEUE_LENGTH = 20
REVIEWERS = frozenset({Role.CASEWORKER, Role.SENIOR_CASEWORKER, Role.ADMIN, Role.INDEPENDENT_MONITOR})


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    principal: CurrentUser,
    transfer: Annotated[str, Query(max_length=24)] = "",
    since: Annotated[str, Query(alias="from", max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    job: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    today = clock.today()
    role = principal.role
    context: dict[str, Any] = {"today": today, "role": role.value}
    # The inbox: the user's own notices, unread first, filtered by transfer and day.
    context["inbox_filters"] = {"transfer": transfer, "from": since, "until": until}
    context["inbox"] = notices.inbox(
        session,
        principal.user_id,
        role,
        transfer=transfer or None,
        since=_day(since),
        until=_day(until),
        limit=QUEUE_LENGTH * 2,
    )
    if role in PLANNERS:
        # Emails the mail server has not accepted in time: the planner must reach those people another way.
        context["late_deliveries"] = notices.late_deliveries(session, clock=clock)
    running = jobs.find(job, principal.name) if job else None
    if running is not None and running.done:
        return RedirectResponse("/ui/?done=screened", status_code=303)
    if running is not None:
        context["job"] = {"id": running.id, "label": running.label, "seconds": running.seconds}
    if role in REVIEWERS:
        latest = safeguards.latest_screening(session)
        if latest is not None:
            context["screening"] = safeguards.screening_summary(latest)
            # The parsed outcomes are kept per screening, so the queue does not re-read every case's result.
            context["reviews"] = safeguards.screening_references(latest, "review")[:QUEUE_LENGTH]
            # The queue names people, not bare references, and says how long they have waited.
            names = {
                r.reference: r.name
                for r in search_cases(session, limit=QUEUE_LENGTH, among=context["reviews"])
            }
            context["review_names"] = names
            # The rule each case waits on, with its title as the screening stored it (read once per
            # screening from its stored results, not re-screened).
            titles = {r.get("id"): r.get("title") for r in latest.rules or []}
            context["review_rules"] = {
                reference: [labels.rule_label(rule, titles.get(rule)) for rule in rules]
                for reference, rules in safeguards.screening_waits(latest, context["reviews"]).items()
            }
            # How long each has waited: days since the system last learnt anything about the case.
            context["review_waits"] = {
                reference: (today - at.date()).days
                for reference, at in last_recorded(session, context["reviews"]).items()
            }
    if role in CASEWORK_STAFF or role is Role.HUB_LIAISON:
        overdue = stays.overdue(session, today)
        context["overdue"] = at_own_hubs(session, principal, overdue)[:QUEUE_LENGTH]
        # People by name, with how long their clock has been overdue.
        context["overdue_names"] = {
            r.reference: r.name
            for r in search_cases(
                session,
                limit=QUEUE_LENGTH,
                among=sorted({c.reference for c in context["overdue"]}),
                within=case_filter(principal),
            )
        }
    if role in PLANNERS | {Role.INDEPENDENT_MONITOR, Role.HUB_LIAISON}:
        week = transfers.list_transfers(
            session, from_date=today, until=today + timedelta(days=7), limit=QUEUE_LENGTH * 10
        )
        context["transfers"] = at_own_hubs(session, principal, week)
    if role in (Role.LEGAL_REPRESENTATIVE, Role.HUB_LIAISON):
        # Scoped roles see their own people: a representative's clients, a liaison's people at their hubs.
        context["clients"] = search_cases(session, limit=100, within=case_filter(principal))
    context["may_screen"] = role in SCREENERS
    return page(request, "home.html", context, title="Home")


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None  # a malformed filter filters nothing


def _screen(engine: Any, pack: str, clock: Any, created_by: str) -> None:
    """Read and judge the caseload in a read-only transaction, then store the result in a short write
    transaction: on SQLite the database's one write lock is held only for the insert, not the screening."""
    today = clock.today()
    with unit_of_work(engine, read_only=True) as session:
        run = safeguards.screen(session, pack=pack, stage="hub_referral", as_of=today)
    with unit_of_work(engine) as session:
        safeguards.store_screening(session, run, as_of=today, clock=clock, created_by=created_by)


@router.post("/screenings", response_model=None)
def screen_caseload(runtime: RuntimeDep, clock: ClockDep, principal: CurrentUser) -> Response:
    """Screen the whole caseload for referral to a hub today and store it (the review queue reads it). It
    runs as a page job: if it takes over two seconds, the home page shows its progress until it is done."""
    job = jobs.submit(
        principal.name,
        "Screening the caseload",
        partial(_screen, runtime.engine, runtime.settings.default_pack, clock, principal.name),
    )
    if jobs.wait(job):
        job.future.result()  # an error in the screening is this request's error
        return RedirectResponse("/ui/?done=screened", status_code=303)
    return RedirectResponse(f"/ui/?job={job.id}", status_code=303)
