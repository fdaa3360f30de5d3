"""Safeguards services over the database (SQLite and PostgreSQL), the CLI and the REST API."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnhub import cli
from returnhub.casework.models import StoredEvent
from returnhub.core.database import unit_of_work
from returnhub.core.errors import InvalidInput, NotFound, StateConflict
from returnhub.core.runtime import Runtime
from returnhub.partners.agreement_terms import AgreementTerms
from returnhub.people.models import FamilyUnit
from returnhub.safeguards import service
from returnhub.safeguards.engine import screen_frame
from returnhub.safeguards.packs import get_pack
from tests.auth_helpers import authed_client
from tests.casework.helpers import REFUSED_HISTORY, add_person, record

TODAY = date(2026, 6, 1)
#: Tests whose database work is the same on both backends run on SQLite only, to keep the suite fast; the
#: projection read, the refold, the stored screening, review decisions and ``known_at`` run on both.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class Terms:
    """One agreement in force for the UK, whatever the date."""

    def terms_on(self, on: date) -> list[AgreementTerms]:
        return [
            AgreementTerms(
                agreement="TEST-UK",
                hub_country="SRB",
                on=on,
                in_force=True,
                hubs=("SRB-1",),
                monitoring_body="Monitor",
                sending_state="GBR",
            )
        ]


def _history(runtime: Runtime) -> None:
    """Six cases: eligible, appeal pending, AAR review, Rule 39 (lifted later), a family, an NRM referral."""
    clock = runtime.clock
    with unit_of_work(runtime.engine) as s:
        unit = FamilyUnit(reference="FU1")
        s.add(unit)
        s.flush()
        for i in range(1, 7):
            add_person(
                s,
                f"RH000000{i}",
                family_unit_id=unit.id if i in (5, 6) else None,
                date_of_birth=date(2016, 1, 1) if i == 6 else date(1990, 1, 1),
            )
        for i in (1, 3, 4, 5):
            for event_type, on, data in REFUSED_HISTORY:
                record(s, clock, f"RH000000{i}", event_type, on, data)
        for event_type, on, data in REFUSED_HISTORY[:4]:
            record(s, clock, "RH0000002", event_type, on, data)
        record(s, clock, "RH0000003", "adults_at_risk_assessed", date(2025, 1, 5), {"level": 2})
        record(s, clock, "RH0000004", "rule39_granted", date(2025, 2, 1), {})
        record(s, clock, "RH0000004", "rule39_lifted", date(2026, 3, 1), {})
        record(s, clock, "RH0000001", "nrm_referral", date(2026, 5, 1), {})


@pytest.fixture
def caseload(runtime: Runtime) -> Runtime:
    _history(runtime)
    return runtime


def test_caseload_facts_equal_each_case_folded_alone(caseload: Runtime) -> None:
    # Past dates refold the cases with later events; today's date reads the projection as is.
    for on in (date(2025, 6, 1), TODAY):
        with unit_of_work(caseload.engine, read_only=True) as s:
            whole = service.caseload_facts(s, on)
            alone = pl.concat([service.case_facts(s, f"RH000000{i}", as_of=on) for i in range(1, 7)])
        ignore = ["version", "events_applied", "status", "last_occurred_on"]
        assert whole.drop(ignore).equals(alone.drop(ignore)), on
        with unit_of_work(caseload.engine, read_only=True) as s:
            vectorised = screen_frame(
                whole, pack="uk", stage="hub_referral", as_of=on, terms=Terms().terms_on(on)
            )
            for row in vectorised.iter_rows(named=True):
                explanation = service.evaluate_case(
                    s, row["reference"], pack="uk", stage="hub_referral", as_of=on, terms_provider=Terms()
                )
                assert explanation.outcome == row["outcome"], (on, row["reference"])
                assert {r.id: r.outcome for r in explanation.rules} == {
                    k: v for k, v in row.items() if k.startswith(("R", "MED")) and ":" not in k
                }


@SQLITE_ONLY
def test_a_case_through_time(caseload: Runtime) -> None:
    outcomes = {}
    with unit_of_work(caseload.engine, read_only=True) as s:
        for on in (date(2025, 1, 10), date(2025, 3, 1), date(2026, 4, 1)):
            x = service.evaluate_case(
                s, "RH0000004", pack="uk", stage="hub_referral", as_of=on, terms_provider=Terms()
            )
            outcomes[on] = (x.outcome, x.rule("R4").outcome)
    assert outcomes == {
        date(2025, 1, 10): ("eligible", "pass"),
        date(2025, 3, 1): ("barred", "bar"),
        date(2026, 4, 1): ("eligible", "pass"),
    }


@SQLITE_ONLY
def test_family_with_a_child_is_read_from_the_family_unit(caseload: Runtime) -> None:
    with unit_of_work(caseload.engine, read_only=True) as s:
        x = service.evaluate_case(
            s, "RH0000005", pack="uk", stage="hub_referral", as_of=TODAY, terms_provider=Terms()
        )
    assert x.rule("R11").outcome == "review" and x.rule("R11").facts["family_has_minors"] is True


@SQLITE_ONLY
def test_unknown_case_pack_stage_and_date_are_clear_errors(caseload: Runtime) -> None:
    with unit_of_work(caseload.engine, read_only=True) as s:
        with pytest.raises(NotFound, match="no case with reference 'RH9999999'"):
            service.evaluate_case(s, "RH9999999", pack="uk", stage="hub_referral")
        with pytest.raises(NotFound, match="unknown rule pack"):
            service.evaluate_case(s, "RH0000001", pack="xx", stage="hub_referral")
        with pytest.raises(InvalidInput, match="unknown stage"):
            service.evaluate_case(s, "RH0000001", pack="uk", stage="boarding")
        with pytest.raises(InvalidInput, match="covers dates from 2022-04-14"):
            service.evaluate_case(s, "RH0000001", pack="uk", stage="hub_referral", as_of=date(2020, 1, 1))


def test_review_decision_resolves_then_lapses(caseload: Runtime) -> None:
    clock = caseload.clock
    with unit_of_work(caseload.engine) as s:
        with pytest.raises(InvalidInput, match="R1 is a bar"):
            service.record_review_decision(
                s,
                "RH0000003",
                rule="R1",
                decision="approve",
                reasoning="x",
                decided_by="sc",
                pack="uk",
                clock=clock,
                terms_provider=Terms(),
            )
        with pytest.raises(StateConflict, match="R8 does not call for a review of case RH0000001"):
            service.record_review_decision(
                s,
                "RH0000001",
                rule="R8",
                decision="approve",
                reasoning="x",
                decided_by="sc",
                pack="uk",
                clock=clock,
                terms_provider=Terms(),
            )
    with unit_of_work(caseload.engine) as s:
        expected = service.review_fingerprint(
            s, "RH0000003", "R8", pack="uk", clock=clock, terms_provider=Terms()
        )
        result = service.record_review_decision(
            s,
            "RH0000003",
            rule="R8",
            decision="approve",
            reasoning="removal imminent; evidence weighed",
            decided_by="senior-7",
            pack="uk",
            clock=clock,
            terms_provider=Terms(),
        )
        assert result.state.review_decisions[-1].facts_fingerprint == expected
    with unit_of_work(caseload.engine, read_only=True) as s:
        x = service.evaluate_case(
            s, "RH0000003", pack="uk", stage="hub_referral", terms_provider=Terms(), clock=clock
        )
    r8 = x.rule("R8")
    assert x.outcome == "eligible" and r8.outcome == "review" and r8.review is not None
    assert r8.review["status"] == "approved"
    assert r8.review["decision"]["decided_by"] == "senior-7"
    assert r8.review["decision"]["reasoning"] == "removal imminent; evidence weighed"
    clock.advance(timedelta(days=2))
    with unit_of_work(caseload.engine) as s:
        record(s, clock, "RH0000003", "adults_at_risk_assessed", clock.today(), {"level": 3})
    with unit_of_work(caseload.engine, read_only=True) as s:
        x = service.evaluate_case(
            s, "RH0000003", pack="uk", stage="hub_referral", terms_provider=Terms(), clock=clock
        )
    assert (
        x.outcome == "review"
        and x.rule("R8").review is not None
        and x.rule("R8").review["status"] == "lapsed"
    )


def test_a_screening_is_stored_and_reread_exactly(caseload: Runtime) -> None:
    with unit_of_work(caseload.engine) as s:
        row = service.run_screening(
            s,
            pack="uk",
            stage="hub_referral",
            as_of=TODAY,
            clock=caseload.clock,
            created_by="test",
            terms_provider=Terms(),
        )
        screening_id = row.id
        live = service.screen(s, pack="uk", stage="hub_referral", as_of=TODAY, terms_provider=Terms())
    with unit_of_work(caseload.engine, read_only=True) as s:
        stored = service.get_screening(s, screening_id)
        assert service.screening_results(stored).equals(live.results)
        summary = service.screening_summary(stored)
        assert summary.pack_version == get_pack("uk").full_version
        assert (summary.cases, summary.eligible, summary.review, summary.barred) == (6, 1, 2, 3)
        assert summary.by_rule["R1"] == 2 and summary.by_rule["R9"] == 1 and summary.by_rule["R8"] == 1
        barred = service.screening_cases(stored, outcome="barred")
        assert sorted(c["reference"] for c in barred) == ["RH0000001", "RH0000002", "RH0000006"]
        with pytest.raises(NotFound):
            service.get_screening(s, screening_id + 100)


@SQLITE_ONLY
def test_caseload_eligible_agreements_lists_hubs(caseload: Runtime) -> None:
    with unit_of_work(caseload.engine, read_only=True) as s:
        frame = service.caseload_eligible_agreements(s, pack="uk", as_of=TODAY, terms_provider=Terms())
    rows = {r["reference"]: r for r in frame.iter_rows(named=True)}
    assert rows["RH0000004"]["agreements"] == ["TEST-UK"] and rows["RH0000004"]["hubs"] == ["SRB-1"]
    assert rows["RH0000002"]["agreements"] == [] and rows["RH0000002"]["outcome"] == "barred"


# ----------------------------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------------------------


def run(runtime: Runtime, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    cli.set_runtime(runtime)
    old = sys.argv
    sys.argv = ["returnhub", *args]
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
        cli.set_runtime(None)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@SQLITE_ONLY
def test_cli_rules_explain_screen_review(caseload: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(caseload, capsys, "rules", "list", "--pack", "eu", "--json")
    rules = json.loads(out)["rules"]
    assert code == 0 and "EU-R6S" in {r["id"] for r in rules} and all(r["citations"] for r in rules)

    code, out, _ = run(caseload, capsys, "explain", "rh0000002", "--as-of", "2025-06-01", "--json")
    body = json.loads(out)
    assert code == 0 and body["reference"] == "RH0000002" and body["stage"] == "hub_referral"
    assert body["outcome"] == "barred"
    r1 = next(r for r in body["rules"] if r["id"] == "R1")
    assert r1["outcome"] == "bar" and r1["facts"]["appeal_pending"] is True and r1["citations"][0]["href"]

    code, out, _ = run(caseload, capsys, "screen", "--as-of", "2026-06-01", "--json")
    summary = json.loads(out)
    assert (
        code == 0
        and summary["cases"] == 6
        and set(summary) >= {"eligible", "review", "barred", "by_rule", "seconds"}
    )
    # With the pack's own terms no UK agreement is in force in 2026: R12 bars every case.
    assert summary["by_rule"]["R12"] == 6 and summary["eligible"] == 0

    code, out, _ = run(
        caseload,
        capsys,
        "review",
        "RH0000003",
        "R8",
        "--decision",
        "approve",
        "--reasoning",
        "weighed",
        "--by",
        "senior-2",
        "--json",
    )
    assert code == 0 and json.loads(out)["facts_fingerprint"].startswith("v1:")


@SQLITE_ONLY
def test_cli_errors_are_one_line_and_write_nothing(
    caseload: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    with unit_of_work(caseload.engine, read_only=True) as s:
        before = s.execute(select(func.count()).select_from(StoredEvent)).scalar_one()
    for args, message in (
        (("explain", "RH0000001", "--pack", "fr"), "error: unknown rule pack 'fr'; known packs: eu, uk"),
        (("explain", "RH0000001", "--stage", "boarding"), "error: unknown stage 'boarding'"),
        (("explain", "RH0000001", "--as-of", "1 June"), "error: --as-of must be a date like 2025-06-14"),
        (("screen", "--as-of", "2019-01-01"), "error: rule pack uk covers dates from 2022-04-14"),
        (
            ("review", "RH0000001", "R8", "--decision", "approve", "--reasoning", "x", "--by", "y"),
            "error: rule R8 does not call for a review",
        ),
    ):
        code, _, err = run(caseload, capsys, *args)
        assert code == 2 and err.startswith(message) and len(err.strip().splitlines()) == 1, (args, err)
    with unit_of_work(caseload.engine, read_only=True) as s:
        assert s.execute(select(func.count()).select_from(StoredEvent)).scalar_one() == before


# ----------------------------------------------------------------------------------------------------------
# REST
# ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def client(caseload: Runtime) -> Iterator[TestClient]:
    with authed_client(caseload, "senior_caseworker", "senior-3") as c:
        yield c


@SQLITE_ONLY
def test_rest_eligibility_rules_and_screenings(client: TestClient) -> None:
    body = client.get("/cases/RH0000002/eligibility", params={"as_of": "2025-06-01"}).json()
    assert body["outcome"] == "barred" and body["stage"] == "hub_referral"
    assert {"id", "outcome", "facts", "citations", "title", "kind", "reason"} <= set(body["rules"][0])

    # Every event of the fixture was recorded on 1 June 2026: as known on 1 January 2025, nothing was.
    params = {"as_of": "2025-03-01", "stage": "manifest_lock"}
    now = {
        r["id"]: r["outcome"]
        for r in client.get("/cases/RH0000004/eligibility", params=params).json()["rules"]
    }
    then = client.get(
        "/cases/RH0000004/eligibility", params={**params, "known_at": "2025-01-01T00:00:00Z"}
    ).json()
    assert then["known_at"].startswith("2025-01-01")
    assert (now["R4"], now["R1"]) == ("bar", "pass")
    assert {r["id"]: r["outcome"] for r in then["rules"]}["R4"] == "pass"
    assert {r["id"]: r["outcome"] for r in then["rules"]}["R1"] == "bar"

    rules = client.get("/rules", params={"pack": "eu"}).json()
    assert rules["pack"] == "eu" and rules["version"].startswith("eu-")

    created = client.post("/screenings", json={"stage": "hub_referral", "as_of": "2026-06-01"})
    assert created.status_code == 201
    screening = created.json()
    again = client.get(f"/screenings/{screening['id']}").json()
    assert again == screening and again["cases"] == 6
    cases = client.get(f"/screenings/{screening['id']}/cases", params={"rule": "R12"}).json()
    assert len(cases) == 6


@SQLITE_ONLY
def test_rest_errors_are_problem_json(client: TestClient) -> None:
    for url, params, status in (
        ("/cases/RH0000001/eligibility", {"stage": "boarding"}, 422),
        ("/cases/RH0000001/eligibility", {"pack": "fr"}, 404),
        ("/cases/RH0000001/eligibility", {"as_of": "2019-01-01"}, 422),
        ("/cases/RH9999999/eligibility", {}, 404),
        ("/screenings/4242", {}, 404),
        ("/rules", {"pack": "fr"}, 404),
    ):
        response = client.get(url, params=params)
        assert response.status_code == status, (url, params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["detail"]


@SQLITE_ONLY
def test_rest_review_decision(client: TestClient, caseload: Runtime) -> None:
    response = client.post(
        "/cases/RH0000003/reviews",
        json={"rule": "R8", "decision": "refuse", "reasoning": "level 3 evidence"},
    )
    assert response.status_code == 201 and response.json()["facts_fingerprint"].startswith("v1:")
    assert response.json()["decided_by"] == "senior-3"
    body = client.get("/cases/RH0000003/eligibility").json()
    r8 = next(r for r in body["rules"] if r["id"] == "R8")
    assert body["outcome"] == "barred" and r8["review"]["status"] == "refused"
    bad = client.post(
        "/cases/RH0000001/reviews", json={"rule": "R8", "decision": "approve", "reasoning": "x"}
    )
    assert bad.status_code == 409
    with authed_client(caseload, "caseworker") as caseworker:
        refused = caseworker.post(
            "/cases/RH0000003/reviews", json={"rule": "R8", "decision": "approve", "reasoning": "x"}
        )
    assert refused.status_code == 403


def test_known_at_uses_what_was_recorded_then(caseload: Runtime) -> None:
    clock = caseload.clock
    recorded = clock.now()
    clock.advance(timedelta(hours=5))
    with unit_of_work(caseload.engine) as s:
        record(s, clock, "RH0000003", "rule39_granted", clock.today(), {})
    with unit_of_work(caseload.engine, read_only=True) as s:
        before = service.evaluate_case(
            s,
            "RH0000003",
            pack="uk",
            stage="departure",
            known_at=recorded + timedelta(hours=1),
            terms_provider=Terms(),
        )
        after = service.evaluate_case(
            s,
            "RH0000003",
            pack="uk",
            stage="departure",
            known_at=datetime.now(UTC) + timedelta(days=400),
            terms_provider=Terms(),
        )
    assert before.rule("R4").outcome == "pass" and after.rule("R4").outcome == "bar"


@SQLITE_ONLY
def test_without_registered_agreements_the_pack_defaults_apply(caseload: Runtime) -> None:
    with unit_of_work(caseload.engine, read_only=True) as s:
        eu = service.evaluate_case(s, "RH0000001", pack="eu", stage="hub_referral", as_of=date(2025, 1, 10))
        uk = service.evaluate_case(s, "RH0000001", pack="uk", stage="hub_referral", as_of=date(2023, 1, 10))
    assert [a.agreement for a in eu.agreements] == ["ITA-ALB"]
    assert {a.agreement for a in uk.agreements} == {"UK-RWA"}
    assert all(source.startswith("pack default") for a in eu.agreements for source in a.sources)
