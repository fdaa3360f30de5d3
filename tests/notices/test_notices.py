"""Notices reach people: a Rule 39 indication on a locked manifest emails that person's representative
(and no other) and lands in the planner's inbox (API and page); scopes; the sweep; templates."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.errors import InvalidInput
from returnhub.core.runtime import Runtime
from returnhub.notices.mailbox import read_mailbox
from returnhub.notices.models import Notice, OutboxMessage
from returnhub.notices.sender import SmtpAdapter, send_due
from returnhub.notices.settings import NoticesSettings
from returnhub.notices.templates import render
from returnhub.operations import transfers as ops
from returnhub.web.app import create_app

from ..auth_helpers import make_user
from ..casework.helpers import record
from ..operations.conftest import HUB

HTML = {"accept": "text/html,application/xhtml+xml"}


def _client(runtime: Runtime, token: str):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    return TestClient(create_app(runtime), headers={"Authorization": f"Bearer {token}"})


def _send_all(engine: Engine, settings: NoticesSettings, clock: FixedClock) -> None:
    adapter = SmtpAdapter(settings)
    try:
        while send_due(engine, adapter, clock=clock, settings=settings, batch=50)["sent"]:
            pass
    finally:
        adapter.close()


@pytest.fixture
def scene(
    runtime: Runtime, clock: FixedClock, make_people: Callable[..., list[str]], transfer: str
) -> dict[str, object]:
    """Three people on a locked manifest; each of the first two has their own representative."""
    people = make_people(4)
    tokens = {
        "planner": make_user(runtime, "operations_planner", "planner"),
        "other-planner": make_user(runtime, "operations_planner", "other-planner"),
        "rep-a": make_user(runtime, "legal_representative", "rep-a", clients=[people[0]]),
        "rep-b": make_user(runtime, "legal_representative", "rep-b", clients=[people[1]]),
        "monitor": make_user(runtime, "independent_monitor", "monitor"),
        "liaison": make_user(runtime, "hub_liaison", "liaison", hubs=[HUB]),
    }
    for r in people:
        with unit_of_work(runtime.engine) as s:
            ops.add_to_manifest(s, transfer, r, clock=clock, recorded_by="planner")
    with unit_of_work(runtime.engine) as s:
        ops.lock_manifest(s, transfer, clock=clock, recorded_by="planner")
    return {"people": people, "tokens": tokens, "transfer": transfer}


def test_rule39_on_a_locked_manifest_reaches_the_representative_and_the_planner(
    runtime: Runtime, clock: FixedClock, scene: dict[str, object], smtp_server: tuple[NoticesSettings, Path]
) -> None:
    settings, directory = smtp_server
    people: list[str] = scene["people"]  # type: ignore[assignment]
    tokens: dict[str, str] = scene["tokens"]  # type: ignore[assignment]
    clock.advance(timedelta(days=3, hours=6))
    with unit_of_work(runtime.engine) as s:
        record(s, clock, people[0], "rule39_granted", clock.today(), {"expires_on": "2026-07-01"})
    _send_all(runtime.engine, settings, clock)

    box = read_mailbox(directory)
    taken_off = [m for m in box["messages"] if "was taken off" in m["subject"]]
    # The person's own representative, the transfer's planner (it was created by "planner", so not the other
    # planner), the hub's liaison and the monitor on board; never the other client's representative.
    assert sorted(m["to"] for m in taken_off) == [
        "liaison@returnhub.example",
        "monitor@returnhub.example",
        "planner@returnhub.example",
        "rep-a@returnhub.example",
    ]
    rep_email = next(m for m in taken_off if m["to"].startswith("rep-a"))
    assert people[0] in rep_email["body"] and "Why:" in rep_email["body"]
    assert f"/ui/cases/{people[0]}" in rep_email["body"]
    assert not any(people[0] in m["body"] for m in box["messages"] if m["to"].startswith("rep-b"))

    with _client(runtime, tokens["planner"]) as client:
        inbox = client.get("/notices", params={"unread": True}).json()
        notice = next(n for n in inbox if n["cause"] == "taken_off")
        assert notice["case_reference"] == people[0] and notice["transfer"] == scene["transfer"]
        assert notice["link"] == f"/ui/transfers/{scene['transfer']}"
        home = client.get("/ui/", headers=HTML)
        assert home.status_code == 200 and notice["subject"] in home.text
        opened = client.get(f"/ui/notices/{notice['id']}", headers=HTML)
        assert opened.status_code == 200 and "Why:" in opened.text
        after = client.get("/notices").json()
        assert next(n for n in after if n["id"] == notice["id"])["read"] is True
        assert after[0]["read"] is False  # unread first
    with _client(runtime, tokens["other-planner"]) as client:
        assert all(n["cause"] != "taken_off" for n in client.get("/notices").json())


def test_a_representative_never_sees_a_notice_about_someone_else(
    runtime: Runtime, clock: FixedClock, scene: dict[str, object], smtp_server: tuple[NoticesSettings, Path]
) -> None:
    settings, directory = smtp_server
    people: list[str] = scene["people"]  # type: ignore[assignment]
    tokens: dict[str, str] = scene["tokens"]  # type: ignore[assignment]
    clock.advance(timedelta(days=3, hours=6))
    for r in people[:3]:  # rep-b's client too, and a person with no representative
        with unit_of_work(runtime.engine) as s:
            record(s, clock, r, "rule39_granted", clock.today(), {"expires_on": "2026-07-01"})
    _send_all(runtime.engine, settings, clock)
    for rep, client_ref in (("rep-a", people[0]), ("rep-b", people[1])):
        with _client(runtime, tokens[rep]) as client:
            seen = client.get("/notices").json()
            assert seen and {n["case_reference"] for n in seen} == {client_ref}
            mails = [m for m in read_mailbox(directory)["messages"] if m["to"].startswith(rep + "@")]
            assert mails and all(client_ref in m["body"] for m in mails)
            assert not any(other in m["body"] for m in mails for other in people if other != client_ref)
    # Someone else's notice cannot be opened or marked read: it is simply not in your inbox.
    with unit_of_work(runtime.engine, read_only=True) as s:
        theirs = s.execute(select(Notice.id).where(Notice.case_reference == people[0])).scalars().first()
    with _client(runtime, tokens["rep-b"]) as client:
        assert client.post(f"/notices/{theirs}/read").status_code == 404
        assert client.get(f"/ui/notices/{theirs}", headers=HTML).status_code == 404


def test_a_representation_that_ended_hides_the_old_notices(
    runtime: Runtime, clock: FixedClock, scene: dict[str, object]
) -> None:
    from returnhub.access.service import end_representation

    people: list[str] = scene["people"]  # type: ignore[assignment]
    tokens: dict[str, str] = scene["tokens"]  # type: ignore[assignment]
    with _client(runtime, tokens["rep-a"]) as client:
        assert client.get("/notices").json()  # told when the client was added to the manifest
        with unit_of_work(runtime.engine) as s:
            end_representation(s, "rep-a", people[0])
        assert client.get("/notices").json() == []


def test_under_minimum_is_told_once_per_new_load(
    runtime: Runtime, clock: FixedClock, scene: dict[str, object]
) -> None:
    people: list[str] = scene["people"]  # type: ignore[assignment]
    clock.advance(timedelta(days=3))
    with unit_of_work(runtime.engine) as s:
        record(s, clock, people[0], "rule39_granted", clock.today())
    with unit_of_work(runtime.engine) as s:  # load 3 of minimum 4: flagged, planner told
        ops.depart(s, str(scene["transfer"]), clock=clock, recorded_by="planner")
    with unit_of_work(runtime.engine) as s:  # same load again: not told twice
        ops.depart(s, str(scene["transfer"]), clock=clock, recorded_by="planner")
    with unit_of_work(runtime.engine, read_only=True) as s:
        under = s.execute(select(Notice).where(Notice.cause == "under_minimum")).scalars().all()
    assert sorted(service_names(runtime, [n.user_id for n in under])) == ["liaison", "monitor", "planner"]
    assert "3 people on it, under its minimum viable load of 4" in under[0].body


def service_names(runtime: Runtime, ids: list[int]) -> list[str]:
    from returnhub.access.service import user_names

    with unit_of_work(runtime.engine, read_only=True) as s:
        names = user_names(s, ids)
    return [names[i] for i in ids]


def test_the_sweep_tells_of_run_out_clocks_once(runtime: Runtime, clock: FixedClock) -> None:
    from returnhub.operations.models import HubStay
    from returnhub.operations.stays import sweep
    from returnhub.partners.seed import seed_partners

    from ..casework.helpers import add_person

    with unit_of_work(runtime.engine) as s:
        seed_partners(s, clock)
        person = add_person(s, "RH0000009", nationality="ALB", date_of_birth=date(1990, 1, 1))
        s.add(
            HubStay(
                case_id=person.id,
                reference="RH0000009",
                hub="GBR-MKD-H1",
                agreement="GBR-MKD-ILLUSTRATIVE",
                transfer="TR0",
                arrived_on=clock.today() - timedelta(days=5),
                judicial_validation_due_on=clock.today() - timedelta(days=3),
            )
        )
    make_user(runtime, "hub_liaison", "liaison", hubs=["GBR-MKD-H1"])
    make_user(runtime, "legal_representative", "rep-c", clients=["RH0000009"])
    make_user(runtime, "legal_representative", "rep-d")
    # Through the command people run (mounted under `notices` by the composition root, though it lives in
    # operations' CLI), then again through the service: the second finds nothing new.
    from typer.testing import CliRunner

    from returnhub import cli

    cli.set_runtime(runtime)
    try:
        first = CliRunner().invoke(cli.app, ["notices", "sweep", "--json"])
    finally:
        cli.set_runtime(None)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"stay_overdue": 0, "validation_overdue": 2}  # one per person told
    with unit_of_work(runtime.engine) as s:
        assert sweep(s, clock=clock) == {"stay_overdue": 0, "validation_overdue": 0}
    with unit_of_work(runtime.engine, read_only=True) as s:
        rows = s.execute(select(Notice)).scalars().all()
        outbox = s.execute(select(OutboxMessage)).scalars().all()
    assert sorted(service_names(runtime, [n.user_id for n in rows])) == ["liaison", "rep-c"]
    assert len(outbox) == 2
    assert "validated by a judge" in rows[0].body and "_" not in rows[0].subject


def test_templates_fill_every_placeholder() -> None:
    subject, body = render(
        "under_minimum",
        {
            "recipient": "planner",
            "transfer": "TR1",
            "hub": "a hub",
            "departs": "today",
            "load": "1",
            "min_load": "2",
            "reason": "why",
            "link": "http://x/ui/transfers/TR1",
        },
    )
    assert "((" not in subject + body and "TR1" in subject
    with pytest.raises(InvalidInput):
        render("under_minimum", {"recipient": "planner"})


def test_a_notice_and_its_email_exist_only_if_the_event_was_committed(
    runtime: Runtime, clock: FixedClock, scene: dict[str, object]
) -> None:
    people: list[str] = scene["people"]  # type: ignore[assignment]
    clock.advance(timedelta(days=3, hours=6))
    with pytest.raises(RuntimeError), unit_of_work(runtime.engine) as s:
        record(s, clock, people[0], "rule39_granted", clock.today(), {"expires_on": "2026-07-01"})
        assert s.execute(select(Notice).where(Notice.cause == "taken_off")).scalars().first() is not None
        raise RuntimeError("the command failed after the event")
    with unit_of_work(runtime.engine, read_only=True) as s:
        assert s.execute(select(Notice).where(Notice.cause == "taken_off")).first() is None
        assert s.execute(select(OutboxMessage).where(OutboxMessage.template == "taken_off")).first() is None
