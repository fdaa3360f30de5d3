"""The processes harnesses/faults.py kills: writers, the departure and the barring writer of its race.

They are started from a fork server (``multiprocessing``'s ``forkserver``, this module preloaded), never
forked from the harness itself: a fork of a process that has used Polars (the harness, or a test session)
deadlocks in Polars' thread pool as soon as the child evaluates the safeguards. Each child acknowledges a
commit on its connection only after the commit returned, which is what a client would be told.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy.exc import DBAPIError  # noqa: E402

from returnhub.casework.store import append_event  # noqa: E402
from returnhub.core.clock import SystemClock  # noqa: E402
from returnhub.core.database import create_engine, unit_of_work  # noqa: E402
from returnhub.operations import transfers  # noqa: E402

WRITE: tuple[str, dict[str, Any]] = ("injunction_discharged", {})
BAR: tuple[str, dict[str, Any]] = ("injunction_granted", {"court": "High Court"})


def writer(url: str, references: list[str], barred: list[str], seed: int, reconnect: bool, out: Any) -> None:
    """Append until killed, acknowledging each commit (``REFERENCE SEQUENCE``). Now and then an injunction
    against one of ``barred`` (people on the locked manifest). With ``reconnect``, a database error (the
    server restarting) is reported (``E``) and the write tried again."""
    transfers.register_hooks()
    engine = create_engine(url)
    clock = SystemClock()
    rng = random.Random(seed)
    today = clock.today()
    first = True
    while True:
        # A bar first, half the time: the first write of a process is the slow one (it warms up), and the
        # harness waits for the first acknowledgement before it picks its moment.
        if barred and rng.random() < (0.5 if first else 0.1):
            reference, (event_type, data) = rng.choice(barred), BAR
        else:
            reference, (event_type, data) = rng.choice(references), WRITE
        try:
            with unit_of_work(engine) as session:
                result = append_event(
                    session, reference, event_type, today, data, clock=clock, recorded_by="faults"
                )
        except DBAPIError:
            if not reconnect:
                raise
            out.send_bytes(b"E")
            time.sleep(0.05)
            continue
        out.send_bytes(f"{reference} {result.sequence}".encode())
        first = False


def departer(url: str, transfer: str, out: Any) -> None:
    """Depart the transfer (again after a deadlock with the barring writer, on PostgreSQL)."""
    transfers.register_hooks()
    engine = create_engine(url)
    clock = SystemClock()
    while True:
        try:
            with unit_of_work(engine) as session:
                result = transfers.depart(session, transfer, clock=clock, recorded_by="faults")
        except DBAPIError:
            time.sleep(0.02)
            continue
        out.send_bytes(f"D {int(result.departed)}".encode())
        return


def barrer(url: str, people: list[str], out: Any) -> None:
    """An injunction against each of ``people``, one transaction each."""
    transfers.register_hooks()
    engine = create_engine(url)
    clock = SystemClock()
    for reference in people:
        while True:
            try:
                with unit_of_work(engine) as session:
                    result = append_event(
                        session, reference, BAR[0], clock.today(), BAR[1], clock=clock, recorded_by="faults"
                    )
                break
            except DBAPIError:
                time.sleep(0.02)
        out.send_bytes(f"{reference} {result.sequence}".encode())
