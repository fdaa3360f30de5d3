"""A hub referral goes through the gate (issue 13, item 12): refused, naming the rule and its title, on
the API (409 problem+json), the CLI (one line, exit 2) and the page (the error summary); nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from returnhub.casework.store import case_state
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.errors import StateConflict
from returnhub.core.runtime import Runtime
from tests.auth_helpers import authed_client
from tests.web.pages import page_client

from ..casework.helpers import REFUSED_HISTORY, add_person, record
from ..casework.test_cli import run
from .conftest import eligible_person

UNDECIDED = "RH0000001"
R1 = "R1 (Claim finally refused"


@pytest.fixture
def undecided(engine: Engine, clock: FixedClock, partners: None) -> str:
    """A claim lodged and never decided: R1 bars any move."""
    with unit_of_work(engine) as s:
        add_person(s, UNDECIDED, nationality="ALB", date_of_birth=date(1990, 1, 1))
        for event_type, on, data in REFUSED_HISTORY[:2]:
            record(s, clock, UNDECIDED, event_type, on, data)
    return UNDECIDED


def _version(engine: Engine, reference: str) -> int:
    with unit_of_work(engine, read_only=True) as s:
        return case_state(s, reference)[1].version


def test_the_store_refuses_a_referral_the_gate_bars(
    engine: Engine, clock: FixedClock, undecided: str
) -> None:
    with pytest.raises(StateConflict, match="R1") as refused, unit_of_work(engine) as s:
        record(s, clock, undecided, "hub_referral", clock.today(), {"hub": "GBR-MKD-H1"})
    assert R1 in refused.value.detail and "under UK law" in refused.value.detail
    with pytest.raises(StateConflict, match="R1"), unit_of_work(engine) as s:
        record(s, clock, undecided, "hub_referral", clock.today())
    assert _version(engine, undecided) == 2
    with unit_of_work(engine, read_only=True) as s:
        assert case_state(s, undecided)[1].status != "referred_to_hub"

    # Someone the gate clears is referred, and the case reads so.
    eligible_person(engine, clock, "RH0000002")
    with unit_of_work(engine) as s:
        state = record(s, clock, "RH0000002", "hub_referral", clock.today(), {"hub": "GBR-MKD-H1"})
    assert state.status == "referred_to_hub"


def test_api_cli_and_page_refuse_the_referral(
    runtime: Runtime, capsys: pytest.CaptureFixture[str], undecided: str
) -> None:
    with authed_client(runtime, role="caseworker") as client:
        answer = client.post(
            f"/cases/{undecided}/events",
            json={"type": "hub_referral", "occurred_on": "2026-06-01", "data": {"hub": "GBR-MKD-H1"}},
        )
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert "R1" in answer.json()["detail"] and R1 in answer.json()["detail"]

    code, _, err = run(
        runtime, capsys, "case", "record", undecided, "--type", "hub_referral", "--on", "2026-06-01"
    )
    assert code == 2 and err.startswith("error: ") and err.strip().count("\n") == 0
    assert "R1" in err and R1 in err

    with page_client(runtime, "caseworker") as browser:
        page = browser.post(
            f"/ui/cases/{undecided}/events",
            data=browser.form(
                {
                    "event_type": "hub_referral",
                    "occurred_on_day": "1",
                    "occurred_on_month": "6",
                    "occurred_on_year": "2026",
                }
            ),
        )
    assert page.status_code == 422 and "govuk-error-summary" in page.text
    assert "R1" in page.text and R1 in page.text
    assert _version(runtime.engine, undecided) == 2
