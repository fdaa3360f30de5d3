"""Sealed special-category event fields: encrypted at rest, shown by role, rotated, erased, tamper-evident;
and If-Match on appending an event."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select, update

from returnhub.access.crypto import FieldCipher, field_cipher, generate_key, rotate_stored_fields
from returnhub.access.models import AccessLogEntry
from returnhub.access.roles import Role
from returnhub.access.settings import AccessSettings
from returnhub.access.subject import export_subject
from returnhub.casework.models import SealedValue, StoredEvent, case_projection
from returnhub.casework.snapshots import next_mark
from returnhub.casework.store import verify_chain
from returnhub.core.database import unit_of_work
from returnhub.people.models import Person

from .conftest import HUB_IN, IN_SCOPE, World
from .test_cli import run

PTSD = "PTSD after detention; disclosed torture"
PREGNANCY = "pregnancy"
MEDICAL = "Insulin-dependent diabetes, needs cold-chain medicine"
AAR = {"level": 2, "indicators": [PREGNANCY, PTSD], "notes": "Became tearful when asked about the route"}
FITNESS = {"fit": True, "serious_medical_condition": True, "medical_details": MEDICAL}
SECRETS = (PTSD, PREGNANCY, MEDICAL, "tearful")


def post_event(
    world: World, event_type: str, data: dict[str, Any], *, role: Role = Role.CASEWORKER, **headers: str
) -> Any:
    return world.client.post(
        f"/cases/{IN_SCOPE}/events",
        json={"type": event_type, "occurred_on": "2026-05-20", "data": data},
        headers={**world.headers(role), **headers},
    )


def record_sensitive(world: World) -> None:
    for event_type, data in (("adults_at_risk_assessed", AAR), ("fitness_to_fly_assessed", FITNESS)):
        answer = post_event(world, event_type, data)
        assert answer.status_code == 201, answer.text
    # An append refreshes the projection from the events, which do not place the person at a hub; put the
    # hub back as the world set it (the hub liaison's scope reads it).
    with unit_of_work(world.runtime.engine) as s:
        s.execute(
            update(case_projection)
            .where(case_projection.c.reference == IN_SCOPE)
            .values(hub=HUB_IN, change_mark=next_mark(s))
        )


def sealed_of(case: dict[str, Any]) -> dict[str, Any]:
    """The sealed fields of the last two events of a case view (the AAR and fitness events)."""
    aar, fitness = case["timeline"][-2:]
    return {
        **{k: aar["data"].get(k) for k in ("indicators", "notes")},
        "medical": fitness["data"].get("medical_details"),
    }


def test_the_database_never_holds_the_plaintext(world: World) -> None:
    record_sensitive(world)
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        payloads = [orjson.dumps(d).decode() for d in s.execute(select(StoredEvent.data)).scalars()]
        rows = list(s.execute(select(SealedValue)).scalars())
        report = verify_chain(s)
    assert report.ok
    stored = "\n".join(payloads) + "\n".join(r.ciphertext or "" for r in rows)
    for secret in SECRETS:
        assert secret not in stored
    assert {(r.case_reference, r.field) for r in rows} == {
        (IN_SCOPE, "indicators"),
        (IN_SCOPE, "notes"),
        (IN_SCOPE, "medical_details"),
    }
    # The payload keeps a marker naming the row, and the coded facts the rules read stay in the clear.
    aar = next(json.loads(p) for p in payloads if '"level":2' in p)
    assert aar["level"] == 2 and set(aar["indicators"]) == {"$sealed"}


ALLOWED = (Role.CASEWORKER, Role.SENIOR_CASEWORKER, Role.INDEPENDENT_MONITOR, Role.LEGAL_REPRESENTATIVE)


@pytest.mark.parametrize("role", [*ALLOWED, Role.ADMIN])
def test_roles_that_need_special_category_data_see_it(world: World, role: Role) -> None:
    record_sensitive(world)
    case = world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(role))
    assert case.status_code == 200
    assert sealed_of(case.json()) == {
        "indicators": [PREGNANCY, PTSD],
        "notes": AAR["notes"],
        "medical": MEDICAL,
    }
    events = world.client.get(f"/cases/{IN_SCOPE}/events", headers=world.headers(role)).json()
    assert events[-1]["data"]["medical_details"] == MEDICAL


@pytest.mark.parametrize("role", [Role.OPERATIONS_PLANNER, Role.HUB_LIAISON])
def test_other_roles_read_restricted_but_keep_the_coded_facts(world: World, role: Role) -> None:
    record_sensitive(world)
    answer = world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(role))
    assert answer.status_code == 200
    case = answer.json()
    assert sealed_of(case) == {
        "indicators": "[restricted]",
        "notes": "[restricted]",
        "medical": "[restricted]",
    }
    assert case["state"]["adults_at_risk_level"] == 2 and case["state"]["serious_medical_condition"] is True
    events = world.client.get(f"/cases/{IN_SCOPE}/events", headers=world.headers(role))
    assert events.status_code == 200
    for secret in SECRETS:
        assert secret not in answer.text and secret not in events.text


def test_an_analyst_cannot_read_the_case_at_all(world: World) -> None:
    record_sensitive(world)
    assert world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.ANALYST)).status_code == 403


def test_rotation_re_encrypts_sealed_values_and_the_chain_still_verifies(world: World) -> None:
    key_a, key_b = generate_key(), generate_key()
    world.app.state.access_settings = AccessSettings(field_keys=key_a)
    record_sensitive(world)
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        before = {r.id: r.ciphertext for r in s.execute(select(SealedValue)).scalars()}
    with unit_of_work(world.runtime.engine) as s:
        counts = rotate_stored_fields(s, FieldCipher([key_b, key_a]))
    assert counts == {"monitoring_notes": 0, "sealed_values": 3}
    world.app.state.access_settings = AccessSettings(field_keys=key_b)  # key A removed
    case = world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER)).json()
    assert sealed_of(case)["medical"] == MEDICAL and sealed_of(case)["indicators"] == [PREGNANCY, PTSD]
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        after = {r.id: r.ciphertext for r in s.execute(select(SealedValue)).scalars()}
        assert verify_chain(s).ok
    assert after.keys() == before.keys() and all(after[k] != before[k] for k in after)
    # Only key A left: the values now under B are refused with a clear problem, not garbage.
    world.app.state.access_settings = AccessSettings(field_keys=key_a)
    refused = world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER))
    assert refused.status_code == 500 and refused.headers["content-type"] == "application/problem+json"
    assert "cannot be opened" in refused.json()["detail"]


def test_keys_rotate_command_covers_sealed_values(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key_a, key_b = generate_key(), generate_key()
    world.app.state.access_settings = AccessSettings(field_keys=key_a)
    record_sensitive(world)
    monkeypatch.setenv("RETURNHUB_FIELD_KEYS", f"{key_b},{key_a}")
    code, out, _ = run(world.runtime, capsys, "keys", "rotate", "--json")
    assert code == 0 and json.loads(out) == {"monitoring_notes": 0, "sealed_values": 3}
    monkeypatch.setenv("RETURNHUB_FIELD_KEYS", key_b)
    code, out, _ = run(world.runtime, capsys, "case", "show", IN_SCOPE, "--json")
    assert code == 0 and sealed_of(json.loads(out))["medical"] == MEDICAL  # the operator's tool reveals
    code, out, _ = run(world.runtime, capsys, "audit", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True


def test_erasure_blanks_the_values_logs_it_and_keeps_the_chain(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    record_sensitive(world)
    code, _, err = run(world.runtime, capsys, "subject", "erase-sealed", IN_SCOPE)
    assert code == 2 and "--yes" in err and "Traceback" not in err
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        assert all(r.ciphertext for r in s.execute(select(SealedValue)).scalars())  # refused: nothing erased
    code, out, _ = run(
        world.runtime, capsys, "subject", "erase-sealed", IN_SCOPE, "--yes", "--json", "--by", "dpo"
    )
    assert code == 0 and json.loads(out) == {"reference": IN_SCOPE, "erased": 3}
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        rows = list(s.execute(select(SealedValue)).scalars())
        assert all(r.ciphertext is None and r.erased_at is not None for r in rows)
        assert verify_chain(s).ok
        logged = s.execute(
            select(AccessLogEntry).where(
                AccessLogEntry.method == "ERASE", AccessLogEntry.case_reference == IN_SCOPE
            )
        ).scalar_one()
        assert logged.user_name == "dpo"
    case = world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER)).json()
    assert sealed_of(case) == {"indicators": "[erased]", "notes": "[erased]", "medical": "[erased]"}
    assert case["state"]["adults_at_risk_level"] == 2
    code, out, _ = run(world.runtime, capsys, "audit", "verify", "--log", "access", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, _, err = run(world.runtime, capsys, "subject", "erase-sealed", "RH9999999", "--yes")
    assert code == 2 and "RH9999999" in err


def test_a_tampered_or_moved_ciphertext_is_refused_on_read(world: World) -> None:
    record_sensitive(world)
    with unit_of_work(world.runtime.engine) as s:
        rows = {r.field: r for r in s.execute(select(SealedValue)).scalars()}
        medical, notes = rows["medical_details"], rows["notes"]
        # Move the notes' ciphertext onto the medical row: each opens, but names the other row.
        s.execute(update(SealedValue).where(SealedValue.id == medical.id).values(ciphertext=notes.ciphertext))
    moved = world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER))
    assert moved.status_code == 500 and "sealed for another row" in moved.json()["detail"]
    assert "Traceback" not in moved.text
    assert (
        world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.OPERATIONS_PLANNER)).status_code
        == 200
    )
    with unit_of_work(world.runtime.engine) as s:
        flipped = (
            notes.ciphertext[:-6] + ("A" if notes.ciphertext[-6] != "A" else "B") + notes.ciphertext[-5:]
        )
        s.execute(update(SealedValue).where(SealedValue.id == medical.id).values(ciphertext=flipped))
    altered = world.client.get(f"/cases/{IN_SCOPE}/events", headers=world.headers(Role.CASEWORKER))
    assert altered.status_code == 500 and altered.headers["content-type"] == "application/problem+json"
    assert "cannot be opened" in altered.json()["detail"] and "medical_details" in altered.json()["detail"]


def test_the_subject_export_opens_sealed_values_and_never_ships_ciphertext(world: World) -> None:
    record_sensitive(world)
    cipher = field_cipher(world.app.state.access_settings, world.runtime.settings.environment)
    with unit_of_work(world.runtime.engine) as s:
        document = export_subject(s, IN_SCOPE, cipher=cipher, clock=world.runtime.clock, requested_by="dpo")
        ciphertexts = [r.ciphertext for r in s.execute(select(SealedValue)).scalars()]
    text = json.dumps(document, default=str)
    assert MEDICAL in text and PTSD in text
    assert not any(c and c in text for c in ciphertexts)
    assert {r["field"]: r["value"] for r in document["records"]["sealed_values"]}[
        "medical_details"
    ] == MEDICAL


# --- If-Match on POST /cases/{reference}/events ---------------------------------------------------------


def test_if_match_guards_an_append(world: World) -> None:
    read = world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER))
    etag = read.headers["etag"]
    version = int(etag.strip('"'))
    good = post_event(world, "detained", {}, **{"If-Match": etag})
    assert good.status_code == 201 and good.headers["etag"] == f'"{version + 1}"'
    assert good.json()["version"] == version + 1
    stale = post_event(world, "released", {}, **{"If-Match": etag})
    assert stale.status_code == 409 and stale.headers["content-type"] == "application/problem+json"
    malformed = post_event(world, "released", {}, **{"If-Match": "yesterday"})
    assert malformed.status_code == 412
    contradicting = world.client.post(
        f"/cases/{IN_SCOPE}/events",
        json={"type": "released", "occurred_on": "2026-05-20", "expected_version": version},
        headers={**world.headers(Role.CASEWORKER), "If-Match": f'"{version + 1}"'},
    )
    assert contradicting.status_code == 422
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        person_id = s.execute(select(Person.id).where(Person.reference == IN_SCOPE)).scalar_one()
        types = list(
            s.execute(select(StoredEvent.event_type).where(StoredEvent.case_id == person_id)).scalars()
        )
    assert types.count("detained") == 1 and "released" not in types  # refused appends wrote nothing
    assert post_event(world, "released", {}, **{"If-Match": "*"}).status_code == 201


def test_retention_names_closed_cases_whose_sealed_values_are_due(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    record_sensitive(world)
    with unit_of_work(world.runtime.engine) as s:
        s.execute(
            update(case_projection)
            .where(case_projection.c.reference == IN_SCOPE)
            .values(status="granted", change_mark=next_mark(s))
        )

    def due() -> dict[str, Any]:
        report = json.loads(run(world.runtime, capsys, "retention", "report", "--json")[1])
        return next(r for r in report["rules"] if r["record_type"] == "sealed_value")

    assert due()["would_erase"] == 0
    world.runtime.clock.advance(timedelta(days=7 * 365))  # type: ignore[attr-defined]
    assert due()["would_erase"] == 3 and due()["sample"] == [IN_SCOPE]
    assert run(world.runtime, capsys, "subject", "erase-sealed", IN_SCOPE, "--yes")[0] == 0
    assert due()["would_erase"] == 0
