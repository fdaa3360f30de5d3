"""The access log: every read and write of a person's record is logged (who, when, what, where from,
outcome), hash-chained and verifiable; a read that cannot be logged fails and discloses nothing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import Engine

from returnhub import cli
from returnhub.access.audit import verify_access_log
from returnhub.access.models import AccessLogEntry
from returnhub.access.roles import Role
from returnhub.casework.models import StoredEvent
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime

from .conftest import IN_SCOPE, MISSING, OUT_OF_SCOPE, World


def _entries(runtime: Runtime) -> list[AccessLogEntry]:
    with unit_of_work(runtime.engine, read_only=True) as s:
        return list(s.execute(select(AccessLogEntry).order_by(AccessLogEntry.id)).scalars())


def _events(runtime: Runtime) -> int:
    with unit_of_work(runtime.engine, read_only=True) as s:
        return int(s.execute(select(func.count()).select_from(StoredEvent)).scalar_one())


def test_reads_writes_and_refusals_of_person_records_are_logged(world: World) -> None:
    c, rt = world.client, world.runtime
    assert c.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER)).status_code == 200
    posted = c.post(
        f"/cases/{IN_SCOPE}/events",
        json={"type": "rule39_granted", "occurred_on": "2026-05-01"},
        headers=world.headers(Role.LEGAL_REPRESENTATIVE),
    )
    assert posted.status_code == 201
    assert c.get("/cases", params={"name": "Pers"}, headers=world.headers(Role.CASEWORKER)).status_code == 200
    assert (
        c.get(f"/cases/{OUT_OF_SCOPE}", headers=world.headers(Role.LEGAL_REPRESENTATIVE)).status_code == 404
    )
    assert c.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.ANALYST)).status_code == 403
    assert c.get(f"/cases/{MISSING}", headers=world.headers(Role.ADMIN)).status_code == 404
    # Not a person record: not logged.
    assert c.get("/rules", headers=world.headers(Role.CASEWORKER)).status_code == 200

    rows = [
        (e.role, e.method, e.route, e.case_reference, e.outcome, e.status, e.client) for e in _entries(rt)
    ]
    assert rows == [
        ("caseworker", "GET", "/cases/{reference}", IN_SCOPE, "granted", 200, "testclient"),
        ("legal_representative", "POST", "/cases/{reference}/events", IN_SCOPE, "granted", 201, "testclient"),
        ("caseworker", "GET", "/cases", None, "granted", 200, "testclient"),
        ("legal_representative", "GET", "/cases/{reference}", OUT_OF_SCOPE, "denied", 404, "testclient"),
        ("analyst", "GET", "/cases/{reference}", IN_SCOPE, "denied", 403, "testclient"),
        ("admin", "GET", "/cases/{reference}", MISSING, "failed", 404, "testclient"),
    ]
    entries = _entries(rt)
    assert entries[2].query == "name=Pers"
    assert entries[0].user_name.startswith("caseworker-") and entries[0].occurred_at is not None
    with unit_of_work(rt.engine, read_only=True) as s:
        recorded_by = (
            s.execute(select(StoredEvent.recorded_by).order_by(StoredEvent.id.desc())).scalars().first()
        )
        assert verify_access_log(s).ok
    assert recorded_by == entries[1].user_name  # the event names the same signed-in user as the log


def test_the_monitor_reads_and_verifies_the_log(world: World) -> None:
    c = world.client
    c.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER))
    page = c.get(
        "/access-log", params={"reference": IN_SCOPE}, headers=world.headers(Role.INDEPENDENT_MONITOR)
    )
    assert page.status_code == 200
    assert [e["case_reference"] for e in page.json()["data"]] == [IN_SCOPE]
    verified = c.get("/access-log/verify", headers=world.headers(Role.INDEPENDENT_MONITOR)).json()
    assert verified["ok"] is True and verified["entries"] == 2  # the read, and the monitor's own read
    assert c.get("/access-log", headers=world.headers(Role.CASEWORKER)).status_code == 403


@pytest.fixture
def broken_access_log(engine: Engine) -> Iterator[None]:
    """Make every insert into the access log fail, as a full disk or a lost connection would."""
    if engine.dialect.name == "postgresql":
        create = [
            "CREATE FUNCTION refuse_access_log() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'access log unavailable'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_access_log BEFORE INSERT ON access_log "
            "FOR EACH ROW EXECUTE FUNCTION refuse_access_log()",
        ]
        drop = [
            "DROP TRIGGER IF EXISTS refuse_access_log ON access_log",
            "DROP FUNCTION IF EXISTS refuse_access_log()",
        ]
    else:
        create = [
            "CREATE TRIGGER refuse_access_log BEFORE INSERT ON access_log "
            "BEGIN SELECT RAISE(ABORT, 'access log unavailable'); END"
        ]
        drop = ["DROP TRIGGER IF EXISTS refuse_access_log"]
    with engine.begin() as conn:
        for statement in create:
            conn.execute(text(statement))
    try:
        yield
    finally:
        with engine.begin() as conn:
            for statement in drop:
                conn.execute(text(statement))


def test_a_read_that_cannot_be_logged_fails_and_discloses_nothing(
    world: World, broken_access_log: None
) -> None:
    r = world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER))
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "Access log unavailable"
    assert "identity" not in r.text and "Person" not in r.text and "appeal" not in r.text
    listing = world.client.get("/cases", headers=world.headers(Role.CASEWORKER))
    assert listing.status_code == 503 and IN_SCOPE not in listing.text
    # Reads that touch no person record are unaffected.
    assert world.client.get("/rules", headers=world.headers(Role.CASEWORKER)).status_code == 200


def test_a_write_that_cannot_be_logged_is_not_made(world: World, broken_access_log: None) -> None:
    before = _events(world.runtime)
    r = world.client.post(
        f"/cases/{IN_SCOPE}/events",
        json={"type": "rule39_granted", "occurred_on": "2026-05-01"},
        headers=world.headers(Role.CASEWORKER),
    )
    assert r.status_code == 503
    assert _events(world.runtime) == before


def test_once_the_log_works_again_reads_are_served_and_logged(world: World, engine: Engine) -> None:
    assert world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER)).status_code == 200
    assert len(_entries(world.runtime)) == 1


def _verify_cli(runtime: Runtime, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    cli.set_runtime(runtime)
    old = sys.argv
    sys.argv = ["returnhub", "audit", "verify", *extra]
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
        cli.set_runtime(None)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_tampering_with_the_log_is_detected(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    c, rt = world.client, world.runtime
    for role in (Role.CASEWORKER, Role.SENIOR_CASEWORKER, Role.INDEPENDENT_MONITOR, Role.ADMIN):
        assert c.get(f"/cases/{IN_SCOPE}", headers=world.headers(role)).status_code == 200
    assert _verify_cli(rt, capsys, "--log", "access")[0] == 0
    entries = _entries(rt)
    second, last = entries[1], entries[-1]

    # Rewriting who read the record.
    with unit_of_work(rt.engine) as s:
        s.execute(
            update(AccessLogEntry).where(AccessLogEntry.id == second.id).values(user_name="someone.else")
        )
    code, out, err = _verify_cli(rt, capsys, "--log", "access", "--json")
    report: dict[str, Any] = __import__("json").loads(out)
    assert code == 1 and report["ok"] is False and report["first_broken_entry_id"] == second.id
    with unit_of_work(rt.engine) as s:
        s.execute(
            update(AccessLogEntry).where(AccessLogEntry.id == second.id).values(user_name=second.user_name)
        )
    assert _verify_cli(rt, capsys, "--log", "access")[0] == 0

    # Removing the most recent entry (nothing after it to break a link): the chain head catches it.
    with unit_of_work(rt.engine) as s:
        s.execute(delete(AccessLogEntry).where(AccessLogEntry.id == last.id))
    code, _, err = _verify_cli(rt, capsys, "--log", "access")
    assert code == 1 and "BROKEN" in err and "removed from the end" in err
    assert c.get("/access-log/verify", headers=world.headers(Role.INDEPENDENT_MONITOR)).json()["ok"] is False


def test_verify_names_the_known_logs(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _verify_cli(world.runtime, capsys, "--log", "nope")
    assert code == 2 and "events, access" in err
    assert _verify_cli(world.runtime, capsys, "--log", "events")[0] == 0
