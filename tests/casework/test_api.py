"""REST for cases: pagination, as-of, problem+json errors, 409 on a stale version."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from tests.auth_helpers import authed_client

from .helpers import REFUSED_HISTORY, add_person, record


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with unit_of_work(runtime.engine) as s:
        for i in range(1, 6):
            add_person(s, f"RH000000{i}", nationality="ERI" if i % 2 else "AFG")
            for event_type, on, data in REFUSED_HISTORY[: 2 + i]:
                record(s, runtime.clock, f"RH000000{i}", event_type, on, data)
    with authed_client(runtime, role="senior_caseworker") as c:
        yield c


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_search_paginates_with_a_cursor(client: TestClient) -> None:
    first = client.get("/cases", params={"limit": 2}).json()
    assert [c["reference"] for c in first["data"]] == ["RH0000001", "RH0000002"]
    second = client.get("/cases", params={"limit": 2, "after": first["next_cursor"]}).json()
    assert [c["reference"] for c in second["data"]] == ["RH0000003", "RH0000004"]
    eri = client.get("/cases", params={"nationality": "eri"}).json()["data"]
    assert {c["reference"] for c in eri} == {"RH0000001", "RH0000003", "RH0000005"}
    ared = client.get("/cases", params={"status": "appeal_rights_exhausted"}).json()["data"]
    assert [c["reference"] for c in ared] == ["RH0000004", "RH0000005"]


def test_case_detail_and_as_of(client: TestClient) -> None:
    case = client.get("/cases/RH0000004").json()
    assert case["status"] == "appeal_rights_exhausted" and len(case["timeline"]) == 6
    then = client.get("/cases/RH0000004", params={"as_of": "2024-03-01"}).json()
    assert then["status"] == "appeal_pending" and len(then["timeline"]) == 4
    assert client.get("/cases/RH0000004").headers["etag"] == '"6"'


def test_post_event_and_conflicts(client: TestClient) -> None:
    ok = client.post(
        "/cases/RH0000004/events",
        json={"type": "rule39_granted", "occurred_on": "2025-01-01", "expected_version": 6},
    )
    assert ok.status_code == 201 and ok.json()["sequence"] == 7
    stale = client.post(
        "/cases/RH0000004/events",
        json={"type": "released", "occurred_on": "2025-01-02", "expected_version": 6},
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["status"] == 409 and "version" in stale.json()["detail"]
    bad = client.post(
        "/cases/RH0000004/events",
        json={"type": "asylum_claim_decided", "occurred_on": "2025-01-02", "data": {"outcome": "?"}},
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    unknown = client.post("/cases/RH0000004/events", json={"type": "nope", "occurred_on": "2025-01-02"})
    assert unknown.status_code == 422
    assert len(client.get("/cases/RH0000004/events").json()) == 7


def test_missing_case_is_problem_404(client: TestClient) -> None:
    r = client.get("/cases/RH9999999")
    assert r.status_code == 404 and r.json()["title"] == "Not found"


def test_search_by_any_part_of_a_name_and_a_nationality_by_name(client: TestClient, runtime: Runtime) -> None:
    """Any part of a given or family name, case and accents folded on both sides; a nationality by name."""
    from returnhub.people.models import Person

    with unit_of_work(runtime.engine) as s:
        person = add_person(s, "RH0000009", nationality="EGY")
        person.given_name, person.family_name = "Tāriq", "IBRĀHĪM"
        from returnhub.casework.state import fold
        from returnhub.casework.store import upsert_projection

        upsert_projection(s, person, fold([]), person.created_at)
        assert isinstance(person, Person)
    for name in ("Tariq Ibrahim", "ibrah", "IBRĀHĪM", "tāriq", "ibrahim tariq", "Ibrahim,"):
        found = client.get("/cases", params={"name": name}).json()["data"]
        assert [c["reference"] for c in found] == ["RH0000009"], name
    assert client.get("/cases", params={"name": "Tariq Person"}).json()["data"] == []
    assert client.get("/cases", params={"name": "%"}).status_code == 200  # no pattern: every case
    for nationality in ("Egypt", "egypt", "EG", "egy"):
        found = client.get("/cases", params={"nationality": nationality}).json()["data"]
        assert [c["reference"] for c in found] == ["RH0000009"], nationality
    refused = client.get("/cases", params={"nationality": "Atlantis"})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert "nationality" in refused.json()["detail"]
