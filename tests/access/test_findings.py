"""Issue 15, findings 4, 5, 7, 8 and 9: incidents about what exists and is in scope, a Secure session
cookie whatever the Host header, who decided a review, a representative's view of a client's family, and a
seed interrupted before its users."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from returnhub.access.models import User
from returnhub.access.roles import Role
from returnhub.casework.models import StoredEvent, case_projection
from returnhub.casework.snapshots import next_mark
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.people.models import FamilyUnit, Person
from returnhub.web.app import create_app
from tests.auth_helpers import CHEAP_HASHING, PASSWORD, make_user
from tests.casework.test_cli import run
from tests.web.pages import HTML, page_client, sign_in_token

from .conftest import HUB_IN, HUB_OUT, IN_SCOPE, OUT_OF_SCOPE, World

INCIDENT = {"summary": "a fall on the stairs", "severity": "low", "occurred_at": "2026-05-31T10:00:00Z"}


def test_an_incident_names_a_transfer_and_a_hub_that_exist_and_are_in_scope(world: World) -> None:
    admin, liaison = world.headers(Role.ADMIN), world.headers(Role.HUB_LIAISON)
    post = world.client.post
    assert (
        post("/incidents", json={**INCIDENT, "transfer": "TR20990101-0001"}, headers=admin).status_code == 404
    )
    assert post("/incidents", json={**INCIDENT, "hub": "GBR-XXX-H9"}, headers=admin).status_code == 404
    mismatch = post(
        "/incidents", json={**INCIDENT, "transfer": world.transfer_in, "hub": HUB_OUT}, headers=admin
    )
    assert mismatch.status_code == 422 and HUB_IN in mismatch.json()["detail"]
    # A hub liaison: the transfer to another hub is as unknown as a missing one.
    assert (
        post("/incidents", json={**INCIDENT, "transfer": world.transfer_out}, headers=liaison).status_code
        == 404
    )
    ours = post("/incidents", json={**INCIDENT, "transfer": world.transfer_in}, headers=liaison)
    assert ours.status_code == 201, ours.text
    assert post("/incidents", json={**INCIDENT, "hub": HUB_IN}, headers=liaison).status_code == 201


def test_the_session_cookie_is_secure_whatever_the_host(world: World) -> None:
    make_user(world.runtime, "caseworker", "cw.cookie")
    app = create_app(world.runtime)
    app.state.access_settings = CHEAP_HASHING
    # What a reverse proxy sends: Host 127.0.0.1:8000.
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        api = client.post("/auth/session", json={"name": "cw.cookie", "password": PASSWORD})
        assert api.status_code == 200 and "secure" in api.headers["set-cookie"].lower()
        form = client.get("/ui/sign-in", headers=HTML)
        assert "secure" in form.headers["set-cookie"].lower()
    with TestClient(app, base_url="https://127.0.0.1:8000") as client:
        page = client.post(
            "/ui/sign-in",
            data={"name": "cw.cookie", "password": PASSWORD, "sign_in_token": sign_in_token(client)},
            headers=HTML,
            follow_redirects=False,
        )
        assert page.status_code == 303
        issued = [c for c in page.headers.get_list("set-cookie") if "max-age=0" not in c.lower()]
        assert len(issued) == 2 and all("secure" in c.lower() for c in issued)  # the session and its CSRF
    # Switched off (the demo over plain http): not Secure.
    app.state.access_settings = CHEAP_HASHING.model_copy(update={"session_cookie_secure": False})
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        api = client.post("/auth/session", json={"name": "cw.cookie", "password": PASSWORD})
        assert "secure" not in api.headers["set-cookie"].lower()


def test_who_decided_a_review_is_who_is_signed_in(world: World) -> None:
    senior = make_user(world.runtime, "senior_caseworker", "senior.one")
    event = {
        "type": "review_decided",
        "occurred_on": "2026-05-31",
        "data": {"rule": "R12P", "decision": "approve", "reasoning": "seen", "decided_by": "someone.else"},
    }
    answer = world.client.post(
        f"/cases/{IN_SCOPE}/events", json=event, headers={"Authorization": f"Bearer {senior}"}
    )
    assert answer.status_code == 201, answer.text
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        data = s.execute(
            select(StoredEvent.data).where(StoredEvent.event_type == "review_decided")
        ).scalar_one()
    assert data["decided_by"] == "senior.one"


def test_a_representative_sees_no_reference_of_a_relative_who_is_not_a_client(world: World) -> None:
    with unit_of_work(world.runtime.engine) as s:
        unit = FamilyUnit(reference="FU0000001")
        s.add(unit)
        s.flush()
        for reference in (IN_SCOPE, OUT_OF_SCOPE):
            s.execute(update(Person).where(Person.reference == reference).values(family_unit_id=unit.id))
            s.execute(
                update(case_projection)
                .where(case_projection.c.reference == reference)
                .values(family_unit_id=unit.id, change_mark=next_mark(s))
            )
    rep = world.headers(Role.LEGAL_REPRESENTATIVE)
    case = world.client.get(f"/cases/{IN_SCOPE}", headers=rep)
    assert case.status_code == 200
    assert case.json()["family_unit"] == [IN_SCOPE] and case.json()["family_members_not_shown"] == 1
    assert OUT_OF_SCOPE not in case.text
    # Everyone else sees the whole family.
    full = world.client.get(f"/cases/{IN_SCOPE}", headers=world.headers(Role.CASEWORKER)).json()
    assert full["family_unit"] == [IN_SCOPE, OUT_OF_SCOPE]
    with page_client(world.runtime, "legal_representative", clients=[IN_SCOPE]) as browser:
        page = browser.get(f"/ui/cases/{IN_SCOPE}")
    assert page.status_code == 200 and OUT_OF_SCOPE not in page.text
    assert "A family member whose case you cannot open" in page.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_seed_killed_before_its_users_is_finished_by_seed_if_empty(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    from returnhub.casework.bulk import load_population
    from returnhub.synthetic import generate_population

    # The people were written; the process died before the demo's reviews and users.
    population = generate_population(60, 5, today=runtime.clock.today())
    load_population(runtime.engine, population.persons, population.events, clock=runtime.clock)
    code, _, err = run(runtime, capsys, "seed", "--if-empty")
    assert code == 0, err
    assert "not seeding" in err and "demo users" in err
    with unit_of_work(runtime.engine, read_only=True) as s:
        assert s.execute(select(func.count()).select_from(User)).scalar_one() == len(Role)
    # Run again: nothing left to finish.
    code, _, err = run(runtime, capsys, "seed", "--if-empty")
    assert code == 0 and "finished" not in err
