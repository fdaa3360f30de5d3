"""The access log stores exactly what it hashes, and a request that cannot be logged never succeeds or
fails quietly (issue 15, finding 1 and the swallowed log error of finding 2)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from returnhub.access import audit
from returnhub.access.audit import AccessRecord, as_stored, verify_access_log
from returnhub.access.models import AccessLogEntry
from returnhub.access.roles import Role
from returnhub.core.database import unit_of_work

from .conftest import IN_SCOPE, MISSING, World
from .test_audit import broken_access_log  # noqa: F401 - the fixture, used by name below


def _verify(world: World) -> dict[str, object]:
    answer = world.client.get("/access-log/verify", headers=world.headers(Role.INDEPENDENT_MONITOR))
    assert answer.status_code == 200, answer.text[:300]
    body: dict[str, object] = answer.json()
    return body


def test_a_long_query_and_a_long_denied_path_leave_a_chain_that_verifies(world: World) -> None:
    rep = world.headers(Role.LEGAL_REPRESENTATIVE)
    assert world.client.get("/cases?status=" + "x" * 600, headers=rep).status_code == 422
    long_path = "/cases/" + "R" * 5000
    assert world.client.get(long_path, headers=rep).status_code == 404
    report = _verify(world)
    assert report["ok"] is True and report["entries"] >= 2, report
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        rows = list(s.execute(select(AccessLogEntry).order_by(AccessLogEntry.id)).scalars())
        assert verify_access_log(s).ok
    assert any(len(r.query) == 500 and r.query.startswith("status=xxx") for r in rows)
    assert any(len(r.path) == 500 and r.path.startswith("/cases/RRR") for r in rows)


def test_the_stored_record_is_cut_to_its_columns_and_storable() -> None:
    record = AccessRecord(
        user_name="u" * 100,
        role="admin",
        method="GET",
        route="/cases/{reference}",
        path="/cases/RH\x00" + "é" * 600,
        query="a=\ud800",
        case_reference="RH0000001",
        client="testclient",
        outcome="granted",
        status=200,
    )
    stored = as_stored(record)
    assert len(stored.user_name) == 64 and len(stored.path) == 500
    assert "\x00" not in stored.path and stored.query == "a=?"
    assert as_stored(stored) == stored  # cutting again changes nothing: verify hashes what is stored


@pytest.mark.usefixtures("broken_access_log")
def test_a_failed_read_that_cannot_be_logged_answers_503_not_its_own_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import returnhub.casework.router as cases_router

    def _fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the read itself failed")

    monkeypatch.setattr(cases_router, "show_case", _fails)
    failed = world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER))
    assert failed.status_code == 503 and failed.json()["title"] == "Access log unavailable"
    refused = world.client.get(f"/cases/{MISSING}", headers=world.headers(Role.CASEWORKER))
    assert refused.status_code == 503


@pytest.mark.usefixtures("broken_access_log")
def test_an_unlogged_read_is_refused_whatever_the_path(world: World) -> None:
    for path in (f"/cases/{IN_SCOPE}", f"/cases/{IN_SCOPE}/events", "/cases?name=a", f"/ui/cases/{IN_SCOPE}"):
        answer = world.client.get(path, headers=world.headers(Role.CASEWORKER))
        assert answer.status_code == 503, (path, answer.status_code)
    assert audit.ACCESS_LEDGER == "access"
