"""The authorisation matrix: every route x every role x an in-scope and an out-of-scope record, with the
expected answer derived from the declared permissions, checked against the live app.

* every operation of the app is declared, and every declaration names an operation of the app;
* without credentials, every operation but the public ones answers 401;
* a role the table does not list gets 403;
* a scoped role (legal representative, hub liaison) asking for a record outside its scope gets 404;
* every other allowed call gets exactly what an unscoped allowed role gets for the same request (so the
  guard neither blocks it nor changes it). Request bodies are deliberately invalid, so nothing is written.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from returnhub.access.deps import app_operations
from returnhub.access.permissions import (
    PERMISSIONS,
    PUBLIC_DOCUMENT_PATHS,
    PUBLIC_STATIC_PREFIXES,
    Permission,
    Scope,
)
from returnhub.access.roles import SCOPED_ROLES, Role
from returnhub.web.app import create_app
from tests.auth_helpers import auth_headers

from .conftest import HUB_IN, HUB_OUT, IN_SCOPE, OUT_OF_SCOPE, World

GENERIC = {"name": "nobody", "country": "MKD", "state": "GBR", "reference": "X1"}


class _Values(dict[str, str]):
    """Path values; any parameter not named (an id of a plan, a run, a screening...) gets "1"."""

    def __missing__(self, key: str) -> str:
        return "1"


# They revoke the token they are called with: checked on their own below.
SIGN_OUTS = {("POST", "/auth/sign-out"), ("POST", "/ui/sign-out")}


def _variants(path: str, permission: Permission, world: World) -> list[tuple[str, bool]]:
    """Concrete paths for a template: (path, in_scope)."""
    values = _Values(GENERIC)
    if path.startswith("/transfers/"):
        values["reference"] = "T-NONE"
    if path.startswith("/users/") and path.endswith("{reference}"):
        values["reference"] = IN_SCOPE
    pairs: list[tuple[str, bool]]
    if permission.scope is Scope.CASE:
        pairs = [(IN_SCOPE, True), (OUT_OF_SCOPE, False)]
    elif permission.scope is Scope.HUB:
        pairs = [(HUB_IN, True), (HUB_OUT, False)]
    elif permission.scope is Scope.TRANSFER:
        pairs = [(world.transfer_in, True), (world.transfer_out, False)]
    else:
        return [(path.format_map(values), True)]
    assert permission.param is not None
    return [
        (path.format_map(_Values({**values, permission.param: value})), inside) for value, inside in pairs
    ]


def _call(world: World, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    body: dict[str, Any] | None = {"__matrix__": True} if method in ("POST", "PATCH", "PUT") else None
    return world.client.request(method, path, headers=headers, json=body)


def _baseline_role(permission: Permission) -> Role:
    unscoped = sorted(permission.roles - SCOPED_ROLES)
    return Role.ADMIN if Role.ADMIN in permission.roles else unscoped[0]


def test_every_operation_is_declared_and_every_declaration_exists(world: World) -> None:
    operations, others = app_operations(world.app)
    assert operations - set(PERMISSIONS) == set(), "undeclared operations: declare them in permissions.py"
    assert set(PERMISSIONS) - operations == set(), "declarations of operations the app does not have"
    static_mounts = {path for path in others if (path + "/").startswith(PUBLIC_STATIC_PREFIXES)}
    assert others - static_mounts <= PUBLIC_DOCUMENT_PATHS, (
        f"routes outside FastAPI's routing: {others - static_mounts - PUBLIC_DOCUMENT_PATHS}"
    )


def test_authorisation_matrix(world: World) -> None:
    checked = 0
    failures: list[str] = []
    for (method, template), permission in sorted(PERMISSIONS.items()):
        if (method, template) in SIGN_OUTS:
            continue
        for path, in_scope in _variants(template, permission, world):
            anonymous = _call(world, method, path, {})
            if permission.public:
                if anonymous.status_code == 401:
                    failures.append(f"{method} {path}: public but 401")
                continue
            if (
                anonymous.status_code != 401
                or anonymous.headers["content-type"] != "application/problem+json"
            ):
                failures.append(f"{method} {path} anonymous: {anonymous.status_code}, expected 401")
            baseline = _call(world, method, path, world.headers(_baseline_role(permission)))
            for role in Role:
                got = _call(world, method, path, world.headers(role))
                checked += 1
                if role not in permission.roles:
                    expected: int | str = 403
                elif role in SCOPED_ROLES and not in_scope:
                    expected = 404
                else:
                    expected = baseline.status_code
                if got.status_code != expected or (expected in (401, 403) and role in permission.roles):
                    failures.append(
                        f"{method} {path} as {role.value} (in scope: {in_scope}): "
                        f"{got.status_code}, expected {expected}: {got.text[:160]}"
                    )
                if got.status_code >= 400 and got.headers["content-type"] != "application/problem+json":
                    failures.append(f"{method} {path} as {role.value}: error is not problem+json")
    assert not failures, "\n".join(failures)
    assert checked > 500


def test_every_role_may_sign_out_and_is_then_signed_out(world: World) -> None:
    for role in Role:
        headers = auth_headers(
            world.runtime,
            role,
            clients=[IN_SCOPE] if role is Role.LEGAL_REPRESENTATIVE else (),
            hubs=[HUB_IN] if role is Role.HUB_LIAISON else (),
        )
        assert world.client.get("/auth/me", headers=headers).json()["role"] == role.value
        assert world.client.post("/auth/sign-out", headers=headers).status_code == 204
        assert world.client.get("/auth/me", headers=headers).status_code == 401


def test_a_newly_included_router_is_protected_and_refused_until_declared(world: World) -> None:
    """The lead will include allocation and simulation routers later: they are guarded without any
    change to them, and refused to everyone (fail closed) until their operations are declared."""
    app = create_app(world.runtime)
    extra = APIRouter(prefix="/allocation")

    @extra.get("/plans")
    def plans() -> list[str]:
        return ["a plan"]

    app.include_router(extra)
    operations, _ = app_operations(app)
    assert ("GET", "/allocation/plans") in operations - set(PERMISSIONS)
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        assert client.get("/allocation/plans").status_code == 401
        refused = client.get("/allocation/plans", headers=world.headers(Role.ADMIN))
        assert refused.status_code == 403 and "no declared permission" in refused.json()["detail"]


@pytest.mark.parametrize("path", ["/health", "/openapi.json", "/docs"])
def test_public_paths_need_no_credentials(world: World, path: str) -> None:
    assert world.client.get(path).status_code == 200
