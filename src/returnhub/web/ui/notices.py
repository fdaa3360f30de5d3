"""Notice pages: one notice (opening it marks it read) and the monitor's view of email delivery."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from returnhub.access.deps import CurrentUser
from returnhub.core.http.deps import ClockDep, SessionDep
from returnhub.notices import service
from returnhub.web.ui.templating import page

router = APIRouter(prefix="/ui", include_in_schema=False)


# Declared before /notices/{notice_id}, which would otherwise take "deliveries" for an id.
@router.get("/notices/deliveries", response_class=HTMLResponse)
def deliveries_page(request: Request, session: SessionDep) -> Response:
    rows = service.deliveries(session)
    return page(request, "notices/deliveries.html", {"rows": rows}, title="Email delivery of notices")


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
def notice_page(
    request: Request,
    notice_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    clock: ClockDep,
    principal: CurrentUser,
) -> Response:
    notice = service.open_notice(session, principal.user_id, principal.role, notice_id, clock=clock)
    return page(request, "notices/show.html", {"notice": notice}, title=notice.subject)
