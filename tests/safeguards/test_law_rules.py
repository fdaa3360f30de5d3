"""Issue 13, part B, through the services: the register's safe-country list, proposals on request (CLI
and REST), rules and reasoned exclusions in ``rules list``, and the citations the findings asked for."""

from __future__ import annotations

import json
from datetime import date

import pytest

from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.partners.seed import seed_partners
from returnhub.safeguards import service
from returnhub.safeguards.packs import get_pack
from tests.auth_helpers import authed_client
from tests.casework.helpers import REFUSED_HISTORY, add_person, record
from tests.safeguards.test_service import run

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
ON = date(2025, 1, 10)


def _bangladeshi_man(runtime: Runtime, reference: str = "RH0000001", nationality: str = "BGD") -> None:
    with unit_of_work(runtime.engine) as s:
        add_person(s, reference, nationality=nationality, date_of_birth=date(1990, 1, 1))
        for event_type, on, data in REFUSED_HISTORY:
            record(s, runtime.clock, reference, event_type, on, data)
        record(
            s, runtime.clock, reference, "vulnerability_assessed", date(2024, 12, 1), {"vulnerable": False}
        )


@SQLITE_ONLY
def test_the_eu_pack_finds_people_eligible_under_the_registered_italy_albania_terms(runtime: Runtime) -> None:
    """Finding 5 and 4: with the register seeded (no monitoring body named), a man from a country on
    Italy's registered list is eligible; the draft monitoring requirement only shows as a proposal."""
    with unit_of_work(runtime.engine) as s:
        seed_partners(s, runtime.clock)
    _bangladeshi_man(runtime)
    _bangladeshi_man(runtime, "RH0000002", nationality="ERI")
    with unit_of_work(runtime.engine, read_only=True) as s:
        eligible = service.evaluate_case(s, "RH0000001", pack="eu", stage="hub_referral", as_of=ON)
        proposals = service.evaluate_case(
            s, "RH0000001", pack="eu", stage="hub_referral", as_of=ON, include_proposals=True
        )
        eritrean = service.evaluate_case(s, "RH0000002", pack="eu", stage="hub_referral", as_of=ON)
    assert eligible.outcome == "eligible" and eligible.agreement == "ITA-ALB-PROTOCOL"
    assert eligible.outcome_under_proposals is None
    assert proposals.outcome == "eligible" and proposals.outcome_under_proposals == "barred"
    assert (
        proposals.proposal_note is not None
        and "would be barred under the proposal" in proposals.proposal_note
    )
    monitoring = next(r for r in proposals.rules if r.id == "EU-R7M")
    assert monitoring.status == "proposal" and monitoring.outcome == "bar"
    assert monitoring.reason.startswith("would be barred under the proposal")
    # The list is the register's (partners/seed.yaml), read through the partners service.
    r6s = next(r for r in eritrean.rules if r.id == "EU-R6S")
    assert eritrean.outcome == "barred" and r6s.outcome == "bar"
    assert (
        "BGD" in r6s.facts["safe_countries_of_origin"]
        or r6s.facts["safe_countries_of_origin"] == "19 entries"
    )


@SQLITE_ONLY
def test_pack_default_terms_read_the_safe_country_list_from_the_register(runtime: Runtime) -> None:
    _bangladeshi_man(runtime)
    with unit_of_work(runtime.engine, read_only=True) as s:
        before = service.evaluate_case(s, "RH0000001", pack="eu", stage="hub_referral", as_of=ON)
    # No register at all: safety is not shown, EU-R6S bars under the pack's default terms.
    assert next(r for r in before.rules if r.id == "EU-R6S").outcome == "bar"


@SQLITE_ONLY
def test_cli_lists_rules_and_reasoned_exclusions_and_screens_proposals(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    for pack in ("uk", "eu"):
        code, out, _ = run(runtime, capsys, "rules", "list", "--pack", pack, "--json")
        body = json.loads(out)
        assert code == 0
        coverage = {row["research"]: row for row in body["research_coverage"]}
        assert len(coverage) == 21 and all(row["rules"] or row["exclusions"] for row in coverage.values())
        assert all(x["reason"] and x["citations"] for x in body["exclusions"])
    code, out, _ = run(runtime, capsys, "rules", "list", "--pack", "uk")
    assert code == 0 and "Hardial Singh" in out and "Not coded here" in out

    with unit_of_work(runtime.engine) as s:
        seed_partners(s, runtime.clock)
    _bangladeshi_man(runtime)
    code, out, _ = run(
        runtime,
        capsys,
        "explain",
        "RH0000001",
        "--pack",
        "eu",
        "--as-of",
        "2025-01-10",
        "--include-proposals",
    )
    assert code == 0 and "would be barred under the proposal" in out
    code, out, _ = run(
        runtime, capsys, "screen", "--pack", "eu", "--as-of", "2025-01-10", "--include-proposals", "--json"
    )
    assert code == 0 and "barred_under_proposals" in json.loads(out)
    code, _, err = run(runtime, capsys, "screen", "--pack", "eu", "--include-proposals", "--store")
    assert code == 2 and err.strip().startswith("error:") and len(err.strip().splitlines()) == 1


@SQLITE_ONLY
def test_rest_eligibility_takes_include_proposals(runtime: Runtime) -> None:
    with unit_of_work(runtime.engine) as s:
        seed_partners(s, runtime.clock)
    _bangladeshi_man(runtime)
    with authed_client(runtime, "senior_caseworker", "senior-3") as client:
        params = {"as_of": "2025-01-10", "pack": "eu"}
        plain = client.get("/cases/RH0000001/eligibility", params=params).json()
        screened = client.get(
            "/cases/RH0000001/eligibility", params={**params, "include_proposals": "true"}
        ).json()
    assert "EU-R7M" not in {r["id"] for r in plain["rules"]} and plain["outcome_under_proposals"] is None
    assert "EU-R7M" in {r["id"] for r in screened["rules"]}
    assert {r["id"]: r["status"] for r in screened["rules"]}["EU-R7M"] == "proposal"
    assert screened["outcome"] == plain["outcome"]


def test_r10_cites_the_age_guidance_and_the_act_not_a_news_video() -> None:
    """Finding 6."""
    r10 = get_pack("uk").rule("R10")
    hrefs = [c.href for c in r10.citations]
    titles = " ".join(c.title for c in r10.citations)
    assert not any("video" in h for h in hrefs)
    assert "Assessing age (version 6.0" in titles and "31 March 2023" in titles
    assert "ss.49-58" in titles and any("legislation.gov.uk/ukpga/2022/36" in h for h in hrefs)
    for override in get_pack("uk").overrides_of("R10"):
        assert not any("video" in c.href for c in override.citations)


def test_r1_cites_paragraph_333c_for_withdrawn_claims() -> None:
    uk = get_pack("uk")
    assert any(c.paragraph == "333C" for c in uk.rule("R1").citations)
    withdrawn = uk.parameters["asylum.withdrawn_claim_is_final"]
    assert withdrawn.values[0].citation.paragraph == "333C" and withdrawn.value_on(date(2025, 1, 1)) is True
    assert get_pack("eu").parameters["asylum.withdrawn_claim_is_final"].value_on(date(2025, 1, 1)) is False
