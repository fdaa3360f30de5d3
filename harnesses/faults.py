"""`make faults`: hold under faults. Each fault kind prints one JSON line, a row of the fault table: the
fault, how many times it struck, the writes acknowledged and the writes found afterwards, the cases left
half-written and whether the event chain verifies (or names the damaged row), with what is particular to
the kind.

Kinds (``--kind``, repeatable; default all):

* ``writer-kill``: a writer process (fault_children.py: started from a fork server, never forked from the
  harness), appending through ``append_event`` one transaction at a time and acknowledging each commit on
  a pipe only after it returned (what a client would be told), killed with SIGKILL at a random moment
  while it writes (one time in five at any moment from its start), ``--kills`` times on SQLite and, with
  ``--postgres``, as many times on PostgreSQL (a database of its own, dropped after). A writer that fails
  by itself, or a run in which nothing was acknowledged, fails the harness.
* ``server-kill``: ``returnhub serve --workers 3`` (uvicorn's supervisor starts a new worker when one dies)
  under authenticated appends over HTTP from three client threads; a 2xx answer is an acknowledged write. At
  random moments one worker, serving or still starting (never the last one serving), is killed with
  SIGKILL, and every tenth time all of them (nothing answers until the supervisor has started a new one),
  ``--server-kills`` times; after each kill the harness only waits for the server to answer again, it never
  restarts anything, and at the end every worker must be serving again. Each worker's start costs a few
  seconds of CPU (the app's imports), so the run is bounded by ``--server-seconds`` and the line gives the
  kills made.
* ``postgres-restart``: a cluster the harness makes itself (``initdb`` into a temporary directory, a free
  port on 127.0.0.1; never the machine's own), two writers that reconnect after an error, and
  ``pg_ctl restart -m immediate`` (a crash of every server process) ``--restarts`` times while they write.
  The cluster is stopped and deleted at the end.
* ``disk-full``: a SQLite database on a small tmpfs (a loop-mounted ext4 file if tmpfs is refused) and
  ``returnhub import`` of a file too big for it. The import is one transaction (``casework/imports.py``), so
  the database must hold nothing of it: the CLI fails with one line and a non-zero exit, no imported row is
  stored, the chain verifies and the database passes SQLite's integrity check.
* ``corrupt-row``: one stored event's payload, then another's hash, changed directly in SQL while the server
  runs: ``returnhub audit verify`` must fail naming the case and sequence, and the server keep serving reads.

Checked after each kind (the corrupted row excepted, where the chain must name the row instead):

* every acknowledged (case, sequence) is in ``case_events`` (no acknowledged write lost);
* every case's projection row has the version of its last event (nothing half-written: an event without
  its projection, or the reverse);
* the event chain verifies (``verify_chain``, what ``returnhub audit verify`` runs);
* where a manifest exists (the writer, server and PostgreSQL kinds): twelve people are listed on a locked
  transfer; during the faults the writers record injunctions against six of them, and at the end a departure
  races, in a process of its own killed at a random moment, a writer barring two more. Nobody who had an
  injunction in force before their ``departed`` event departed (``barred_departed`` is 0), everyone barred
  came off the manifest, and the others did depart (the check is not vacuous).

    python harnesses/faults.py                 # every kind (PostgreSQL: only a cluster of its own)
    python harnesses/faults.py --kind writer-kill --kills 200 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    python harnesses/faults.py --kind server-kill --server-kills 100

The disk kind needs root (mount) and the PostgreSQL restart needs the server binaries
(/usr/lib/postgresql/*/bin); a kind that cannot run prints a line saying why (``"skipped"``) and fails.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import glob
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "harnesses"))  # fault_children, which the fork server imports by name

import fault_children as children  # noqa: E402
from sqlalchemy import func, text, update  # noqa: E402
from sqlalchemy import select as sql_select  # noqa: E402

from returnhub.casework.bulk import load_population  # noqa: E402
from returnhub.casework.models import StoredEvent, case_projection  # noqa: E402
from returnhub.casework.state import fold  # noqa: E402
from returnhub.casework.store import append_event, upsert_projection, verify_chain  # noqa: E402
from returnhub.core.clock import SystemClock  # noqa: E402
from returnhub.core.database import create_engine, unit_of_work  # noqa: E402
from returnhub.core.migrate import upgrade  # noqa: E402
from returnhub.operations import transfers  # noqa: E402
from returnhub.people.models import Person  # noqa: E402
from returnhub.synthetic import generate_population  # noqa: E402

KINDS = ("writer-kill", "server-kill", "postgres-restart", "disk-full", "corrupt-row")
PERSONS = 20
#: People listed on the locked transfer; the writers bar the first BARRED during the faults, the departure
#: race bars RACED more, and the rest must depart.
MANIFEST, BARRED, RACED = 12, 6, 2
HUB = "GBR-MKD-H1"
BAR, WRITE = children.BAR, children.WRITE
#: A refused claim, appeal rights exhausted, notices served, fit to fly: eligible for the UK hub.
HISTORY: list[tuple[str, date, dict[str, Any]]] = [
    ("arrival", date(2023, 5, 1), {"route": "small_boat"}),
    ("asylum_claim_lodged", date(2023, 5, 2), {}),
    ("asylum_claim_decided", date(2024, 2, 1), {"outcome": "refuse"}),
    ("appeal_lodged", date(2024, 2, 10), {"tier": "first_tier"}),
    ("appeal_decided", date(2024, 9, 1), {"tier": "first_tier", "outcome": "dismissed"}),
    ("appeal_rights_exhausted", date(2024, 9, 20), {}),
]


class HarnessError(RuntimeError):
    """The harness could not do what it set out to (not a finding about the product)."""


def _stamp() -> dict[str, Any]:
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def _database(url: str) -> str:
    return url.split(":", 1)[0].split("+")[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the database each kind starts from --------------------------------------------------------------------


@dataclass
class Setup:
    url: str
    references: list[str]  # the synthetic population: the writers' plain appends go to them
    manifest: list[str] = field(default_factory=list)  # listed on ``transfer``, locked
    transfer: str | None = None


def _eligible_person(engine: Any, clock: SystemClock, reference: str) -> None:
    from returnhub.safeguards.service import record_review_decision

    with unit_of_work(engine) as s:
        person = Person(
            reference=reference,
            given_name="Faults",
            family_name="Person",
            date_of_birth=date(1990, 1, 1),
            sex="M",
            nationality="ALB",
            languages=["sq"],
            created_at=clock.now(),
        )
        s.add(person)
        s.flush()
        upsert_projection(s, person, fold([]), clock.now())
        today = clock.today()
        for event_type, on, data in [
            *HISTORY,
            ("removal_notice_served", today - timedelta(days=20), {}),
            ("departure_details_served", today - timedelta(days=15), {}),
            ("fitness_to_fly_assessed", today - timedelta(days=10), {"fit": True}),
        ]:
            append_event(s, reference, event_type, on, data, clock=clock, recorded_by="faults")
    with unit_of_work(engine) as s:
        # The hub's country is assessed unsafe for a profile the record cannot show: a senior caseworker
        # has checked, as the review rule requires.
        record_review_decision(
            s,
            reference,
            rule="R12P",
            decision="approve",
            reasoning="no such profile on interview",
            decided_by="senior1",
            pack="uk",
            clock=clock,
            agreement="GBR-MKD-ILLUSTRATIVE",
        )


def prepare(url: str, *, manifest: bool = True, seed: int = 7) -> Setup:
    """A migrated database with a small synthetic population and, with ``manifest``, a locked transfer."""
    from returnhub.partners.seed import seed_partners

    transfers.register_hooks()
    upgrade(url)
    engine = create_engine(url)
    clock = SystemClock()
    population = generate_population(PERSONS, seed, today=clock.today())
    load_population(engine, population.persons, population.events, clock=clock)
    with unit_of_work(engine, read_only=True) as s:
        references = list(s.execute(sql_select(Person.reference).order_by(Person.reference)).scalars())
    setup = Setup(url, references)
    if manifest:
        with unit_of_work(engine) as s:
            seed_partners(s, clock)
        setup.manifest = [f"RH9{i:06d}" for i in range(1, MANIFEST + 1)]
        for reference in setup.manifest:
            _eligible_person(engine, clock, reference)
        with unit_of_work(engine) as s:
            transfer = transfers.create_transfer(
                s,
                hub=HUB,
                mode="charter_flight",
                departs_at=clock.now() + timedelta(hours=6),
                seats=MANIFEST,
                min_load=1,
                escorts=MANIFEST,
                monitor_on_board=True,
                clock=clock,
                created_by="faults",
            )
            setup.transfer = transfer.reference
        for reference in setup.manifest:
            with unit_of_work(engine) as s:
                transfers.add_to_manifest(s, setup.transfer, reference, clock=clock, recorded_by="faults")
        with unit_of_work(engine) as s:
            locked = transfers.lock_manifest(s, setup.transfer, clock=clock, recorded_by="faults")
        if locked.load != MANIFEST:
            raise HarnessError(f"the manifest locked with {locked.load} people, not {MANIFEST}: {locked}")
    engine.dispose()
    return setup


# --- the processes killed: started from a fork server (fault_children.py says why) -------------------------

_context: Any = None


def _start(target: Callable[..., None], *args: Any) -> tuple[Any, Connection]:
    """Start ``target(*args, out)`` from the fork server; the parent gets (process, the reading end)."""
    global _context
    if _context is None:
        # The fork server imports these once (Python 3.11 does not hand it our sys.path: PYTHONPATH does).
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT / "harnesses"), str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p
        )
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(["fault_children", "faults"])
    read, write = _context.Pipe(duplex=False)
    process = _context.Process(target=target, args=(*args, write), daemon=True)
    process.start()
    write.close()
    return process, read


def _kill(process: Any) -> None:
    """SIGKILL a child and reap it; a child that died by itself is the harness's failure, not a finding."""
    process.kill()
    process.join()
    if process.exitcode is not None and process.exitcode > 0:
        raise HarnessError(f"a child process failed by itself (exit {process.exitcode}): see its traceback")


def _drain(read: Connection, until: float | None = None) -> list[bytes]:
    """What the child sent: until ``until`` (monotonic) while it runs, or to the end once it is gone."""
    messages: list[bytes] = []
    while True:
        if until is not None:
            left = until - time.monotonic()
            if left <= 0:
                return messages
            if not read.poll(left):
                continue
        try:
            messages.append(read.recv_bytes())
        except (EOFError, OSError):
            return messages


def _acknowledged(messages: list[bytes]) -> tuple[set[tuple[str, int]], int]:
    """The acknowledged (case, sequence) pairs, and the database errors a reconnecting writer reported."""
    acks: set[tuple[str, int]] = set()
    errors = 0
    for message in messages:
        if message == b"E":
            errors += 1
        elif not message.startswith(b"D"):
            reference, sequence = message.decode().split()
            acks.add((reference, int(sequence)))
    return acks, errors


# --- the departure race and the checks ---------------------------------------------------------------------


def depart_race(setup: Setup, rng: random.Random) -> set[tuple[str, int]]:
    """The transfer departs while a writer bars RACED more people on it, both in processes of their own, the
    departure killed at a random moment (then, if nothing departed, run again to the end). Returns the
    barring writer's acknowledgements."""
    assert setup.transfer is not None
    raced = setup.manifest[BARRED : BARRED + RACED]
    barring, bar_read = _start(children.barrer, setup.url, raced)
    departing, dep_read = _start(children.departer, setup.url, setup.transfer)
    departed = _drain(dep_read, time.monotonic() + rng.uniform(0.0, 0.8))
    _kill(departing)  # if it had finished, it exited 0: nothing to kill
    departed += _drain(dep_read)
    dep_read.close()
    bar_acks = _drain(bar_read)  # the barring writer finishes its few writes
    barring.join()
    bar_read.close()
    if barring.exitcode != 0:
        raise HarnessError(f"the barring writer failed (exit {barring.exitcode})")
    if not departed:  # killed before it committed: nothing moved; depart now, to the end
        transfers.register_hooks()
        engine = create_engine(setup.url)
        with unit_of_work(engine) as session:
            transfers.depart(session, setup.transfer, clock=SystemClock(), recorded_by="faults")
        engine.dispose()
    return _acknowledged(bar_acks)[0]


def check(setup: Setup, acknowledged: set[tuple[str, int]]) -> dict[str, Any]:
    """Every acknowledged write present, nothing half-written, the chain; the manifest's departures."""
    engine = create_engine(setup.url)
    with unit_of_work(engine, read_only=True) as s:
        stored = {
            (str(r), int(q))
            for r, q in s.execute(
                sql_select(Person.reference, StoredEvent.sequence).join(
                    Person, Person.id == StoredEvent.case_id
                )
            ).all()
        }
        last = dict(
            s.execute(
                sql_select(Person.reference, func.max(StoredEvent.sequence))
                .join(Person, Person.id == StoredEvent.case_id)
                .group_by(Person.reference)
            ).all()
        )
        versions = dict(s.execute(sql_select(case_projection.c.reference, case_projection.c.version)).all())
        chain = verify_chain(s)
        manifest = _manifest_check(s, setup) if setup.transfer else {}
    engine.dispose()
    return {
        "writes_acknowledged": len(acknowledged),
        "writes_found": len(acknowledged & stored),
        "events_stored": chain.events,
        "half_written": sum(versions.get(r) != v for r, v in last.items()),
        "chain_verified": chain.ok,
        **manifest,
    }


def _manifest_check(session: Any, setup: Setup) -> dict[str, Any]:
    """Nobody with an injunction in force before their departure departed; everyone barred came off."""
    from returnhub.operations.models import ManifestEntry, Transfer

    rows = session.execute(
        sql_select(Person.reference, StoredEvent.sequence, StoredEvent.event_type)
        .join(Person, Person.id == StoredEvent.case_id)
        .where(Person.reference.in_(setup.manifest))
        .order_by(Person.reference, StoredEvent.sequence)
    ).all()
    in_force: dict[str, bool] = {}
    barred_at_departure: set[str] = set()
    departed: set[str] = set()
    barred: set[str] = set()
    for reference, _, event_type in rows:
        if event_type == BAR[0]:
            in_force[reference] = True
            barred.add(reference)
        elif event_type == "injunction_discharged":
            in_force[reference] = False
        elif event_type == "departed":
            departed.add(reference)
            if in_force.get(reference):
                barred_at_departure.add(reference)
    transfer = session.execute(sql_select(Transfer).where(Transfer.reference == setup.transfer)).scalar_one()
    states = dict(
        session.execute(
            sql_select(ManifestEntry.reference, ManifestEntry.state).where(
                ManifestEntry.transfer_id == transfer.id
            )
        ).all()
    )
    return {
        "manifest": {
            "listed": len(setup.manifest),
            "barred": len(barred),
            "barred_before_departure": len(barred - departed | barred_at_departure),
            "departed": len(departed),
            "barred_departed": len(barred_at_departure),
            "barred_still_listed": sum(states.get(r) in ("listed", "departed") for r in barred - departed),
            "transfer_status": transfer.status,
        }
    }


def passed(line: dict[str, Any]) -> bool:
    """Whether a kind's line shows the product held (a skipped kind did not pass)."""
    if "skipped" in line:
        return False
    if line["fault"] == "a corrupted row":
        return bool(line["chain_named_row"] and line["reads_served"] and line["chain_verified_after_repair"])
    manifest = line.get("manifest")
    held = (
        line["writes_found"] == line["writes_acknowledged"]
        and line["writes_acknowledged"] > 0
        and line["half_written"] == 0
        and line["chain_verified"]
    )
    if manifest:
        held = held and manifest["barred_departed"] == 0 and manifest["barred_still_listed"] == 0
        held = held and manifest["departed"] > 0
    if line["fault"] == "kill -9 of the server":
        held = held and line["came_back_every_time"] and line["workers_at_end"] == line["workers"]
    if line["fault"] == "a disk that fills during an import":
        held = held and line["import_exit"] != 0 and line["imported_rows_stored"] == 0
        held = held and line["integrity_check"] == "ok" and line["error_lines"] == 1
    if line["fault"] == "PostgreSQL restart under load":
        held = held and line["writes_after_last_restart"] > 0
    return bool(held)


# --- kind: kill -9 of a writer ------------------------------------------------------------------------------


def writer_kill(url: str, kills: int, seed: int = 7) -> dict[str, Any]:
    started = time.perf_counter()
    setup = prepare(url, seed=seed)
    rng = random.Random(seed)
    barred = setup.manifest[:BARRED]
    acknowledged: set[tuple[str, int]] = set()
    for round_ in range(kills):
        process, read = _start(children.writer, url, setup.references, barred, seed + round_, False)
        if round_ % 5 == 0:  # at any moment from its start: while it connects, or mid-write
            messages = _drain(read, time.monotonic() + rng.uniform(0.0, 0.8))
        else:  # at a moment while it writes (a process takes about half a second to write at all)
            messages = []
            if read.poll(30):
                with contextlib.suppress(EOFError):  # it died by itself: _kill says so
                    messages.append(read.recv_bytes())
            messages += _drain(read, time.monotonic() + rng.uniform(0.0, 0.3))
        _kill(process)
        messages += _drain(read)  # acknowledgements sent before the kill
        read.close()
        acknowledged |= _acknowledged(messages)[0]
    if setup.transfer:
        acknowledged |= depart_race(setup, rng)
    return {
        "harness": "faults",
        "fault": "kill -9 of a writer",
        "database": _database(url),
        "count": kills,
        **check(setup, acknowledged),
        "seconds": round(time.perf_counter() - started, 1),
        **_stamp(),
    }


def writer_kill_postgres(admin_url: str, kills: int) -> dict[str, Any]:
    """The writer kind on a database of its own on ``admin_url``'s server, dropped after."""
    with _scratch_database(admin_url) as url:
        return writer_kill(url, kills)


@contextlib.contextmanager
def _scratch_database(admin_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine as sa_engine

    name = f"returnhub_faults_{os.getpid()}_{random.randrange(10**6)}"
    from sqlalchemy.pool import NullPool

    # No pool: a connection kept from before a server restart would be dead at the drop.
    admin = sa_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- kind: kill -9 of the server ----------------------------------------------------------------------------


def _token(url: str) -> str:
    from returnhub.access.service import add_user, issue_token
    from returnhub.access.settings import AccessSettings

    cheap = AccessSettings(argon2_memory_kib=1024, argon2_time_cost=1)
    clock = SystemClock()
    engine = create_engine(url)
    with unit_of_work(engine) as s:
        user = add_user(
            s,
            "faults.caseworker",
            "caseworker",
            "a long faults password",
            settings=cheap,
            clock=clock,
            created_by="faults",
        )
        token = str(issue_token(s, user, settings=cheap, clock=clock, ttl=timedelta(days=1)).token)
    engine.dispose()
    return token


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def workers(self) -> list[int]:
        """The supervisor's live worker processes (multiprocessing's spawned children, not its resource
        tracker), serving or still starting."""
        pids = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):
                pids += [int(p) for p in (task / "children").read_text().split()]
        workers = []
        for pid in pids:
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                if b"spawn_main" in cmdline and state != "Z":
                    workers.append(pid)
        return workers

    def serving(self) -> list[int]:
        """The live workers that have loaded the app (uvicorn logs 'Started server process [pid]' then)."""
        log = self.log.read_text(errors="replace")
        return [pid for pid in self.workers() if f"Started server process [{pid}]" in log]

    def answers(self) -> bool:
        import httpx

        try:
            return bool(httpx.get(self.base + "/health", timeout=2).status_code == 200)
        except httpx.HTTPError:
            return False


@contextlib.contextmanager
def running_server(url: str, workers: int) -> Iterator[Server]:
    """``returnhub serve --workers N`` on a free port of 127.0.0.1, as a user would start it; every worker
    serving before it is handed over."""
    port = _free_port()
    log = Path(tempfile.mkstemp(prefix="faults-server-", suffix=".log")[1])
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "returnhub.cli", "serve", "--port", str(port), "--workers", str(workers)],
            env={**os.environ, "RETURNHUB_DATABASE_URL": url},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 180
        while len(server.serving()) < workers or not server.answers():
            if time.monotonic() > deadline or process.poll() is not None:
                raise HarnessError(f"the server did not start (log: {log})")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


def server_kill(
    url: str, kills: int, *, workers: int = 2, clients: int = 3, seconds: float = 900, seed: int = 11
) -> dict[str, Any]:
    """Kill -9 server workers under HTTP load: ``returnhub serve --workers``'s supervisor replaces them."""
    import httpx

    started = time.perf_counter()
    setup = prepare(url, seed=seed)
    token = _token(url)
    rng = random.Random(seed)
    barred = setup.manifest[:BARRED]
    acknowledged: set[tuple[str, int]] = set()
    refused: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int, base: str) -> None:
        crng = random.Random(seed * 100 + n)
        today = date.today().isoformat()
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            while not stop.is_set():
                if barred and crng.random() < 0.1:
                    reference, (event_type, data) = crng.choice(barred), BAR
                else:
                    reference, (event_type, data) = crng.choice(setup.references), WRITE
                try:
                    r = http.post(
                        f"/cases/{reference}/events",
                        json={"type": event_type, "occurred_on": today, "data": data},
                    )
                except httpx.HTTPError as exc:  # the worker died under the request: not acknowledged
                    key = type(exc).__name__
                else:
                    if r.is_success:
                        with lock:
                            acknowledged.add((reference, int(r.json()["sequence"])))
                        continue
                    key = str(r.status_code)
                with lock:
                    refused[key] = refused.get(key, 0) + 1

    downtimes: list[float] = []
    killed = killed_serving = outages = 0
    came_back = True
    with running_server(url, workers) as server:
        threads = [
            threading.Thread(target=client, args=(n, server.base), daemon=True) for n in range(clients)
        ]
        for t in threads:
            t.start()
        try:
            round_ = 0
            while round_ < kills:
                if time.perf_counter() - started > seconds:
                    break  # bounded: the line says how many kills were made in the time
                time.sleep(rng.uniform(0.05, 0.5))
                live, serving = server.workers(), server.serving()
                if round_ % 10 == 2:
                    # Every tenth time every worker at once: nothing answers until the supervisor has
                    # started a new one.
                    victims = live
                else:
                    # Otherwise one at random, serving (mid-request) or still starting, but never the last
                    # one serving: each serving worker killed costs a worker's start (seconds of CPU), and
                    # these kills are bounded by that, not by waiting on outages.
                    spared = serving if len(serving) == 1 else []
                    candidates = [pid for pid in live if pid not in spared]
                    victims = [rng.choice(candidates)] if candidates else []
                if not victims:  # one worker, serving: wait for the supervisor's next one to appear
                    time.sleep(0.2)
                    continue
                outages += len(victims) == len(live)
                for pid in victims:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                        killed += 1
                        killed_serving += pid in serving
                down = time.monotonic()
                while not server.answers():  # the harness only waits; it restarts nothing
                    if time.monotonic() - down > 180 or server.process.poll() is not None:
                        came_back = False
                        break
                    time.sleep(0.05)
                if not came_back:
                    break
                downtimes.append(time.monotonic() - down)
                round_ += 1
            time.sleep(0.5)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        deadline = time.monotonic() + 180
        while len(server.serving()) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
        workers_at_end = len(server.serving())
        supervisor_alive = server.process.poll() is None
    acknowledged |= depart_race(setup, rng)
    downtimes.sort()
    return {
        "harness": "faults",
        "fault": "kill -9 of the server",
        "database": _database(url),
        "count": len(downtimes),
        "workers": workers,
        "processes_killed": killed,
        "killed_while_serving": killed_serving,
        "every_worker_at_once": outages,
        "came_back_every_time": came_back and supervisor_alive,
        "workers_at_end": workers_at_end,
        "answering_again_s": {
            "median": round(downtimes[len(downtimes) // 2], 2) if downtimes else None,
            "max": round(downtimes[-1], 2) if downtimes else None,
        },
        "requests_not_acknowledged": refused,
        **check(setup, acknowledged),
        "seconds": round(time.perf_counter() - started, 1),
        **_stamp(),
    }


# --- kind: PostgreSQL restart under load --------------------------------------------------------------------


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


@dataclass
class Cluster:
    admin_url: str
    root: Path
    bin: Path
    as_postgres: list[str]

    def pg_ctl(self, *args: str) -> None:
        # Output to the log file, never to a pipe: the server started inherits it, and a pipe would be held
        # open (and waited on) for as long as the server runs.
        with open(self.root / "pg_ctl.log", "ab") as out:
            subprocess.run(
                [
                    *self.as_postgres,
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.root / "data"),
                    "-w",
                    "-t",
                    "120",
                    "-l",
                    str(self.root / "log"),
                    *args,
                ],
                check=True,
                stdout=out,
                stderr=subprocess.STDOUT,
            )


@contextlib.contextmanager
def own_cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of the harness's own: initdb in a temporary directory, a free port on 127.0.0.1,
    its socket in that directory; stopped and deleted at the end. Never the machine's own cluster."""
    bindir = _postgres_bin()
    if bindir is None:
        raise HarnessError(
            "no PostgreSQL server binaries (pg_ctl) under /usr/lib/postgresql/*/bin or on PATH"
        )
    root = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: run the cluster as the postgres account
        shutil.chown(root, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    cluster = Cluster(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", root, bindir, as_postgres)
    try:
        subprocess.run(
            [
                *as_postgres,
                str(bindir / "initdb"),
                "-D",
                str(root / "data"),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
            check=True,
            capture_output=True,
        )
        cluster.pg_ctl(
            "-o", f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c max_connections=40", "start"
        )
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def postgres_restart(restarts: int, *, writers: int = 2, seed: int = 13) -> dict[str, Any]:
    started = time.perf_counter()
    rng = random.Random(seed)
    with own_cluster() as cluster, _scratch_database(cluster.admin_url) as url:
        setup = prepare(url, seed=seed)
        barred = setup.manifest[:BARRED]
        started_writers = [
            _start(children.writer, url, setup.references, barred, seed + n, True) for n in range(writers)
        ]
        received: list[list[bytes]] = [[] for _ in range(writers)]

        def read(i: int, conn: Connection) -> None:  # pg_ctl blocks the main thread: read beside it
            with contextlib.suppress(EOFError, OSError):
                while True:
                    received[i].append(conn.recv_bytes())

        readers = [
            threading.Thread(target=read, args=(i, conn), daemon=True)
            for i, (_, conn) in enumerate(started_writers)
        ]
        for t in readers:
            t.start()
        time.sleep(0.5)
        marks = [0] * writers
        for _ in range(restarts):
            time.sleep(rng.uniform(1.0, 3.0))  # long enough for the writers to reconnect and write
            cluster.pg_ctl("-m", "immediate", "restart")
            marks = [len(r) for r in received]
        time.sleep(1.5)  # the writers reconnect by themselves and write again
        for process, _ in started_writers:
            _kill(process)
        for t in readers:
            t.join(timeout=10)
        for _, conn in started_writers:
            conn.close()
        acknowledged: set[tuple[str, int]] = set()
        errors = after_last = 0
        for messages, mark in zip(received, marks, strict=True):
            acks, errs = _acknowledged(messages)
            acknowledged |= acks
            errors += errs
            after_last += len(_acknowledged(messages[mark:])[0])  # after the last restart returned
        acknowledged |= depart_race(setup, rng)
        line = {
            "harness": "faults",
            "fault": "PostgreSQL restart under load",
            "database": "postgresql",
            "count": restarts,
            "mode": "immediate",
            "writers": writers,
            "writer_errors_retried": errors,
            "writes_after_last_restart": after_last,
            **check(setup, acknowledged),
        }
    return {**line, "seconds": round(time.perf_counter() - started, 1), **_stamp()}


# --- kind: a disk that fills during an import ---------------------------------------------------------------


def _mount(point: Path, size_mib: int) -> str:
    """A small file system at ``point``: tmpfs, or a loop-mounted ext4 file if tmpfs is refused. Raises
    HarnessError (with both reasons) if neither can be mounted."""
    tried = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mib}m,mode=0777", "faults-tmpfs", str(point)],
        capture_output=True,
        text=True,
    )
    if tried.returncode == 0:
        return "tmpfs"
    image = point.parent / "disk.img"
    with open(image, "wb") as f:
        f.truncate(size_mib * 1024 * 1024)
    made = subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], capture_output=True, text=True)
    looped = (
        subprocess.run(["mount", "-o", "loop", str(image), str(point)], capture_output=True, text=True)
        if made.returncode == 0
        else made
    )
    if looped.returncode == 0:
        return "ext4 loop file"
    raise HarnessError(
        f"cannot mount a small file system (tmpfs: {tried.stderr.strip() or tried.returncode}; "
        f"loop file: {looped.stderr.strip() or looped.returncode})"
    )


def _import_file(path: Path, persons: int, seed: int) -> int:
    """A legacy export of ``persons`` new people, three events each; returns the rows."""
    rng = random.Random(seed)
    rows = 0
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(
            [
                "source_id",
                "person_id",
                "family_name",
                "given_name",
                "date_of_birth",
                "sex",
                "nationality",
                "event_type",
                "occurred_on",
                "route",
                "outcome",
            ]
        )
        for p in range(persons):
            identity = [
                f"LEG{p:07d}",
                "Imported",
                f"Person{p}",
                f"19{rng.randrange(60, 99)}-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)}",
                rng.choice("MF"),
                rng.choice(["ALB", "VNM", "IRQ"]),
            ]
            for n, (event_type, on, route, outcome) in enumerate(
                [
                    ("arrival", "2023-05-01", "small_boat", ""),
                    ("asylum_claim_lodged", "2023-05-02", "", ""),
                    ("asylum_claim_decided", "2024-02-01", "", "refuse"),
                ]
            ):
                out.writerow([f"S{p:07d}-{n}", *identity, event_type, on, route, outcome])
                rows += 1
    return rows


def _cli(url: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "returnhub.cli", *args],
        env={**os.environ, "RETURNHUB_DATABASE_URL": url, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def disk_full(*, persons: int = 20_000, seed: int = 17) -> dict[str, Any]:
    """A SQLite database on a file system a few MiB bigger than itself, and an import that needs more."""
    import sqlite3

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="faults-disk-"))
    point = work / "disk"
    point.mkdir()
    try:
        # Prepared on the ordinary disk, then copied (checkpointed: one file) onto the small one.
        made = work / "made.db"
        prepare(f"sqlite:///{made}", manifest=False, seed=seed)
        with contextlib.closing(sqlite3.connect(made)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size_mib = made.stat().st_size // (1024 * 1024) + 3
        try:
            filesystem = _mount(point, size_mib)
        except HarnessError as exc:
            return {
                "harness": "faults",
                "fault": "a disk that fills during an import",
                "skipped": str(exc),
                **_stamp(),
            }
        try:
            shutil.copy(made, point / "faults.db")
            url = f"sqlite:///{point / 'faults.db'}"
            setup = Setup(url, [])
            engine = create_engine(url)
            with unit_of_work(engine, read_only=True) as s:
                before = {
                    (str(r), int(q))
                    for r, q in s.execute(
                        sql_select(Person.reference, StoredEvent.sequence).join(
                            Person, Person.id == StoredEvent.case_id
                        )
                    ).all()
                }
            engine.dispose()
            export = work / "export.csv"
            rows = _import_file(export, persons, seed)
            result = _cli(url, "import", str(export))
            errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
            with contextlib.closing(sqlite3.connect(point / "faults.db")) as conn:  # closed: unmountable
                integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
                imported = conn.execute("SELECT count(*) FROM imported_events").fetchone()[0]
            line: dict[str, Any] = {
                "harness": "faults",
                "fault": "a disk that fills during an import",
                "database": "sqlite",
                "count": 1,
                "filesystem": f"{filesystem} of {size_mib} MiB",
                "import_rows": rows,
                "import_exit": result.returncode,
                "error_lines": len(errors),
                "error": errors[0] if errors else result.stderr.strip().splitlines()[-1:],
                "traceback_shown": "Traceback" in result.stderr,
                "imported_rows_stored": imported,
                "integrity_check": integrity,
                **check(setup, before),
            }
            if filesystem == "tmpfs":  # room again: the same import now goes through whole
                subprocess.run(["mount", "-o", "remount,size=512m", str(point)], check=True)
                again = _cli(url, "import", str(export), "--json")
                line["after_room_made"] = {
                    "import_exit": again.returncode,
                    "imported": json.loads(again.stdout)["imported"] if again.returncode == 0 else None,
                }
        finally:
            unmounted = subprocess.run(["umount", str(point)], capture_output=True, text=True)
            if unmounted.returncode:
                raise HarnessError(f"could not unmount {point}: {unmounted.stderr.strip()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {**line, "seconds": round(time.perf_counter() - started, 1), **_stamp()}


# --- kind: a corrupted row ----------------------------------------------------------------------------------


def corrupt_row(url: str, *, seed: int = 19) -> dict[str, Any]:
    """A stored payload, then a stored hash, changed in SQL: the audit names each row; reads go on."""
    import httpx

    started = time.perf_counter()
    setup = prepare(url, seed=seed)
    token = _token(url)
    engine = create_engine(url)
    with unit_of_work(engine, read_only=True) as s:
        fitness = s.execute(
            sql_select(StoredEvent.id, Person.reference, StoredEvent.sequence, StoredEvent.data)
            .join(Person, Person.id == StoredEvent.case_id)
            .where(Person.reference == setup.manifest[0], StoredEvent.event_type == "fitness_to_fly_assessed")
        ).one()
        other = s.execute(
            sql_select(StoredEvent.id, Person.reference, StoredEvent.sequence, StoredEvent.hash)
            .join(Person, Person.id == StoredEvent.case_id)
            .where(Person.reference == setup.references[len(setup.references) // 2])
            .order_by(StoredEvent.sequence)
            .limit(1)
        ).one()
    tampered: list[tuple[str, Any, dict[str, Any], dict[str, Any]]] = [
        ("payload", fitness, {"data": {**fitness.data, "fit": False}}, {"data": fitness.data}),
        ("hash", other, {"hash": "0" * 64}, {"hash": other.hash}),
    ]
    rows = []
    reads_served = True
    with running_server(url, 2) as server:
        for what, row, damage, repair in tampered:
            with unit_of_work(engine) as s:
                s.execute(update(StoredEvent).where(StoredEvent.id == row.id).values(**damage))
            audit = _cli(url, "audit", "verify")
            said = audit.stderr.strip()
            with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}) as http:
                answers = [
                    http.get(f"/cases/{row.reference}").status_code,
                    http.get(f"/cases/{row.reference}/events").status_code,
                    http.get("/cases?limit=5").status_code,
                ]
            reads_served = reads_served and all(code == 200 for code in answers)
            rows.append(
                {
                    "changed": what,
                    "event_id": row.id,
                    "case": row.reference,
                    "sequence": row.sequence,
                    "verify_exit": audit.returncode,
                    "named": audit.returncode == 1
                    and f"case {row.reference}, sequence {row.sequence}" in said,
                    "said": said,
                    "reads": answers,
                }
            )
            with unit_of_work(engine) as s:
                s.execute(update(StoredEvent).where(StoredEvent.id == row.id).values(**repair))
    repaired = _cli(url, "audit", "verify")
    engine.dispose()
    return {
        "harness": "faults",
        "fault": "a corrupted row",
        "database": _database(url),
        "count": len(rows),
        "chain_verified": False,
        "chain_named_row": all(r["named"] for r in rows),
        "reads_served": reads_served,
        "chain_verified_after_repair": repaired.returncode == 0,
        "rows": rows,
        "seconds": round(time.perf_counter() - started, 1),
        **_stamp(),
    }


# --- the command --------------------------------------------------------------------------------------------


def run_kind(kind: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """One kind's lines (the writer kind: one per database); SQLite files in a directory removed after."""
    with tempfile.TemporaryDirectory(prefix="faults-") as work:
        sqlite = f"sqlite:///{Path(work) / 'faults.db'}"
        if kind == "writer-kill":
            lines = [writer_kill(sqlite, args.kills)]
            if args.postgres:
                lines.append(writer_kill_postgres(args.postgres, args.kills))
            return lines
        if kind == "server-kill":
            return [server_kill(sqlite, args.server_kills, workers=args.workers, seconds=args.server_seconds)]
        if kind == "postgres-restart":
            return [postgres_restart(args.restarts)]
        if kind == "disk-full":
            return [disk_full()]
        if kind == "corrupt-row":
            return [corrupt_row(sqlite)]
    raise ValueError(kind)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", action="append", choices=KINDS, help="repeatable; default: every kind")
    parser.add_argument("--kills", type=int, default=100, help="kill -9 of a writer, per database")
    parser.add_argument("--server-kills", type=int, default=100, help="kill -9 of server workers")
    parser.add_argument("--workers", type=int, default=3, help="the server's workers (at least 2)")
    parser.add_argument(
        "--server-seconds",
        type=float,
        default=900,
        help="stop killing the server after this long (each kill of a serving worker costs a worker's "
        "start, a few seconds of CPU); the line gives the kills made",
    )
    parser.add_argument("--restarts", type=int, default=5, help="PostgreSQL restarts under load")
    parser.add_argument(
        "--postgres",
        metavar="ADMIN_URL",
        default=None,
        help="also kill writers on PostgreSQL, in a database of its own made (and dropped) on this server, "
        "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test (the restart kind uses a cluster of its own)",
    )
    args = parser.parse_args()
    if args.workers < 2:
        parser.error("--workers must be at least 2: with one process nothing supervises it")
    held = True
    for kind in args.kind or KINDS:
        try:
            lines = run_kind(kind, args)
        except (HarnessError, subprocess.CalledProcessError) as exc:
            lines = [{"harness": "faults", "kind": kind, "skipped": str(exc), **_stamp()}]
        for line in lines:
            print(json.dumps(line), flush=True)
            held = held and passed(line)
    sys.exit(0 if held else 1)


if __name__ == "__main__":
    main()
