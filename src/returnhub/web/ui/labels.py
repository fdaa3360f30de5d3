"""Plain words from one place: the label a person reads for every code the system keeps.

Pages never show a code, a Python value or an HTTP path: rule ids come with their titles, event types and
outcomes as phrases, countries and languages by name (pycountry), dates and times in GOV.UK style
("9 December 2026 at 6pm") and money in pounds ("£1,234"). Templates reach these through the Jinja filters
registered in ``templating``; handlers may call them directly. A code with no entry here falls back to its
words ("due_soon" -> "Due soon"), so a new code never shows as snake_case.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

#: Event types whose words are not just the code's words.
EVENT_LABELS: Mapping[str, str] = {
    "arrival": "Arrived in the country",
    "asylum_claim_lodged": "Asylum claim lodged",
    "asylum_claim_decided": "Asylum claim decided",
    "appeal_lodged": "Appeal lodged",
    "appeal_decided": "Appeal decided",
    "appeal_rights_exhausted": "Appeal rights exhausted",
    "further_submissions_lodged": "Further submissions lodged",
    "further_submissions_decided": "Further submissions decided",
    "judicial_review_lodged": "Judicial review lodged",
    "judicial_review_decided": "Judicial review decided",
    "injunction_granted": "Injunction granted",
    "injunction_discharged": "Injunction discharged",
    "rule39_granted": "Rule 39 indication granted",
    "rule39_lifted": "Rule 39 indication lifted",
    "nrm_referral": "Referred to the National Referral Mechanism",
    "nrm_reasonable_grounds_decided": "Reasonable grounds decision (trafficking)",
    "nrm_conclusive_grounds_decided": "Conclusive grounds decision (trafficking)",
    "nrm_reconsideration_requested": "Reconsideration of a trafficking decision requested",
    "nrm_reconsideration_decided": "Reconsideration of a trafficking decision decided",
    "age_dispute_raised": "Age dispute raised",
    "age_dispute_resolved": "Age dispute resolved",
    "adults_at_risk_assessed": "Adults at risk assessment",
    "fitness_to_fly_assessed": "Fitness to fly assessment",
    "article8_claim_lodged": "Article 8 (family life) claim lodged",
    "article8_claim_decided": "Article 8 (family life) claim decided",
    "detained": "Detained",
    "detention_validated": "Detention validated",
    "detention_reviewed": "Detention reviewed",
    "released": "Released from detention",
    "removal_notice_served": "Removal notice served",
    "hub_referral": "Referred to a hub",
    "allocated_to_transfer": "Listed on a transfer",
    "removed_from_manifest": "Taken off a transfer",
    "departed": "Departed",
    "arrived_at_hub": "Arrived at the hub",
    "hub_exit": "Left the hub",
    "travel_document_requested": "Travel document requested",
    "travel_document_issued": "Travel document issued",
    "travel_document_refused": "Travel document refused",
    "voluntary_return_applied": "Applied for voluntary return",
    "serious_incident": "Serious incident",
    "review_decided": "Review decided",
    "event_retracted": "Event withdrawn",
}

#: What the person recording an event did, as the audit log says it ("Recorded a Rule 39 indication").
EVENT_ACTIONS: Mapping[str, str] = {
    "rule39_granted": "Recorded a Rule 39 indication",
    "rule39_lifted": "Recorded that a Rule 39 indication was lifted",
}

#: Outcomes, statuses and other short codes whose words differ from the code.
CODE_LABELS: Mapping[str, str] = {
    "not_applicable": "Does not apply",
    "pass": "Passed",
    "bar": "Barred",
    "review": "Needs review",
    "in_force": "In force",
    "charter_flight": "Charter flight",
    "scheduled_flight": "Scheduled flight",
    "small_boat": "Small boat",
    "first_tier": "First-tier Tribunal",
    "upper_tribunal": "Upper Tribunal",
    "court_of_appeal": "Court of Appeal",
    "supreme_court": "Supreme Court",
    "fresh_claim": "Accepted as a fresh claim",
    "onward_return_voluntary": "Onward return (voluntary)",
    "onward_return_enforced": "Onward return (enforced)",
    "returned_to_sending_state": "Returned to the sending state",
    "hub_referral": "Referral to a hub",
    "manifest_lock": "Locking the manifest",
    "departure": "Departure",
    "onward_return": "Onward return",
    "due_soon": "Due soon",
    "granted": "Allowed",
    "denied": "Refused",
    "failed": "Failed",
    "senior_caseworker": "Senior caseworker",
    "operations_planner": "Operations planner",
    "independent_monitor": "Independent monitor",
    "legal_representative": "Legal representative",
    "hub_liaison": "Hub liaison",
}

SEX_LABELS: Mapping[str, str] = {"M": "Male", "F": "Female", "X": "Not specified", "U": "Not known"}

#: Codes pycountry does not hold (user-assigned ISO codes in common use).
EXTRA_COUNTRIES: Mapping[str, str] = {"XXK": "Kosovo", "XXA": "Stateless", "XXB": "Refugee", "XXX": "Unknown"}

_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_ISO3 = re.compile(r"[A-Z]{3}")
_RULE_ID = re.compile(r"[A-Z]{1,3}\d+[a-z]?")


def words(code: str) -> str:
    """A code as words: ``due_soon`` -> ``Due soon``."""
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def code_label(value: Any) -> str:
    """A short code (outcome, status, mode, role, stage) as words a person reads."""
    if value is None or value == "":
        return "–"
    text = str(getattr(value, "value", value))
    if text in CODE_LABELS:
        return CODE_LABELS[text]
    if text in EVENT_LABELS:
        return EVENT_LABELS[text]
    if _CODE.fullmatch(text):
        return words(text)
    return text


def event_label(event_type: str) -> str:
    return EVENT_LABELS.get(event_type) or words(event_type)


def event_action(event_type: str) -> str:
    """``Recorded …``: what recording this event type is, as a sentence."""
    if event_type in EVENT_ACTIONS:
        return EVENT_ACTIONS[event_type]
    label = event_label(event_type)
    return f"Recorded “{label[:1].lower() + label[1:]}”"


def rule_label(rule_id: str, title: str | None = None) -> str:
    """A rule always with its title: ``R39: Rule 39 interim measure``."""
    title = title or rule_titles().get(rule_id)
    return f"{rule_id}: {title}" if title else rule_id


@cache
def rule_titles() -> dict[str, str]:
    """Every rule id of every pack, with its title (the packs are read once)."""
    from returnhub.safeguards.packs import get_pack

    titles: dict[str, str] = {}
    for name in ("uk", "eu"):
        try:
            pack = get_pack(name)
        except Exception:  # a pack that fails to load is reported by its own tests; labels stay usable
            continue
        for rule in pack.rules:
            titles.setdefault(rule.id, rule.title)
    return titles


@cache
def country_name(code: str | None) -> str:
    """``EGY`` -> ``Egypt``; a name or unknown code is returned as given."""
    if not code:
        return "–"
    upper = code.strip().upper()
    if upper in EXTRA_COUNTRIES:
        return EXTRA_COUNTRIES[upper]
    import pycountry

    found = pycountry.countries.get(alpha_3=upper) if len(upper) == 3 else None
    if found is None and len(upper) == 2:
        found = pycountry.countries.get(alpha_2=upper)
    if found is None:
        return code
    return str(getattr(found, "common_name", None) or found.name)


@cache
def country_code(text: str) -> str | None:
    """A nationality typed as a code (``egy``, ``EG``) or a name (``Egypt``, ``egypt``) -> ``EGY``."""
    value = text.strip()
    if not value:
        return None
    for code, name in EXTRA_COUNTRIES.items():
        if value.upper() == code or fold(value) == fold(name):
            return code
    import pycountry

    if len(value) in (2, 3) and value.isalpha():
        found = (
            pycountry.countries.get(alpha_2=value.upper())
            if len(value) == 2
            else pycountry.countries.get(alpha_3=value.upper())
        )
        if found is not None:
            return str(found.alpha_3)
    wanted = fold(value)
    for country in pycountry.countries:
        names = {country.name, getattr(country, "common_name", ""), getattr(country, "official_name", "")}
        if any(fold(n) == wanted for n in names if n):
            return str(country.alpha_3)
    try:
        matches = pycountry.countries.search_fuzzy(value)
    except LookupError:
        return None
    return str(matches[0].alpha_3) if len(matches) == 1 else None


@cache
def language_name(code: str | None) -> str:
    """``ar`` -> ``Arabic``; ``prs`` -> ``Dari``."""
    if not code:
        return "–"
    import pycountry

    value = code.strip().lower()
    found = None
    if len(value) == 2:
        found = pycountry.languages.get(alpha_2=value)
    elif len(value) == 3:
        found = pycountry.languages.get(alpha_3=value)
    return str(found.name) if found is not None else code


def languages(codes: Any) -> str:
    if not codes:
        return "–"
    if isinstance(codes, str):
        codes = [codes]
    return ", ".join(language_name(c) for c in codes)


def sex_label(code: str | None) -> str:
    return SEX_LABELS.get((code or "").upper(), code or "–")


def fold(text: str) -> str:
    """Case and accents folded, for matching names: ``Ibrāhīm`` -> ``ibrahim``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value) > 10:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def day(value: Any) -> str:
    """GOV.UK date: ``9 December 2026``."""
    if value is None or value == "":
        return "–"
    found = _as_date(value)
    return f"{found.day} {found:%B %Y}" if found else str(value)


def clock_time(moment: datetime) -> str:
    """GOV.UK time: ``6pm``, ``6:30pm``, ``midday``, ``midnight``."""
    if moment.hour == 0 and moment.minute == 0:
        return "midnight"
    if moment.hour == 12 and moment.minute == 0:
        return "midday"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def when(value: Any) -> str:
    """GOV.UK date and time (UTC): ``9 December 2026 at 6pm``; a date alone as a date."""
    moment = _as_datetime(value)
    if moment is None:
        return day(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{day(moment)} at {clock_time(moment)}"


def days_ago(value: Any, today: date) -> str:
    """How long ago a day was, in words: ``today``, ``1 day``, ``12 days`` (a later day: ``not yet``)."""
    found = _as_date(value)
    if found is None:
        return "–"
    days = (today - found).days
    if days < 0:
        return "not yet"
    return "today" if days == 0 else f"{number(days)} day{'s' if days != 1 else ''}"


#: Currency signs a reader knows; any other currency is written after the amount ("1,200 ALL").
CURRENCY_SIGNS = {"GBP": "£", "EUR": "€", "USD": "US$"}


def money(value: Any, currency: str | None = "GBP") -> str:
    """Pounds by default: ``£1,234`` (pence only when there are any); ``€90``; ``1,200 ALL``."""
    if value is None or value == "":
        return "–"
    amount = Decimal(str(value))
    text = f"{int(amount):,}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    code = (currency or "GBP").upper()
    sign = CURRENCY_SIGNS.get(code)
    return f"{sign}{text}" if sign else f"{text} {code}"


def number(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return label(value)


def label(value: Any, key: str | None = None) -> str:
    """Any value as words: lists joined, mappings as "key: value" phrases, booleans Yes/No, nothing as a
    dash, dates GOV.UK style, codes as words, country codes by name when ``key`` says it is a country."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, date):
        return day(value)
    if isinstance(value, int | float | Decimal):
        return number(value)
    if isinstance(value, Mapping):
        return "; ".join(f"{field_label(k)}: {label(v, str(k))}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        items = [label(v, key) for v in value]
        return ", ".join(items) if items else "none"
    text = str(getattr(value, "value", value))
    if key and _is_country_key(key) and _ISO3.fullmatch(text):
        return country_name(text)
    if key and "language" in key:
        return language_name(text)
    if key and key.endswith(("_on", "_at", "date_of_birth")) and _as_date(text):
        return when(text) if key.endswith("_at") else day(text)
    if _ISO3.fullmatch(text) and country_name(text) != text:
        return f"{country_name(text)}"
    return code_label(text)


def _is_country_key(key: str) -> bool:
    return any(part in key for part in ("nationality", "country", "destination", "countries", "partner"))


#: Field names whose words are not just the field's words.
FIELD_LABELS: Mapping[str, str] = {
    "expires_on": "Expires on",
    "expires_after": "Expires a number of days after an event",
    "event_type": "Event",
    "days": "Days after",
    "fit": "Fit to fly",
    "level": "Adults at risk level",
    "indicators": "Vulnerability indicators",
    "medical_details": "Medical details",
    "claimed_date_of_birth": "Claimed date of birth",
    "assessed_date_of_birth": "Assessed date of birth",
    "family_in_uk": "Family in the UK",
    "serious_medical_condition": "Serious medical condition",
    "basis": "Grounds of the claim",
    "tier": "Court or tribunal",
    "sequence": "Event number withdrawn",
}


def field_label(name: Any) -> str:
    text = str(name)
    return FIELD_LABELS.get(text) or words(text)


#: Routes of the staff pages and the API, as what the person did. ``{name}`` is the case reference.
ACTIONS: Mapping[tuple[str, str], str] = {
    ("GET", "/ui/cases/{reference}"): "Viewed the case of {case}",
    ("POST", "/ui/cases/{reference}/events"): "Recorded an event on the case of {case}",
    ("POST", "/ui/cases/{reference}/reviews"): "Decided a review on the case of {case}",
    ("GET", "/ui/cases"): "Searched the caseload",
    ("GET", "/ui/"): "Opened the home page",
    ("GET", "/ui/monitor"): "Read the access log",
    ("GET", "/ui/monitor/verify"): "Verified the chains",
    ("POST", "/ui/screenings"): "Screened the caseload",
    ("GET", "/ui/planning"): "Opened planning",
    ("POST", "/ui/planning"): "Ran the optimiser",
    ("GET", "/ui/plans/{plan_id}"): "Opened a plan",
    ("POST", "/ui/plans/{plan_id}/approve"): "Approved a plan",
    ("GET", "/ui/transfers"): "Opened the transfers",
    ("GET", "/ui/transfers/{reference}"): "Opened a transfer's manifest",
    ("POST", "/ui/transfers/{reference}/lock"): "Locked a manifest",
    ("POST", "/ui/transfers/{reference}/depart"): "Recorded a departure",
    ("POST", "/ui/transfers/{reference}/arrive"): "Recorded an arrival at a hub",
    ("POST", "/ui/sign-in"): "Signed in",
    ("POST", "/ui/sign-out"): "Signed out",
    ("GET", "/cases/{reference}"): "Read the case of {case} through the API",
    ("POST", "/cases/{reference}/events"): "Recorded an event on the case of {case} through the API",
}


def audit_action(method: str, route: str, case: str | None) -> str:
    """An access-log entry as a sentence: ``Viewed the case of RH0000001``."""
    template = ACTIONS.get((method.upper(), route))
    who = case or "a person"
    if template is not None:
        return template.format(case=who)
    verb = {"GET": "Read", "HEAD": "Read", "POST": "Changed", "PUT": "Changed", "PATCH": "Changed"}.get(
        method.upper(), "Removed"
    )
    parts = [p for p in route.split("/") if p and not p.startswith("{") and p not in ("ui", "api")]
    what = " ".join(words(p.replace("-", "_")).lower() for p in parts) or "the home page"
    target = f" of {case}" if case else ""
    return f"{verb} {what}{target}"


def audit_outcome(outcome: str, status: int) -> str:
    """What the user saw: a refused form is "Refused", whatever the access guard allowed."""
    if outcome == "denied" or status in (401, 403):
        return "Access refused"
    if outcome == "refused":
        return "Refused: the form had a problem" if status == 422 else "Refused: the record had changed"
    if outcome == "failed":
        return "Failed"
    if status == 404:
        return "Not found"
    if status in (409, 422) or 400 <= status < 500:
        return "Refused: the form had a problem"
    if status >= 500:
        return "Failed: server error"
    return "Done"


_LITERAL = re.compile(r"\[[^\[\]]*\]|\{[^{}]*\}")
_PY_WORD = re.compile(r"\b(True|False|None)\b")
_BARE_ISO3 = re.compile(r"(?<![\w-])[A-Z]{3}(?![\w-])")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def plain(text: Any) -> str:
    """Text the system composed (a rule's reason, a gate's finding, a change note) in plain words: Python
    lists and mappings as phrases, True/False/None as yes/no/none, country codes as names, snake_case as
    words. Free text a person typed goes through the same, harmlessly."""
    if text is None or text == "":
        return "–"
    if not isinstance(text, str):
        return label(text)

    def literal(match: re.Match[str]) -> str:
        try:
            return label(ast.literal_eval(match.group(0)))
        except (ValueError, SyntaxError):
            return match.group(0)

    out = _LITERAL.sub(literal, text)
    out = _PY_WORD.sub(lambda m: {"True": "yes", "False": "no", "None": "none"}[m.group(1)], out)
    out = _BARE_ISO3.sub(lambda m: country_name(m.group(0)), out)
    return _SNAKE.sub(
        lambda m: (
            code_label(m.group(0)).lower()
            if m.group(0) not in CODE_LABELS
            else CODE_LABELS[m.group(0)].lower()
        ),
        out,
    )
