"""Sign-in: Argon2 passwords, opaque bearer tokens stored hashed, lock-out, expiry, revocation, and web
sessions whose writes need a CSRF token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnhub.access.models import ApiToken, User
from returnhub.access.service import hash_secret
from returnhub.access.settings import AccessSettings
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.web.app import create_app
from tests.auth_helpers import PASSWORD, auth_headers, make_user

SETTINGS = AccessSettings(
    argon2_memory_kib=64,
    argon2_time_cost=1,
    sign_in_free_failures_per_account=3,
    token_ttl_minutes=60,
    session_cookie_secure=False,  # the test client speaks plain HTTP
)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(runtime)
    app.state.access_settings = SETTINGS
    with TestClient(app) as c:
        yield c


def _sign_in(client: TestClient, name: str, password: str = PASSWORD) -> tuple[int, dict[str, object]]:
    r = client.post("/auth/token", json={"name": name, "password": password})
    return r.status_code, r.json()


def _bearer(token: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_sign_in_gives_a_token_stored_only_as_its_hash(runtime: Runtime, client: TestClient) -> None:
    make_user(runtime, "caseworker", "cw.one")
    status, body = _sign_in(client, "CW.One")
    assert status == 200 and body["role"] == "caseworker" and body["token_type"] == "bearer"
    token = str(body["access_token"])
    assert token.startswith("rh_") and len(token) > 40
    me = client.get("/auth/me", headers=_bearer(token)).json()
    assert me == {"name": "cw.one", "role": "caseworker", "via_session": False, "hubs": [], "clients": []}
    with unit_of_work(runtime.engine, read_only=True) as s:
        stored = set(s.execute(select(ApiToken.token_hash)).scalars())
        password_hash = s.execute(select(User.password_hash).where(User.name == "cw.one")).scalar_one()
    assert token not in stored and hash_secret(token) in stored
    assert password_hash.startswith("$argon2id$") and PASSWORD not in password_hash


def test_every_sign_in_failure_is_the_same_401_problem(runtime: Runtime, client: TestClient) -> None:
    make_user(runtime, "analyst", "an.one")
    wrong = client.post("/auth/token", json={"name": "an.one", "password": "not the password"})
    unknown = client.post("/auth/token", json={"name": "nobody.here", "password": PASSWORD})
    for r in (wrong, unknown):
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.json() == unknown.json()


def test_repeated_failures_make_the_next_attempt_wait_until_it_passes_or_an_admin_unlocks(
    runtime: Runtime, client: TestClient, clock: FixedClock
) -> None:
    """No lock-out (issue 15): past the free failures the next attempt waits, longer each time."""
    make_user(runtime, "caseworker", "cw.two")
    for _ in range(SETTINGS.sign_in_free_failures_per_account + 1):
        assert _sign_in(client, "cw.two", "wrong password!")[0] == 401
    # Must wait: even the right password is not checked, and the answer says for how long.
    waiting = client.post("/auth/token", json={"name": "cw.two", "password": PASSWORD})
    assert waiting.status_code == 429 and waiting.headers["content-type"] == "application/problem+json"
    assert int(waiting.headers["retry-after"]) >= 1
    clock.advance(timedelta(seconds=int(waiting.headers["retry-after"])))
    assert _sign_in(client, "cw.two")[0] == 200
    # Fail again past the free failures, and this time an administrator clears the wait.
    for _ in range(SETTINGS.sign_in_free_failures_per_account + 1):
        _sign_in(client, "cw.two", "wrong password!")
    assert _sign_in(client, "cw.two")[0] == 429
    admin = auth_headers(runtime, "admin")
    r = client.patch("/users/cw.two", json={"unlock": True}, headers=admin)
    assert r.status_code == 200 and r.json()["locked"] is False
    assert _sign_in(client, "cw.two")[0] == 200


def test_failures_below_the_threshold_are_forgotten_after_a_success(
    runtime: Runtime, client: TestClient
) -> None:
    make_user(runtime, "caseworker", "cw.three")
    for _ in range(SETTINGS.sign_in_free_failures_per_account):
        _sign_in(client, "cw.three", "wrong password!")
    assert _sign_in(client, "cw.three")[0] == 200
    for _ in range(SETTINGS.sign_in_free_failures_per_account):
        _sign_in(client, "cw.three", "wrong password!")
    assert _sign_in(client, "cw.three")[0] == 200


def test_tokens_expire_and_end_at_sign_out_role_change_or_deactivation(
    runtime: Runtime, client: TestClient, clock: FixedClock
) -> None:
    make_user(runtime, "caseworker", "cw.four")
    admin = auth_headers(runtime, "admin")
    _, body = _sign_in(client, "cw.four")
    first = _bearer(body["access_token"])
    assert client.get("/auth/me", headers=first).status_code == 200
    clock.advance(timedelta(minutes=SETTINGS.token_ttl_minutes + 1))
    assert client.get("/auth/me", headers=first).status_code == 401

    second = _bearer(_sign_in(client, "cw.four")[1]["access_token"])
    assert client.post("/auth/sign-out", headers=second).status_code == 204
    assert client.get("/auth/me", headers=second).status_code == 401

    third = _bearer(_sign_in(client, "cw.four")[1]["access_token"])
    assert client.patch("/users/cw.four", json={"role": "analyst"}, headers=admin).status_code == 200
    assert client.get("/auth/me", headers=third).status_code == 401
    fourth = _bearer(_sign_in(client, "cw.four")[1]["access_token"])
    assert client.get("/auth/me", headers=fourth).json()["role"] == "analyst"
    assert client.patch("/users/cw.four", json={"active": False}, headers=admin).status_code == 200
    assert client.get("/auth/me", headers=fourth).status_code == 401
    assert _sign_in(client, "cw.four")[0] == 401


def test_garbage_credentials_are_401(client: TestClient) -> None:
    for header in ("Bearer nonsense", "Bearer rh_" + "x" * 43, "Basic dXNlcjpwYXNz", "Bearer"):
        r = client.get("/cases", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.headers["content-type"] == "application/problem+json"


def test_a_web_session_needs_its_csrf_token_for_writes(runtime: Runtime, client: TestClient) -> None:
    make_user(runtime, "independent_monitor", "mon.one")
    r = client.post("/auth/session", json={"name": "mon.one", "password": PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    csrf = r.json()["csrf_token"]
    # Reads work on the cookie alone.
    me = client.get("/auth/me").json()
    assert me["name"] == "mon.one" and me["via_session"] is True
    # A write without the CSRF token (what a forged cross-site form would send) is refused.
    note = {"subject": "GBR-MKD-H1", "text": "Visited; water supply restored."}
    refused = client.post("/monitoring-notes", json=note)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert client.post("/monitoring-notes", json=note, headers={"X-CSRF-Token": "guess"}).status_code == 403
    assert client.post("/monitoring-notes", json=note, headers={"X-CSRF-Token": csrf}).status_code == 201
    # The session cookie is not a bearer token.
    session_token = str(client.cookies.get("returnhub_session"))
    client.cookies.clear()
    assert client.get("/auth/me", headers=_bearer(session_token)).status_code == 401
    client.cookies.set("returnhub_session", session_token)
    assert client.post("/auth/sign-out", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set("returnhub_session", session_token)  # replaying the cookie after sign-out
    assert client.get("/auth/me").status_code == 401
