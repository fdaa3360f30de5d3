"""``CaseState`` and the pure fold over a case's legal events.

The fold is the one definition of what a history means. The event store, the projection, the as-of
view, the safeguards and the simulator all read a case through it.

Order: events are applied in legal order, ``(occurred_on, sequence)``, so that a notice recorded late
about something that happened earlier is placed where it happened in law. Retracted events (named by a
later ``event_retracted``) are dropped before folding: that is how a correction works without
overwriting anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple


class LegalEvent(NamedTuple):
    """An event as the fold sees it: plain data, already validated when it was appended.

    A named tuple rather than a dataclass because bulk work creates millions of them.
    """

    sequence: int
    event_type: str
    occurred_on: date
    recorded_at: datetime
    data: dict[str, Any]
    #: The instant in law when the time of day is known (UTC), else None (the whole day).
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    rule: str
    decision: str
    decided_on: date
    decided_by: str
    reasoning: str
    facts_fingerprint: str | None
    sequence: int


@dataclass(slots=True)
class CaseState:
    """Current legal state of one case. Built only by :func:`fold`."""

    version: int = 0
    events_applied: int = 0
    last_occurred_on: date | None = None
    status: str = "registered"

    arrived_on: date | None = None
    arrival_route: str | None = None

    claim_lodged_on: date | None = None
    claim_outcome: str | None = None
    claim_decided_on: date | None = None

    appeal_pending: bool = False
    appeal_lodged_on: date | None = None
    appeal_tier: str | None = None
    appeal_outcome: str | None = None
    appeal_decided_on: date | None = None
    appeals_lodged: int = 0

    appeal_rights_exhausted_on: date | None = None
    #: The latest decision that made (or kept) the person removable: a refusal, a dismissed appeal, appeal
    #: rights exhausted, a decision on further submissions or on an Article 8 claim. A removal notice
    #: served before it no longer counts (R5).
    removability_decided_on: date | None = None

    further_submissions_pending: bool = False
    further_submissions_lodged_on: date | None = None
    further_submissions_outcome: str | None = None
    further_submissions_decided_on: date | None = None

    judicial_review_pending: bool = False
    judicial_review_lodged_on: date | None = None
    judicial_review_outcome: str | None = None
    judicial_review_decided_on: date | None = None

    injunction_in_force: bool = False
    injunction_granted_on: date | None = None

    rule39_granted_on: date | None = None
    rule39_expires_on: date | None = None
    #: "N days after event X": the measure waits for X, then its end date is known.
    rule39_expires_after_event: str | None = None
    rule39_expires_after_days: int | None = None
    rule39_lifted_on: date | None = None

    nrm_referred_on: date | None = None
    nrm_reasonable_grounds: str | None = None
    nrm_reasonable_grounds_on: date | None = None
    nrm_conclusive_grounds: str | None = None
    nrm_conclusive_grounds_on: date | None = None
    nrm_reconsideration_requested_on: date | None = None
    nrm_reconsideration_outcome: str | None = None
    nrm_reconsideration_decided_on: date | None = None

    age_dispute_open: bool = False
    age_dispute_raised_on: date | None = None
    age_dispute_resolved_on: date | None = None
    age_dispute_outcome: str | None = None
    assessed_date_of_birth: date | None = None

    # The Adults-at-Risk indicators are sealed special-category text (events.SEALED_FIELDS): the state
    # holds only the level the rules read, so the fold never needs a sealed value.
    adults_at_risk_level: int | None = None
    adults_at_risk_assessed_on: date | None = None
    #: The EU vulnerability assessment (not the UK Adults-at-Risk level).
    vulnerable: bool | None = None
    vulnerability_assessed_on: date | None = None

    fit_to_fly: bool | None = None
    fitness_assessed_on: date | None = None
    serious_medical_condition: bool = False

    article8_pending: bool = False
    article8_lodged_on: date | None = None
    family_in_uk: bool = False
    article8_outcome: str | None = None

    detained: bool = False
    detained_on: date | None = None
    detention_validated_on: date | None = None
    #: The first validation of this detention (the 48-hour one); later ones are extensions.
    detention_first_validated_on: date | None = None
    detention_validation_refused_on: date | None = None
    detention_reviewed_on: date | None = None
    detention_reviews: int = 0
    released_on: date | None = None

    removal_notice_served_on: date | None = None
    departure_details_served_on: date | None = None

    hub_referred_on: date | None = None
    hub_referred_to: str | None = None
    allocated_transfer: str | None = None
    allocated_on: date | None = None
    departed_on: date | None = None
    departed_transfer: str | None = None
    hub: str | None = None
    hub_arrived_on: date | None = None
    hub_exit_reason: str | None = None
    hub_exited_on: date | None = None

    travel_document_status: str | None = None
    travel_document_requested_on: date | None = None
    travel_document_answered_on: date | None = None
    voluntary_return_applied_on: date | None = None
    serious_incidents: int = 0

    # Returns (issue 18)
    removal_directions_on: date | None = None
    removal_directions_valid_until: date | None = None
    #: "enforced", "voluntary" or "port": how the person left the UK (a hub transfer is ``departed_on``).
    return_type: str | None = None
    returned_on: date | None = None
    return_destination: str | None = None
    removals_failed: int = 0
    last_removal_failure: str | None = None
    voluntary_return_consented_on: date | None = None
    deportation_order_on: date | None = None
    entry_ban_until: date | None = None
    travel_document_chasers: int = 0

    review_decisions: tuple[ReviewDecision, ...] = ()
    retracted_sequences: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif f.name == "review_decisions":
                value = review_decisions_json(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


def review_decisions_json(decisions: tuple[ReviewDecision, ...]) -> list[dict[str, Any]]:
    return [
        {
            "rule": r.rule,
            "decision": r.decision,
            "decided_on": r.decided_on.isoformat(),
            "decided_by": r.decided_by,
            "reasoning": r.reasoning,
            "facts_fingerprint": r.facts_fingerprint,
            "sequence": r.sequence,
        }
        for r in decisions
    ]


Step = Callable[[CaseState, LegalEvent], None]


def _arrival(s: CaseState, e: LegalEvent) -> None:
    s.arrived_on = e.occurred_on
    s.arrival_route = e.data.get("route")


def _claim_lodged(s: CaseState, e: LegalEvent) -> None:
    # A fresh claim restarts the asylum track: earlier decisions no longer describe the case.
    s.claim_lodged_on = e.occurred_on
    s.claim_outcome = None
    s.claim_decided_on = None
    s.appeal_rights_exhausted_on = None


def _removability(s: CaseState, e: LegalEvent) -> None:
    s.removability_decided_on = e.occurred_on


def _claim_decided(s: CaseState, e: LegalEvent) -> None:
    s.claim_outcome = e.data["outcome"]
    s.claim_decided_on = e.occurred_on
    _removability(s, e)


def _appeal_lodged(s: CaseState, e: LegalEvent) -> None:
    s.appeal_pending = True
    s.appeal_lodged_on = e.occurred_on
    s.appeal_tier = e.data.get("tier", "first_tier")
    s.appeals_lodged += 1
    s.appeal_rights_exhausted_on = None
    _rule39_clock(s, e)


def _appeal_decided(s: CaseState, e: LegalEvent) -> None:
    s.appeal_pending = False
    s.appeal_outcome = e.data["outcome"]
    s.appeal_tier = e.data.get("tier", s.appeal_tier or "first_tier")
    s.appeal_decided_on = e.occurred_on
    _removability(s, e)
    _rule39_clock(s, e)


def _are(s: CaseState, e: LegalEvent) -> None:
    s.appeal_rights_exhausted_on = e.occurred_on
    s.appeal_pending = False
    _removability(s, e)
    _rule39_clock(s, e)


def _fs_lodged(s: CaseState, e: LegalEvent) -> None:
    s.further_submissions_pending = True
    s.further_submissions_lodged_on = e.occurred_on
    s.further_submissions_outcome = None


def _fs_decided(s: CaseState, e: LegalEvent) -> None:
    s.further_submissions_pending = False
    s.further_submissions_outcome = e.data["outcome"]
    s.further_submissions_decided_on = e.occurred_on
    _removability(s, e)
    if e.data["outcome"] == "fresh_claim":
        # Accepted as a fresh claim: the person is back in the asylum process with a new right of appeal.
        s.claim_lodged_on = e.occurred_on
        s.claim_outcome = None
        s.claim_decided_on = None
        s.appeal_rights_exhausted_on = None
    _rule39_clock(s, e)


def _jr_lodged(s: CaseState, e: LegalEvent) -> None:
    s.judicial_review_pending = True
    s.judicial_review_lodged_on = e.occurred_on
    s.judicial_review_outcome = None


def _jr_decided(s: CaseState, e: LegalEvent) -> None:
    s.judicial_review_pending = False
    s.judicial_review_outcome = e.data["outcome"]
    s.judicial_review_decided_on = e.occurred_on
    _rule39_clock(s, e)


def _injunction_granted(s: CaseState, e: LegalEvent) -> None:
    s.injunction_in_force = True
    s.injunction_granted_on = e.occurred_on


def _injunction_discharged(s: CaseState, e: LegalEvent) -> None:
    s.injunction_in_force = False


def _rule39_granted(s: CaseState, e: LegalEvent) -> None:
    s.rule39_granted_on = e.occurred_on
    s.rule39_lifted_on = None
    expires_on = e.data.get("expires_on")
    s.rule39_expires_on = date.fromisoformat(expires_on) if expires_on else None
    if e.data.get("expires_at"):
        # An instant: on a date alone the measure binds the whole of its last day (fail closed);
        # ``fold_as_of(at=...)`` ends it at the instant.
        s.rule39_expires_on = _utc_instant(e.data["expires_at"]).date()
    after = e.data.get("expires_after")
    s.rule39_expires_after_event = after["event_type"] if after else None
    s.rule39_expires_after_days = after["days"] if after else None


def _rule39_clock(s: CaseState, e: LegalEvent) -> None:
    """Start a Rule 39 measure's end clock when the event it waits for happens."""
    if (
        s.rule39_expires_after_event == e.event_type
        and s.rule39_expires_on is None
        and s.rule39_granted_on is not None
        and s.rule39_lifted_on is None
        and s.rule39_expires_after_days is not None
    ):
        s.rule39_expires_on = e.occurred_on + timedelta(days=s.rule39_expires_after_days)


def _rule39_lifted(s: CaseState, e: LegalEvent) -> None:
    s.rule39_lifted_on = e.occurred_on


def _nrm_referral(s: CaseState, e: LegalEvent) -> None:
    s.nrm_referred_on = e.occurred_on
    s.nrm_reasonable_grounds = None
    s.nrm_reasonable_grounds_on = None
    s.nrm_conclusive_grounds = None
    s.nrm_conclusive_grounds_on = None
    s.nrm_reconsideration_requested_on = None
    s.nrm_reconsideration_outcome = None
    s.nrm_reconsideration_decided_on = None


def _nrm_rg(s: CaseState, e: LegalEvent) -> None:
    s.nrm_reasonable_grounds = e.data["outcome"]
    s.nrm_reasonable_grounds_on = e.occurred_on


def _nrm_cg(s: CaseState, e: LegalEvent) -> None:
    s.nrm_conclusive_grounds = e.data["outcome"]
    s.nrm_conclusive_grounds_on = e.occurred_on


def _nrm_reconsideration_requested(s: CaseState, e: LegalEvent) -> None:
    s.nrm_reconsideration_requested_on = e.occurred_on
    s.nrm_reconsideration_outcome = None
    s.nrm_reconsideration_decided_on = None


def _nrm_reconsideration_decided(s: CaseState, e: LegalEvent) -> None:
    s.nrm_reconsideration_outcome = e.data["outcome"]
    s.nrm_reconsideration_decided_on = e.occurred_on
    if e.data["outcome"] == "positive":
        # A reconsidered negative RG decision that turns positive is a positive RG from that day.
        s.nrm_reasonable_grounds = "positive"
        s.nrm_reasonable_grounds_on = e.occurred_on


def _age_raised(s: CaseState, e: LegalEvent) -> None:
    s.age_dispute_open = True
    s.age_dispute_raised_on = e.occurred_on
    s.age_dispute_resolved_on = None
    s.age_dispute_outcome = None


def _age_resolved(s: CaseState, e: LegalEvent) -> None:
    s.age_dispute_open = False
    s.age_dispute_resolved_on = e.occurred_on
    s.age_dispute_outcome = e.data["outcome"]
    assessed = e.data.get("assessed_date_of_birth")
    if assessed:
        s.assessed_date_of_birth = date.fromisoformat(assessed)


def _aar(s: CaseState, e: LegalEvent) -> None:
    s.adults_at_risk_level = e.data["level"]
    s.adults_at_risk_assessed_on = e.occurred_on


def _fitness(s: CaseState, e: LegalEvent) -> None:
    s.fit_to_fly = e.data["fit"]
    s.serious_medical_condition = bool(e.data.get("serious_medical_condition", False))
    s.fitness_assessed_on = e.occurred_on


def _a8_lodged(s: CaseState, e: LegalEvent) -> None:
    s.article8_pending = True
    s.article8_lodged_on = e.occurred_on
    s.family_in_uk = bool(e.data.get("family_in_uk", True)) or s.family_in_uk
    s.article8_outcome = None


def _a8_decided(s: CaseState, e: LegalEvent) -> None:
    s.article8_pending = False
    s.article8_outcome = e.data["outcome"]
    _removability(s, e)


def _detained(s: CaseState, e: LegalEvent) -> None:
    s.detained = True
    s.detained_on = e.occurred_on
    s.detention_validated_on = None
    s.detention_first_validated_on = None
    s.detention_validation_refused_on = None
    s.detention_reviewed_on = None
    s.detention_reviews = 0
    s.released_on = None


def _detention_validated(s: CaseState, e: LegalEvent) -> None:
    s.detention_validated_on = e.occurred_on
    if s.detention_first_validated_on is None:
        s.detention_first_validated_on = e.occurred_on


def _detention_validation_refused(s: CaseState, e: LegalEvent) -> None:
    s.detention_validation_refused_on = e.occurred_on


def _vulnerability(s: CaseState, e: LegalEvent) -> None:
    s.vulnerable = bool(e.data["vulnerable"])
    s.vulnerability_assessed_on = e.occurred_on


def _departure_details(s: CaseState, e: LegalEvent) -> None:
    s.departure_details_served_on = e.occurred_on


def _detention_reviewed(s: CaseState, e: LegalEvent) -> None:
    s.detention_reviewed_on = e.occurred_on
    s.detention_reviews += 1


def _released(s: CaseState, e: LegalEvent) -> None:
    s.detained = False
    s.released_on = e.occurred_on


def _notice(s: CaseState, e: LegalEvent) -> None:
    s.removal_notice_served_on = e.occurred_on


def _hub_referral(s: CaseState, e: LegalEvent) -> None:
    s.hub_referred_on = e.occurred_on
    s.hub_referred_to = e.data.get("hub")


def _allocated(s: CaseState, e: LegalEvent) -> None:
    s.allocated_transfer = e.data["transfer"]
    s.allocated_on = e.occurred_on


def _removed_from_manifest(s: CaseState, e: LegalEvent) -> None:
    if s.allocated_transfer == e.data["transfer"]:
        s.allocated_transfer = None
        s.allocated_on = None


def _departed(s: CaseState, e: LegalEvent) -> None:
    s.departed_on = e.occurred_on
    s.departed_transfer = e.data["transfer"]
    s.allocated_transfer = None


def _arrived_at_hub(s: CaseState, e: LegalEvent) -> None:
    s.hub = e.data["hub"]
    s.hub_arrived_on = e.occurred_on
    s.hub_exit_reason = None
    s.hub_exited_on = None


def _hub_exit(s: CaseState, e: LegalEvent) -> None:
    s.hub_exit_reason = e.data["reason"]
    s.hub_exited_on = e.occurred_on


def _td_requested(s: CaseState, e: LegalEvent) -> None:
    s.travel_document_status = "requested"
    s.travel_document_requested_on = e.occurred_on


def _td_issued(s: CaseState, e: LegalEvent) -> None:
    s.travel_document_status = "issued"
    s.travel_document_answered_on = e.occurred_on


def _td_refused(s: CaseState, e: LegalEvent) -> None:
    s.travel_document_status = "refused"
    s.travel_document_answered_on = e.occurred_on


def _vr_applied(s: CaseState, e: LegalEvent) -> None:
    s.voluntary_return_applied_on = e.occurred_on


def _incident(s: CaseState, e: LegalEvent) -> None:
    s.serious_incidents += 1


def _review_decided(s: CaseState, e: LegalEvent) -> None:
    decision = ReviewDecision(
        rule=e.data["rule"],
        decision=e.data["decision"],
        decided_on=e.occurred_on,
        decided_by=e.data["decided_by"],
        reasoning=e.data["reasoning"],
        facts_fingerprint=e.data.get("facts_fingerprint"),
        sequence=e.sequence,
    )
    # The latest decision on a rule replaces earlier ones; history stays in the events.
    s.review_decisions = tuple(r for r in s.review_decisions if r.rule != decision.rule) + (decision,)


def _removal_directions(s: CaseState, e: LegalEvent) -> None:
    s.removal_directions_on = e.occurred_on
    until = e.data.get("valid_until") or e.data["departs_on"]
    s.removal_directions_valid_until = date.fromisoformat(until)


def _returned(kind: str) -> Step:
    def step(s: CaseState, e: LegalEvent) -> None:
        s.return_type = kind
        s.returned_on = e.occurred_on
        s.return_destination = e.data["destination"]
        # Removal directions are spent once the person has gone.
        s.removal_directions_valid_until = None

    return step


def _removal_failed(s: CaseState, e: LegalEvent) -> None:
    s.removals_failed += 1
    s.last_removal_failure = e.data["reason"]


def _vr_consented(s: CaseState, e: LegalEvent) -> None:
    s.voluntary_return_consented_on = e.occurred_on


def _deportation_order(s: CaseState, e: LegalEvent) -> None:
    s.deportation_order_on = e.occurred_on


def _deportation_order_revoked(s: CaseState, e: LegalEvent) -> None:
    s.deportation_order_on = None


def _entry_ban(s: CaseState, e: LegalEvent) -> None:
    # The ban runs from the day it is imposed; 29 February maps to 28 February in a common year.
    start = e.occurred_on
    year = start.year + int(e.data["years"])
    day = min(start.day, 28) if start.month == 2 and start.day == 29 else start.day
    s.entry_ban_until = start.replace(year=year, day=day)


def _td_chased(s: CaseState, e: LegalEvent) -> None:
    s.travel_document_chasers += 1


def _nothing(s: CaseState, e: LegalEvent) -> None:
    return None


STEPS: dict[str, Step] = {
    "arrival": _arrival,
    "asylum_claim_lodged": _claim_lodged,
    "asylum_claim_decided": _claim_decided,
    "appeal_lodged": _appeal_lodged,
    "appeal_decided": _appeal_decided,
    "appeal_rights_exhausted": _are,
    "further_submissions_lodged": _fs_lodged,
    "further_submissions_decided": _fs_decided,
    "judicial_review_lodged": _jr_lodged,
    "judicial_review_decided": _jr_decided,
    "injunction_granted": _injunction_granted,
    "injunction_discharged": _injunction_discharged,
    "rule39_granted": _rule39_granted,
    "rule39_lifted": _rule39_lifted,
    "nrm_referral": _nrm_referral,
    "nrm_reasonable_grounds_decided": _nrm_rg,
    "nrm_conclusive_grounds_decided": _nrm_cg,
    "nrm_reconsideration_requested": _nrm_reconsideration_requested,
    "nrm_reconsideration_decided": _nrm_reconsideration_decided,
    "age_dispute_raised": _age_raised,
    "age_dispute_resolved": _age_resolved,
    "adults_at_risk_assessed": _aar,
    "fitness_to_fly_assessed": _fitness,
    "article8_claim_lodged": _a8_lodged,
    "article8_claim_decided": _a8_decided,
    "detained": _detained,
    "detention_validated": _detention_validated,
    "detention_reviewed": _detention_reviewed,
    "released": _released,
    "removal_notice_served": _notice,
    "departure_details_served": _departure_details,
    "detention_validation_refused": _detention_validation_refused,
    "vulnerability_assessed": _vulnerability,
    "hub_referral": _hub_referral,
    "allocated_to_transfer": _allocated,
    "removed_from_manifest": _removed_from_manifest,
    "departed": _departed,
    "arrived_at_hub": _arrived_at_hub,
    "hub_exit": _hub_exit,
    "travel_document_requested": _td_requested,
    "travel_document_issued": _td_issued,
    "travel_document_refused": _td_refused,
    "voluntary_return_applied": _vr_applied,
    "serious_incident": _incident,
    "review_decided": _review_decided,
    "event_retracted": _nothing,
    "removal_directions_set": _removal_directions,
    "enforced_removal": _returned("enforced"),
    "voluntary_return_consented": _vr_consented,
    "voluntary_departure": _returned("voluntary"),
    "port_return": _returned("port"),
    "deportation_order_made": _deportation_order,
    "deportation_order_revoked": _deportation_order_revoked,
    "entry_ban_imposed": _entry_ban,
    "removal_failed": _removal_failed,
    "travel_document_chased": _td_chased,
}


#: Every label ``derive_status`` gives, in the order a case usually moves through them.
CASE_STATUSES = (
    "registered",
    "arrived",
    "claim_pending",
    "refused",
    "appeal_pending",
    "appeal_rights_exhausted",
    "referred_to_hub",
    "allocated",
    "in_transit",
    "in_hub",
    "returned_voluntarily",
    "returned_enforced",
    "returned_to_sending_state",
    "absconded",
    "died",
    "left_hub",
    "departed_after_refusal_at_port",
    "granted",
    "withdrawn",
)


def derive_status(s: CaseState) -> str:
    """One label for search and lists; the rules read the facts, never this label."""
    if s.return_type is not None:
        return {
            "enforced": "returned_enforced",
            "voluntary": "returned_voluntarily",
            "port": "departed_after_refusal_at_port",
        }[s.return_type]
    if s.hub_exit_reason is not None:
        return {
            "onward_return_voluntary": "returned_voluntarily",
            "onward_return_enforced": "returned_enforced",
            "returned_to_sending_state": "returned_to_sending_state",
            "absconded": "absconded",
            "died": "died",
        }.get(s.hub_exit_reason, "left_hub")
    if s.hub is not None:
        return "in_hub"
    if s.departed_on is not None:
        return "in_transit"
    if s.allocated_transfer is not None:
        return "allocated"
    if s.claim_outcome == "grant" or (s.appeal_outcome == "allowed" and s.appeal_rights_exhausted_on is None):
        return "granted"
    if s.claim_outcome == "withdrawn":
        return "withdrawn"
    if s.appeal_rights_exhausted_on is not None:
        return "referred_to_hub" if s.hub_referred_on is not None else "appeal_rights_exhausted"
    if s.appeal_pending:
        return "appeal_pending"
    if s.claim_outcome in ("refuse", "certified", "inadmissible"):
        return "refused"
    if s.claim_lodged_on is not None:
        return "claim_pending"
    if s.arrived_on is not None:
        return "arrived"
    return "registered"


def legal_order(events: Iterable[LegalEvent]) -> list[LegalEvent]:
    return sorted(events, key=lambda e: (e.occurred_on, e.sequence))


def effective_events(events: Sequence[LegalEvent]) -> tuple[list[LegalEvent], tuple[int, ...]]:
    """Drop events withdrawn by a later ``event_retracted``; return them in legal order."""
    retracted = {e.data["sequence"] for e in events if e.event_type == "event_retracted"}
    if not retracted:
        return legal_order(e for e in events if e.event_type != "event_retracted"), ()
    # A retraction changes no fact itself; it only removes the event it names.
    kept = [e for e in events if e.sequence not in retracted and e.event_type != "event_retracted"]
    return legal_order(kept), tuple(sorted(retracted))


def apply(state: CaseState, event: LegalEvent) -> CaseState:
    """Apply one event in place (the fold's step) and return the state."""
    STEPS[event.event_type](state, event)
    state.events_applied += 1
    if state.version < event.sequence:
        state.version = event.sequence
    if state.last_occurred_on is None or state.last_occurred_on < event.occurred_on:
        state.last_occurred_on = event.occurred_on
    return state


def fold(events: Sequence[LegalEvent]) -> CaseState:
    """The current state of a case from its events. Pure: the input is not changed."""
    ordered, retracted = effective_events(events)
    state = CaseState()
    for event in ordered:
        apply(state, event)
    # The version counts every stored event, retracted ones and retractions included.
    state.version = max((e.sequence for e in events), default=0)
    state.retracted_sequences = retracted
    state.status = derive_status(state)
    return state


def _utc_instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _ended_by(e: LegalEvent, at: datetime) -> LegalEvent:
    """A Rule 39 measure whose ``expires_at`` had passed at ``at`` no longer binds on ``at``'s date."""
    expires_at = e.data.get("expires_at") if e.event_type == "rule39_granted" else None
    if not expires_at or _utc_instant(expires_at) > at:
        return e
    data = {k: v for k, v in e.data.items() if k != "expires_at"}
    data["expires_on"] = (at.astimezone(UTC).date() - timedelta(days=1)).isoformat()
    return e._replace(data=data)


def fold_as_of(
    events: Sequence[LegalEvent],
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    at: datetime | None = None,
) -> CaseState:
    """The state as the law stood on ``as_of``, using only what the system knew at ``known_at``.

    With ``at`` (an instant, usually on ``as_of``), an event that carries its own instant counts only if
    it happened by ``at``: a Rule 39 measure at 23:00 did not stand at a 22:30 departure. An event with no
    time of day counts for the whole of its day.
    """
    # A retraction says the withdrawn event never belonged in the record, so it applies to every legal
    # date once the system knows of it: it is filtered by ``known_at`` only.
    if at is not None:
        events = [_ended_by(e, at) for e in events]
    visible = [
        e
        for e in events
        if (known_at is None or e.recorded_at <= known_at)
        and (
            e.event_type == "event_retracted"
            or (
                (as_of is None or e.occurred_on <= as_of)
                and (at is None or e.occurred_at is None or e.occurred_at <= at)
            )
        )
    ]
    return fold(visible)
