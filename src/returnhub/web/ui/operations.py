"""Planning (run the optimiser, see transfers by week with their loads, who was not placed and why, approve)
and transfers (manifest, lock and depart with the departure gate's results, people taken off and why)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from returnhub.access.deps import CurrentUser
from returnhub.access.roles import Role
from returnhub.access.scopes import at_own_hubs
from returnhub.casework import queries
from returnhub.core import bounds
from returnhub.core.database import unit_of_work
from returnhub.core.errors import DomainError
from returnhub.core.http.deps import ClockDep, RuntimeDep, SessionDep
from returnhub.operations import planning, transfers
from returnhub.operations.views import PlanView
from returnhub.web.ui import jobs
from returnhub.web.ui.templating import FormErrors, page, refusal_message

router = APIRouter(prefix="/ui", include_in_schema=False)

PlanId = Annotated[int, Path(ge=1, le=2**31 - 1)]
JobId = Annotated[str, Query(max_length=32)]
#: The progress page's words for the two gate actions; the finished job's label says which it was.
LOCKING = "Locking the manifest"
DEPARTING = "Recording the departure"
MAX_WEEKS = 104


@router.get("/planning", response_class=HTMLResponse)
def planning_page(request: Request, session: SessionDep, clock: ClockDep) -> Response:
    context = {
        "plans": planning.recent_plans(session),
        "form": {"start": clock.today().isoformat(), "weeks": "4"},
    }
    return page(request, "operations/planning.html", context, title="Planning")


@router.post("/planning", response_model=None)
def run_plan(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    clock: ClockDep,
    principal: CurrentUser,
    start: Annotated[str, Form(max_length=10)] = "",
    weeks: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    errors = FormErrors()
    start_on: date | None = None
    try:
        start_on = date.fromisoformat(start.strip())
    except ValueError:
        errors.add("start", "Enter the first day of the plan as YYYY-MM-DD, like 2026-06-01")
    if not weeks.strip().isdigit() or not 1 <= int(weeks) <= MAX_WEEKS:
        errors.add("weeks", f"Enter the number of weeks to plan, from 1 to {MAX_WEEKS}")
    if not errors:
        assert start_on is not None
        result = planning.compute_plan(
            session,
            start=start_on,
            weeks=int(weeks),
            clock=clock,
            created_by=principal.name,
            save=True,
        )
        return RedirectResponse(f"/ui/plans/{result.plan_id}?done=planned", status_code=303)
    context = {
        "plans": planning.recent_plans(session),
        "form": {"start": start, "weeks": weeks},
        "errors": errors,
    }
    return page(request, "operations/planning.html", context, status_code=422, title="Planning")


def _weeks(view: PlanView) -> list[dict[str, Any]]:
    """The plan's transfers grouped by week, each with its load and seats."""
    by_week: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    # A planned code (NEW-GBR-MKD-H1-W00) links to the transfer it became once the plan is approved; a
    # transfer that already existed is planned under its own reference.
    created = (view.approval or {}).get("transfers_created") or {}
    for load in view.transfer_loads:
        if load.get("used", True):
            tid = str(load.get("transfer_id"))
            became = created.get(tid) or (tid if tid.startswith("TR") else None)
            by_week[load.get("week", 0)].append({**load, "created_as": became})
    return [{"week": w, "transfers": by_week[w]} for w in sorted(by_week)]


def _by_week_and_hub(view: PlanView) -> list[dict[str, Any]]:
    """The plan in a few lines: per week and hub, the transfers, people and seats (the detail is below)."""
    cells: dict[tuple[Any, Any], dict[str, Any]] = {}
    for load in view.transfer_loads:
        if not load.get("used", True):
            continue
        key = (load.get("week", 0), load.get("hub_id"))
        cell = cells.setdefault(
            key, {"week": key[0] + 1, "hub": key[1], "transfers": 0, "people": 0, "seats": 0}
        )
        cell["transfers"] += 1
        cell["people"] += int(load.get("load") or 0)
        cell["seats"] += int(load.get("seats") or 0)
    return [cells[k] for k in sorted(cells, key=lambda k: (k[0], str(k[1])))]


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(
    plan_id: PlanId,
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    confirm: Annotated[str, Query(max_length=8)] = "",
    job: JobId = "",
    transfer: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    running = jobs.find(job, principal.name, f"plan:{plan_id}") if job else None
    if running is not None and running.done:
        return _approved(plan_id, running)
    view = planning.plan_view(session, plan_id)
    reasons: dict[str, int] = defaultdict(int)
    for u in view.unplaced:
        reasons[str(u.get("reason", ""))] += 1
    context = {
        "plan": view,
        "weeks": _weeks(view),
        "unplaced_reasons": sorted(reasons.items(), key=lambda kv: -kv[1]),
        "unplaced": view.unplaced[:200],
        "confirm": confirm == "approve",
        "by_hub": _by_week_and_hub(view),
    }
    if transfer:
        context["drill"] = _planned_on(session, view, transfer)
    if running is not None:
        context["job"] = jobs.progress(running)
    return page(request, "operations/plan.html", context, title=f"Plan {plan_id}")


def _planned_on(session: Any, view: PlanView, code: str) -> dict[str, Any]:
    """The drill-down from a week's row: the people the plan puts on one planned transfer, by name."""
    people = [a for a in view.assignments if a["transfer_id"] == code]
    names = {
        r.reference: r.name
        for start in range(0, len(people), queries.MAX_AMONG)
        for r in queries.search_cases(
            session,
            limit=queries.MAX_PAGE,
            among=[a["person_id"] for a in people[start : start + queries.MAX_AMONG]],
        )
    }
    became = ((view.approval or {}).get("transfers_created") or {}).get(code)
    return {
        "code": code,
        "became": became or (code if code.startswith("TR") else None),
        "people": [{**a, "name": names.get(a["person_id"])} for a in people],
    }


#: Families listed per write transaction when a page job approves a plan.
APPROVAL_BATCH = 20


def _approve_plan(engine: Any, plan_id: int, clock: Any, approved_by: str) -> None:
    """Approve in steps, each a short transaction of its own (claim the plan and create its transfers; list
    a batch of families through the gate; mark it approved), so that on SQLite other users can write
    between them. Each family is still judged and listed in one transaction; a refusal to begin (the plan
    is approved already) writes nothing; an approval cut off part way is carried on by asking again."""
    with unit_of_work(engine) as session:
        families = planning.begin_approval(session, plan_id, clock=clock, approved_by=approved_by)
    for start in range(0, len(families), APPROVAL_BATCH):
        with unit_of_work(engine) as session:
            planning.list_families(session, plan_id, families[start : start + APPROVAL_BATCH], clock=clock)
    with unit_of_work(engine) as session:
        planning.finish_approval(session, plan_id, clock=clock)


def _approved(plan_id: int, job: jobs.Job) -> Response:
    """A finished approval: the plan with its banner. A refusal (a ``DomainError``: the plan is approved
    already, say) raises here, so the error page shows it exactly as when approving ran in the request;
    the job's transaction was rolled back, so nothing of it is written."""
    job.future.result()
    return RedirectResponse(f"/ui/plans/{plan_id}?done=approved", status_code=303)


@router.post("/plans/{plan_id}/approve", response_model=None)
def approve(plan_id: PlanId, runtime: RuntimeDep, clock: ClockDep, principal: CurrentUser) -> Response:
    """Approve a plan: create its transfers and list its people through the departure gate. It runs as a
    page job: done within two seconds, the plan shows at once; otherwise its page shows the progress."""
    job = jobs.submit(
        principal.name,
        "Approving the plan",
        partial(_approve_plan, runtime.engine, plan_id, clock, principal.name),
        subject=f"plan:{plan_id}",
    )
    if jobs.wait(job):
        return _approved(plan_id, job)
    return RedirectResponse(f"/ui/plans/{plan_id}?job={job.id}", status_code=303)


@router.get("/transfers", response_class=HTMLResponse)
def transfers_page(
    request: Request, session: SessionDep, principal: CurrentUser, status: str = ""
) -> Response:
    rows = at_own_hubs(
        session, principal, transfers.list_transfers(session, status=status or None, limit=200)
    )
    return page(request, "operations/transfers.html", {"transfers": rows}, title="Transfers")


def _transfer_context(session: Any, reference: str) -> dict[str, Any]:
    view = transfers.show_transfer(session, reference)
    people = [e.reference for e in view.manifest][: queries.MAX_AMONG]
    names = {r.reference: r.name for r in queries.search_cases(session, limit=queries.MAX_PAGE, among=people)}
    return {
        "transfer": view,
        "names": names,
        "listed": [e for e in view.manifest if e.state != "removed"],
        "removed": [e for e in view.manifest if e.state == "removed"],
    }


@router.get("/transfers/{reference}", response_class=HTMLResponse)
def transfer_page(
    reference: str,
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    clock: ClockDep,
    confirm: Annotated[str, Query(max_length=8)] = "",
    job: JobId = "",
) -> Response:
    running = jobs.find(job, principal.name, f"transfer:{reference.upper()}") if job else None
    if running is not None and running.done:
        return _gate_outcome(running, reference.upper(), request, session)
    context = _transfer_context(session, reference.upper())
    context["may_operate"] = principal.role in (Role.OPERATIONS_PLANNER, Role.ADMIN)
    # The hub's liaison sees the people come in; the route's permission keeps them to their own hubs.
    context["may_record_arrival"] = principal.role in (Role.OPERATIONS_PLANNER, Role.HUB_LIAISON, Role.ADMIN)
    if running is not None:
        context["job"] = jobs.progress(running)
        return page(request, "operations/transfer.html", context, title=f"Transfer {reference.upper()}")
    # Check your answers: lock and depart are asked for on this page first, with what they will do.
    if confirm in ("lock", "depart") and context["may_operate"]:
        context["confirm"] = confirm
        context["days_early"] = (context["transfer"].departs_at.date() - clock.today()).days
    return page(request, "operations/transfer.html", context, title=f"Transfer {reference.upper()}")


def _gate_work(
    engine: Any,
    action: str,
    reference: str,
    clock: Any,
    recorded_by: str,
    version: int | None,
    accept_under_minimum: bool,
) -> str:
    """Lock or depart in two steps: everyone listed is judged in a read-only transaction (the slow part),
    then the lock or departure is written in a short transaction that uses those judgements where the
    family's record has not changed since and judges anyone else again (``transfers.PreparedCheck``). On
    SQLite the write lock is held only for the second step; a refusal rolls it back, nothing is written."""
    stage = "manifest_lock" if action == "lock" else "departure"
    try:
        with unit_of_work(engine, read_only=True) as session:
            prepared: transfers.PreparedCheck | None = transfers.prepare_check(
                session, reference, stage, clock=clock
            )
    except DomainError:
        prepared = None  # no such transfer: the write step refuses it in its own words
    with unit_of_work(engine) as session:
        if action == "lock":
            transfers.lock_manifest(
                session,
                reference,
                clock=clock,
                recorded_by=recorded_by,
                expected_version=version,
                prepared=prepared,
            )
        else:
            transfers.depart(
                session,
                reference,
                clock=clock,
                recorded_by=recorded_by,
                expected_version=version,
                accept_under_minimum=accept_under_minimum,
                prepared=prepared,
            )
    return action


def _gate_outcome(job: jobs.Job, reference: str, request: Request, session: Any) -> Response:
    """A finished lock or depart: the transfer with its banner, or the gate's refusal on the transfer page
    (its error summary, with the refusal's status), as when the action ran in the request."""
    action = "lock" if job.label == LOCKING else "depart"
    try:
        job.future.result()
    except DomainError as exc:
        errors = FormErrors()  # the gate refused: the job's transaction was rolled back, nothing is written
        errors.add(action, refusal_message(session, exc, (409, 412, 422)))
        context = _transfer_context(session, reference)
        context.update(errors=errors, may_operate=True)
        return page(request, "operations/transfer.html", context, status_code=exc.status, title=reference)
    done = "locked" if action == "lock" else "departed"
    return RedirectResponse(f"/ui/transfers/{reference}?done={done}", status_code=303)


def _gate_action(
    action: str,
    reference: str,
    request: Request,
    session: Any,
    runtime: Any,
    clock: Any,
    principal: Any,
    expected_version: str,
    accept_under_minimum: bool = False,
) -> Response:
    """Lock or depart as a page job: done within two seconds, the page answers as before; otherwise the
    transfer's page shows the progress and refreshes itself until the outcome is there."""
    reference = reference.upper()
    version = bounds.parse_count(expected_version, "The version of the transfer")
    job = jobs.submit(
        principal.name,
        LOCKING if action == "lock" else DEPARTING,
        partial(
            _gate_work,
            runtime.engine,
            action,
            reference,
            clock,
            principal.name,
            version,
            accept_under_minimum,
        ),
        subject=f"transfer:{reference}",
    )
    if jobs.wait(job):
        return _gate_outcome(job, reference, request, session)
    return RedirectResponse(f"/ui/transfers/{reference}?job={job.id}", status_code=303)


@router.post("/transfers/{reference}/lock", response_model=None)
def lock(
    reference: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    clock: ClockDep,
    principal: CurrentUser,
    expected_version: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    return _gate_action("lock", reference, request, session, runtime, clock, principal, expected_version)


@router.post("/transfers/{reference}/depart", response_model=None)
def depart(
    reference: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    clock: ClockDep,
    principal: CurrentUser,
    expected_version: Annotated[str, Form(max_length=12)] = "",
    accept_under_minimum: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    return _gate_action(
        "depart",
        reference,
        request,
        session,
        runtime,
        clock,
        principal,
        expected_version,
        accept_under_minimum == "yes",
    )


@router.post("/transfers/{reference}/arrive", response_model=None)
def arrive(
    reference: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    principal: CurrentUser,
    expected_version: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Record a departed transfer's arrival at its hub: each person arrives and their stay clocks start.
    One short transaction (a manifest's people, one event each), so no page job is needed."""
    reference = reference.upper()
    version = bounds.parse_count(expected_version, "The version of the transfer")
    try:
        transfers.arrive(
            session, reference, clock=clock, recorded_by=principal.name, expected_version=version
        )
    except DomainError as exc:
        errors = FormErrors()  # refusal_message rolls back what arrive began: nothing is written
        errors.add("arrive", refusal_message(session, exc, (409, 412, 422)))
        context = _transfer_context(session, reference)
        context.update(errors=errors, may_operate=False, may_record_arrival=True)
        return page(request, "operations/transfer.html", context, status_code=exc.status, title=reference)
    return RedirectResponse(f"/ui/transfers/{reference}?done=arrived", status_code=303)
