"""Input bounds at the boundary (issue 15): each value that once gave a 500 text/plain or wrote an
implausible fact is now refused with a readable 4xx, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from returnhub.access.roles import Role
from returnhub.casework.models import StoredEvent
from returnhub.casework.queries import prefix_upper_bound
from returnhub.core.database import unit_of_work
from returnhub.web.boundary import MAX_JSON_DEPTH, json_depth
from tests.access.conftest import HUB_IN, IN_SCOPE, World
from tests.web.pages import HTML, page_client

PROBLEM = "application/problem+json"
LAST_CODE_POINT = "%F4%8F%BF%BF"


def _events(world: World) -> int:
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        return int(s.execute(select(func.count()).select_from(StoredEvent)).scalar_one())


def _refused(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["content-type"] == PROBLEM
    assert "X-Content-Type-Options" in answer.headers
    body: dict[str, Any] = answer.json()
    return body


def test_the_prefix_bound_survives_the_last_code_point() -> None:
    assert prefix_upper_bound("RH012") == "RH013"
    assert prefix_upper_bound("A\U0010ffff") == "B"
    assert prefix_upper_bound("\U0010ffff\U0010ffff") is None
    assert prefix_upper_bound("a\ud7ff") == "a\ue000"  # the surrogates are skipped


def test_a_filter_of_the_last_code_point_finds_nothing_rather_than_failing(world: World) -> None:
    admin = world.headers(Role.ADMIN)
    for query in (f"name={LAST_CODE_POINT}", f"reference={LAST_CODE_POINT}", f"name=A{LAST_CODE_POINT}"):
        answer = world.client.get(f"/cases?{query}", headers=admin)
        assert answer.status_code == 200 and answer.json()["data"] == [], answer.text[:300]


def test_the_cases_page_filters_on_the_last_code_point(world: World) -> None:
    with page_client(world.runtime, "caseworker") as browser:
        answer = browser.get(f"/ui/cases?name={LAST_CODE_POINT}")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "url",
    [
        f"/cases/{IN_SCOPE}?known_at=9999-12-31T23:59:59-14:00",
        f"/cases/{IN_SCOPE}?known_at=0001-01-01T00:00:00%2B14:00",
        "/partners?known_at=9999-12-31T23:59:59-14:00",
        "/hubs?known_at=0001-01-01T00:00:00%2B14:00",
    ],
)
def test_known_at_at_the_edges_of_time_is_invalid_input(world: World, url: str) -> None:
    _refused(world.client.get(url, headers=world.headers(Role.ADMIN)), 422)


def test_an_instant_at_the_start_of_time_is_refused_not_overflowed(world: World) -> None:
    admin = world.headers(Role.ADMIN)
    before = _events(world)
    event = {
        "type": "judicial_review_lodged",
        "occurred_on": "0001-01-01",
        "occurred_at": "0001-01-01T00:00:00+14:00",
    }
    _refused(world.client.post(f"/cases/{IN_SCOPE}/events", json=event, headers=admin), 422)
    transfer = {"hub": HUB_IN, "departs_at": "0001-01-01T00:00:00+14:00", "seats": 5, "min_load": 1}
    _refused(world.client.post("/transfers", json=transfer, headers=admin), 422)
    assert _events(world) == before


def test_a_huge_offset_is_invalid_input(world: World) -> None:
    admin = world.headers(Role.ADMIN)
    screening = world.client.post("/screenings", json={}, headers=admin)
    assert screening.status_code == 201, screening.text[:300]
    url = f"/screenings/{screening.json()['id']}/cases?offset={10**20}"
    _refused(world.client.get(url, headers=admin), 422)
    _refused(world.client.post(f"/notices/{10**20}/read", headers=admin), 422)


@pytest.mark.parametrize(
    "body",
    [
        '{"type": "arrival", "occurred_on": "2026-05-01", "data": {"route": "other", "port": "\\ud800"}}',
        '{"type": "arrival", "occurred_on": "2026-05-01", "data": {"route": "other", "port": "a\\u0000b"}}',
        '{"type": "arrival", "occurred_on": "2026-05-01", "data": {"\\udfff": 1}}',
    ],
)
def test_nul_and_lone_surrogates_in_json_are_bad_requests(world: World, body: str) -> None:
    before = _events(world)
    headers = {**world.headers(Role.ADMIN), "content-type": "application/json"}
    problem = _refused(world.client.post(f"/cases/{IN_SCOPE}/events", content=body, headers=headers), 400)
    assert "NUL" in problem["detail"] or "surrogate" in problem["detail"]
    assert _events(world) == before


def test_json_nested_too_deep_is_a_bad_request(world: World) -> None:
    assert json_depth(b'{"a": "[[[[", "b": [[{}]]}') == 4
    headers = {**world.headers(Role.ADMIN), "content-type": "application/json"}
    deep = "[" * 3000 + "]" * 3000
    body = '{"type": "arrival", "occurred_on": "2026-05-01", "data": ' + deep + "}"
    problem = _refused(world.client.post(f"/cases/{IN_SCOPE}/events", content=body, headers=headers), 400)
    assert str(MAX_JSON_DEPTH) in problem["detail"]


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        ("POST", "/auth/token", {"json": {"name": "ad\x00min", "password": "x"}}),
        ("GET", "/cases/RH%00", {}),
        ("GET", "/cases?name=%00", {}),
        ("GET", "/users/a%00b", {}),
        ("GET", "/cases?name=%ED%A0%80", {}),  # a surrogate's UTF-8 bytes
        ("GET", "/cases?name=%FF", {}),  # not UTF-8 at all
    ],
)
def test_nul_bytes_in_path_query_and_sign_in_are_bad_requests(
    world: World, method: str, url: str, kwargs: dict[str, Any]
) -> None:
    _refused(world.client.request(method, url, headers=world.headers(Role.ADMIN), **kwargs), 400)


def test_nul_in_an_incident_summary_is_a_bad_request(world: World) -> None:
    body = {"summary": "fell\x00ill", "severity": "low", "occurred_at": "2026-05-31T10:00:00Z", "hub": HUB_IN}
    _refused(world.client.post("/incidents", json=body, headers=world.headers(Role.ADMIN)), 400)


def test_nul_in_a_form_field_is_a_bad_request(world: World) -> None:
    with page_client(world.runtime, "caseworker", clients=()) as browser:
        answer = browser.post(
            f"/ui/cases/{IN_SCOPE}/events", data=browser.form({"event_type": "arrival\x00"}), headers=HTML
        )
    assert answer.status_code == 400


def test_a_non_ascii_digit_version_on_the_page_form_is_a_readable_error(world: World) -> None:
    before = _events(world)
    with page_client(world.runtime, "caseworker") as browser:
        fields = {
            "event_type": "judicial_review_lodged",
            "occurred_on_day": "1",
            "occurred_on_month": "5",
            "occurred_on_year": "2026",
            "expected_version": "²",
        }
        answer = browser.post(f"/ui/cases/{IN_SCOPE}/events", data=browser.form(fields))
    assert answer.status_code == 422 and "reload the case" in answer.text
    assert _events(world) == before


@pytest.mark.parametrize(
    ("event", "why"),
    [
        ({"type": "judicial_review_lodged", "occurred_on": "0001-01-01"}, "before 1900"),
        (
            {
                "type": "age_dispute_raised",
                "occurred_on": "2026-05-01",
                "data": {"claimed_date_of_birth": "9999-12-31"},
            },
            "future",
        ),
        (
            {
                "type": "age_dispute_raised",
                "occurred_on": "2026-05-01",
                "data": {"claimed_date_of_birth": "1850-01-01"},
            },
            "older than",
        ),
        ({"type": "injunction_granted", "occurred_on": "2026-05-01", "data": {"court": "x" * 4001}}, "4000"),
    ],
)
def test_implausible_facts_are_not_written(world: World, event: dict[str, Any], why: str) -> None:
    before = _events(world)
    answer = world.client.post(f"/cases/{IN_SCOPE}/events", json=event, headers=world.headers(Role.ADMIN))
    assert why in _refused(answer, 422)["detail"]
    assert _events(world) == before


def test_a_transfer_far_ahead_and_a_screening_of_a_day_to_come_are_refused(world: World) -> None:
    admin = world.headers(Role.ADMIN)
    transfer = {"hub": HUB_IN, "departs_at": "9999-12-31T10:00:00Z", "seats": 5, "min_load": 1}
    _refused(world.client.post("/transfers", json=transfer, headers=admin), 422)
    today = world.runtime.clock.today()
    for as_of in ("9999-12-31", (today + timedelta(days=1)).isoformat()):
        _refused(world.client.post("/screenings", json={"as_of": as_of}, headers=admin), 422)
    assert (
        world.client.post("/screenings", json={"as_of": today.isoformat()}, headers=admin).status_code == 201
    )
    assert date.fromisoformat("2026-06-01") == today
