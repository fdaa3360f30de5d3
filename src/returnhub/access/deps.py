"""The request guard: authentication, declared permissions, record scopes and the access log.

``guard`` is installed as an application-level dependency (``APP_DEPENDENCIES`` in ``web.app``), so every
API route, including any router included later, passes through it; there is nothing to remember per
router. What it does, in order:

1. finds the operation's declared permission (``permissions.PERMISSIONS``); public operations pass;
2. authenticates: a bearer token, or a web-session cookie plus, on writes, its CSRF token (401 if none);
3. refuses an undeclared operation to everyone, and a role the table does not list (403);
4. checks the record scope of the reference in the path (404, as for a record that does not exist);
5. for operations on person records, writes the access log:

   * a write is logged in the request's own transaction, so the change and its log entry commit together
     or not at all;
   * a read is logged in a separate transaction committed after the handler has produced the answer and
     BEFORE it is sent (the dependency has ``scope="function"``, whose exit runs before the response is
     sent). If that insert fails, the request fails with 503 and the data is never sent. (Logging in the
     read's own transaction would turn every read into a write transaction: on SQLite a read snapshot that
     must later write can fail with "busy" under concurrent writers.)

   Refusals and failed operations are logged too, in a transaction of their own, since the request's
   rolls back.

Steps 2-4 of a read use the request's (read) transaction; those of a write use a short read-only
transaction of their own, so the write's transaction is opened by the handler and held no longer than it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from returnhub.access import audit, scopes
from returnhub.access.crypto import FieldCipher, field_cipher
from returnhub.access.permissions import (
    Permission,
    Scope,
    may_record,
    may_see_special_category,
    permission_for,
)
from returnhub.access.service import BEARER, SESSION, Principal, csrf_matches, resolve_token
from returnhub.access.settings import AccessSettings
from returnhub.core.database import unit_of_work
from returnhub.core.errors import DomainError, Forbidden, NotAuthenticated, NotFound
from returnhub.core.http.deps import SessionDep

log = logging.getLogger(__name__)

SESSION_COOKIE = "returnhub_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearerToken",
    description="A token from `POST /auth/token` (opaque; sent as `Authorization: Bearer rh_…`).",
)


class AccessLogUnavailable(DomainError):
    """The access log could not be written, so the request is refused and nothing is disclosed."""

    status = 503
    title = "Access log unavailable"
    slug = "access-log-unavailable"


# --- which declared operation is this? ----------------------------------------------------------------


def _route_index(app: FastAPI) -> dict[int, list[tuple[str, re.Pattern[str]]]]:
    index: dict[int, list[tuple[str, re.Pattern[str]]]] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path is not None:
            index.setdefault(id(route), []).append((context.path, compile_path(context.path)[0]))
    return index


def app_operations(app: FastAPI) -> tuple[set[tuple[str, str]], set[str]]:
    """Every API operation of an app as (method, path template), and the paths of its other routes
    (the OpenAPI document, the docs pages, mounts). The authorisation-matrix test checks both against
    the declared permissions."""
    operations: set[tuple[str, str]] = set()
    others: set[str] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path or getattr(route, "path", "") or ""
        if isinstance(route, APIRoute):
            operations.update((method, path) for method in route.methods or () if method != "HEAD")
        else:
            others.add(path)
    return operations, others


def route_template(request: Request) -> str | None:
    """The full path template of the matched operation, e.g. ``/cases/{reference}``.

    FastAPI puts the original route object in the scope; its own ``path`` lacks any prefix added by
    ``include_router``, so the app's effective routes are indexed once and looked up by that object.
    """
    route = request.scope.get("route")
    if route is None:
        return None
    index: dict[int, list[tuple[str, re.Pattern[str]]]] | None = getattr(
        request.app.state, "access_route_index", None
    )
    if index is None or id(route) not in index:
        index = _route_index(request.app)
        request.app.state.access_route_index = index
    candidates = index.get(id(route))
    if not candidates:
        return getattr(route, "path", None)
    if len(candidates) == 1:
        return candidates[0][0]
    path = request.scope.get("path", "")
    for template, pattern in candidates:
        if pattern.match(path):
            return template
    return candidates[0][0]


# --- authentication -----------------------------------------------------------------------------------


def authenticate(
    request: Request, session: Session, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    clock = request.app.state.runtime.clock
    if credentials is not None:
        resolved = resolve_token(session, credentials.credentials, kind=BEARER, clock=clock)
        if resolved is None:
            raise NotAuthenticated("the bearer token is unknown, expired or revoked; sign in again")
        return resolved.principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        resolved = resolve_token(session, cookie, kind=SESSION, clock=clock)
        if resolved is None:
            raise NotAuthenticated("the session has ended; sign in again")
        # A browser sends the cookie with any request, including one forged by another site; only a page
        # of ours knows the CSRF token, so every write must carry it.
        if request.method not in SAFE_METHODS and not csrf_matches(
            resolved, request.headers.get(CSRF_HEADER)
        ):
            raise Forbidden(f"a write in a web session needs the session's {CSRF_HEADER} header")
        return resolved.principal
    raise NotAuthenticated(
        "sign in first: send `Authorization: Bearer <token>` (tokens from POST /auth/token)"
    )


async def current_principal(request: Request) -> Principal:  # async: no I/O, no thread hand-off
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise NotAuthenticated("sign in first")
    return principal


#: The signed-in user of a request, for handlers (e.g. ``recorded_by=principal.name``).
CurrentUser = Annotated[Principal, Depends(current_principal)]


def field_cipher_of(request: Request) -> FieldCipher:
    """The field cipher of the app's settings (what a write seals with)."""
    settings: AccessSettings = request.app.state.access_settings
    return field_cipher(settings, request.app.state.runtime.settings.environment)


async def request_field_cipher(request: Request) -> FieldCipher:
    return field_cipher_of(request)


async def special_category_cipher(request: Request, principal: CurrentUser) -> FieldCipher | None:
    """The field cipher if the signed-in user may see special-category data, otherwise None (their
    answers carry ``"[restricted]"`` for each sealed value)."""
    return field_cipher_of(request) if may_see_special_category(principal.role) else None


@dataclass(frozen=True)
class SignedIn:
    """The signed-in user as a context's router asks about them (``core.http.deps.Requester``): the guard
    stores one on every admitted request, so a router (casework's, partners') takes who is asking, what
    they may record and see, and their record scope without importing access."""

    principal: Principal
    app: FastAPI

    @property
    def name(self) -> str:
        return self.principal.name

    @property
    def role_name(self) -> str:
        return self.principal.role.value

    def may_record(self, event_type: str) -> bool:
        return may_record(self.principal.role, event_type)

    def case_filter(self) -> ColumnElement[bool] | None:
        return scopes.case_filter(self.principal)

    def field_cipher(self) -> FieldCipher:
        settings: AccessSettings = self.app.state.access_settings
        return field_cipher(settings, self.app.state.runtime.settings.environment)

    def special_category_cipher(self) -> FieldCipher | None:
        return self.field_cipher() if may_see_special_category(self.principal.role) else None


#: For a write that may seal special-category fields.
FieldCipherDep = Annotated[FieldCipher, Depends(request_field_cipher)]
#: For a read that shows sealed fields: the cipher to open them with, or None for a role that may not.
SpecialCategoryCipher = Annotated[FieldCipher | None, Depends(special_category_cipher)]


# --- the access log of one request --------------------------------------------------------------------


class _AccessRecorder:
    def __init__(
        self, request: Request, principal: Principal, route: str, permission: Permission | None
    ) -> None:
        self.request = request
        self.principal = principal
        self.route = route
        self.reference: str | None = None
        if permission is not None and permission.scope is Scope.CASE and permission.param:
            raw = request.path_params.get(permission.param)
            self.reference = str(raw).strip().upper()[:16] if raw is not None else None

    def _record(self, outcome: str, status: int) -> audit.AccessRecord:
        client = self.request.client.host if self.request.client else "unknown"
        return audit.AccessRecord(
            user_name=self.principal.name,
            role=self.principal.role.value,
            method=self.request.method,
            route=self.route,
            path=self.request.scope.get("path", ""),
            query=self.request.scope.get("query_string", b"").decode("latin-1"),
            case_reference=self.reference,
            client=client,
            outcome=outcome,
            status=status,
        )

    def write_separately(self, outcome: str, status: int) -> None:
        """A read's entry, in its own transaction, committed before the answer is sent."""
        runtime = self.request.app.state.runtime
        try:
            with runtime.engine.begin() as connection:
                audit.append_access(connection, self._record(outcome, status), clock=runtime.clock)
        except Exception as exc:
            log.exception("access log write failed")
            raise AccessLogUnavailable(
                "the access log could not be written, so nothing was disclosed"
            ) from exc

    def write_in(self, session: Session, outcome: str, status: int) -> None:
        """A write's entry, in the write's own transaction: both commit or neither does."""
        runtime = self.request.app.state.runtime
        try:
            audit.append_access(session.connection(), self._record(outcome, status), clock=runtime.clock)
        except Exception as exc:
            log.exception("access log write failed")
            raise AccessLogUnavailable(
                "the access log could not be written, so the change was not made"
            ) from exc

    def write_refusal(self, session: Session, outcome: str, status: int) -> None:
        """The entry of a refused or failed request. A write request's transaction already holds the
        database's write lock on SQLite, so a second connection would wait for it forever: the request's
        own work is rolled back first and the entry committed on the same connection instead."""
        if self.request.method in SAFE_METHODS:
            # End the read's own transaction first, as a served read does: an open read snapshot on SQLite
            # holds back the WAL the log's commit writes to.
            session.rollback()
            self.write_separately(outcome, status)
            return
        runtime = self.request.app.state.runtime
        try:
            session.rollback()
            audit.append_access(session.connection(), self._record(outcome, status), clock=runtime.clock)
            session.commit()
        except Exception as exc:
            session.rollback()
            log.exception("access log write failed")
            raise AccessLogUnavailable(
                "the access log could not be written, so the request was not carried out"
            ) from exc


def _status_of(exc: BaseException) -> int:
    if isinstance(exc, DomainError):
        return exc.status
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    if isinstance(exc, RequestValidationError):
        return 422
    return 500


def _in_scope(session: Session, principal: Principal, permission: Permission, request: Request) -> bool:
    if permission.param is None:
        return True
    value = str(request.path_params.get(permission.param, ""))
    if permission.scope is Scope.CASE:
        return scopes.case_in_scope(session, principal, value)
    if permission.scope is Scope.HUB:
        return scopes.hub_in_scope(session, principal, value)
    if permission.scope is Scope.TRANSFER:
        return scopes.transfer_in_scope(session, principal, value)
    return True


def _admit(
    request: Request,
    session: Session,
    credentials: HTTPAuthorizationCredentials | None,
    permission: Permission | None,
    template: str | None,
) -> tuple[Principal, DomainError | None]:
    """Who is asking, and the refusal (403, or 404 out of scope) if they may not; 401 is raised at once."""
    principal = authenticate(request, session, credentials)
    if permission is None:
        # Fail closed: an operation nobody declared is refused to every role until it is declared.
        return principal, Forbidden(
            f"{request.method} {template} has no declared permission, so no role may call it"
        )
    if principal.role not in permission.roles:
        return principal, Forbidden(f"a {principal.role.value} may not {request.method} {template}")
    if not _in_scope(session, principal, permission, request):
        value = str(request.path_params.get(permission.param or "", ""))
        if permission.scope is Scope.CASE:
            return principal, scopes.case_not_found(value)
        return principal, NotFound(f"no {permission.scope.value} {value.strip().upper()!r}")
    return principal, None


def guard(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Iterator[None]:
    template = route_template(request)
    permission = permission_for(request.method, template) if template else None
    if permission is not None and permission.public:
        yield
        return
    if request.method in SAFE_METHODS:
        principal, refusal = _admit(request, session, credentials, permission, template)
    else:
        # On SQLite a write request's own transaction takes the database's write lock at its first
        # statement and keeps it until the request ends; a handler that opens a unit of work of its own
        # (a background job's row, say) would then wait for it forever. So the checks of a write run in a
        # short read-only transaction of their own, and the request's transaction is left to the handler.
        runtime = request.app.state.runtime
        with unit_of_work(runtime.engine, read_only=True) as checks:
            principal, refusal = _admit(request, checks, credentials, permission, template)
    request.state.principal = principal
    request.state.requester = SignedIn(principal, request.app)
    recorder = _AccessRecorder(request, principal, template or request.url.path, permission)
    if refusal is not None:
        if permission is not None and permission.personal:
            recorder.write_refusal(session, audit.DENIED, refusal.status)
        raise refusal
    assert permission is not None
    if not permission.personal:
        yield
        return
    try:
        yield
    except Exception as exc:
        # If the failure cannot be logged either, the answer is the log's 503, not the request's own
        # error: an attempt on a person's record that left no entry must not look like an ordinary one.
        recorder.write_refusal(session, audit.FAILED, _status_of(exc))
        raise
    route = request.scope.get("route")
    # A page that answered a refused form (422) or a conflict (409) says so on request.state: the log
    # records what the user saw, not the route's declared success status.
    status = getattr(request.state, "answer_status", None) or getattr(route, "status_code", None) or 200
    outcome = audit.REFUSED if 400 <= status < 500 else audit.GRANTED
    if request.method in SAFE_METHODS:
        # The answer is computed: end the read's transaction first. On SQLite an open read snapshot keeps
        # the log's commit from checkpointing the WAL, which then grows and makes every commit dearer.
        session.commit()
        recorder.write_separately(outcome, status)
    else:
        recorder.write_in(session, outcome, status)
