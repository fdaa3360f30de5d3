"""Signing in for API tests: make a user of a role, with its record scope, and a client that sends its token.

    with authed_client(runtime) as client:                       # an admin
    with authed_client(runtime, role="legal_representative", clients=["RH0000001"]) as client:
    headers = auth_headers(runtime, role="hub_liaison", hubs=["GBR-SRB-H1"])

Users are created with a cheap Argon2 cost (tests only) and get a long-lived token, so a test that moves
its clock forward does not find its token expired.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from returnhub.access.roles import Role
from returnhub.access.service import add_representation, add_user, issue_token
from returnhub.access.settings import AccessSettings
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime

CHEAP_HASHING = AccessSettings(argon2_memory_kib=64, argon2_time_cost=1, argon2_parallelism=1)
PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


def make_user(
    runtime: Runtime,
    role: str | Role = "admin",
    name: str | None = None,
    *,
    hubs: Iterable[str] = (),
    clients: Iterable[str] = (),
    password: str = PASSWORD,
) -> str:
    """Create a user (the cases in ``clients`` must exist) and return a bearer token for it."""
    role_value = Role(role).value
    user_name = name or f"{role_value.replace('_', '-')}-{next(_serial)}"
    with unit_of_work(runtime.engine) as session:
        user = add_user(
            session,
            user_name,
            role_value,
            password,
            settings=CHEAP_HASHING,
            clock=runtime.clock,
            created_by="test",
            hubs=hubs,
        )
        for reference in clients:
            add_representation(session, user_name, reference, clock=runtime.clock, granted_by="test")
        issued = issue_token(
            session, user, settings=CHEAP_HASHING, clock=runtime.clock, ttl=timedelta(days=3650)
        )
    return issued.token


def auth_headers(runtime: Runtime, role: str | Role = "admin", **kwargs: object) -> dict[str, str]:
    token = make_user(runtime, role, **kwargs)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


def authed_client(
    runtime: Runtime,
    role: str | Role = "admin",
    name: str | None = None,
    *,
    hubs: Iterable[str] = (),
    clients: Iterable[str] = (),
    app: FastAPI | None = None,
) -> TestClient:
    """A TestClient (use it as a context manager) that signs every request as a new user of ``role``."""
    from returnhub.web.app import create_app

    token = make_user(runtime, role, name, hubs=hubs, clients=clients)
    return TestClient(app or create_app(runtime), headers={"Authorization": f"Bearer {token}"})
