"""Killing the sender (kill -9 of ``python -m returnhub.notices send --loop``) at random points, 51 times,
loses no notice, and the mailbox holds exactly one copy of each: the at-least-once + dedupe-by-Message-ID
contract of ``notices/sender.py``. Raw deliveries may exceed the messages by at most one per kill (the one
email in flight when it died)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from returnhub.access.roles import Role
from returnhub.core.clock import FixedClock, SystemClock
from returnhub.core.database import create_engine, unit_of_work
from returnhub.notices import service
from returnhub.notices.mailbox import read_mailbox
from returnhub.notices.models import OutboxMessage
from returnhub.notices.sender import SmtpAdapter, send_due
from returnhub.notices.settings import NoticesSettings
from returnhub.operations.models import Transfer

from ..auth_helpers import make_user

MESSAGES = 240
KILLS = 51
FRESH_KILLS = 3

#: Forks a sender (running the ``notices send`` command itself) for each line read, prints its pid, reaps.
ZYGOTE = """
import os, sys
from returnhub.notices.cli import notices_app
import returnhub.notices.sender, returnhub.notices.models, returnhub.core.runtime
args = sys.argv[1:]
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        try:
            notices_app(args, standalone_mode=False)
        finally:
            os._exit(0)
    print(pid, flush=True)
    while True:
        try:
            done, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if done == 0:
            break
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
"""

pytestmark = pytest.mark.slow


def test_kill_minus_nine_loses_nothing_and_delivers_each_once(
    sqlite_url: str, smtp_server: tuple[NoticesSettings, Path]
) -> None:
    from returnhub.core.runtime import Runtime
    from returnhub.core.settings import Settings

    settings, directory = smtp_server
    engine = create_engine(sqlite_url)
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    runtime = Runtime(settings=Settings(database_url=sqlite_url), engine=engine, clock=clock)
    for n in range(3):
        make_user(runtime, Role.OPERATIONS_PLANNER, f"planner-{n}")
    # A transfer made by no planner's account: every planner is told (3 emails per notice).
    transfer = Transfer(
        reference="TR20260101-0001", hub="GBR-MKD-H1", created_by="a script", monitor_on_board=False
    )
    values = {
        "transfer": transfer.reference,
        "hub": "a hub",
        "departs": "1 January 2026",
        "load": "1",
        "min_load": "2",
        "reason": "people were taken off",
    }
    with unit_of_work(engine) as s:
        for _ in range(MESSAGES // 3):
            service.issue(
                s, "under_minimum", values, clock=clock, transfer=transfer, hub=None, settings=settings
            )
    env = {
        **os.environ,
        "RETURNHUB_DATABASE_URL": sqlite_url,
        "RETURNHUB_SMTP_PORT": str(settings.smtp_port),
        "RETURNHUB_NOTICES_LEASE_SECONDS": "1",
    }
    args = ["send", "--loop", "--interval", "0.05", "--batch", "4"]
    rng = random.Random(20)
    kills = 0
    # The command as an operator runs it, in a fresh interpreter, killed once it is in its loop.
    for _ in range(FRESH_KILLS):
        proc = subprocess.Popen(
            [sys.executable, "-m", "returnhub.notices", *args],
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
        )
        assert proc.stderr is not None
        proc.stderr.readline()  # "sender ready"
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
    # The same command forked from an interpreter that has imported it already (a fresh interpreter takes
    # seconds to start on a busy machine; a fork, milliseconds), killed at random points of its run.
    zygote = subprocess.Popen(
        [sys.executable, "-c", ZYGOTE, *args],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert zygote.stdin is not None and zygote.stdout is not None
    try:
        while kills < KILLS:
            zygote.stdin.write("fork\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline())
            time.sleep(rng.uniform(0.05, 0.6))
            os.kill(pid, signal.SIGKILL)
            kills += 1
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)
    with unit_of_work(engine, read_only=True) as s:
        sent_by_killed = s.execute(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
        ).scalar_one()
    assert 0 < sent_by_killed, "the killed senders should have sent some"
    print(f"sent by the killed senders: {sent_by_killed} of {MESSAGES}")

    # A last sender, after the leases of the killed ones ran out, finishes what is left.
    time.sleep(1.1)
    adapter = SmtpAdapter(settings.model_copy(update={"notices_lease_seconds": 1.0}))
    try:
        while send_due(
            engine,
            adapter,
            clock=SystemClock(),
            settings=settings.model_copy(update={"notices_lease_seconds": 1.0}),
            batch=50,
        )["sent"]:
            pass
    finally:
        adapter.close()

    with unit_of_work(engine, read_only=True) as s:
        rows = s.execute(select(OutboxMessage.status, OutboxMessage.message_id)).all()
    assert len(rows) == MESSAGES and {status for status, _ in rows} == {"sent"}
    box = read_mailbox(directory)
    # Nothing lost: every outbox row's Message-ID is in the mailbox; nothing twice: one copy each.
    assert {m["message_id"] for m in box["messages"]} == {mid for _, mid in rows}
    assert box["stored"] == box["unique_message_ids"] == MESSAGES
    # At least once: a duplicate delivery can only be the email in flight when a sender died.
    assert box["deliveries"] - MESSAGES <= kills
    assert kills >= 50
    print(f"kills {kills}, deliveries {box['deliveries']}, stored {box['stored']}")
