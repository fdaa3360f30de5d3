"""Accounts, sign-in (throttled, never locked out: ``throttle``), tokens and sessions, record-scope grants.
Never commits, except ``sign_in``, which runs short transactions of its own around the password check.

Tokens are opaque random strings (256 bits from ``secrets``) of which only the SHA-256 is stored. Chosen
over signed tokens (itsdangerous, JWT) because a stored token can be revoked at once (sign-out, a new
password, a leaver, a role change) without a deny-list, and there is no signing key whose leak would let
anyone mint credentials. A plain SHA-256 suffices for a 256-bit random secret: there is nothing to brute-
force, so the slow Argon2 is kept for passwords, which are guessable.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Engine, bindparam, delete, select, update
from sqlalchemy.orm import Session

from returnhub.access import throttle
from returnhub.access.models import ApiToken, HubAssignment, Representation, User
from returnhub.access.passwords import decoy_hash, password_hasher, verify_password
from returnhub.access.roles import Role, parse_role
from returnhub.access.settings import AccessSettings
from returnhub.access.views import UserOut
from returnhub.casework.store import get_person
from returnhub.core.clock import Clock
from returnhub.core.database import unit_of_work
from returnhub.core.errors import InvalidInput, NotFound, PreconditionFailed, StateConflict
from returnhub.core.time import utc

TOKEN_PREFIX = "rh_"
BEARER = "bearer"
SESSION = "session"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class Principal:
    """Who is making a request: the signed-in user, their role, and the token they used."""

    user_id: int
    name: str
    role: Role
    token_id: int | None = None
    via_session: bool = False


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    principal: Principal
    #: Only for web sessions: the value the browser must echo in ``X-CSRF-Token`` on every write.
    csrf_token: str | None = None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_name(name: str) -> str:
    value = name.strip().lower()
    if not NAME_PATTERN.match(value):
        raise InvalidInput(
            "a user name is 2 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
            f"starting with a letter or digit (not {name!r})"
        )
    return value


def _check_password(password: str, settings: AccessSettings) -> None:
    if len(password) < settings.min_password_length:
        raise InvalidInput(f"a password has at least {settings.min_password_length} characters")
    if len(password) > 1024:
        raise InvalidInput("a password has at most 1024 characters")


def _normalise_hubs(hubs: Iterable[str]) -> list[str]:
    out = sorted({h.strip().upper() for h in hubs if h.strip()})
    for h in out:
        if len(h) > 32:
            raise InvalidInput(f"hub reference {h!r} is longer than 32 characters")
    return out


# --- accounts -----------------------------------------------------------------------------------------


def add_user(
    session: Session,
    name: str,
    role: str | Role,
    password: str,
    *,
    settings: AccessSettings,
    clock: Clock,
    created_by: str,
    hubs: Iterable[str] = (),
) -> User:
    user_name = normalise_name(name)
    the_role = role if isinstance(role, Role) else parse_role(role)
    _check_password(password, settings)
    hub_list = _normalise_hubs(hubs)
    if hub_list and the_role is not Role.HUB_LIAISON:
        raise InvalidInput("only a hub liaison is assigned to hubs")
    if session.execute(select(User.id).where(User.name == user_name)).first() is not None:
        raise StateConflict(f"a user named {user_name!r} already exists")
    user = User(
        name=user_name,
        role=the_role.value,
        password_hash=password_hasher(settings).hash(password),
        active=True,
        failed_sign_ins=0,
        created_at=clock.now(),
        created_by=created_by,
        version=1,
    )
    session.add(user)
    session.flush()
    session.add_all(HubAssignment(user_id=user.id, hub=h) for h in hub_list)
    session.flush()
    return user


def get_user(session: Session, name: str) -> User:
    user = session.execute(select(User).where(User.name == name.strip().lower())).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.name)).scalars())


def hubs_of(session: Session, user_id: int) -> list[str]:
    return list(
        session.execute(
            select(HubAssignment.hub).where(HubAssignment.user_id == user_id).order_by(HubAssignment.hub)
        ).scalars()
    )


def clients_of(session: Session, user_id: int) -> list[str]:
    return list(
        session.execute(
            select(Representation.case_reference)
            .where(Representation.user_id == user_id)
            .order_by(Representation.case_reference)
        ).scalars()
    )


def user_view(session: Session, user: User, clock: Clock) -> UserOut:
    locked = user.locked_until is not None and utc(user.locked_until) > clock.now()
    return UserOut(
        name=user.name,
        role=Role(user.role),
        active=user.active,
        locked=locked,
        locked_until=utc(user.locked_until) if locked and user.locked_until else None,
        failed_sign_ins=user.failed_sign_ins,
        last_sign_in_at=utc(user.last_sign_in_at) if user.last_sign_in_at else None,
        created_at=utc(user.created_at),
        created_by=user.created_by,
        version=user.version,
        hubs=hubs_of(session, user.id),
        clients=clients_of(session, user.id),
    )


def update_user(
    session: Session,
    name: str,
    *,
    settings: AccessSettings,
    clock: Clock,
    expected_version: int | None = None,
    role: str | None = None,
    active: bool | None = None,
    unlock: bool = False,
    hubs: Iterable[str] | None = None,
    password: str | None = None,
) -> User:
    """Change an account. A change of role, deactivation or a new password ends every open session and
    token of the account, so the change takes effect on the next request, not at the next sign-in."""
    user = get_user(session, name)
    if expected_version is not None and expected_version != user.version:
        raise PreconditionFailed(
            f"user {user.name} is at version {user.version}, not {expected_version}; reload and try again",
            current_version=user.version,
        )
    revoke = False
    if role is not None:
        new_role = parse_role(role)
        if new_role.value != user.role:
            revoke = True
            user.role = new_role.value
    if active is not None and active != user.active:
        user.active = active
        revoke = revoke or not active
    if unlock:
        user.failed_sign_ins = 0
        user.locked_until = None
        throttle.clear_account(session, user.name)
    if password is not None:
        _check_password(password, settings)
        user.password_hash = password_hasher(settings).hash(password)
        revoke = True
    if hubs is not None:
        hub_list = _normalise_hubs(hubs)
        if hub_list and user.role != Role.HUB_LIAISON:
            raise InvalidInput("only a hub liaison is assigned to hubs")
        session.execute(delete(HubAssignment).where(HubAssignment.user_id == user.id))
        session.add_all(HubAssignment(user_id=user.id, hub=h) for h in hub_list)
    if user.role != Role.HUB_LIAISON:
        session.execute(delete(HubAssignment).where(HubAssignment.user_id == user.id))
    if user.role != Role.LEGAL_REPRESENTATIVE:
        session.execute(delete(Representation).where(Representation.user_id == user.id))
    if revoke:
        revoke_all_tokens(session, user.id, clock)
    user.version += 1
    session.flush()
    return user


# --- record scopes ------------------------------------------------------------------------------------


def add_representation(session: Session, name: str, reference: str, *, clock: Clock, granted_by: str) -> None:
    user = get_user(session, name)
    if user.role != Role.LEGAL_REPRESENTATIVE:
        raise InvalidInput(f"{user.name} is a {user.role}; only a legal representative represents clients")
    person = get_person(session, reference.strip().upper())
    exists = session.execute(
        select(Representation.id).where(
            Representation.user_id == user.id, Representation.case_reference == person.reference
        )
    ).first()
    if exists is not None:
        raise StateConflict(f"{user.name} already represents {person.reference}")
    session.add(
        Representation(
            user_id=user.id, case_reference=person.reference, granted_at=clock.now(), granted_by=granted_by
        )
    )
    session.flush()


def end_representation(session: Session, name: str, reference: str) -> None:
    user = get_user(session, name)
    result = session.execute(
        delete(Representation).where(
            Representation.user_id == user.id, Representation.case_reference == reference.strip().upper()
        )
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"{user.name} does not represent {reference.strip().upper()}")


# --- sign-in, tokens, sessions ------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _decoy(memory: int, time_cost: int, parallelism: int) -> str:
    settings = AccessSettings(
        argon2_memory_kib=memory, argon2_time_cost=time_cost, argon2_parallelism=parallelism
    )
    return decoy_hash(password_hasher(settings))


def sign_in(
    engine: Engine,
    name: str,
    password: str,
    *,
    source: str,
    settings: AccessSettings,
    clock: Clock,
    kind: str = BEARER,
) -> IssuedToken | None:
    """Check a password and issue a token, or count the failure and return None; refuse at once (429,
    ``throttle.SignInThrottled``) while the source, the account or the pair must wait.

    Unlike the rest of this module it runs its own transactions, so that Argon2 (the slow part, by design)
    runs between them and no write lock is held meanwhile: a short write that checks the throttles and
    counts the attempt as a failure until it is proven right (so attempts made at the same moment cannot all
    slip past one check), the verification, then a short write (the token issued and the count taken back,
    or the failure left counted). Every failure, whatever its cause, gives the caller the same None, so
    that it cannot tell an unknown name from a wrong password.
    """
    hasher = password_hasher(settings)
    user_name = name.strip().lower()
    with unit_of_work(engine) as session:
        now = clock.now()
        throttle.check(session, user_name, source, now=now)
        throttle.record_failure(session, user_name, source, now=now, settings=settings)
        found = session.execute(
            select(User.id, User.password_hash, User.active).where(User.name == user_name)
        ).first()
    if found is None:
        decoy = _decoy(settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism)
        verify_password(hasher, decoy, password)
        right = False
    else:
        right = verify_password(hasher, found.password_hash, password) and bool(found.active)
    # A hash made with lower cost settings is upgraded while the password is in hand, also before the write.
    stored_hash = found.password_hash if found is not None else ""
    upgraded = hasher.hash(password) if right and hasher.check_needs_rehash(stored_hash) else None
    with unit_of_work(engine) as session:
        now = clock.now()
        user = session.get(User, found.id) if found is not None else None
        if not right or user is None or not user.active or user.password_hash != stored_hash:
            # (A password changed between the two transactions counts as a failure: try again.)
            if user is not None:
                user.failed_sign_ins += 1
            return None
        if upgraded is not None:
            user.password_hash = upgraded
        throttle.record_success(session, user_name, source, settings=settings)
        user.failed_sign_ins = 0
        user.locked_until = None
        user.last_sign_in_at = now
        return issue_token(session, user, kind=kind, settings=settings, clock=clock)


def issue_token(
    session: Session,
    user: User,
    *,
    kind: str = BEARER,
    settings: AccessSettings,
    clock: Clock,
    ttl: timedelta | None = None,
) -> IssuedToken:
    if kind not in (BEARER, SESSION):
        raise InvalidInput(f"unknown token kind {kind!r}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32) if kind == SESSION else None
    now = clock.now()
    expires_at = now + (ttl or timedelta(minutes=settings.token_ttl_minutes))
    row = ApiToken(
        user_id=user.id,
        token_hash=hash_secret(token),
        kind=kind,
        csrf_hash=hash_secret(csrf) if csrf else None,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    principal = Principal(user.id, user.name, Role(user.role), row.id, via_session=kind == SESSION)
    return IssuedToken(token=token, expires_at=expires_at, principal=principal, csrf_token=csrf)


@dataclass(frozen=True)
class ResolvedToken:
    principal: Principal
    csrf_hash: str | None


# Built once: every authenticated request runs it, and building the statement cost more than running it.
_TOKEN_LOOKUP = (
    select(
        ApiToken.id,
        ApiToken.kind,
        ApiToken.csrf_hash,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        User.id,
        User.name,
        User.role,
        User.active,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def resolve_token(session: Session, token: str, *, kind: str, clock: Clock) -> ResolvedToken | None:
    """The principal behind a presented token, if it is live (known, unrevoked, unexpired, active user)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    row = session.execute(_TOKEN_LOOKUP, {"token_hash": hash_secret(token)}).first()
    if row is None:
        return None
    token_id, token_kind, csrf_hash, expires_at, revoked_at, user_id, name, role, active = row
    if token_kind != kind or revoked_at is not None or not active or utc(expires_at) <= clock.now():
        return None
    return ResolvedToken(Principal(user_id, name, Role(role), token_id, kind == SESSION), csrf_hash)


def csrf_matches(resolved: ResolvedToken, presented: str | None) -> bool:
    if not presented or resolved.csrf_hash is None:
        return False
    return hmac.compare_digest(hash_secret(presented), resolved.csrf_hash)


def revoke_token(session: Session, token_id: int, clock: Clock) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def revoke_all_tokens(session: Session, user_id: int, clock: Clock) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


# --- who is told (the notices context addresses people through these) -----------------------------------


def representatives_of(session: Session, reference: str) -> list[User]:
    """The active legal representatives who act for this client (nobody else's)."""
    return list(
        session.execute(
            select(User)
            .join(Representation, Representation.user_id == User.id)
            .where(
                Representation.case_reference == reference.strip().upper(),
                User.active.is_(True),
                User.role == Role.LEGAL_REPRESENTATIVE.value,
            )
            .order_by(User.id)
        ).scalars()
    )


def liaisons_of(session: Session, hub: str) -> list[User]:
    """The active hub liaisons assigned to a hub."""
    return list(
        session.execute(
            select(User)
            .join(HubAssignment, HubAssignment.user_id == User.id)
            .where(HubAssignment.hub == hub.strip().upper(), User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def active_users_with_role(session: Session, role: Role) -> list[User]:
    return list(
        session.execute(
            select(User).where(User.role == role.value, User.active.is_(True)).order_by(User.id)
        ).scalars()
    )


def has_users(session: Session) -> bool:
    """Whether any account exists (the demo seeds its users only into a database without any)."""
    return session.execute(select(User.id).limit(1)).first() is not None


def find_active_user(session: Session, name: str) -> User | None:
    return session.execute(
        select(User).where(User.name == name.strip().lower(), User.active.is_(True))
    ).scalar_one_or_none()


def user_names(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()
    return {int(i): str(n) for i, n in rows}
