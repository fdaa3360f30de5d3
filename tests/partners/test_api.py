"""REST for the partners register: create, amend (a new version), read as of a date; problem+json errors;
no update path; nothing written on bad input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.partners.models import AgreementVersion, PartnerChange
from tests.auth_helpers import authed_client

SOURCE = {"provenance": "sourced", "source_url": "https://example.org/source", "source_title": "A source"}
PROBLEM = "application/problem+json"


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with authed_client(runtime, role="partnerships_officer", name="officer.one") as c:
        yield c


def _count(runtime: Runtime, model: Any) -> int:
    with unit_of_work(runtime.engine, read_only=True) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def _pipeline_in_force(client: TestClient) -> None:
    r = client.post(
        "/partners",
        json={
            "sending_state": "GBR",
            "partner_country": "RS",
            "status": "in_talks",
            "occurred_on": "2025-05-15",
            **SOURCE,
        },
    )
    assert r.status_code == 201, r.text
    for status, on in (("memorandum_signed", "2025-12-01"), ("in_force", "2026-01-01")):
        r = client.post(
            "/partners/SRB/steps",
            json={"sending_state": "GBR", "status": status, "occurred_on": on, **SOURCE},
        )
        assert r.status_code == 201, r.text
    assert r.json()["status"] == "in_force"


AGREEMENT = {
    "reference": "GBR-SRB-1",
    "sending_state": "GBR",
    "partner_country": "Serbia",
    "title": "UK-Serbia test agreement",
    "instrument": "memorandum of understanding",
    "signed_on": "2025-12-01",
    **SOURCE,
    "terms": {
        "effective_from": "2026-01-01",
        "places": 200,
        "annual_quota": 1000,
        "scope": {"kind": "list", "countries": ["AL", "IND"]},
        "excluded_groups": ["minors", "families_with_minors"],
        "max_stay_days": 120,
        "cost_per_place_per_day": "99.90",
        "cost_currency": "gbp",
        "fixed_payments": [
            {"description": "Set-up", "amount": "1000000", "currency": "GBP", "kind": "lump_sum"}
        ],
        "monitoring_body": "An independent monitor",
        "consequences_of_breach": "Suspension",
        **SOURCE,
    },
}


def test_create_amend_and_read_as_of_a_date(client: TestClient, runtime: Runtime) -> None:
    _pipeline_in_force(client)
    created = client.post("/agreements", json=AGREEMENT)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["reference"] == "GBR-SRB-1" and body["partner_country"] == "SRB"
    assert body["terms"]["version"] == 1 and body["nationalities_in_scope"] == ["ALB", "IND"]
    assert body["terms"]["cost_per_place_per_day"] == "99.90" and body["terms"]["cost_currency"] == "GBP"

    amended = client.post(
        "/agreements/GBR-SRB-1/versions",
        json={
            "effective_from": "2026-04-01",
            "scope": {"kind": "list", "countries": ["ALB", "IND", "IRQ"]},
            "max_stay_days": 90,
            **SOURCE,
        },
    )
    assert amended.status_code == 201, amended.text
    assert amended.json()["terms"]["version"] == 2

    march = client.get("/agreements/GBR-SRB-1", params={"on": "2026-03-31"}).json()
    april = client.get("/agreements/GBR-SRB-1", params={"on": "2026-04-01"}).json()
    december = client.get("/agreements/GBR-SRB-1", params={"on": "2025-12-31"}).json()
    assert (march["terms"]["version"], march["terms"]["max_stay_days"], march["nationalities_in_scope"]) == (
        1,
        120,
        ["ALB", "IND"],
    )
    assert (april["terms"]["version"], april["terms"]["max_stay_days"], april["nationalities_in_scope"]) == (
        2,
        90,
        ["ALB", "IND", "IRQ"],
    )
    assert april["terms"]["places"] == 200 and april["terms"]["monitoring_body"] == "An independent monitor"
    assert december["terms"] is None and december["in_force"] is False
    assert [v["version"] for v in client.get("/agreements/GBR-SRB-1/versions").json()] == [1, 2]

    terms = {t["agreement"]: t for t in client.get("/agreements/terms", params={"on": "2026-04-01"}).json()}
    assert (
        terms["GBR-SRB-1"]["nationalities_in_scope"] == ["ALB", "IND", "IRQ"]
        and terms["GBR-SRB-1"]["in_force"]
    )

    changes = client.get("/partners/changes", params={"subject": "GBR-SRB-1"}).json()
    assert [c["action"] for c in changes] == ["terms_amended", "terms_recorded", "agreement_created"]
    opened = client.get("/partners/changes", params={"subject": "GBR-SRB"}).json()[-1]
    assert opened["recorded_by"] == "officer.one"
    assert client.get("/partners/changes/verify").json()["ok"] is True


def test_there_is_no_update_path_for_terms(client: TestClient) -> None:
    _pipeline_in_force(client)
    assert client.post("/agreements", json=AGREEMENT).status_code == 201
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)("/agreements/GBR-SRB-1").status_code == 405
        assert getattr(client, method)("/agreements/GBR-SRB-1/versions").status_code == 405
    same_day = client.post(
        "/agreements/GBR-SRB-1/versions", json={"effective_from": "2026-01-01", "places": 1, **SOURCE}
    )
    # The same legal date again is a correction recorded beside the first version, which stays readable.
    assert same_day.status_code == 201
    versions = client.get("/agreements/GBR-SRB-1/versions").json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["places"] == AGREEMENT["terms"]["places"] and versions[1]["places"] == 1  # type: ignore[index]


def test_errors_are_problems_and_write_nothing(client: TestClient, runtime: Runtime) -> None:
    _pipeline_in_force(client)
    versions, changes = _count(runtime, AgreementVersion), _count(runtime, PartnerChange)
    skip = client.post(
        "/partners",
        json={
            "sending_state": "GBR",
            "partner_country": "BA",
            "status": "in_force",
            "occurred_on": "2025-06-01",
            **SOURCE,
        },
    )
    assert skip.status_code == 409 and skip.headers["content-type"] == PROBLEM
    assert "cannot start at in_force" in skip.json()["detail"]
    bad_country = dict(AGREEMENT, partner_country="Atlantis")
    r = client.post("/agreements", json=bad_country)
    assert r.status_code == 422 and "not an ISO 3166-1 country" in r.json()["detail"]
    bad_group = {**AGREEMENT, "terms": {**AGREEMENT["terms"], "excluded_groups": ["teenagers"]}}  # type: ignore[dict-item]
    r = client.post("/agreements", json=bad_group)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    unsourced = {**AGREEMENT, "source_url": None}
    assert client.post("/agreements", json=unsourced).status_code == 422
    assert client.get("/agreements/GBR-SRB-9").status_code == 404
    assert client.get("/partners/Atlantis").status_code == 422
    assert (_count(runtime, AgreementVersion), _count(runtime, PartnerChange)) == (versions, changes)


def test_hubs_and_assessments_round_trip(client: TestClient) -> None:
    _pipeline_in_force(client)
    assert client.post("/agreements", json=AGREEMENT).status_code == 201
    hub = {
        "reference": "GBR-SRB-H1",
        "name": "Hub one",
        "agreement": "GBR-SRB-1",
        "status": "planned",
        "effective_from": "2026-01-01",
        "beds": {"single_adult_male": 80, "adult_female": 20},
        **SOURCE,
    }
    assert client.post("/hubs", json=hub).status_code == 201
    opened = client.post(
        "/hubs/GBR-SRB-H1/versions", json={"effective_from": "2026-02-01", "status": "operational", **SOURCE}
    )
    assert opened.status_code == 201 and opened.json()["status"] == "operational"
    count = client.post(
        "/hubs/GBR-SRB-H1/occupancy", json={"counted_on": "2026-03-01", "occupied": 30, **SOURCE}
    )
    assert count.status_code == 201, count.text
    (row,) = client.get("/hubs/occupancy", params={"on": "2026-03-02"}).json()
    assert (row["beds"], row["occupied"], row["free"]) == (100, 30, 70)
    assert client.get("/hubs/GBR-SRB-H1", params={"on": "2026-01-15"}).json()["status"] == "planned"
    assert (
        client.post(
            "/hubs/GBR-SRB-H1/versions", json={"effective_from": "2026-03-01", "status": "planned", **SOURCE}
        ).status_code
        == 409
    )

    assessment = {
        "assessing_state": "GBR",
        "country": "SRB",
        "assessed_on": "2025-12-01",
        "safe": True,
        "unsafe_for_profiles": ["political", "sex:F"],
        "summary": "Safe except two profiles",
        "evidence": [{"url": "https://example.org/cpin", "title": "Country policy note"}],
        "provenance": "sourced",
    }
    created = client.post("/assessments", json=assessment)
    assert created.status_code == 201, created.text
    assert created.json()["source_url"] == "https://example.org/cpin"
    assert client.post("/assessments", json=assessment).status_code == 409
    amended = client.post(
        "/assessments/SRB/versions",
        json={
            **{k: v for k, v in assessment.items() if k != "country"},
            "assessed_on": "2026-02-01",
            "unsafe_for_profiles": ["lgbt"],
        },
    )
    assert amended.status_code == 201 and amended.json()["version"] == 2
    read = client.get("/assessments/SRB", params={"on": "2026-01-15"}).json()
    assert read["current"][0]["unsafe_for_profiles"] == ["political", "sex:F"]
    assert [h["version"] for h in read["history"]] == [1, 2]
    bad = client.post("/assessments", json={**assessment, "country": "BIH", "unsafe_for_profiles": ["tall"]})
    assert bad.status_code == 422
    no_evidence = client.post("/assessments", json={**assessment, "country": "BIH", "evidence": []})
    assert no_evidence.status_code == 422


def test_reads_take_known_at_and_show_provenance(client: TestClient) -> None:
    """Issue 13, findings 9 and 14: ``?known_at=`` answers as the register knew it then; every fact carries
    its provenance."""
    _pipeline_in_force(client)
    assert client.post("/agreements", json=AGREEMENT).status_code == 201
    before = "2000-01-01T00:00:00Z"  # before anything was recorded
    assert client.get("/agreements/GBR-SRB-1", params={"known_at": before}).status_code == 404
    now = client.get("/agreements/GBR-SRB-1").json()
    assert now["provenance"] and now["terms"]["provenance"] and now["terms"]["recorded_at"]
    rows = client.get("/partners", params={"known_at": before}).json()
    assert rows == []
    (row,) = [r for r in client.get("/partners").json() if r["partner_country"] == "SRB"]
    assert row["provenance"] in ("sourced", "reported", "illustrative")
    assert row["agreement_provenance"] == {"GBR-SRB-1": now["provenance"]}
    bad = client.get("/partners", params={"known_at": "yesterday"})
    assert bad.status_code == 422
