"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from returnhub.core.errors import DomainError

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
    )
}


def problem(status: int, title: str, detail: str, slug: str, instance: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
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
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return _page_error(request, exc.status, exc.title, exc.detail) or problem(
            exc.status, exc.title, exc.detail, exc.slug, request.url.path, **exc.extra
        )

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
