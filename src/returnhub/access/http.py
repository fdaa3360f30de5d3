"""HTTP plumbing of the access context: the app-level guard, a first-line middleware (credentials present,
request size, security headers), RFC 9457 answers for 401, and the OpenAPI security description."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from returnhub.access.deps import SESSION_COOKIE, guard
from returnhub.access.permissions import (
    PUBLIC_DOCUMENT_PATHS,
    PUBLIC_PATHS,
    PUBLIC_STATIC_PREFIXES,
    permission_for,
)
from returnhub.access.settings import AccessSettings, get_access_settings
from returnhub.core.errors import NotAuthenticated
from returnhub.core.http.problems import MEDIA_TYPE, PAGE_PREFIX, problem, wants_page

#: Pass to ``FastAPI(dependencies=...)``: every API route of the app, whenever it is included, is guarded.
#: ``scope="function"`` makes the guard's exit (the access-log write) run before the response is sent.
APP_DEPENDENCIES = [Depends(guard, scope="function")]

WWW_AUTHENTICATE = 'Bearer realm="returnhub"'

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    # Personal data must not linger in browser or proxy caches.
    "Cache-Control": "no-store",
}
#: The API answers JSON only; nothing it serves may load or frame anything.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: The interactive docs load Swagger UI / ReDoc from their CDN.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com; "
    "worker-src blob:; frame-ancestors 'none'"
)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AccessHttpMiddleware:
    """Pure ASGI middleware, outermost of the access checks:

    * a request to anything but the public paths without any credential is answered 401 here, so even a
      route mounted outside FastAPI's routing (a static directory, a sub-application) is not reachable
      anonymously; the guard then checks that the credential is valid;
    * a body over ``max_request_bytes`` is answered 413 (by Content-Length, or by counting a chunked body);
    * security headers are added to every response (a handler may set its own, e.g. a page's CSP).
    """

    def __init__(self, app: ASGIApp, settings_of: Callable[[], AccessSettings]) -> None:
        self.app = app
        self.settings_of = settings_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        send = _with_security_headers(send, docs=path in PUBLIC_DOCUMENT_PATHS)
        connection = HTTPConnection(scope)
        headers = Headers(scope=scope)
        if (
            path not in PUBLIC_PATHS
            and not path.startswith(PUBLIC_STATIC_PREFIXES)
            and "authorization" not in headers
            and SESSION_COOKIE not in connection.cookies
        ):
            if wants_page(path, headers.get("accept", "")):
                await _to_sign_in(scope, receive, send, path)
            else:
                await _unauthenticated(scope, receive, send, path)
            return
        limit = self.settings_of().max_request_bytes
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(scope, receive, send, path, limit)
            return
        if scope.get("method") not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        # Read the body here (at most ``limit`` bytes) so that a chunked upload cannot exceed it either.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(scope, receive, send, path, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if path.startswith(PAGE_PREFIX):
            _lift_form_csrf(scope, headers, body)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


#: A browser asking for a staff page without a session is sent to the sign-in page, not a 401.
SIGN_IN_PAGE = "/ui/sign-in"
#: The form field of a page's form that carries the session's CSRF token (``web.ui.templating``).
CSRF_FORM_FIELD = "csrf_token"


def sign_in_location(path: str) -> str:
    return SIGN_IN_PAGE + ("?" + urlencode({"next": path}) if path.startswith(PAGE_PREFIX) else "")


async def _to_sign_in(scope: Scope, receive: Receive, send: Send, path: str) -> None:
    await RedirectResponse(sign_in_location(path), status_code=303)(scope, receive, send)


def _lift_form_csrf(scope: Scope, headers: Headers, body: bytes) -> None:
    """An HTML form cannot send headers, so a page's form carries the CSRF token as a field; it is copied
    into the ``X-CSRF-Token`` header the guard checks (the guard still compares it with the session's)."""
    if "x-csrf-token" in headers:
        return
    if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return
    values = parse_qs(body.decode("latin-1"), max_num_fields=200).get(CSRF_FORM_FIELD)
    if values:
        scope["headers"] = [*scope["headers"], (b"x-csrf-token", values[0].encode("latin-1"))]


def _with_security_headers(send: Send, *, docs: bool) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in SECURITY_HEADERS.items():
                if name not in headers:
                    headers[name] = value
            if "content-security-policy" not in headers:
                headers["Content-Security-Policy"] = DOCS_CSP if docs else API_CSP
        await send(message)

    return wrapped


async def _unauthenticated(scope: Scope, receive: Receive, send: Send, path: str) -> None:
    response = problem(
        401,
        NotAuthenticated.title,
        "sign in first: send `Authorization: Bearer <token>` (tokens from POST /auth/token)",
        NotAuthenticated.slug,
        path,
    )
    response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    await response(scope, receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send, path: str, limit: int) -> None:
    response = problem(
        413,
        "Content too large",
        f"the request body is larger than {limit:,} bytes",
        "content-too-large",
        path,
    )
    await response(scope, receive, send)


# --- OpenAPI --------------------------------------------------------------------------------------------

_PROBLEM_CONTENT = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
_ADDED_RESPONSES = {
    "401": "Not authenticated: no, an unknown, an expired or a revoked token",
    "403": "Forbidden: the role may not call this operation (or a web-session write lacks its CSRF token)",
}


def _install_openapi(app: FastAPI) -> None:
    """Describe the security of each operation: the bearer scheme (none on public operations), the roles
    allowed (``x-roles``) and the 401/403/413/503 problem answers the guard and middleware can give."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                permission = permission_for(method.upper(), path)
                responses = operation.setdefault("responses", {})
                if "requestBody" in operation:
                    responses.setdefault(
                        "413", {"description": "Request body too large", "content": _PROBLEM_CONTENT}
                    )
                if any(
                    p.get("in") == "header" and p.get("name", "").lower() == "if-match"
                    for p in operation.get("parameters", [])
                ):
                    responses.setdefault(
                        "412", {"description": "If-Match is stale or malformed", "content": _PROBLEM_CONTENT}
                    )
                if permission is not None and permission.public:
                    operation["security"] = []
                    if path.startswith("/auth/"):
                        responses.setdefault(
                            "401", {"description": "Sign-in failed", "content": _PROBLEM_CONTENT}
                        )
                        responses.setdefault(
                            "429",
                            {
                                "description": "Too many failed sign-ins from here or for this name: wait "
                                "the Retry-After seconds (access.throttle)",
                                "content": _PROBLEM_CONTENT,
                            },
                        )
                    continue
                operation["security"] = [{"bearerToken": []}]
                operation["x-roles"] = sorted(r.value for r in permission.roles) if permission else []
                for code, description in _ADDED_RESPONSES.items():
                    responses.setdefault(code, {"description": description, "content": _PROBLEM_CONTENT})
                if permission is None or permission.param or permission.scope.value == "body":
                    responses.setdefault("404", {"description": "Not found", "content": _PROBLEM_CONTENT})
                if permission is not None and permission.personal:
                    responses.setdefault(
                        "503",
                        {"description": "The access log could not be written", "content": _PROBLEM_CONTENT},
                    )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI, settings: AccessSettings | None = None) -> None:
    """Wire the access context into an app built with ``dependencies=APP_DEPENDENCIES``."""
    from returnhub.access.router import routers

    app.state.access_settings = settings or get_access_settings()
    state = app.state
    app.add_middleware(AccessHttpMiddleware, settings_of=lambda: state.access_settings)

    async def _unauthenticated_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotAuthenticated)
        if wants_page(request.url.path, request.headers.get("accept", "")):
            return RedirectResponse(sign_in_location(request.url.path), status_code=303)
        response = problem(exc.status, exc.title, exc.detail, exc.slug, request.url.path)
        response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
        return response

    app.add_exception_handler(NotAuthenticated, _unauthenticated_problem)
    for router in routers:
        app.include_router(router)
    _install_openapi(app)
