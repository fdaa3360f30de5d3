"""Time from a notice's commit to its email's arrival in the local mailbox (aiosmtpd), over 1,000 notices.

The sender is its own process, as in production: ``python -m returnhub.notices send --loop --interval 0.05``
(polling every 50 ms when idle), sending to a local SMTP server (aiosmtpd, in this process) on a free
port. Notices are committed one per transaction, one every 50 ms (twenty a second: far busier than a charter
night), each addressed to one planner.
The reference is the delivery deadline after which a planner is alerted (``RETURNHUB_NOTICES_DELIVER_WITHIN_
MINUTES``, 15 minutes by default).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common

from returnhub.access.roles import Role
from returnhub.core.clock import SystemClock
from returnhub.core.database import create_engine, unit_of_work
from returnhub.core.migrate import upgrade
from returnhub.notices import service
from returnhub.notices.mailbox import MaildirHandler
from returnhub.notices.models import OutboxMessage
from returnhub.notices.settings import NoticesSettings
from returnhub.operations.models import Transfer

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
SPACING_SECONDS = 0.05
POLL_SECONDS = 0.05


def main() -> None:
    from aiosmtpd.controller import Controller

    work = Path(tempfile.mkdtemp(prefix="notices-latency-"))
    url = f"sqlite:///{work / 'notices.db'}"
    upgrade(url)
    engine = create_engine(url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    handler = MaildirHandler(work / "mail")
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings = NoticesSettings(smtp_port=port, mailbox_dir=work / "mail")
    clock = SystemClock()
    from returnhub.access.service import add_user
    from returnhub.access.settings import AccessSettings

    with unit_of_work(engine) as s:
        add_user(
            s,
            "planner",
            Role.OPERATIONS_PLANNER,
            "benchmark password",
            settings=AccessSettings(argon2_memory_kib=1024, argon2_time_cost=1),
            clock=clock,
            created_by="bench",
        )
    env = {
        **os.environ,
        "RETURNHUB_DATABASE_URL": url,
        "RETURNHUB_SMTP_PORT": str(port),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"),
    }
    sender = subprocess.Popen(
        [sys.executable, "-m", "returnhub.notices", "send", "--loop", "--interval", str(POLL_SECONDS)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    assert sender.stderr is not None
    sender.stderr.readline()  # "sender ready"
    transfer = Transfer(
        reference="TR20260601-0001", hub="GBR-MKD-H1", created_by="planner", monitor_on_board=False
    )
    values = {
        "transfer": transfer.reference,
        "hub": "a hub",
        "departs": "1 June 2026 at 18:00 UTC",
        "load": "3",
        "min_load": "4",
        "reason": "people were taken off",
    }
    committed: dict[str, float] = {}
    for _ in range(N):
        with unit_of_work(engine) as s:
            notice = service.issue(
                s, "under_minimum", values, clock=clock, transfer=transfer, settings=settings
            )[0]
            s.flush()
            message_id = (
                s.query(OutboxMessage.message_id).filter(OutboxMessage.notice_id == notice.id).scalar()
            )
        committed[str(message_id)] = time.time()
        time.sleep(SPACING_SECONDS)
    deadline = time.time() + 120
    while len(handler.arrivals) < N and time.time() < deadline:
        time.sleep(0.05)
    sender.terminate()
    sender.wait(timeout=30)
    controller.stop()
    latencies = sorted(handler.arrivals[m] - t for m, t in committed.items() if m in handler.arrivals)
    median = statistics.median(latencies)
    _common.emit(
        "notices_latency",
        N,
        median,
        "delivery deadline before a planner is alerted",
        settings.notices_deliver_within_minutes * 60.0,
        delivered=len(latencies),
        median_ms=round(median * 1e3, 1),
        p95_ms=round(latencies[int(len(latencies) * 0.95) - 1] * 1e3, 1),
        max_ms=round(latencies[-1] * 1e3, 1),
        poll_interval_ms=POLL_SECONDS * 1e3,
        database="sqlite",
        load_average=round(os.getloadavg()[0], 2),
    )


if __name__ == "__main__":
    main()
