"""REST for notices: a user's inbox, marking read, the monitor's view of email delivery. Translation only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from returnhub.access.deps import CurrentUser
from returnhub.core.bounds import MAX_COUNT, PlausibleDate
from returnhub.core.http.deps import ClockDep, SessionDep
from returnhub.core.http.problems import PROBLEM_RESPONSES
from returnhub.notices import service
from returnhub.notices.views import DeliveryView, NoticeView

router = APIRouter(responses=PROBLEM_RESPONSES, tags=["notices"])


@router.get("/notices", response_model=list[NoticeView])
def list_notices(
    session: SessionDep,
    principal: CurrentUser,
    unread: bool = False,
    transfer: Annotated[str | None, Query(max_length=24)] = None,
    since: Annotated[PlausibleDate | None, Query(alias="from")] = None,
    until: PlausibleDate | None = None,
) -> list[NoticeView]:
    """The caller's own notices, unread first (a representative's only about their current clients)."""
    return service.inbox(
        session,
        principal.user_id,
        principal.role,
        unread_only=unread,
        transfer=transfer,
        since=since,
        until=until,
    )


@router.post("/notices/{notice_id}/read", response_model=NoticeView)
def read_notice(
    notice_id: Annotated[int, Path(ge=1, le=MAX_COUNT)],
    session: SessionDep,
    clock: ClockDep,
    principal: CurrentUser,
) -> NoticeView:
    return service.open_notice(session, principal.user_id, principal.role, notice_id, clock=clock)


@router.get("/notices/deliveries", response_model=list[DeliveryView])
def list_deliveries(
    session: SessionDep, status: Annotated[str | None, Query(max_length=16)] = None
) -> list[DeliveryView]:
    """Each notice's email and its delivery state (the independent monitor's view)."""
    return service.deliveries(session, status=status)
