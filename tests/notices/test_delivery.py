"""Delivery: retries with exponential backoff, failure after the last attempt, the planners' alert for an
email not delivered in time, the monitor's view, the Notify adapter's request, and the CLI inbox."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.notices import service
from returnhub.notices.models import OutboxMessage
from returnhub.notices.sender import NotifyAdapter, OutgoingEmail, backoff, send_due
from returnhub.notices.settings import NoticesSettings
from returnhub.operations.models import Transfer
from returnhub.web.app import create_app

from ..auth_helpers import make_user

HTML = {"accept": "text/html,application/xhtml+xml"}
VALUES = {
    "transfer": "TR20260601-0001",
    "hub": "a hub",
    "departs": "4 June 2026 at 18:00 UTC",
    "load": "3",
    "min_load": "4",
    "reason": "people were taken off",
}


class Refusing:
    """A mail server that is down."""

    def __init__(self) -> None:
        self.tries = 0

    def send(self, email: OutgoingEmail) -> None:
        self.tries += 1
        raise ConnectionRefusedError("mail server down")

    def close(self) -> None:
        return None


def _issue(runtime: Runtime, clock: FixedClock) -> None:
    transfer = Transfer(
        reference=VALUES["transfer"], hub="GBR-MKD-H1", created_by="planner", monitor_on_board=False
    )
    with unit_of_work(runtime.engine) as s:
        service.issue(s, "under_minimum", VALUES, clock=clock, transfer=transfer)


def _row(runtime: Runtime) -> OutboxMessage:
    with unit_of_work(runtime.engine, read_only=True) as s:
        return s.execute(select(OutboxMessage)).scalar_one()


def test_a_failed_send_is_retried_with_backoff_and_fails_after_the_last_attempt(
    runtime: Runtime, clock: FixedClock
) -> None:
    settings = NoticesSettings(notices_max_attempts=3, notices_backoff_seconds=2.0)
    make_user(runtime, "operations_planner", "planner")
    _issue(runtime, clock)
    server = Refusing()
    assert send_due(runtime.engine, server, clock=clock, settings=settings)["failed"] == 1
    row = _row(runtime)
    assert row.status == "pending" and row.attempts == 1 and "mail server down" in (row.last_error or "")
    # Not due again before its backoff has run.
    assert send_due(runtime.engine, server, clock=clock, settings=settings) == {"sent": 0, "failed": 0}
    clock.advance(timedelta(seconds=2))
    send_due(runtime.engine, server, clock=clock, settings=settings)
    clock.advance(timedelta(seconds=3))
    assert send_due(runtime.engine, server, clock=clock, settings=settings) == {"sent": 0, "failed": 0}
    clock.advance(timedelta(seconds=1))  # 2 × 2^1 = 4 seconds after the second failure
    send_due(runtime.engine, server, clock=clock, settings=settings)
    assert _row(runtime).status == "failed" and server.tries == 3
    assert [backoff(n, settings) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]


def test_an_email_not_delivered_in_time_alerts_the_planner_and_the_monitor_sees_it(
    runtime: Runtime, clock: FixedClock
) -> None:
    planner = make_user(runtime, "operations_planner", "planner")
    monitor = make_user(runtime, "independent_monitor", "monitor")
    _issue(runtime, clock)
    from fastapi.testclient import TestClient

    app = create_app(runtime)
    with TestClient(app, headers={"Authorization": f"Bearer {planner}"}) as client:
        assert "have not reached their recipients in time" not in client.get("/ui/", headers=HTML).text
        clock.advance(timedelta(minutes=16))
        page = client.get("/ui/", headers=HTML).text
        assert "have not reached their recipients in time" in page and VALUES["transfer"] in page
    with TestClient(app, headers={"Authorization": f"Bearer {monitor}"}) as client:
        rows = client.get("/notices/deliveries").json()
        assert [(r["recipient"], r["status"]) for r in rows] == [("planner", "pending")]
        assert "Email delivery of notices" in client.get("/ui/notices/deliveries", headers=HTML).text
    with TestClient(app, headers={"Authorization": f"Bearer {planner}"}) as client:
        assert client.get("/notices/deliveries").status_code == 403


def test_the_notify_adapter_sends_the_key_as_its_reference() -> None:
    calls: list[tuple[str, dict[str, str], dict[str, Any]]] = []

    def post(url: str, headers: dict[str, str], payload: dict[str, Any]) -> int:
        calls.append((url, headers, payload))
        return 201

    key = (
        "returnhub-" + "1" * 8 + "-1111-1111-1111-" + "1" * 12 + "-" + "2" * 8 + "-2222-2222-2222-" + "2" * 12
    )
    adapter = NotifyAdapter(NoticesSettings(notify_api_key=key, notify_template_id="t-1"), post=post)
    adapter.send(OutgoingEmail(7, "<notice-7@returnhub.example>", "a@b", "Subject", "Body", "taken_off"))
    url, headers, payload = calls[0]
    assert url.endswith("/v2/notifications/email") and headers["Authorization"].startswith("Bearer ey")
    assert payload["reference"] == "<notice-7@returnhub.example>" and payload["template_id"] == "t-1"
    assert payload["personalisation"] == {"subject": "Subject", "body": "Body"}


def test_the_cli_lists_a_users_inbox(runtime: Runtime, clock: FixedClock) -> None:
    from returnhub import cli

    make_user(runtime, "operations_planner", "planner")
    _issue(runtime, clock)
    cli.set_runtime(runtime)
    try:
        runner = CliRunner()
        listed = runner.invoke(cli.app, ["notices", "list", "--user", "planner", "--unread", "--json"])
        assert listed.exit_code == 0, listed.output
        rows = json.loads(listed.stdout)
        assert [r["subject"] for r in rows] == [f"Transfer {VALUES['transfer']} is under its minimum load"]
        read = runner.invoke(cli.app, ["notices", "read", str(rows[0]["id"]), "--user", "planner", "--json"])
        assert read.exit_code == 0 and json.loads(read.stdout)["read"] is True
        after = runner.invoke(cli.app, ["notices", "list", "--user", "planner", "--unread", "--json"])
        assert json.loads(after.stdout) == []
    finally:
        cli.set_runtime(None)


@pytest.mark.parametrize("user", ["nobody"])
def test_the_cli_refuses_an_unknown_user_in_one_line(runtime: Runtime, user: str) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "returnhub.notices", "list", "--user", user],
        env={"RETURNHUB_DATABASE_URL": runtime.settings.database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stderr.strip() == "error: no user named 'nobody'"


def test_serve_can_send_the_outbox_itself(
    runtime: Runtime,
    clock: FixedClock,
    smtp_server: tuple[NoticesSettings, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    from fastapi.testclient import TestClient

    from returnhub.notices.mailbox import read_mailbox

    settings, directory = smtp_server
    monkeypatch.setenv("RETURNHUB_NOTICES_SEND_IN_SERVE", "1")
    monkeypatch.setenv("RETURNHUB_SMTP_PORT", str(settings.smtp_port))
    make_user(runtime, "operations_planner", "planner")
    _issue(runtime, clock)
    with TestClient(create_app(runtime)):
        deadline = time.monotonic() + 30
        while not read_mailbox(directory)["stored"] and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [m["to"] for m in read_mailbox(directory)["messages"]] == ["planner@returnhub.example"]
    assert _row(runtime).status == "sent"
