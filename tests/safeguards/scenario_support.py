"""Legal scenarios: YAML histories with expected outcomes, run through the pure path or the database.

A scenario file holds ``scenarios:``, a list of::

    name: text
    pack: uk                        # default uk
    stage: hub_referral             # default
    as_of: 2025-03-17
    known_at: 2025-03-18T10:00:00Z  # optional
    person: {date_of_birth: 1995-03-01, sex: M, nationality: ERI, family: [2015-06-01]}
    base: refused | none            # default refused: the standard refused history (ARE 2024-09-20)
    history:                        # events after the base, in the order recorded
      - {type: removal_notice_served, on: 2025-03-10, data: {}, recorded_at: 2025-03-10T12:00:00Z}
      - {type: review_decided, on: 2025-02-01,
         data: {rule: R8, decision: approve, facts_fingerprint: "@current"}}
    terms: test | pack | none | [ {agreement: X, hub_country: SRB, in_force: true, ...} ]
    safe_countries: register | none | {ITA: [ALB, BGD]}   # the register's lists; default register: the
                                    # lists of partners/seed.yaml in force on as_of
    include_proposals: false        # also screen the pack's proposals
    expect:
      outcome: eligible | review | barred
      rules: {R5: bar, R8: review}
      reviews: {R8: approved}       # optional review statuses
      exceptions: {R10: R10.assessed_adult}
      agreement: TEST-UK            # optional chosen agreement
      eligible_agreements: [TEST-UK]
      outcome_under_proposals: barred   # only with include_proposals

``facts_fingerprint: "@current"`` is replaced by the fingerprint of the rule's facts on the decision date,
computed as the service does when a senior caseworker decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import Engine

from returnhub.casework.events import validate_payload
from returnhub.casework.state import LegalEvent, fold_as_of
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.partners.agreement_terms import AgreementTerms
from returnhub.people.models import FamilyUnit
from returnhub.safeguards.default_terms import YamlTermsProvider
from returnhub.safeguards.engine import evaluate, make_plan, rule_facts
from returnhub.safeguards.explain import Explanation, explain_evaluation
from returnhub.safeguards.facts import facts_frame, facts_row
from returnhub.safeguards.packs import get_pack
from returnhub.safeguards.service import evaluate_case, record_review_decision
from tests.casework.helpers import REFUSED_HISTORY, add_person

SCENARIO_DIR = Path(__file__).parent / "scenarios"
CURRENT = "@current"

TEST_TERMS: dict[str, dict[str, Any]] = {
    "uk": {
        "agreement": "TEST-UK",
        "hub_country": "SRB",
        "sending_state": "GBR",
        "in_force": True,
        "hubs": ["SRB-HUB-1"],
        "monitoring_body": "Test monitor",
    },
    "eu": {
        "agreement": "TEST-EU",
        "hub_country": "ALB",
        "sending_state": "ITA",
        "in_force": True,
        "hubs": ["ALB-HUB-1"],
        "monitoring_body": "Test monitor",
        "excluded_groups": ["minors", "women", "vulnerable", "families_with_minors"],
    },
}


@dataclass(frozen=True)
class Step:
    event_type: str
    on: date
    data: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True)
class Scenario:
    source: str
    name: str
    pack: str
    stage: str
    as_of: date
    known_at: datetime | None
    person: dict[str, Any]
    steps: tuple[Step, ...]
    terms_spec: Any
    expect: dict[str, Any] = field(default_factory=dict)
    safe_countries_spec: Any = "register"
    include_proposals: bool = False

    @property
    def id(self) -> str:
        return f"{self.source}::{self.name}"

    def terms(self) -> list[AgreementTerms]:
        spec = self.terms_spec
        if spec == "none":
            return []
        if spec == "pack":
            found = YamlTermsProvider(get_pack(self.pack).parameters).terms_on(self.as_of)
        else:
            raw = [TEST_TERMS[self.pack]] if spec == "test" else spec
            found = [_agreement(item, self.as_of) for item in raw]
        lists = self.safe_lists()
        return [replace(t, safe_countries_of_origin=lists.get(t.sending_state or "")) for t in found]

    def safe_lists(self) -> dict[str, frozenset[str]]:
        """The register's safe-country lists in force on ``as_of``, as the partners service gives them."""
        spec = self.safe_countries_spec
        if spec == "none":
            return {}
        if spec == "register":
            return register_safe_lists(self.as_of)
        return {state: frozenset(codes) for state, codes in spec.items()}


def register_safe_lists(on: date) -> dict[str, frozenset[str]]:
    """The seed register's lists (partners/seed.yaml, the one source) in force on ``on``, per state."""
    import returnhub.partners as partners

    seed = yaml.safe_load((Path(partners.__file__).parent / "seed.yaml").read_text(encoding="utf-8"))
    lists: dict[str, tuple[date, frozenset[str]]] = {}
    for item in seed.get("safe_country_lists") or []:
        start = item["effective_from"]
        if start <= on and (
            item["designating_state"] not in lists or lists[item["designating_state"]][0] < start
        ):
            codes = frozenset(e["country"] for e in item["entries"] if not e.get("exceptions"))
            lists[item["designating_state"]] = (start, codes)
    return {state: codes for state, (_, codes) in lists.items()}


def _agreement(item: dict[str, Any], on: date) -> AgreementTerms:
    values = dict(item)
    for key in ("excluded_groups", "unsafe_for_nationalities", "unsafe_for_profiles"):
        values[key] = frozenset(values.get(key) or ())
    if values.get("nationalities_in_scope") is not None:
        values["nationalities_in_scope"] = frozenset(values["nationalities_in_scope"])
    values["hubs"] = tuple(values.get("hubs") or ())
    return AgreementTerms(on=on, **values)


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _steps(raw: dict[str, Any]) -> tuple[Step, ...]:
    base = raw.get("base", "refused")
    items: list[tuple[str, date, dict[str, Any], Any]] = []
    if base == "refused":
        items.extend((t, d, data, None) for t, d, data in REFUSED_HISTORY)
    elif base != "none":
        raise ValueError(f"unknown base {base!r}")
    for e in raw.get("history") or []:
        # YAML 1.1 reads a bare ``on`` key as the boolean True.
        on = e["on"] if "on" in e else e[True]
        items.append((e["type"], on, dict(e.get("data") or {}), e.get("recorded_at")))
    return tuple(
        Step(t, d, data, _when(rec) if rec is not None else datetime.combine(d, time(12), UTC))
        for t, d, data, rec in items
    )


def load_file(path: Path) -> list[Scenario]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for raw in document["scenarios"]:
        person = {"date_of_birth": date(1995, 3, 1), "sex": "M", "nationality": "ERI", "family": []}
        person.update(raw.get("person") or {})
        known_at = raw.get("known_at")
        out.append(
            Scenario(
                source=path.stem,
                name=raw["name"],
                pack=raw.get("pack", "uk"),
                stage=raw.get("stage", "hub_referral"),
                as_of=raw["as_of"],
                known_at=_when(known_at) if known_at is not None else None,
                person=person,
                steps=_steps(raw),
                terms_spec=raw.get("terms", "test"),
                expect=raw["expect"],
                safe_countries_spec=raw.get("safe_countries", "register"),
                include_proposals=bool(raw.get("include_proposals", False)),
            )
        )
    return out


def load_all() -> list[Scenario]:
    return [s for path in sorted(SCENARIO_DIR.glob("*.yaml")) for s in load_file(path)]


# ----------------------------------------------------------------------------------------------------------
# The pure path: fold the events, build the one-row facts frame, evaluate
# ----------------------------------------------------------------------------------------------------------

REFERENCE = "RH0000001"


def _row(sc: Scenario, events: list[LegalEvent], as_of: date, known_at: datetime | None) -> dict[str, Any]:
    state = fold_as_of(events, as_of=as_of, known_at=known_at)
    family = sc.person["family"]
    return facts_row(
        state,
        reference=REFERENCE,
        nationality=sc.person["nationality"],
        sex=sc.person["sex"],
        date_of_birth=sc.person["date_of_birth"],
        family_unit_id=1 if family else None,
        family_youngest_other_date_of_birth=max(family) if family else None,
    )


def _pure_fingerprint(sc: Scenario, events: list[LegalEvent], step: Step) -> str:
    from returnhub.safeguards.engine import facts_fingerprint

    pack = get_pack(sc.pack)
    rule = pack.rule(step.data["rule"])
    plan = make_plan(pack, sc.stage, step.on, sc.terms())
    frame = evaluate(facts_frame([_row(sc, events, step.on, None)]), plan).frame
    terms = None
    if step.data.get("agreement"):
        terms = next(t for t in plan.terms if t.agreement == step.data["agreement"])
    return facts_fingerprint(rule.id, rule_facts(rule, frame.row(0, named=True), terms))


def explain_pure(sc: Scenario) -> Explanation:
    events: list[LegalEvent] = []
    for i, step in enumerate(sc.steps, start=1):
        data = dict(step.data)
        data.pop("agreement", None)
        if data.get("facts_fingerprint") == CURRENT:
            data["facts_fingerprint"] = _pure_fingerprint(sc, events, step)
        if step.event_type == "review_decided":
            data.setdefault("reasoning", "scenario")
            data.setdefault("decided_by", "senior-1")
        events.append(
            LegalEvent(i, step.event_type, step.on, step.recorded_at, validate_payload(step.event_type, data))
        )
    pack = get_pack(sc.pack)
    plan = make_plan(pack, sc.stage, sc.as_of, sc.terms(), include_proposals=sc.include_proposals)
    row = _row(sc, events, sc.as_of, sc.known_at)
    return explain_evaluation(
        evaluate(facts_frame([row]), plan, trace=True), reference=REFERENCE, known_at=sc.known_at
    )


# ----------------------------------------------------------------------------------------------------------
# The database path: record the events through the event store, evaluate through the service
# ----------------------------------------------------------------------------------------------------------


class StaticTerms:
    def __init__(self, terms: list[AgreementTerms]) -> None:
        self._terms = terms

    def terms_on(self, on: date) -> list[AgreementTerms]:
        return list(self._terms)


def explain_db(sc: Scenario, engine: Engine, clock: FixedClock) -> Explanation:
    from unittest import mock

    from returnhub.casework import store
    from returnhub.casework.store import append_event

    provider = StaticTerms(sc.terms())
    # A scenario's history is the legal past as given (its hubs may be the scenario's own terms, not the
    # register's), recorded like an import: the gate's referral check at append time, registered by the app
    # in some processes, is tested in tests/operations/test_referral.py, not here.
    with mock.patch.object(store, "PRE_APPEND_HOOKS", []), unit_of_work(engine) as session:
        unit_id = None
        if sc.person["family"]:
            unit = FamilyUnit(reference="FU0001")
            session.add(unit)
            session.flush()
            unit_id = unit.id
            for n, born in enumerate(sc.person["family"], start=2):
                add_person(session, f"RH000000{n}", date_of_birth=born, family_unit_id=unit_id)
        add_person(
            session,
            REFERENCE,
            nationality=sc.person["nationality"],
            date_of_birth=sc.person["date_of_birth"],
            sex=sc.person["sex"],
            family_unit_id=unit_id,
        )
        # One transaction for the whole history: the clock moves before each append, so every event
        # gets its own recorded_at as if recorded on that day.
        for step in sc.steps:
            clock.current = max(step.recorded_at, datetime.combine(step.on, time(12), UTC))
            data = dict(step.data)
            if step.event_type == "review_decided" and data.get("facts_fingerprint") == CURRENT:
                record_review_decision(
                    session,
                    REFERENCE,
                    rule=data["rule"],
                    decision=data["decision"],
                    reasoning=data.get("reasoning", "scenario"),
                    decided_by=data.get("decided_by", "senior-1"),
                    pack=sc.pack,
                    stage=sc.stage,
                    agreement=data.get("agreement"),
                    clock=clock,
                    terms_provider=provider,
                )
                continue
            data.pop("agreement", None)
            if step.event_type == "review_decided":
                data.setdefault("reasoning", "scenario")
                data.setdefault("decided_by", "senior-1")
            append_event(session, REFERENCE, step.event_type, step.on, data, clock=clock, recorded_by="test")
    clock.current = clock.current + timedelta(days=1)
    with unit_of_work(engine, read_only=True) as session:
        return evaluate_case(
            session,
            REFERENCE,
            pack=sc.pack,
            stage=sc.stage,
            as_of=sc.as_of,
            known_at=sc.known_at,
            terms_provider=provider,
            clock=clock,
            include_proposals=sc.include_proposals,
        )


def check(sc: Scenario, explanation: Explanation) -> None:
    """Compare an explanation with the scenario's expectations; the message names every mismatch."""
    expect = sc.expect
    problems: list[str] = []
    outcomes = {r.id: r.outcome for r in explanation.rules}
    if explanation.outcome != expect["outcome"]:
        problems.append(f"overall {explanation.outcome}, expected {expect['outcome']}")
    for rule_id, wanted in (expect.get("rules") or {}).items():
        got = outcomes.get(rule_id, "<not evaluated>")
        if got != wanted:
            reason = next((r.reason for r in explanation.rules if r.id == rule_id), "")
            problems.append(f"{rule_id} {got}, expected {wanted} ({reason})")
    for rule_id, wanted in (expect.get("reviews") or {}).items():
        result = next((r for r in explanation.rules if r.id == rule_id), None)
        got = (result.review or {}).get("status") if result else None
        if got != wanted:
            problems.append(f"{rule_id} review status {got}, expected {wanted}")
    for rule_id, wanted in (expect.get("exceptions") or {}).items():
        result = next((r for r in explanation.rules if r.id == rule_id), None)
        got = (result.exception or {}).get("id") if result else None
        if got != wanted:
            problems.append(f"{rule_id} decided by exception {got}, expected {wanted}")
    if "agreement" in expect and explanation.agreement != expect["agreement"]:
        problems.append(f"agreement {explanation.agreement}, expected {expect['agreement']}")
    if "eligible_agreements" in expect and explanation.eligible_agreements != expect["eligible_agreements"]:
        problems.append(
            f"eligible agreements {explanation.eligible_agreements}, expected {expect['eligible_agreements']}"
        )
    if (
        "outcome_under_proposals" in expect
        and explanation.outcome_under_proposals != expect["outcome_under_proposals"]
    ):
        problems.append(
            f"outcome under proposals {explanation.outcome_under_proposals}, "
            f"expected {expect['outcome_under_proposals']}"
        )
    if problems:
        raise AssertionError(f"scenario {sc.id}: " + "; ".join(problems))
