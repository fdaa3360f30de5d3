"""Plain words from one place (issue 14): every code a person reads has a label, and every event type has
a form built from its model whose errors are sentences naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime

from starlette.datastructures import FormData

from returnhub.casework.events import EVENT_PAYLOADS
from returnhub.web.ui import event_forms, labels
from tests.web.plain_words import plain_words_problems


def test_codes_read_as_words() -> None:
    assert labels.event_label("rule39_granted") == "Rule 39 indication granted"
    assert labels.event_action("rule39_granted") == "Recorded a Rule 39 indication"
    assert labels.rule_label("R4") == "R4: No ECtHR Rule 39 interim measure in force"
    assert labels.country_name("EGY") == "Egypt" and labels.languages(["ar", "en"]) == "Arabic, English"
    assert labels.sex_label("M") == "Male"
    assert labels.when(datetime(2026, 12, 9, 18, tzinfo=UTC)) == "9 December 2026 at 6pm"
    assert labels.when("2026-12-09T18:30:00+00:00") == "9 December 2026 at 6:30pm"
    assert labels.money(1234) == "£1,234" and labels.money("12.5") == "£12.50"
    assert labels.money(90, "EUR") == "€90" and labels.money(1200, "ALL") == "1,200 ALL"
    assert labels.days_ago(date(2026, 12, 1), date(2026, 12, 4)) == "3 days"
    assert labels.days_ago(date(2026, 12, 4), date(2026, 12, 4)) == "today"
    assert labels.label(["ALB", "BGD"], "nationalities") == "Albania, Bangladesh"
    assert labels.label(True) == "Yes" and labels.label(None) == "–"
    assert labels.audit_action("GET", "/ui/cases/{reference}", "RH0000001") == "Viewed the case of RH0000001"
    assert labels.audit_outcome("refused", 422) == "Refused: the form had a problem"


def test_text_the_system_composed_reads_as_words() -> None:
    text = "Scope ['ALB', 'BGD']; fit: True; hub country MKD; state in_force; expiry None"
    assert plain_words_problems(text)  # the check finds all of it in the raw text
    said = labels.plain(text)
    assert plain_words_problems(said) == [], said
    assert "Albania, Bangladesh" in said and "North Macedonia" in said and "In force".lower() in said


def test_a_nationality_is_found_by_name_or_code() -> None:
    assert labels.country_code("Egypt") == labels.country_code("egy") == labels.country_code("EG") == "EGY"
    assert labels.country_code("no such place") is None
    assert labels.fold("Ibrāhīm") == "ibrahim"


def test_every_event_type_has_a_form_and_no_field_is_json() -> None:
    for event_type in EVENT_PAYLOADS:
        form = event_forms.event_form(event_type)
        assert form.label and "_" not in form.label
        for field in form.fields:
            assert "_" not in field.label and field.kind in (
                "date",
                "radios",
                "select",
                "checkboxes",
                "lines",
                "number",
                "text",
                "textarea",
            )


def test_form_errors_are_sentences_naming_the_field() -> None:
    bad = event_forms.parse("adults_at_risk_assessed", FormData([("adults_at_risk_assessed--level", "9")]))
    assert bad.errors == [("adults_at_risk_assessed--level", "Adults at risk level must be 3 or less")]
    both = event_forms.parse(
        "rule39_granted",
        FormData(
            [
                ("rule39_granted--expires_on-day", "1"),
                ("rule39_granted--expires_on-month", "7"),
                ("rule39_granted--expires_on-year", "2026"),
                ("rule39_granted--expires_after--event_type", "appeal_decided"),
                ("rule39_granted--expires_after--days", "14"),
            ]
        ),
    )
    assert [m for _, m in both.errors] == [
        "Give only one of the day the indication expires, the time it expires or a number of days after "
        "an event"
    ]
    good = event_forms.parse(
        "rule39_granted",
        FormData(
            [
                ("rule39_granted--expires_after--event_type", "appeal_decided"),
                ("rule39_granted--expires_after--days", "14"),
            ]
        ),
    )
    assert good.errors == [] and good.payload == {
        "expires_after": {"event_type": "appeal_decided", "days": 14}
    }
    fit = event_forms.parse("fitness_to_fly_assessed", FormData([("fitness_to_fly_assessed--fit", "no")]))
    assert fit.payload == {"fit": False}
