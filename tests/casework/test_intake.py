"""Registering real people (issue 13, item 13): `returnhub person add`, `POST /persons` and the page form,
with identity documents (the MRZ checked), family links and a likely-duplicate warning with a confirm step."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from returnhub.casework.intake import fold_name
from returnhub.casework.store import case_state, get_person
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.people.models import IdentityDocument, Person
from returnhub.people.mrz import check_digit
from tests.auth_helpers import authed_client
from tests.web.pages import page_client

from .test_cli import run


def td3(surname: str, given: str, number: str, nationality: str, born: str, sex: str, expires: str) -> str:
    """A synthetic passport's machine-readable zone (ICAO 9303 TD3), with correct check digits."""
    line1 = f"P<{nationality}{surname}<<{given}".ljust(44, "<")
    number = number.ljust(9, "<")
    personal = "<" * 14
    body = (
        f"{number}{check_digit(number)}{nationality}{born}{check_digit(born)}{sex}"
        f"{expires}{check_digit(expires)}{personal}<"
    )
    composite = number + str(check_digit(number)) + born + str(check_digit(born)) + expires
    composite += str(check_digit(expires)) + personal + "<"
    return f"{line1}\n{body}{check_digit(composite)}"


MRZ = td3("HOXHA", "ARBEN", "AB1234567", "ALB", "900101", "M", "310101")
PERSON = {
    "given_name": "Arben",
    "family_name": "Hoxha",
    "date_of_birth": "1990-01-01",
    "sex": "M",
    "nationality": "Albania",
    "languages": ["sq"],
}


def _people(runtime: Runtime) -> int:
    with unit_of_work(runtime.engine, read_only=True) as s:
        return len(s.execute(select(Person.id)).all())


def test_names_are_folded_for_the_duplicate_check() -> None:
    assert fold_name("Arbën", "HOXHA") == fold_name("hoxha", "Arben") == ("arben", "hoxha")
    assert fold_name("Anne-Marie", "O'Neil") == ("anne", "marie", "neil", "o")


def test_api_registers_with_a_checked_passport_family_and_duplicate_step(runtime: Runtime) -> None:
    with authed_client(runtime, role="caseworker") as client:
        made = client.post("/persons", json={**PERSON, "documents": [{"mrz": MRZ}]})
        assert made.status_code == 201, made.text
        first = made.json()
        assert first["nationality"] == "ALB" and first["nationality_name"] == "Albania"
        assert first["documents"][0]["document_number"] == "AB1234567"
        assert first["documents"][0]["issuing_state"] == "ALB"
        assert first["documents"][0]["mrz_check"]["checks_passed"] is True

        # A corrupted check digit, or a zone that names another date of birth, is refused: nothing written.
        broken = MRZ[:-1] + str((int(MRZ[-1]) + 1) % 10)
        bad = client.post("/persons", json={**PERSON, "given_name": "Other", "documents": [{"mrz": broken}]})
        other_born = client.post(
            "/persons",
            json={
                **PERSON,
                "given_name": "Other",
                "date_of_birth": "1991-01-01",
                "documents": [{"mrz": MRZ}],
            },
        )
        assert bad.status_code == 422 and "fails its checks" in bad.json()["detail"]
        assert other_born.status_code == 422 and "date of birth 1990-01-01" in other_born.json()["detail"]

        # The same person again (accents and case aside): a warning naming the likely duplicate.
        again = {**PERSON, "given_name": "ARBËN", "family": [first["reference"]]}
        warned = client.post("/persons", json=again)
        assert warned.status_code == 409 and warned.headers["content-type"] == "application/problem+json"
        assert (
            first["reference"] in warned.json()["detail"]
            and "likely the same person" in warned.json()["detail"]
        )
        assert _people(runtime) == 1
        confirmed = client.post("/persons", json={**again, "confirm_duplicate": True})
        assert confirmed.status_code == 201, confirmed.text
        second = confirmed.json()
        assert second["family"] == [first["reference"], second["reference"]]
        # The new case is a case like any other: its history is recorded as events.
        case = client.get(f"/cases/{second['reference']}").json()
        assert case["family_unit"] == [first["reference"], second["reference"]]
        missing = client.post("/persons", json={**PERSON, "given_name": "Zed", "family": ["RH7777777"]})
        assert missing.status_code == 404
    with unit_of_work(runtime.engine, read_only=True) as s:
        assert get_person(s, first["reference"]).family_unit_id is not None
        assert case_state(s, second["reference"])[1].version == 0
        assert len(s.execute(select(IdentityDocument)).all()) == 1
    with authed_client(runtime, role="legal_representative") as lawyer:
        assert lawyer.post("/persons", json={**PERSON, "given_name": "Nobody"}).status_code == 403


def test_cli_person_add(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["person", "add", "--given", "Arben", "--family", "Hoxha", "--born", "1990-01-01", "--sex", "m"]
    code, out, err = run(
        runtime, capsys, *args, "--nationality", "Albania", "--mrz", MRZ.replace("\n", "\\n"), "--json"
    )
    assert code == 0, err
    made = json.loads(out)
    assert made["documents"][0]["document_number"] == "AB1234567"
    code, _, err = run(runtime, capsys, *args, "--nationality", "ALB")
    assert code == 2 and err.startswith("error: ") and err.strip().count("\n") == 0
    assert made["reference"] in err and "likely the same person" in err
    code, _, err = run(runtime, capsys, *args, "--nationality", "Atlantis")
    assert code == 2 and "Atlantis" in err
    assert _people(runtime) == 1
    code, out, err = run(runtime, capsys, *args, "--nationality", "ALB", "--confirm-duplicate", "--json")
    assert code == 0, err
    assert json.loads(out)["reference"] != made["reference"]


def test_page_form_registers_and_warns_of_a_duplicate(runtime: Runtime) -> None:
    fields = {
        "given_name": "Arben",
        "family_name": "Hoxha",
        "born_day": "1",
        "born_month": "1",
        "born_year": "1990",
        "sex": "M",
        "nationality": "Albania",
        "mrz": MRZ,
    }
    with page_client(runtime, "caseworker") as browser:
        assert "Register a person" in browser.get("/ui/persons/new").text
        blank = browser.post(
            "/ui/persons/new", data=browser.form({**fields, "born_day": "31", "born_month": "2"})
        )
        assert blank.status_code == 422 and 'href="#date_of_birth-day"' in blank.text
        done = browser.post("/ui/persons/new", data=browser.form(fields), follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"].endswith("?done=registered")
        assert "The person was registered" in browser.get(done.headers["location"]).text
        reference = done.headers["location"].split("/")[-1].split("?")[0]
        warned = browser.post("/ui/persons/new", data=browser.form(fields))
        assert warned.status_code == 422 and "likely the same person" in warned.text.replace("\n", " ")
        assert f'href="/ui/cases/{reference}"' in warned.text and 'id="confirm_duplicate"' in warned.text
        assert _people(runtime) == 1
        confirmed = browser.post(
            "/ui/persons/new",
            data=browser.form({**fields, "confirm_duplicate": "yes"}),
            follow_redirects=False,
        )
        assert confirmed.status_code == 303
    assert _people(runtime) == 2
