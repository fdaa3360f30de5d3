"""API conventions the access context adds: security headers, a request size limit, RFC 9457 answers for
401/403/413, ETag and If-Match on account updates, and an OpenAPI document that states the security."""

from __future__ import annotations

from collections.abc import Iterator

from returnhub.access.roles import Role
from returnhub.access.settings import AccessSettings

from .conftest import IN_SCOPE, World


def test_security_headers_on_every_answer(world: World) -> None:
    answers = [
        world.client.get("/health"),
        world.client.get("/cases"),  # 401
        world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER)),  # 200
        world.client.get("/users", headers=world.headers(Role.CASEWORKER)),  # 403
    ]
    assert [a.status_code for a in answers] == [200, 401, 200, 403]
    for a in answers:
        assert a.headers["x-content-type-options"] == "nosniff"
        assert a.headers["x-frame-options"] == "DENY"
        assert a.headers["cache-control"] == "no-store"
        assert a.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in a.headers["content-security-policy"]
        assert a.headers["strict-transport-security"].startswith("max-age=")
    for a in answers[1:]:
        if a.status_code >= 400:
            body = a.json()
            assert a.headers["content-type"] == "application/problem+json"
            assert {"type", "title", "status", "detail", "instance"} <= body.keys()
            assert body["status"] == a.status_code


def test_request_bodies_over_the_limit_are_refused(world: World) -> None:
    world.app.state.access_settings = AccessSettings(max_request_bytes=2048)
    monitor = world.headers(Role.INDEPENDENT_MONITOR)
    small = {"subject": IN_SCOPE, "text": "x" * 100}
    big = {"subject": IN_SCOPE, "text": "x" * 5000}
    assert world.client.post("/monitoring-notes", json=small, headers=monitor).status_code == 201
    declared = world.client.post("/monitoring-notes", json=big, headers=monitor)
    assert declared.status_code == 413 and declared.headers["content-type"] == "application/problem+json"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the middleware counts
        yield b'{"subject": "RH0000001", "text": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'"}'

    chunked = world.client.post(
        "/monitoring-notes", content=chunks(), headers={**monitor, "Content-Type": "application/json"}
    )
    assert chunked.status_code == 413
    notes = world.client.get("/monitoring-notes", headers=monitor).json()
    assert [len(n["text"]) for n in notes] == [100]
    # Without credentials the answer is 401 before the body is even read.
    assert world.client.post("/monitoring-notes", json=big).status_code == 401


def test_account_updates_use_etag_and_if_match(world: World) -> None:
    admin = world.headers(Role.ADMIN)
    c = world.client
    created = c.post(
        "/users",
        json={"name": "cw.new", "role": "caseworker", "password": "a long enough password"},
        headers=admin,
    )
    assert created.status_code == 201 and created.headers["etag"] == '"1"'
    read = c.get("/users/cw.new", headers=admin)
    etag = read.headers["etag"]
    changed = c.patch(
        "/users/cw.new", json={"role": "senior_caseworker"}, headers={**admin, "If-Match": etag}
    )
    assert changed.status_code == 200 and changed.headers["etag"] == '"2"'
    stale = c.patch("/users/cw.new", json={"active": False}, headers={**admin, "If-Match": etag})
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"
    assert c.get("/users/cw.new", headers=admin).json()["active"] is True
    bad = c.patch("/users/cw.new", json={"active": False}, headers={**admin, "If-Match": "yesterday"})
    assert bad.status_code == 412
    duplicate = c.post(
        "/users",
        json={"name": "cw.new", "role": "analyst", "password": "a long enough password"},
        headers=admin,
    )
    assert duplicate.status_code == 409


def test_openapi_states_who_may_call_what(world: World) -> None:
    doc = world.client.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    assert doc["paths"]["/health"]["get"]["security"] == []
    assert doc["paths"]["/auth/token"]["post"]["security"] == []
    case = doc["paths"]["/cases/{reference}"]["get"]
    assert case["security"] == [{"bearerToken": []}]
    assert {"401", "403", "404", "503"} <= case["responses"].keys()
    assert "analyst" not in case["x-roles"] and "legal_representative" in case["x-roles"]
    assert "413" in doc["paths"]["/monitoring-notes"]["post"]["responses"]
