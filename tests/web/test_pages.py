"""The staff pages over HTTP, on both databases: sign-in, CSRF, validation that writes nothing, scopes,
the access log, security headers, and the pages' answers to clients that do not ask for HTML."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnhub.access.models import AccessLogEntry
from returnhub.casework.models import StoredEvent
from returnhub.casework.store import case_state
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.web.app import create_app
from returnhub.web.ui.templating import PAGE_CSP
from tests.auth_helpers import CHEAP_HASHING, PASSWORD, make_user
from tests.casework.helpers import REFUSED_HISTORY, add_person, record

from .pages import HTML, held, outcome, page_client, sign_in_token

CLIENT = "RH0000001"
OTHER = "RH0000002"


@pytest.fixture
def people(runtime: Runtime, clock: FixedClock) -> list[str]:
    with unit_of_work(runtime.engine) as s:
        for reference in (CLIENT, OTHER):
            add_person(s, reference)
            for event_type, on, data in REFUSED_HISTORY:
                record(s, clock, reference, event_type, on, data)
    return [CLIENT, OTHER]


def _events(runtime: Runtime, reference: str) -> int:
    with unit_of_work(runtime.engine, read_only=True) as s:
        return case_state(s, reference)[1].version


def _token(client: TestClient) -> dict[str, str]:
    return {"sign_in_token": sign_in_token(client)}


def _form(day: str = "1", month: str = "6", year: str = "2026", **fields: str) -> dict[str, str]:
    return {"occurred_on_day": day, "occurred_on_month": month, "occurred_on_year": year, **fields}


def test_a_browser_without_a_session_is_sent_to_sign_in_and_an_api_client_gets_401(
    runtime: Runtime, people: list[str]
) -> None:
    with TestClient(create_app(runtime)) as client:
        page = client.get(f"/ui/cases/{CLIENT}", headers=HTML, follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"] == f"/ui/sign-in?next=%2Fui%2Fcases%2F{CLIENT}"
        api = client.get(f"/ui/cases/{CLIENT}")
        assert api.status_code == 401 and api.headers["content-type"] == "application/problem+json"
        # The sign-in page and its stylesheets need no session.
        assert client.get("/ui/sign-in", headers=HTML).status_code == 200
        assert client.get("/static/returnhub.css").status_code == 200
        assert client.get("/", follow_redirects=False).headers["location"] == "/ui/sign-in"


def test_sign_in_errors_are_shown_and_the_next_page_is_kept_to_our_own(runtime: Runtime) -> None:
    make_user(runtime, "caseworker", name="ann")
    app = create_app(runtime)
    app.state.access_settings = CHEAP_HASHING
    with TestClient(app, headers=HTML, base_url="https://testserver") as client:
        forged = client.post("/ui/sign-in", data={"name": "ann", "password": PASSWORD})
        assert forged.status_code == 403 and "did not come from this service" in forged.text
        assert "returnhub_session" not in client.cookies
        blank = client.post("/ui/sign-in", data={"name": "", "password": "", **_token(client)})
        assert blank.status_code == 422
        assert "There is a problem" in blank.text and 'href="#name"' in blank.text
        wrong = client.post("/ui/sign-in", data={"name": "ann", "password": "nope", **_token(client)})
        assert wrong.status_code == 401 and "Enter a correct user name and password" in wrong.text
        assert "returnhub_session" not in client.cookies
        away = client.post(
            "/ui/sign-in",
            data={"name": "ann", "password": PASSWORD, "next": "https://evil.example/", **_token(client)},
            follow_redirects=False,
        )
        assert away.status_code == 303 and away.headers["location"] == "/ui/"
        cookie = away.headers.get_list("set-cookie")
        assert all("HttpOnly" in c and "SameSite=strict" in c and "Secure" in c for c in cookie)


def test_pages_send_a_strict_content_security_policy(runtime: Runtime, people: list[str]) -> None:
    with page_client(runtime, "caseworker") as browser:
        answer = browser.get(f"/ui/cases/{CLIENT}")
    assert answer.status_code == 200
    csp = answer.headers["content-security-policy"]
    assert csp == PAGE_CSP and "'unsafe-inline'" not in csp and "script-src 'self'" in csp
    assert answer.headers["x-frame-options"] == "DENY"
    assert "<script>" not in answer.text and " style=" not in answer.text  # nothing inline to allow


def test_recording_an_event_needs_the_csrf_token_and_bad_input_writes_nothing(
    runtime: Runtime, people: list[str]
) -> None:
    before = _events(runtime, CLIENT)
    path = f"/ui/cases/{CLIENT}/events"
    with page_client(runtime, "caseworker") as browser:
        forged = browser.post(path, data=_form(event_type="rule39_granted"))
        assert forged.status_code == 403
        assert _events(runtime, CLIENT) == before

        for fields, field_id, message in [
            (_form(event_type=""), "event_type", "Choose the type of event"),
            (_form(day="30", month="2", event_type="rule39_granted"), "occurred_on-day", "real date"),
            (_form(day="", event_type="rule39_granted"), "occurred_on-day", "with a day, month and year"),
            # Each event's details are its own form fields (no JSON); refusals are sentences naming them.
            (
                _form(
                    event_type="rule39_granted",
                    **{
                        "rule39_granted--expires_on-day": "40",
                        "rule39_granted--expires_on-month": "1",
                        "rule39_granted--expires_on-year": "2027",
                    },
                ),
                "rule39_granted--expires_on-day",
                "Expires on must be a real date",
            ),
            (
                _form(
                    event_type="rule39_granted",
                    **{
                        "rule39_granted--expires_on-day": "1",
                        "rule39_granted--expires_on-month": "1",
                        "rule39_granted--expires_on-year": "2027",
                        "rule39_granted--expires_after--event_type": "departed",
                        "rule39_granted--expires_after--days": "3",
                    },
                ),
                "rule39_granted--expires_on",
                "Give only one of the day the indication expires",
            ),
            (_form(event_type="appeal_decided"), "appeal_decided--outcome", "Choose outcome"),
            (
                _form(event_type="appeal_decided", **{"appeal_decided--outcome": "maybe"}),
                "appeal_decided--outcome",
                "Choose outcome from the list",
            ),
            (
                _form(event_type="adults_at_risk_assessed", **{"adults_at_risk_assessed--level": "7"}),
                "adults_at_risk_assessed--level",
                "Adults at risk level must be 3 or less",
            ),
            (_form(event_type="departed"), "event_type", "cannot record"),
            (
                _form(event_type="rule39_granted", expected_version=str(before - 1)),
                "event_type",
                "changed since you opened it",
            ),
        ]:
            answer = browser.post(path, data=browser.form(fields))
            assert answer.status_code == 422, (fields, answer.text[:300])
            assert "govuk-error-summary" in answer.text and f'href="#{field_id}"' in answer.text
            assert message in answer.text, (fields, message)
            assert _events(runtime, CLIENT) == before  # nothing written

        done = browser.post(
            path,
            data=browser.form(_form(event_type="rule39_granted", expected_version=str(before))),
            follow_redirects=False,
        )
        assert done.status_code == 303 and "?done=recorded&since=" in done.headers["location"]
        assert "The event was recorded" in browser.get(done.headers["location"]).text
    with unit_of_work(runtime.engine, read_only=True) as s:
        last = s.execute(select(StoredEvent).order_by(StoredEvent.id.desc()).limit(1)).scalar_one()
    assert (last.event_type, last.occurred_on) == ("rule39_granted", date(2026, 6, 1))
    assert last.recorded_by.startswith("page-caseworker")


def test_a_legal_representative_sees_and_acts_only_for_their_clients(
    runtime: Runtime, people: list[str]
) -> None:
    with page_client(runtime, "legal_representative", clients=[CLIENT]) as lawyer:
        home = lawyer.get("/ui/")
        assert CLIENT in home.text and OTHER not in home.text
        listed = lawyer.get("/ui/cases")
        assert CLIENT in listed.text and OTHER not in listed.text
        assert f'/ui/cases/{OTHER}"' not in lawyer.get(f"/ui/cases?reference={OTHER}").text
        other = lawyer.get(f"/ui/cases/{OTHER}")
        assert other.status_code == 404 and "Page not found" in other.text
        missing = lawyer.get("/ui/cases/RH0999999")
        assert missing.status_code == 404 and missing.text.count("Page not found") == other.text.count(
            "Page not found"
        )
        mine = lawyer.get(f"/ui/cases/{CLIENT}")
        assert (
            "Lodge a notice" in mine.text
            and "Removal notice served"
            not in (
                mine.text.split('id="event_type"')[1].split("</select>")[0]  # the types they may record
            )
        )
        refused = lawyer.post(
            f"/ui/cases/{CLIENT}/events",
            data=lawyer.form(_form(event_type="removal_notice_served")),
        )
        assert refused.status_code == 422 and "cannot record" in refused.text
        before = _events(runtime, OTHER)
        blocked = lawyer.post(
            f"/ui/cases/{OTHER}/events", data=lawyer.form(_form(event_type="rule39_granted"))
        )
        assert blocked.status_code == 404 and _events(runtime, OTHER) == before
        assert lawyer.get("/ui/statistics").status_code == 403
        assert lawyer.get("/ui/monitor").status_code == 403


def test_every_read_of_a_case_page_is_in_the_access_log(runtime: Runtime, people: list[str]) -> None:
    with page_client(runtime, "caseworker") as browser:
        assert browser.get(f"/ui/cases/{CLIENT}?stage=departure").status_code == 200
    with unit_of_work(runtime.engine, read_only=True) as s:
        entry = (
            s.execute(
                select(AccessLogEntry)
                .where(AccessLogEntry.case_reference == CLIENT)
                .order_by(AccessLogEntry.id.desc())
            )
            .scalars()
            .first()
        )
    assert entry is not None
    assert (entry.route, entry.method, entry.outcome) == ("/ui/cases/{reference}", "GET", "granted")
    assert entry.user_name.startswith("page-caseworker") and entry.query == "stage=departure"


def test_the_as_of_view_and_bad_dates(runtime: Runtime, people: list[str], clock: FixedClock) -> None:
    with page_client(runtime, "caseworker") as browser:
        then = browser.get(f"/ui/cases/{CLIENT}?as_of=2024-03-01")
        assert then.status_code == 200 and "as the facts stood" in then.text
        assert "Appeal rights exhausted" not in then.text.split("Timeline")[1]
        assert "Appeal rights exhausted" in browser.get(f"/ui/cases/{CLIENT}").text.split("Timeline")[1]
        bad = browser.get(f"/ui/cases/{CLIENT}?as_of=yesterday")
        assert bad.status_code == 422 and 'href="#as_of"' in bad.text


def test_caseload_filters_and_pages(runtime: Runtime, people: list[str]) -> None:
    with page_client(runtime, "caseworker") as browser:
        assert browser.get("/ui/cases?nationality=Atlantis").status_code == 422
        assert browser.get("/ui/cases?status=nonsense").status_code == 422
        found = browser.get("/ui/cases?reference=RH0000002")
        assert OTHER in found.text and f'/ui/cases/{CLIENT}"' not in found.text
        partial = browser.get("/ui/cases?nationality=ERI", headers={"HX-Request": "true"})
        assert partial.text.lstrip().startswith('<div id="results">')  # htmx swaps the results only
        # Any part of a name (any case, accents folded), a nationality by name or code, a birth date.
        for query in (
            "name=Test+Person",
            "name=ERSO",
            "name=T%C3%A9st",
            "nationality=Eritrea",
            "nationality=er",
            "born=1+3+1995",
            "born=1995-03-01",
        ):
            answer = browser.get(f"/ui/cases?{query}")
            assert answer.status_code == 200 and f'/ui/cases/{CLIENT}"' in answer.text, query
        assert f'/ui/cases/{CLIENT}"' not in browser.get("/ui/cases?name=Tariq").text
        assert f'/ui/cases/{CLIENT}"' not in browser.get("/ui/cases?nationality=Egypt").text
        # A bad filter through htmx: the error summary comes back in the fragment, as 200 (htmx drops a 422).
        refused = browser.get("/ui/cases?nationality=Atlantis", headers={"HX-Request": "true"})
        assert refused.status_code == 200 and "govuk-error-summary" in refused.text
        assert "There is no country called" in refused.text and 'href="#nationality"' in refused.text
        assert browser.get("/ui/cases?born=31+2+1990").status_code == 422


def test_sign_out_ends_the_session(runtime: Runtime) -> None:
    with page_client(runtime, "analyst") as browser:
        assert browser.get("/ui/").status_code == 200
        out = browser.post("/ui/sign-out", data=browser.form({}), follow_redirects=False)
        assert out.status_code == 303
        cookie = browser.cookies.get("returnhub_session")
        assert cookie is None
    with unit_of_work(runtime.engine, read_only=True) as s:
        from returnhub.access.models import ApiToken

        assert s.execute(select(func.count()).where(ApiToken.revoked_at.is_not(None))).scalar_one() == 1


def test_a_script_posting_a_form_gets_problem_json(runtime: Runtime, people: list[str]) -> None:
    with page_client(runtime, "caseworker") as browser:
        answer = browser.post(
            f"/ui/cases/{CLIENT}/events",
            data=browser.form(_form(event_type="")),
            headers={"accept": "application/json"},
        )
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["field"] == "event_type"


def test_screening_from_the_home_page_feeds_the_eligibility_filter(
    runtime: Runtime, people: list[str]
) -> None:
    from returnhub.safeguards.models import Screening
    from returnhub.safeguards.service import screening_cases

    with page_client(runtime, "caseworker") as browser:
        before = browser.get("/ui/cases?eligibility=barred")
        assert "No screening has been stored yet" in before.text
        done = browser.post("/ui/screenings", data=browser.form({}), follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/ui/?done=screened"
        with unit_of_work(runtime.engine, read_only=True) as s:
            row = s.execute(select(Screening)).scalar_one()
            expected = {
                o: {r["reference"] for r in screening_cases(row, outcome=o)}
                for o in ("eligible", "review", "barred")
            }
        assert sum(len(v) for v in expected.values()) == 2
        for outcome, references in expected.items():
            page = browser.get(f"/ui/cases?eligibility={outcome}")
            assert page.status_code == 200
            shown = {r for r in people if f'/ui/cases/{r}"' in page.text}
            assert shown == references, outcome
        assert browser.get("/ui/cases?eligibility=maybe").status_code == 422
        # Nobody is in a hub, so no clock runs.
        assert "No cases match" in browser.get("/ui/cases?clock=overdue").text
    with page_client(runtime, "independent_monitor") as monitor:
        assert monitor.post("/ui/screenings", data=monitor.form({})).status_code == 403


def test_special_category_text_is_shown_only_to_roles_that_need_it(
    runtime: Runtime, people: list[str]
) -> None:
    secret = "PTSD after detention in Libya"
    with page_client(runtime, "caseworker") as worker:
        done = worker.post(
            f"/ui/cases/{CLIENT}/events",
            data=worker.form(
                _form(
                    event_type="adults_at_risk_assessed",
                    **{"adults_at_risk_assessed--level": "2", "adults_at_risk_assessed--indicators": secret},
                )
            ),
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text[:400]
        assert secret in worker.get(f"/ui/cases/{CLIENT}").text
    with page_client(runtime, "operations_planner") as planner:
        shown = planner.get(f"/ui/cases/{CLIENT}")
        assert shown.status_code == 200
        assert secret not in shown.text and "[restricted]" in shown.text
    with unit_of_work(runtime.engine, read_only=True) as s:
        last = s.execute(select(StoredEvent).order_by(StoredEvent.id.desc()).limit(1)).scalar_one()
    assert last.event_type == "adults_at_risk_assessed" and secret not in str(last.data)


def test_the_access_log_records_a_refused_form_as_refused(runtime: Runtime, people: list[str]) -> None:
    from returnhub.access.models import AccessLogEntry

    with page_client(runtime, "caseworker") as browser:
        answer = browser.post(f"/ui/cases/{CLIENT}/events", data=browser.form(_form(event_type="")))
        assert answer.status_code == 422
    with unit_of_work(runtime.engine, read_only=True) as s:
        last = s.execute(
            select(AccessLogEntry)
            .where(AccessLogEntry.route == "/ui/cases/{reference}/events")
            .order_by(AccessLogEntry.id.desc())
            .limit(1)
        ).scalar_one()
    assert (last.outcome, last.status) == ("refused", 422)  # what the user saw, not "granted (200)"


def test_the_access_log_pages_through_everything_and_filters_by_who_what_person_and_day(
    runtime: Runtime, people: list[str]
) -> None:
    from returnhub.web.ui import monitor as monitor_pages

    with page_client(runtime, "caseworker") as worker:
        for _ in range(3):
            assert worker.get(f"/ui/cases/{CLIENT}").status_code == 200
        assert worker.get(f"/ui/cases/{OTHER}").status_code == 200
    original = monitor_pages.LOG_PAGE
    monitor_pages.LOG_PAGE = 2  # small pages, so paging shows with a few entries
    try:
        with page_client(runtime, "independent_monitor") as monitor:
            first = monitor.get(f"/ui/monitor?reference={CLIENT}")
            assert first.status_code == 200 and "Older entries" in first.text
            assert (
                f"Viewed the case of {CLIENT}" in first.text and "GET /" not in first.text.split("<tbody")[1]
            )
            cursor = first.text.split("before=")[1].split('"')[0]
            second = monitor.get(f"/ui/monitor?reference={CLIENT}&before={cursor}")
            assert f"Viewed the case of {CLIENT}" in second.text and "Newest entries" in second.text
            what = monitor.get("/ui/monitor?action=GET+%2Fui%2Fcases%2F%7Breference%7D&on=2026-06-01")
            assert what.status_code == 200 and "Viewed the case of" in what.text
            assert f"Viewed the case of {OTHER}" not in monitor.get(f"/ui/monitor?reference={CLIENT}").text
            nobody = monitor.get("/ui/monitor?user=nobody-at-all")
            assert "Viewed the case of" not in nobody.text.split("<tbody")[1].split("</tbody>")[0]
            assert monitor.get("/ui/monitor?on=yesterday").status_code == 422
    finally:
        monitor_pages.LOG_PAGE = original


def test_a_representative_sees_their_clients_family_without_dead_links(runtime: Runtime) -> None:
    from returnhub.people.models import FamilyUnit

    with unit_of_work(runtime.engine) as s:
        unit = FamilyUnit(reference="FU-TEST-1")
        s.add(unit)
        s.flush()
        add_person(s, "RH0000031", family_unit_id=unit.id)
        add_person(s, "RH0000032", family_unit_id=unit.id)
    with page_client(runtime, "legal_representative", clients=["RH0000031"]) as lawyer:
        mine = lawyer.get("/ui/cases/RH0000031")
        assert mine.status_code == 200
        family = mine.text.split("Family unit")[1].split("</ul>")[0]
        assert "A family member whose case you cannot open" in family
        assert "RH0000032" not in family  # neither a link to a 404 nor the reference
    with page_client(runtime, "caseworker") as worker:
        family = worker.get("/ui/cases/RH0000031").text.split("Family unit")[1].split("</ul>")[0]
        assert 'href="/ui/cases/RH0000032"' in family and "Test Person" in family


def test_verifying_the_chains_runs_as_a_job_with_a_progress_page_when_slow(
    runtime: Runtime, people: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from returnhub.web.ui import jobs, monitor

    release = threading.Event()
    monkeypatch.setattr(monitor, "_verify_both", held(monitor._verify_both, release))
    monkeypatch.setattr(jobs, "INLINE_SECONDS", 0.05)  # the request answers before the work is done
    with page_client(runtime, "independent_monitor") as watcher:
        started = watcher.get("/ui/monitor/verify")
        assert started.status_code == 200 and 'id="job-progress"' in started.text
        assert 'http-equiv="refresh"' in started.text and "Both chains are intact" not in started.text
        link = started.text.split("/ui/monitor/verify?job=")[1].split("#")[0]
        release.set()
        finished = outcome(watcher, f"/ui/monitor/verify?job={link}")
        assert finished.status_code == 200 and "Both chains are intact" in finished.text
    with page_client(runtime, "independent_monitor") as someone_else:
        assert someone_else.get(f"/ui/monitor/verify?job={link}").status_code == 404  # only its owner


def test_a_slow_screening_shows_its_progress_on_the_home_page(
    runtime: Runtime, people: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from returnhub.web.ui import home, jobs

    release = threading.Event()
    monkeypatch.setattr(home, "_screen", held(home._screen, release))
    monkeypatch.setattr(jobs, "INLINE_SECONDS", 0.05)
    with page_client(runtime, "caseworker") as worker:
        started = worker.post("/ui/screenings", data=worker.form({}), follow_redirects=False)
        assert started.status_code == 303 and started.headers["location"].startswith("/ui/?job=")
        waiting = worker.get(started.headers["location"])
        assert 'id="job-progress"' in waiting.text and 'http-equiv="refresh"' in waiting.text
        release.set()
        done = outcome(worker, started.headers["location"])
        assert done.status_code == 303 and done.headers["location"] == "/ui/?done=screened"
        assert "screened" in worker.get("/ui/?done=screened").text
