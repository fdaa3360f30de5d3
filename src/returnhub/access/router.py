"""REST for the access context: sign-in and sign-out, accounts, the access log, monitoring notes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from returnhub.access import audit, service
from returnhub.access.crypto import field_cipher
from returnhub.access.deps import SESSION_COOKIE, CurrentUser
from returnhub.access.models import MonitoringNote
from returnhub.access.roles import Role
from returnhub.access.settings import AccessSettings
from returnhub.access.views import UserOut
from returnhub.core.errors import NotAuthenticated
from returnhub.core.http.conditional import IfMatch, if_match_version, set_etag
from returnhub.core.http.deps import ClockDep, RuntimeDep, SessionDep
from returnhub.core.http.problems import PROBLEM_RESPONSES
from returnhub.core.time import utc

auth_router = APIRouter(prefix="/auth", tags=["access"], responses=PROBLEM_RESPONSES)
users_router = APIRouter(prefix="/users", tags=["access"], responses=PROBLEM_RESPONSES)
log_router = APIRouter(prefix="/access-log", tags=["access"], responses=PROBLEM_RESPONSES)
notes_router = APIRouter(prefix="/monitoring-notes", tags=["access"], responses=PROBLEM_RESPONSES)
routers = (auth_router, users_router, log_router, notes_router)

SIGN_IN_FAILED = "sign-in failed: wrong name or password, or the account is inactive"


def client_address(request: Request) -> str:
    """Where a sign-in comes from, for throttling: the peer address as the server sees it, which behind a
    trusted reverse proxy uvicorn has already taken from X-Forwarded-For (``RETURNHUB_FORWARDED_ALLOW_IPS``,
    ``returnhub serve --forwarded-allow-ips``)."""
    return request.client.host if request.client else "unknown"


def _settings(request: Request) -> AccessSettings:
    settings: AccessSettings = request.app.state.access_settings
    return settings


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    name: str
    role: Role


class SessionOut(BaseModel):
    csrf_token: str = Field(description="Send as X-CSRF-Token on every write in this session.")
    expires_at: datetime
    name: str
    role: Role


class MeOut(BaseModel):
    name: str
    role: Role
    via_session: bool
    hubs: list[str]
    clients: list[str]


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2, max_length=64)
    role: Role
    password: str = Field(min_length=1, max_length=1024)
    hubs: list[str] = Field(default_factory=list, max_length=50, description="For a hub liaison.")


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    active: bool | None = None
    unlock: bool = False
    hubs: list[str] | None = Field(default=None, max_length=50)
    password: str | None = Field(default=None, min_length=1, max_length=1024)


class RepresentationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str = Field(min_length=1, max_length=16)


class AccessEntryOut(BaseModel):
    id: int
    occurred_at: datetime
    user: str
    role: str
    method: str
    route: str
    path: str
    query: str
    case_reference: str | None
    client: str
    outcome: str
    status: int
    hash: str


class AccessPage(BaseModel):
    data: list[AccessEntryOut]
    next_cursor: int | None


class AccessVerifyOut(BaseModel):
    log: str
    entries: int
    ok: bool
    first_broken_entry_id: int | None = None
    problem: str | None = None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str = Field(min_length=1, max_length=64, description="A case, transfer, hub or incident.")
    text: str = Field(min_length=1, max_length=20_000)


class NoteOut(BaseModel):
    id: int
    subject: str
    written_at: datetime
    written_by: str
    text: str


# --- /auth ----------------------------------------------------------------------------------------------


@auth_router.post("/token", response_model=TokenOut)
def sign_in_for_token(body: SignIn, request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    """Exchange a name and password for a bearer token. Repeated failures make the next attempt from the
    same place, or for the same account, wait (429 with Retry-After), longer each time; nothing locks."""
    # Its own transactions (see service.sign_in): a failed attempt is counted even though the answer is 401.
    issued = service.sign_in(
        runtime.engine,
        body.name,
        body.password,
        source=client_address(request),
        settings=_settings(request),
        clock=runtime.clock,
    )
    if issued is None:
        raise NotAuthenticated(SIGN_IN_FAILED)
    return {
        "access_token": issued.token,
        "expires_at": issued.expires_at,
        "name": issued.principal.name,
        "role": issued.principal.role,
    }


@auth_router.post("/session", response_model=SessionOut)
def sign_in_for_session(
    body: SignIn, request: Request, response: Response, runtime: RuntimeDep
) -> dict[str, Any]:
    """Web sign-in: sets an HttpOnly, SameSite=Strict session cookie and returns the CSRF token that every
    write in the session must send as ``X-CSRF-Token``."""
    settings = _settings(request)
    issued = service.sign_in(
        runtime.engine,
        body.name,
        body.password,
        source=client_address(request),
        settings=settings,
        clock=runtime.clock,
        kind=service.SESSION,
    )
    if issued is None:
        raise NotAuthenticated(SIGN_IN_FAILED)
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=settings.token_ttl_minutes * 60,
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="strict",
        path="/",
    )
    return {
        "csrf_token": issued.csrf_token,
        "expires_at": issued.expires_at,
        "name": issued.principal.name,
        "role": issued.principal.role,
    }


@auth_router.post("/sign-out", status_code=204)
def sign_out(principal: CurrentUser, session: SessionDep, clock: ClockDep, response: Response) -> Response:
    """End the token or session used for this request."""
    if principal.token_id is not None:
        service.revoke_token(session, principal.token_id, clock)
    response.status_code = 204
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@auth_router.get("/me", response_model=MeOut)
def me(principal: CurrentUser, session: SessionDep) -> dict[str, Any]:
    return {
        "name": principal.name,
        "role": principal.role,
        "via_session": principal.via_session,
        "hubs": service.hubs_of(session, principal.user_id),
        "clients": service.clients_of(session, principal.user_id),
    }


# --- /users ---------------------------------------------------------------------------------------------


def _with_etag(response: Response, view: UserOut) -> UserOut:
    set_etag(response, view.version)
    return view


@users_router.get("", response_model=list[UserOut])
def list_users(session: SessionDep, clock: ClockDep) -> list[UserOut]:
    return [service.user_view(session, u, clock) for u in service.list_users(session)]


@users_router.post("", response_model=UserOut, status_code=201)
def add_user(
    body: UserIn,
    request: Request,
    response: Response,
    principal: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
) -> UserOut:
    user = service.add_user(
        session,
        body.name,
        body.role,
        body.password,
        settings=_settings(request),
        clock=clock,
        created_by=principal.name,
        hubs=body.hubs,
    )
    return _with_etag(response, service.user_view(session, user, clock))


@users_router.get("/{name}", response_model=UserOut)
def get_user(name: str, response: Response, session: SessionDep, clock: ClockDep) -> UserOut:
    return _with_etag(response, service.user_view(session, service.get_user(session, name), clock))


@users_router.patch("/{name}", response_model=UserOut, responses={412: {"description": "Stale If-Match"}})
def update_user(
    name: str,
    body: UserPatch,
    request: Request,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    if_match: IfMatch = None,
) -> UserOut:
    """Change a role, (de)activate, unlock, assign hubs or set a password. A role change, deactivation or
    new password ends the account's open sessions and tokens."""
    user = service.update_user(
        session,
        name,
        settings=_settings(request),
        clock=clock,
        expected_version=if_match_version(if_match),
        role=body.role.value if body.role else None,
        active=body.active,
        unlock=body.unlock,
        hubs=body.hubs,
        password=body.password,
    )
    return _with_etag(response, service.user_view(session, user, clock))


@users_router.post("/{name}/representations", response_model=UserOut, status_code=201)
def add_representation(
    name: str, body: RepresentationIn, principal: CurrentUser, session: SessionDep, clock: ClockDep
) -> UserOut:
    """Record that a legal representative acts for a client (the case reference)."""
    service.add_representation(session, name, body.reference, clock=clock, granted_by=principal.name)
    return service.user_view(session, service.get_user(session, name), clock)


@users_router.delete("/{name}/representations/{reference}", status_code=204)
def end_representation(name: str, reference: str, session: SessionDep) -> Response:
    service.end_representation(session, name, reference)
    return Response(status_code=204)


# --- /access-log ----------------------------------------------------------------------------------------


@log_router.get("", response_model=AccessPage)
def read_access_log(
    session: SessionDep,
    reference: Annotated[str | None, Query(max_length=16)] = None,
    user: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="Cursor: the last id of the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    rows = audit.list_access(session, reference=reference, user=user, after=after, limit=limit)
    return {"data": rows, "next_cursor": rows[-1]["id"] if len(rows) == limit else None}


@log_router.get("/verify", response_model=AccessVerifyOut)
def verify_access_log(session: SessionDep) -> dict[str, Any]:
    """Recompute the access log's hash chain."""
    return audit.verify_access_log(session).as_dict()


# --- /monitoring-notes ----------------------------------------------------------------------------------


@notes_router.get("", response_model=list[NoteOut])
def list_notes(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    subject: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    cipher = field_cipher(_settings(request), runtime.settings.environment)
    query = select(MonitoringNote).order_by(MonitoringNote.id.desc()).limit(limit)
    if subject:
        query = query.where(MonitoringNote.subject == subject.strip().upper())
    return [
        {
            "id": n.id,
            "subject": n.subject,
            "written_at": utc(n.written_at),
            "written_by": n.written_by,
            "text": cipher.decrypt(n.body_encrypted),
        }
        for n in session.execute(query).scalars()
    ]


@notes_router.post("", response_model=NoteOut, status_code=201)
def write_note(
    body: NoteIn, request: Request, principal: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> dict[str, Any]:
    cipher = field_cipher(_settings(request), runtime.settings.environment)
    note = MonitoringNote(
        subject=body.subject.strip().upper(),
        written_at=runtime.clock.now(),
        written_by=principal.name,
        body_encrypted=cipher.encrypt(body.text),
    )
    session.add(note)
    session.flush()
    return {
        "id": note.id,
        "subject": note.subject,
        "written_at": note.written_at,
        "written_by": note.written_by,
        "text": body.text,
    }
