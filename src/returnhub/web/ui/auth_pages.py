"""Sign in and sign out of a web session."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from returnhub.access import service
from returnhub.access.deps import SESSION_COOKIE, CurrentUser
from returnhub.access.router import client_address
from returnhub.access.settings import AccessSettings, get_access_settings
from returnhub.access.throttle import SignInThrottled
from returnhub.core.http.deps import ClockDep, RuntimeDep, SessionDep
from returnhub.web.ui.templating import CSRF_COOKIE, FormErrors, page

router = APIRouter(prefix="/ui", include_in_schema=False)

SIGN_IN_FAILED = "Enter a correct user name and password (after repeated failures you must wait to try again)"


def _safe_next(value: str) -> str:
    # Only our own pages: an open redirect after sign-in would help a phishing page.
    return value if value.startswith("/ui/") and "//" not in value and "\\" not in value else "/ui/"


def _settings(request: Request) -> AccessSettings:
    settings: AccessSettings = getattr(request.app.state, "access_settings", None) or get_access_settings()
    return settings


def _secure_cookie(request: Request, settings: AccessSettings) -> bool:
    # Secure unless the operator switched it off (RETURNHUB_SESSION_COOKIE_SECURE=false, as `make demo` does
    # for plain http). Never guessed from the Host header: behind a reverse proxy that is 127.0.0.1 too.
    return settings.session_cookie_secure


#: Sign-in is a write too (it starts a session), so its form carries a token of its own before any session
#: exists: a random value in a short-lived cookie and in the form, which must match (double submit). A page
#: on another site can make a browser post the form but cannot read or set the cookie.
SIGN_IN_COOKIE = "returnhub_sign_in"
SIGN_IN_FIELD = "sign_in_token"


def _sign_in_form(request: Request, context: dict[str, Any], *, status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(
        request,
        "sign_in.html",
        {**context, "sign_in_field": SIGN_IN_FIELD, "sign_in_token": token},
        status_code=status_code,
        title="Sign in",
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        max_age=30 * 60,
        httponly=True,
        secure=_secure_cookie(request, _settings(request)),
        samesite="strict",
        path="/ui/sign-in",
    )
    return response


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/ui/") -> Response:
    return _sign_in_form(request, {"next_url": _safe_next(next), "name": ""})


@router.post("/sign-in", response_model=None)
def sign_in(
    request: Request,
    runtime: RuntimeDep,
    name: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=500)] = "/ui/",
    sign_in_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    errors = FormErrors()
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, sign_in_token):
        errors.add("name", "The sign-in form had expired or did not come from this service: sign in again")
        context = {"next_url": _safe_next(next), "name": name, "errors": errors}
        return _sign_in_form(request, context, status_code=403)
    if not name.strip():
        errors.add("name", "Enter your user name")
    if not password:
        errors.add("password", "Enter your password")
    issued = None
    settings = _settings(request)
    if not errors:
        # Its own transactions (see service.sign_in): a failed attempt is counted even though it is refused.
        try:
            issued = service.sign_in(
                runtime.engine,
                name,
                password,
                source=client_address(request),
                settings=settings,
                clock=runtime.clock,
                kind=service.SESSION,
            )
        except SignInThrottled as exc:
            errors.add(
                "name", f"Too many failed sign-ins: wait {exc.retry_after_seconds} seconds and try again"
            )
            context = {"next_url": _safe_next(next), "name": name, "errors": errors}
            return _sign_in_form(request, context, status_code=429)
        if issued is None:
            errors.add("name", SIGN_IN_FAILED)
    if issued is None:
        context = {"next_url": _safe_next(next), "name": name, "errors": errors}
        # 422 for a form left blank; 401 when the name and password were given but not accepted.
        status = 401 if name.strip() and password else 422
        return _sign_in_form(request, context, status_code=status)
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = _secure_cookie(request, settings)
    response.delete_cookie(
        SIGN_IN_COOKIE, path="/ui/sign-in", httponly=True, secure=secure, samesite="strict"
    )
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
