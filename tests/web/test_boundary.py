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
from returnhub.web.boundary import MAX_FILE_NAME, MAX_JSON_DEPTH, json_depth
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
    answer = world.client.get(f"/cases?reference={LAST_CODE_POINT}", headers=admin)
    assert answer.status_code == 200 and answer.json()["data"] == [], answer.text[:300]
    # A name is folded to its letters first (a lone symbol folds to nothing, so it narrows nothing).
    for query in (f"name={LAST_CODE_POINT}", f"name=A{LAST_CODE_POINT}"):
        assert world.client.get(f"/cases?{query}", headers=admin).status_code == 200


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


@pytest.mark.parametrize(
    "url",
    [
        "/notices?until=9999-12-31",  # found by `make fuzz`: a day was added to the last day
        "/notices?from=0001-01-01",
        "/partners?on=9999-12-31",
        f"/cases/{IN_SCOPE}?as_of=9999-12-31",
        f"/cases/{IN_SCOPE}/eligibility?as_of=9999-12-31",
        f"/cases/{IN_SCOPE}/eligibility?known_at=9999-12-31T23:59:59-14:00",
    ],
)
def test_a_date_at_the_end_of_time_is_invalid_input(world: World, url: str) -> None:
    _refused(world.client.get(url, headers=world.headers(Role.ADMIN)), 422)


def test_the_home_page_filters_notices_to_the_last_day(world: World) -> None:
    """Found by `make fuzz`: the home page's inbox filter added a day to 9999-12-31."""
    with page_client(world.runtime, "operations_planner") as browser:
        assert browser.get("/ui/?until=9999-12-31").status_code == 200


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


def _multipart(
    fields: dict[str, bytes], files: dict[str, tuple[bytes, bytes]] | None = None, charset: str = ""
) -> tuple[bytes, str]:
    """A multipart/form-data body written out by hand: a client chooses the bytes (and the charset the
    server decodes them with), which no well-behaved client library lets a test do."""
    parts = [
        b'Content-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n' + value
        for name, value in fields.items()
    ] + [
        b'Content-Disposition: form-data; name="' + name.encode() + b'"; filename="' + filename + b'"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + content
        for name, (filename, content) in (files or {}).items()
    ]
    body = b"".join(b"--bound\r\n" + part + b"\r\n" for part in parts) + b"--bound--\r\n"
    return body, "multipart/form-data; boundary=bound" + (f"; charset={charset}" if charset else "")


# A lone surrogate cannot be sent as UTF-8, but the server decodes a part with the charset the client names.
BAD_TEXT = [(b"Ann\x00", "", "NUL"), (b"Ann\\ud800", "unicode_escape", "half a character")]


@pytest.mark.parametrize(("given_name", "charset", "said"), BAD_TEXT)
def test_a_page_form_sent_as_multipart_is_checked_like_any_form(
    world: World, given_name: bytes, charset: str, said: str
) -> None:
    """Found for issue 15: a NUL in a multipart field registered a person on SQLite and was a 500 on
    PostgreSQL; the boundary now refuses it with a readable page, before anything is written."""
    before = _events(world)
    with page_client(world.runtime, "caseworker") as browser:
        fields = {k: str(v).encode() for k, v in browser.form({}).items()} | {
            "given_name": given_name,
            "family_name": b"Smith",
            "born_day": b"1",
            "born_month": b"1",
            "born_year": b"1990",
            "sex": b"F",
            "nationality": b"Albania",
        }
        body, content_type = _multipart(fields, charset=charset)
        headers = {**HTML, "content-type": content_type, "x-csrf-token": browser.form({})["csrf_token"]}
        answer = browser.post("/ui/persons/new", content=body, headers=headers)
        assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
        assert "There is a problem with what you sent" in answer.text and said in answer.text
        # Over-long text is the route's own bound, and holds for a multipart form too.
        body, content_type = _multipart(fields | {"given_name": b"A" * 5000})
        answer = browser.post(
            "/ui/persons/new", content=body, headers={**headers, "content-type": content_type}
        )
        assert answer.status_code == 422 and "There is a problem with what you sent" in answer.text
    assert _events(world) == before


@pytest.mark.parametrize(
    ("filename", "charset", "said"),
    [
        (b"legacy\x00.csv", "", "NUL"),
        (b"legacy.\\udc00", "unicode_escape", "half a character"),  # was a 500: the suffix was quoted back
        (b"a" * (MAX_FILE_NAME + 1 - 4) + b".csv", "", f"longer than {MAX_FILE_NAME}"),
    ],
)
def test_an_upload_s_file_name_is_checked_at_the_boundary(
    world: World, filename: bytes, charset: str, said: str
) -> None:
    body, content_type = _multipart({}, {"file": (filename, b"source_id\n")}, charset=charset)
    headers = {**world.headers(Role.ADMIN), "content-type": content_type}
    problem = _refused(world.client.post("/imports", content=body, headers=headers), 400)
    assert problem["type"].endswith("/bad-text") and said in problem["detail"]


def test_an_upload_s_contents_are_left_to_the_importer(world: World) -> None:
    content = b"source_id,person_id,event_type,occurred_on\nS1,P\x001,arrival,2024-01-05\n"
    body, content_type = _multipart({}, {"file": (b"legacy.csv", content)})
    headers = {**world.headers(Role.ADMIN), "content-type": content_type}
    problem = _refused(world.client.post("/imports", content=body, headers=headers), 422)
    # The importer's own answer (it reads the file as data), not the boundary's.
    assert problem["type"].endswith("/invalid-input") and "the file contains a NUL" in problem["detail"]


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
