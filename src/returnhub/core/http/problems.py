"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from returnhub.core.errors import DomainError

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://returnhub.invalid/problems/"
MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": title}
    for code, title in (
        (400, "Bad request"),
        (404, "Not found"),
        (409, "Conflict"),
        (422, "Invalid input"),
        (500, "Unexpected error"),
    )
}


def problem(
    status: int, title: str, detail: str, slug: str, instance: str | None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if k not in body})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


#: The staff pages (``web.ui``).
PAGE_PREFIX = "/ui/"


def wants_page(path: str, accept: str) -> bool:
    """A browser asking for a staff page (it accepts HTML) gets pages, a sign-in redirect and readable error
    pages; every other client gets problem+json, as everywhere in the API."""
    return (path.startswith(PAGE_PREFIX) or path == "/") and "text/html" in accept


def _page_error(request: Request, status: int, title: str, detail: str) -> Response | None:
    """A browser on a staff page gets a readable page instead of problem+json (``web.ui`` installs it)."""
    render = getattr(request.app.state, "page_error", None)
    if render is None or not wants_page(request.url.path, request.headers.get("accept", "")):
        return None
    response: Response = render(request, status, title, detail)
    return response


def install(app: FastAPI) -> None:
    # Added before the access middleware (``access.http.install``), so it runs inside it.
    app.add_middleware(UnexpectedErrors)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        response = _page_error(request, exc.status, exc.title, exc.detail) or problem(
            exc.status, exc.title, exc.detail, exc.slug, request.url.path, **exc.extra
        )
        if "retry_after" in exc.extra:  # 429 and 503 may say when to come back (RFC 9110, 10.2.3)
            response.headers["Retry-After"] = str(exc.extra["retry_after"])
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        page = _page_error(request, 422, "Invalid input", f"{where}: {first.get('msg')}")
        if page is not None:
            return page
        return problem(
            422,
            "Invalid input",
            f"{where}: {first.get('msg')}",
            "invalid-input",
            request.url.path,
            errors=[{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in errors],
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        page = _page_error(request, exc.status_code, str(exc.detail), str(exc.detail))
        if page is not None:
            return page
        slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthorised", 403: "forbidden"}.get(
            exc.status_code, "http-error"
        )
        return problem(exc.status_code, str(exc.detail), str(exc.detail), slug, request.url.path)


#: What every unexpected error tells the client: nothing of the error itself (it may quote data), only the
#: incident id under which the log keeps the traceback.
UNEXPECTED_TITLE = "Unexpected error"


class UnexpectedErrors:
    """Pure ASGI middleware, innermost of the app's own: an exception no handler turned into an answer
    becomes a 500 problem+json (or the error page, for a browser on a staff page) naming an incident id,
    and the traceback is logged under that id.

    It sits inside the access middleware, so the answer carries the same security headers as any other
    (Starlette's own last-resort handler sits outside every middleware and answers text/plain). If the
    answer had already started when the error came, there is nothing left to replace: it is re-raised.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            if started:
                raise
            incident = uuid.uuid4().hex[:12]
            log.exception(
                "incident %s: unexpected error on %s %s", incident, scope.get("method"), scope.get("path")
            )
            response = _unexpected_answer(Request(scope), incident)
            await response(scope, receive, send)


def _unexpected_answer(request: Request, incident: str) -> Response:
    detail = f"something went wrong on our side; quote incident {incident} if you report it"
    try:
        page = _page_error(request, 500, "Sorry, there is a problem with the service", detail)
    except Exception:  # noqa: BLE001 - the error page itself failed: fall back to problem+json
        log.exception("incident %s: the error page could not be shown", incident)
        page = None
    if page is not None:
        return page
    return problem(500, UNEXPECTED_TITLE, detail, "unexpected-error", request.url.path, incident=incident)
