"""The independent monitor's pages: the access log with a "verify the chains" action, and incidents."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from returnhub.access import audit
from returnhub.casework.store import verify_chain
from returnhub.operations.incidents import list_incidents
from returnhub.web.deps import SessionDep
from returnhub.web.ui import labels
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
    entries: list[dict[str, Any]] = []
    if not errors:
        entries = audit.list_access(
            session,
            reference=reference or None,
            user=user or None,
            limit=LOG_PAGE,
            newest_first=True,
            before=int(before) if before.isdigit() else None,
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


@router.get("/monitor/verify", response_class=HTMLResponse)
def verify(request: Request, session: SessionDep) -> Response:
    """Recompute both hash chains: the legal events and the access log. Reads only."""
    events = verify_chain(session).as_dict()
    access = audit.verify_access_log(session).as_dict()
    context = _context(session, "", "")
    context["verification"] = {"events": events, "access": access, "ok": events["ok"] and access["ok"]}
    errors = FormErrors()
    if not context["verification"]["ok"]:
        errors.add("verification", "A chain is broken: see the verification result")
    context["errors"] = errors
    return page(request, "monitor/index.html", context, title="Monitor: chains verified")
