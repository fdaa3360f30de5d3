"""A senior caseworker decides reviews through the case page, as a browser would post its forms: the field
names are read from the page itself, so a form whose names do not match its handler fails here."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest

from returnhub.casework.store import case_state
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from tests.casework.helpers import REFUSED_HISTORY, add_person, record

from .pages import PageClient, page_client

APPROVED, REFUSED = "RH0000011", "RH0000012"


class _ReviewForms(HTMLParser):
    """The fields of every form posting to a case's reviews, keyed by the rule it decides."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("action", "").endswith("/reviews"):
            self._current = {"__action": a["action"]}
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "select", "textarea") and a.get("name"):
            self._current.setdefault(a["name"], a.get("value", ""))
            self._current.setdefault(f"__kind:{a['name']}", tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


@pytest.fixture
def awaiting_review(runtime: Runtime, clock: FixedClock) -> list[str]:
    with unit_of_work(runtime.engine) as s:
        for reference in (APPROVED, REFUSED):
            add_person(s, reference)
            for event_type, on, data in REFUSED_HISTORY:
                record(s, clock, reference, event_type, on, data)
            # Adults at Risk level 2 calls for a senior caseworker's decision (R8).
            record(s, clock, reference, "adults_at_risk_assessed", date(2025, 1, 10), {"level": 2})
    return [APPROVED, REFUSED]


def _version(runtime: Runtime, reference: str) -> int:
    with unit_of_work(runtime.engine, read_only=True) as s:
        return case_state(s, reference)[1].version


def _decide(browser: PageClient, reference: str, decision: str, reasoning: str, status: int = 200) -> str:
    parser = _ReviewForms()
    parser.feed(browser.get(f"/ui/cases/{reference}").text)
    form = next(f for f in parser.forms if f.get("rule") == "R8")
    fields = {k: v for k, v in form.items() if not k.startswith("__")}
    # Fill the visible fields the way a person would: the select and the textarea on the page.
    kinds = {k.removeprefix("__kind:"): v for k, v in form.items() if k.startswith("__kind:")}
    choices = [name for name, kind in kinds.items() if kind != "input"]
    assert len(choices) == 2, form
    select, textarea = sorted(choices, key=lambda k: form[f"__kind:{k}"])
    fields[select], fields[textarea] = decision, reasoning
    answer = browser.post(form["__action"], data=fields, follow_redirects=True)
    assert answer.status_code == status, answer.text[:300]
    return answer.text


def test_a_senior_caseworker_approves_one_review_and_refuses_another(
    runtime: Runtime, awaiting_review: list[str]
) -> None:
    before = {r: _version(runtime, r) for r in awaiting_review}
    with page_client(runtime, "senior_caseworker") as browser:
        approved = _decide(browser, APPROVED, "approve", "Immigration factors outweigh the risk")
        refused = _decide(browser, REFUSED, "refuse", "The medical evidence shows harm from a move")
    assert {r: _version(runtime, r) for r in awaiting_review} == {r: v + 1 for r, v in before.items()}
    assert "Approved by page-senior-caseworker" in approved
    assert "“Immigration factors outweigh the risk”" in approved
    assert "The decision lapses if the facts it relied on change." in approved
    assert "Refused by page-senior-caseworker" in refused
    # No raw mapping of the decision reaches the page.
    for text in (approved, refused):
        assert "{'" not in text and "facts_fingerprint" not in text


def test_a_review_form_without_a_decision_shows_the_error_and_writes_nothing(
    runtime: Runtime, awaiting_review: list[str]
) -> None:
    before = _version(runtime, APPROVED)
    with page_client(runtime, "senior_caseworker") as browser:
        text = _decide(browser, APPROVED, "", "", status=422)
    assert "Choose whether to approve or refuse" in text and 'href="#decision-R8"' in text
    assert _version(runtime, APPROVED) == before
