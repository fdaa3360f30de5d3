"""The independent monitor's pages: the access log with a "verify the chains" action, and incidents."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from returnhub.access import audit
from returnhub.access.deps import CurrentUser
from returnhub.casework.store import verify_chain
from returnhub.core import bounds
from returnhub.core.database import unit_of_work
from returnhub.core.http.deps import RuntimeDep, SessionDep
from returnhub.operations.incidents import list_incidents
from returnhub.web.ui import jobs, labels
from returnhub.web.ui.templating import FormErrors, page

router = APIRouter(prefix="/ui", include_in_schema=False)

LOG_PAGE = 100


def _actions() -> list[tuple[str, str]]:
    """The "what" filter: each page action as its sentence (the value is "METHOD route")."""
    return sorted(
        ((f"{m} {r}", labels.audit_action(m, r, None)) for m, r in labels.ACTIONS), key=lambda o: o[1]
    )


def _context(
    session: Any,
    reference: str,
    user: str,
    *,
    action: str = "",
    on: str = "",
    before: str = "",
    errors: FormErrors | None = None,
) -> dict[str, Any]:
    errors = errors if errors is not None else FormErrors()
    chosen: tuple[str, str] | None = None
    if action:
        method, _, route = action.partition(" ")
        if (method, route) not in labels.ACTIONS:
            errors.add("action", "Choose what was done from the list")
        chosen = (method, route)
    day: date | None = None
    if on.strip():
        try:
            day = date.fromisoformat(on.strip())
        except ValueError:
            errors.add("on", "Enter the date as YYYY-MM-DD, like 2026-06-01")
        else:
            # The log's days: a plausible year (a day at the end of the calendar has no next day to end it).
            if not bounds.earliest_date() <= day < date(9999, 12, 31):
                errors.add("on", f"Enter a day from {bounds.earliest_date().year} on, like 2026-06-01")
    entries: list[dict[str, Any]] = []
    if not errors:
        entries = audit.list_access(
            session,
            reference=reference or None,
            user=user or None,
            limit=LOG_PAGE,
            newest_first=True,
            before=int(before) if before.isascii() and before.isdigit() and len(before) < 19 else None,
            action=chosen,
            on=day,
        )
    filters = {"reference": reference, "user": user, "action": action, "on": on}
    return {
        "entries": entries,
        "incidents": list_incidents(session, limit=50),
        "filters": filters,
        "actions": _actions(),
        "errors": errors,
        "query": urlencode({k: v for k, v in filters.items() if v}),
        "older": entries[-1]["id"] if len(entries) == LOG_PAGE else None,
        "paged": bool(before),
    }


@router.get("/monitor", response_class=HTMLResponse)
def monitor_page(
    request: Request,
    session: SessionDep,
    reference: Annotated[str, Query(max_length=16)] = "",
    user: Annotated[str, Query(max_length=64)] = "",
    action: Annotated[str, Query(max_length=240)] = "",
    on: Annotated[str, Query(max_length=10)] = "",
    before: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    context = _context(session, reference, user, action=action, on=on, before=before)
    status = 422 if context["errors"] else 200
    return page(request, "monitor/index.html", context, title="Monitor", status_code=status)


def _verify_both(engine: Any) -> dict[str, Any]:
    with unit_of_work(engine, read_only=True) as session:
        events = verify_chain(session).as_dict()
        access = audit.verify_access_log(session).as_dict()
    return {"events": events, "access": access, "ok": events["ok"] and access["ok"]}


@router.get("/monitor/verify", response_class=HTMLResponse, response_model=None)
def verify(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentUser,
    job: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """Recompute both hash chains: the legal events and the access log. Reads only. It runs as a job: the
    result shows at once if ready within two seconds; otherwise a progress page refreshes until it is."""
    if job:
        running = jobs.find(job, principal.name)
        if running is None:
            context = _context(session, "", "")
            context["errors"].add("verify", "That verification is no longer held: verify the chains again")
            return page(request, "monitor/index.html", context, title="Monitor", status_code=404)
    else:
        running = jobs.submit(principal.name, "Verifying the chains", partial(_verify_both, runtime.engine))
    if not jobs.wait(running):
        context = _context(session, "", "")
        context["job"] = {"id": running.id, "label": running.label, "seconds": running.seconds}
        return page(request, "monitor/index.html", context, title="Monitor: verifying the chains")
    context = _context(session, "", "")
    context["verification"] = running.future.result()
    errors = FormErrors()
    if not context["verification"]["ok"]:
        errors.add("verification", "A chain is broken: see the verification result")
    context["errors"] = errors
    return page(request, "monitor/index.html", context, title="Monitor: chains verified")
