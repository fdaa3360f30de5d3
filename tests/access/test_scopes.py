"""Record scopes: a legal representative cannot read, list, search or infer another person's case; a hub
liaison sees only the people at their hub; the monitor reads everything and writes only notes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from returnhub.access.roles import Role
from returnhub.casework.models import StoredEvent
from returnhub.core.database import unit_of_work

from .conftest import HUB_IN, HUB_OUT, IN_SCOPE, MISSING, OUT_OF_SCOPE, World


def _refs(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["reference"] for c in response.json()["data"]]


def _without_reference(problem: dict[str, Any], reference: str) -> dict[str, Any]:
    return {k: str(v).replace(reference, "<ref>") for k, v in problem.items()}


def _event_count(world: World, reference: str) -> int:
    from returnhub.people.models import Person

    with unit_of_work(world.runtime.engine, read_only=True) as s:
        return int(
            s.execute(
                select(func.count())
                .select_from(StoredEvent)
                .join(Person, Person.id == StoredEvent.case_id)
                .where(Person.reference == reference)
            ).scalar_one()
        )


def test_a_legal_representative_lists_and_searches_only_their_clients(world: World) -> None:
    rep = world.headers(Role.LEGAL_REPRESENTATIVE)
    c = world.client
    assert _refs(c.get("/cases", headers=rep)) == [IN_SCOPE]
    assert _refs(c.get("/cases", params={"reference": "RH"}, headers=rep)) == [IN_SCOPE]
    assert _refs(c.get("/cases", params={"reference": OUT_OF_SCOPE}, headers=rep)) == []
    assert _refs(c.get("/cases", params={"name": "Person"}, headers=rep)) == [IN_SCOPE]
    assert _refs(c.get("/cases", params={"status": "appeal_rights_exhausted"}, headers=rep)) == [IN_SCOPE]
    # The cursor does not open a way round the filter either.
    assert _refs(c.get("/cases", params={"after": IN_SCOPE}, headers=rep)) == []
    # An unscoped caseworker sees both.
    assert _refs(c.get("/cases", headers=world.headers(Role.CASEWORKER))) == [IN_SCOPE, OUT_OF_SCOPE]


def test_another_persons_case_is_indistinguishable_from_no_case(world: World) -> None:
    rep = world.headers(Role.LEGAL_REPRESENTATIVE)
    c = world.client
    for suffix in ("", "/events", "/eligibility"):
        other = c.get(f"/cases/{OUT_OF_SCOPE}{suffix}", headers=rep)
        missing = c.get(f"/cases/{MISSING}{suffix}", headers=rep)
        assert other.status_code == missing.status_code == 404
        assert _without_reference(other.json(), OUT_OF_SCOPE) == _without_reference(missing.json(), MISSING)
        assert other.headers.keys() == missing.headers.keys()
    # The scope's 404 reads exactly like the register's own answer for a case that does not exist.
    real_missing = c.get(f"/cases/{MISSING}", headers=world.headers(Role.ADMIN)).json()
    scoped = c.get(f"/cases/{OUT_OF_SCOPE}", headers=rep).json()
    assert _without_reference(scoped, OUT_OF_SCOPE) == _without_reference(real_missing, MISSING)


def test_a_legal_representative_lodges_notices_for_clients_only(world: World) -> None:
    rep = world.headers(Role.LEGAL_REPRESENTATIVE)
    c = world.client
    before_other = _event_count(world, OUT_OF_SCOPE)
    notice = {"type": "judicial_review_lodged", "occurred_on": "2026-05-20"}
    assert c.post(f"/cases/{OUT_OF_SCOPE}/events", json=notice, headers=rep).status_code == 404
    assert _event_count(world, OUT_OF_SCOPE) == before_other
    lodged = c.post(f"/cases/{IN_SCOPE}/events", json=notice, headers=rep)
    assert lodged.status_code == 201 and lodged.json()["status"] == "appeal_rights_exhausted"
    me = c.get("/auth/me", headers=rep).json()
    timeline = c.get(f"/cases/{IN_SCOPE}/events", headers=rep).json()
    assert timeline[-1]["type"] == "judicial_review_lodged" and timeline[-1]["recorded_by"] == me["name"]
    # Not a notice: a decision is the Home Office's to record.
    decided = c.post(
        f"/cases/{IN_SCOPE}/events",
        json={
            "type": "judicial_review_decided",
            "occurred_on": "2026-05-21",
            "data": {"outcome": "dismissed"},
        },
        headers=rep,
    )
    assert decided.status_code == 403 and decided.headers["content-type"] == "application/problem+json"


def test_a_hub_liaison_sees_only_the_people_at_their_hub(world: World) -> None:
    liaison = world.headers(Role.HUB_LIAISON)
    c = world.client
    assert _refs(c.get("/cases", headers=liaison)) == [IN_SCOPE]
    assert c.get(f"/cases/{IN_SCOPE}", headers=liaison).status_code == 200
    assert c.get(f"/cases/{OUT_OF_SCOPE}", headers=liaison).status_code == 404
    assert c.get(f"/transfers/{world.transfer_in}", headers=liaison).status_code == 200
    assert c.get(f"/transfers/{world.transfer_out}", headers=liaison).status_code == 404
    incident = {"summary": "Scuffle at meal time", "severity": "low", "occurred_at": "2026-05-31T12:00:00Z"}
    elsewhere = c.post("/incidents", json={**incident, "hub": HUB_OUT}, headers=liaison)
    about_other = c.post("/incidents", json={**incident, "case_reference": OUT_OF_SCOPE}, headers=liaison)
    assert elsewhere.status_code == 404 and about_other.status_code == 404
    here = c.post("/incidents", json={**incident, "hub": HUB_IN, "case_reference": IN_SCOPE}, headers=liaison)
    assert here.status_code == 201, here.text


def test_the_monitor_reads_everything_and_writes_only_notes(world: World) -> None:
    monitor = world.headers(Role.INDEPENDENT_MONITOR)
    c = world.client
    assert _refs(c.get("/cases", headers=monitor)) == [IN_SCOPE, OUT_OF_SCOPE]
    assert c.get(f"/cases/{OUT_OF_SCOPE}/events", headers=monitor).status_code == 200
    refused = c.post(
        f"/cases/{IN_SCOPE}/events",
        json={"type": "rule39_granted", "occurred_on": "2026-05-01"},
        headers=monitor,
    )
    assert refused.status_code == 403
    note = c.post(
        "/monitoring-notes",
        json={"subject": IN_SCOPE, "text": "Seen in private; complains of chest pain."},
        headers=monitor,
    )
    assert note.status_code == 201
    notes = c.get("/monitoring-notes", params={"subject": IN_SCOPE}, headers=monitor).json()
    assert [n["text"] for n in notes] == ["Seen in private; complains of chest pain."]
