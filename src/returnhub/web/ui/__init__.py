"""The staff pages: server-rendered HTML in the GOV.UK Design System, under ``/ui``.

Pages are ordinary FastAPI routes of the same app, so the access guard authenticates them (a session
cookie), checks the declared permission (``access.permissions.PAGES``), the record scope and writes the
access log exactly as for the API. Forms post to page routes and carry the session's CSRF token. The
handlers call the services the API calls; templates only lay the answers out.
"""

from __future__ import annotations

import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from returnhub.access.deps import SESSION_COOKIE
from returnhub.web.ui.templating import STATIC_DIR, page

#: Front-end packages from the npm registry (``package.json``; ``make demo`` runs ``npm ci``).
NODE_MODULES = Path(__file__).resolve().parents[4] / "node_modules"
GOVUK_DIST = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
HTMX_DIST = NODE_MODULES / "htmx.org" / "dist"


def _page_error(request: Request, status: int, title: str, detail: str) -> Response:
    headings = {
        404: "Page not found",
        403: "You cannot do this",
        409: "Someone else changed this",
        422: "There is a problem with what you sent",
        503: "Sorry, the service is unavailable",
    }
    return page(
        request,
        "error.html",
        {"heading": headings.get(status, title), "detail": detail},
        status_code=status,
        title=headings.get(status, title),
    )


class ServerTiming:
    """Adds ``Server-Timing: app;dur=<ms>`` to every page: the time from the request reaching the app to its
    answer starting, which the browser's developer tools show and the page benchmark reads."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith("/ui/"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - started) * 1000
                MutableHeaders(scope=message).append("Server-Timing", f"app;dur={elapsed:.2f}")
            await send(message)

        await self.app(scope, receive, timed)


def install(app: FastAPI) -> None:
    from returnhub.web.ui import (
        auth_pages,
        cases,
        home,
        monitor,
        notices,
        operations,
        partners,
        persons,
        reports,
        simulations,
        statistics,
    )

    app.state.page_error = _page_error
    app.add_middleware(ServerTiming)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/vendor/govuk", StaticFiles(directory=GOVUK_DIST, check_dir=False), name="vendor-govuk")
    app.mount("/vendor/htmx", StaticFiles(directory=HTMX_DIST, check_dir=False), name="vendor-htmx")
    app.mount("/assets", StaticFiles(directory=GOVUK_DIST / "assets", check_dir=False), name="assets")

    @app.get("/", include_in_schema=False)
    def root(request: Request) -> RedirectResponse:
        # Public, so it cannot know who is asking: with a session cookie, home; without, the sign-in page.
        signed_in = SESSION_COOKIE in request.cookies
        return RedirectResponse("/ui/" if signed_in else "/ui/sign-in", status_code=303)

    for module in (
        auth_pages,
        home,
        cases,
        persons,
        partners,
        operations,
        statistics,
        reports,
        simulations,
        monitor,
        notices,
    ):
        app.include_router(module.router)
