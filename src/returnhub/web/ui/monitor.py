"""The independent monitor's pages: the access log with a "verify the chains" action, and incidents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from returnhub.access import audit
from returnhub.casework.store import verify_chain
from returnhub.operations.incidents import list_incidents
from returnhub.web.deps import SessionDep
from returnhub.web.ui.templating import FormErrors, page

router = APIRouter(prefix="/ui", include_in_schema=False)

LOG_PAGE = 100


def _context(session: Any, reference: str, user: str) -> dict[str, Any]:
    return {
        "entries": audit.list_access(
            session,
            reference=reference or None,
            user=user or None,
            limit=LOG_PAGE,
            newest_first=True,
        ),
        "incidents": list_incidents(session, limit=50),
        "filters": {"reference": reference, "user": user},
    }


@router.get("/monitor", response_class=HTMLResponse)
def monitor_page(
    request: Request,
    session: SessionDep,
    reference: Annotated[str, Query(max_length=16)] = "",
    user: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    return page(request, "monitor/index.html", _context(session, reference, user), title="Monitor")


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
