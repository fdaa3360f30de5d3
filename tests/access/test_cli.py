"""`returnhub users ...`, `subject export`, `retention report`, `keys ...`: one-line errors, exit codes."""

from __future__ import annotations

import io
import json
import sys
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from returnhub import cli
from returnhub.access.roles import Role
from returnhub.core.runtime import Runtime
from returnhub.web.app import create_app

from .conftest import IN_SCOPE, OUT_OF_SCOPE, World, build_people


def run(
    runtime: Runtime, capsys: pytest.CaptureFixture[str], *args: str, stdin: str = ""
) -> tuple[int, str, str]:
    cli.set_runtime(runtime)
    old_argv, old_stdin = sys.argv, sys.stdin
    sys.argv = ["returnhub", *args]
    sys.stdin = io.StringIO(stdin)
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv, sys.stdin = old_argv, old_stdin
        cli.set_runtime(None)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_users_add_then_sign_in(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    password = "a passphrase long enough"
    code, out, _ = run(
        runtime,
        capsys,
        "users",
        "add",
        "Liaison.One",
        "--role",
        "hub-liaison",
        "--hub",
        "gbr-mkd-h1",
        "--password-stdin",
        "--json",
        stdin=password + "\n",
    )
    assert code == 0
    view = json.loads(out)
    assert view["name"] == "liaison.one" and view["role"] == "hub_liaison" and view["hubs"] == ["GBR-MKD-H1"]
    assert view["created_by"].startswith("cli:")
    with TestClient(create_app(runtime)) as client:
        r = client.post("/auth/token", json={"name": "liaison.one", "password": password})
        assert r.status_code == 200 and r.json()["role"] == "hub_liaison"
    code, out, _ = run(runtime, capsys, "users", "list", "--json")
    assert [u["name"] for u in json.loads(out)] == ["liaison.one"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["users", "add", "x.y", "--role", "pope", "--password-stdin"],
            "a passphrase long enough\n",
            "unknown role",
        ),
        (["users", "add", "x.y", "--role", "analyst", "--password-stdin"], "short\n", "at least"),
        (
            ["users", "add", "X Y!", "--role", "analyst", "--password-stdin"],
            "a passphrase long enough\n",
            "user name",
        ),
        (
            ["users", "add", "x.y", "--role", "analyst", "--hub", "H1", "--password-stdin"],
            "a passphrase long enough\n",
            "hub liaison",
        ),
        (["users", "represent", "nobody", "RH0000001"], "", "no user"),
    ],
)
def test_users_errors_are_one_line_and_write_nothing(
    runtime: Runtime, capsys: pytest.CaptureFixture[str], args: list[str], stdin: str, message: str
) -> None:
    code, _, err = run(runtime, capsys, *args, stdin=stdin)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert json.loads(run(runtime, capsys, "users", "list", "--json")[1]) == []


def test_a_duplicate_user_is_refused(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["users", "add", "dup.one", "--role", "analyst", "--password-stdin"]
    assert run(runtime, capsys, *args, stdin="a passphrase long enough\n")[0] == 0
    code, _, err = run(runtime, capsys, *args, stdin="a passphrase long enough\n")
    assert code == 2 and "already exists" in err


def test_represent_and_unlock(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    build_people(runtime)
    run(
        runtime,
        capsys,
        "users",
        "add",
        "rep.one",
        "--role",
        "legal_representative",
        "--password-stdin",
        stdin="a passphrase long enough\n",
    )
    assert run(runtime, capsys, "users", "represent", "rep.one", IN_SCOPE.lower())[0] == 0
    code, _, err = run(runtime, capsys, "users", "represent", "rep.one", "RH7777777")
    assert code == 2 and "no case" in err
    assert run(runtime, capsys, "users", "unlock", "rep.one")[0] == 0
    users = json.loads(run(runtime, capsys, "users", "list", "--json")[1])
    assert users[0]["clients"] == [IN_SCOPE] and users[0]["version"] == 2


def test_subject_export_holds_everything_and_is_itself_logged(
    world: World, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    c = world.client
    c.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER))
    c.get(f"/cases/{OUT_OF_SCOPE}", headers=world.headers(Role.CASEWORKER))
    c.post(
        "/monitoring-notes",
        json={"subject": IN_SCOPE, "text": "Asked for a doctor."},
        headers=world.headers(Role.INDEPENDENT_MONITOR),
    )
    code, out, _ = run(world.runtime, capsys, "subject", "export", IN_SCOPE.lower(), "--by", "dpo.one")
    assert code == 0
    doc = json.loads(out)
    assert doc["subject"] == IN_SCOPE and doc["format"] == "returnhub-subject-export/1"
    records = doc["records"]
    assert [p["reference"] for p in records["persons"]] == [IN_SCOPE]
    assert len(records["case_events"]) == len(doc["case"]["timeline"]) == 6
    assert records["case_projection"][0]["hub"] == "GBR-MKD-H1"
    assert [r["case_reference"] for r in records["representations"]] == [IN_SCOPE]
    assert [n["text"] for n in records["monitoring_notes"]] == ["Asked for a doctor."]
    # Who looked at the record: the caseworker's read (not the read of the other person), and the export
    # itself, logged under the name of who asked for it before anything was produced.
    access = records["access_log"]
    assert {a["case_reference"] for a in access} == {IN_SCOPE}
    assert [(a["role"], a["method"]) for a in access] == [("caseworker", "GET"), ("operator", "EXPORT")]
    assert access[-1]["user_name"] == "dpo.one"
    assert OUT_OF_SCOPE not in out
    code, _, err = run(world.runtime, capsys, "subject", "export", "RH7777777")
    assert code == 2 and "no case" in err


def test_retention_report_is_a_dry_run(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER))
    code, out, _ = run(world.runtime, capsys, "retention", "report", "--json")
    report = json.loads(out)
    assert code == 0 and report["dry_run"] is True
    by_type = {r["record_type"]: r for r in report["rules"]}
    assert set(by_type) == {"case", "access_log", "api_token", "monitoring_note", "sealed_value"}
    assert by_type["access_log"]["would_erase"] == 0
    # Eleven years on, the access entry and every (ten-year test) token are past their periods; the open
    # cases are not.
    world.runtime.clock.advance(timedelta(days=11 * 365))  # type: ignore[attr-defined]
    later = {
        r["record_type"]: r
        for r in json.loads(run(world.runtime, capsys, "retention", "report", "--json")[1])["rules"]
    }
    assert later["access_log"]["would_erase"] == 1
    assert later["api_token"]["would_erase"] == len(Role)
    assert later["case"]["would_erase"] == 0  # neither person has left a hub or been granted
    code, _, err = run(world.runtime, capsys, "retention", "report", "--erase")
    assert code == 2 and "not available" in err
    # Nothing was erased.
    assert json.loads(run(world.runtime, capsys, "retention", "report", "--json")[1]) == json.loads(
        run(world.runtime, capsys, "retention", "report", "--json")[1]
    )


def test_keys_generate_and_rotate(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = run(world.runtime, capsys, "keys", "generate")[1].strip()
    new = run(world.runtime, capsys, "keys", "generate")[1].strip()
    assert old != new and len(old) == 44
    from returnhub.access.settings import AccessSettings

    world.app.state.access_settings = AccessSettings(field_keys=old)
    monitor = world.headers(Role.INDEPENDENT_MONITOR)
    world.client.post(
        "/monitoring-notes", json={"subject": "GBR-MKD-H1", "text": "Cells overcrowded."}, headers=monitor
    )
    monkeypatch.setenv("RETURNHUB_FIELD_KEYS", f"{new},{old}")
    code, out, _ = run(world.runtime, capsys, "keys", "rotate", "--json")
    assert code == 0 and json.loads(out) == {"monitoring_notes": 1, "sealed_values": 0}
    world.app.state.access_settings = AccessSettings(field_keys=new)
    assert [n["text"] for n in world.client.get("/monitoring-notes", headers=monitor).json()] == [
        "Cells overcrowded."
    ]
