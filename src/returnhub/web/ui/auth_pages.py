"""Sign in and sign out of a web session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from returnhub.access import service
from returnhub.access.deps import SESSION_COOKIE, CurrentUser
from returnhub.access.settings import AccessSettings, get_access_settings
from returnhub.core.database import unit_of_work
from returnhub.web.deps import ClockDep, RuntimeDep, SessionDep
from returnhub.web.ui.templating import CSRF_COOKIE, FormErrors, page

router = APIRouter(prefix="/ui", include_in_schema=False)

SIGN_IN_FAILED = "Enter a correct user name and password (after repeated failures the account is locked)"


def _safe_next(value: str) -> str:
    # Only our own pages: an open redirect after sign-in would help a phishing page.
    return value if value.startswith("/ui/") and "//" not in value and "\\" not in value else "/ui/"


def _settings(request: Request) -> AccessSettings:
    settings: AccessSettings = getattr(request.app.state, "access_settings", None) or get_access_settings()
    return settings


def _secure_cookie(request: Request, settings: AccessSettings) -> bool:
    # A browser on http://127.0.0.1 (``make demo``) would drop a Secure cookie; anywhere else the cookie is
    # Secure unless the operator switched it off.
    host = request.url.hostname or ""
    return settings.session_cookie_secure and host not in ("127.0.0.1", "localhost", "testserver")


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/ui/") -> Response:
    return page(request, "sign_in.html", {"next_url": _safe_next(next), "name": ""}, title="Sign in")


@router.post("/sign-in", response_model=None)
def sign_in(
    request: Request,
    runtime: RuntimeDep,
    name: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=500)] = "/ui/",
) -> Response:
    errors = FormErrors()
    if not name.strip():
        errors.add("name", "Enter your user name")
    if not password:
        errors.add("password", "Enter your password")
    issued = None
    settings = _settings(request)
    if not errors:
        # Its own transaction: a failed attempt is counted (and committed) even though it is refused.
        with unit_of_work(runtime.engine) as session:
            issued = service.sign_in(
                session, name, password, settings=settings, clock=runtime.clock, kind=service.SESSION
            )
        if issued is None:
            errors.add("name", SIGN_IN_FAILED)
    if issued is None:
        context = {"next_url": _safe_next(next), "name": name, "errors": errors}
        # 422 for a form left blank; 401 when the name and password were given but not accepted.
        status = 401 if name.strip() and password else 422
        return page(request, "sign_in.html", context, status_code=status, title="Sign in")
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = _secure_cookie(request, settings)
    for cookie, value in ((SESSION_COOKIE, issued.token), (CSRF_COOKIE, issued.csrf_token or "")):
        response.set_cookie(
            cookie,
            value,
            max_age=settings.token_ttl_minutes * 60,
            httponly=True,
            secure=secure,
            samesite="strict",
            path="/",
        )
    return response


@router.post("/sign-out", response_model=None)
def sign_out(principal: CurrentUser, session: SessionDep, clock: ClockDep) -> Response:
    if principal.token_id is not None:
        service.revoke_token(session, principal.token_id, clock)
    response = RedirectResponse("/ui/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response
