"""The typed catalogue of legal events.

Every event type has a Pydantic payload model; an event whose payload does not validate is refused
before anything is written. The catalogue is the DESIGN.md first catalogue plus two housekeeping
events: ``review_decided`` (a senior caseworker's decision on a rule marked for review) and
``event_retracted`` (the only way to correct the record: a new event naming the one it withdraws).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from returnhub.core import bounds
from returnhub.core.errors import InvalidInput

#: The longest free text any field of any event takes (a field may set a lower maximum of its own).
MAX_TEXT_LENGTH = 4000


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=MAX_TEXT_LENGTH)


class Empty(Payload):
    pass


#: Free text about a person's health, vulnerability, trafficking history or the grounds of a claim.
#: Every such field is listed in ``SEALED_FIELDS`` and encrypted at append; see that mapping.
SpecialCategoryText = Annotated[str, Field(min_length=1, max_length=4000)]


class Arrival(Payload):
    #: ``rescued_at_sea``: brought ashore after a search-and-rescue operation, a route of its own (not a
    #: small-boat crossing that reached the shore).
    route: Literal["small_boat", "rescued_at_sea", "air", "lorry", "other"]
    port: str | None = None


class AsylumClaimLodged(Payload):
    #: The grounds of the claim (they may reveal sexuality, religion or political opinion). Sealed.
    basis: SpecialCategoryText | None = None


class AsylumClaimDecided(Payload):
    # "inadmissible": the claim was not considered on its merits (e.g. a safe third country); like a
    # refusal it needs appeal rights exhausted before a move. "withdrawn": see the packs' dated parameter
    # on whether a withdrawn claim is final when withdrawn.
    outcome: Literal["grant", "refuse", "withdrawn", "certified", "inadmissible"]


AppealTier = Literal["first_tier", "upper_tribunal", "court_of_appeal", "supreme_court"]


class AppealLodged(Payload):
    tier: AppealTier = "first_tier"


class AppealDecided(Payload):
    tier: AppealTier = "first_tier"
    outcome: Literal["allowed", "dismissed", "withdrawn"]


class FurtherSubmissionsDecided(Payload):
    # "fresh_claim" means the submissions were accepted as a fresh claim (paragraph 353), which
    # reopens the asylum track; "rejected" closes them.
    outcome: Literal["fresh_claim", "rejected"]


class JudicialReviewDecided(Payload):
    outcome: Literal["granted", "refused", "withdrawn"]


class InjunctionGranted(Payload):
    court: str | None = None


class ExpiryAfterEvent(Payload):
    event_type: str
    days: int = Field(ge=0, le=3650)


class Rule39Granted(Payload):
    """An ECtHR interim measure. Expiry is a date (the last day it binds), an instant (``expires_at``,
    with its offset: the gate compares instants), N days after an event yet to happen, or open."""

    expires_on: date | None = None
    expires_at: AwareDatetime | None = None
    expires_after: ExpiryAfterEvent | None = None

    @model_validator(mode="after")
    def _one_expiry(self) -> Rule39Granted:
        given = [self.expires_on, self.expires_at, self.expires_after]
        if sum(v is not None for v in given) > 1:
            raise ValueError("give one of expires_on, expires_at or expires_after")
        if self.expires_after is not None and self.expires_after.event_type not in EVENT_PAYLOADS:
            raise ValueError(f"expires_after names an unknown event type {self.expires_after.event_type!r}")
        return self


class NrmReferral(Payload):
    #: What the referral says about the exploitation. Sealed.
    details: SpecialCategoryText | None = None


class NrmDecision(Payload):
    outcome: Literal["positive", "negative"]
    #: The competent authority's reasons. Sealed; the outcome stays in the clear for the rules.
    details: SpecialCategoryText | None = None


class AgeDisputeRaised(Payload):
    claimed_date_of_birth: date | None = None


class AgeDisputeResolved(Payload):
    outcome: Literal["adult", "minor"]
    assessed_date_of_birth: date | None = None


class AdultsAtRiskAssessed(Payload):
    level: int = Field(ge=0, le=3)
    #: Vulnerability indicators (e.g. "victim_of_torture", "pregnancy", "PTSD"). Sealed.
    indicators: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=20
    )
    #: The assessor's notes. Sealed.
    notes: SpecialCategoryText | None = None


class FitnessToFlyAssessed(Payload):
    fit: bool
    serious_medical_condition: bool = False
    #: The diagnosis and treatment behind the assessment. Sealed.
    medical_details: SpecialCategoryText | None = None


class Article8Decided(Payload):
    outcome: Literal["grant", "refuse"]


class Article8Lodged(Payload):
    family_in_uk: bool = True


class Detained(Payload):
    place: str | None = None


class DetentionReviewed(Payload):
    """A periodic review of detention (continue or release), e.g. the monthly review in UK guidance."""

    outcome: Literal["maintain", "release"]
    reviewer: str | None = None


class RemovalNoticeServed(Payload):
    destination: str | None = None


class DepartureDetailsServed(Payload):
    """The notice of departure details (s.10A(2) Immigration and Asylum Act 1999): date and route of removal.

    Separate from the notice of intention to remove (``removal_notice_served``): the statute asks for both.
    """

    departure_on: date | None = None
    flight: str | None = Field(default=None, max_length=40)


class DetentionValidationRefused(Payload):
    """A court refused to validate (confirm) an order detaining the person."""

    court: str | None = Field(default=None, max_length=200)


class VulnerabilityAssessed(Payload):
    """An EU vulnerability assessment (Italy-Albania: only people who are not vulnerable may be taken).

    Not the UK Adults-at-Risk level: a separate finding, read by the EU rules only.
    """

    vulnerable: bool
    #: The assessor's notes. Sealed.
    notes: SpecialCategoryText | None = None


class HubReferral(Payload):
    hub: str | None = None


class AllocatedToTransfer(Payload):
    transfer: str
    hub: str | None = None


class RemovedFromManifest(Payload):
    transfer: str
    reason: str = Field(min_length=1)


class Departed(Payload):
    transfer: str


class ArrivedAtHub(Payload):
    hub: str


class HubExit(Payload):
    reason: Literal[
        "onward_return_voluntary",
        "onward_return_enforced",
        "returned_to_sending_state",
        "transferred_elsewhere",
        "absconded",
        "died",
        "other",
    ]
    destination: str | None = None


class TravelDocument(Payload):
    country: str = Field(min_length=3, max_length=3)


class SeriousIncident(Payload):
    summary: str = Field(min_length=1, max_length=2000)


class ReviewDecided(Payload):
    """A senior caseworker's decision on a rule that marked the case for human review."""

    rule: str = Field(min_length=1)
    decision: Literal["approve", "refuse"]
    reasoning: str = Field(min_length=1, max_length=4000)
    decided_by: str = Field(min_length=1)
    #: Fingerprint of the facts the decision relied on; the decision lapses when they change.
    facts_fingerprint: str | None = None


class EventRetracted(Payload):
    sequence: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=2000)


# --- Returns (issue 18): every route out of the UK, and the travel-document workflow. -----------------------
# Kept in one block so the catalogue's other additions merge cleanly. The notice of intention is the existing
# ``removal_notice_served`` (R5's notice period runs from it); the departure-details notice is law-rules'
# ``departure_details_served``. Neither is duplicated here.

#: How a removal travels (Home Office "Return type" within "Enforced return"; charter counts are published).
RemovalMethod = Literal["scheduled_flight", "charter_flight", "other"]
#: Why a removal did not happen (the reasons the Home Office and the IMB report for failed removals).
FailedRemovalReason = Literal["disruption", "legal_bar", "medical", "documents", "other"]


class RemovalDirectionsSet(Payload):
    """Removal directions: where to, how and when; valid until the date given (or the departure date)."""

    destination: str = Field(min_length=3, max_length=3)
    method: RemovalMethod = "scheduled_flight"
    departs_on: date
    valid_until: date | None = None


class EnforcedRemoval(Payload):
    """The person was removed (departure confirmed); recorded only past the departure gate."""

    destination: str = Field(min_length=3, max_length=3)
    method: RemovalMethod = "scheduled_flight"
    escorts: int = Field(default=0, ge=0, le=20)
    flight: str | None = Field(default=None, max_length=32)


class VoluntaryReturnConsented(Payload):
    """Informed consent to a voluntary return (the IS.101 disclaimer in the Home Office guidance)."""

    form: str = Field(default="IS.101", max_length=16)


class VoluntaryDeparture(Payload):
    """Departure confirmed under the Voluntary Returns Service, with the reintegration support paid (GBP)."""

    destination: str = Field(min_length=3, max_length=3)
    reintegration_support_gbp: int = Field(default=0, ge=0)


class PortReturn(Payload):
    """Refused entry at a port and subsequently departed (the third Home Office return type group)."""

    destination: str = Field(min_length=3, max_length=3)
    port: str | None = Field(default=None, max_length=64)


class DeportationOrderMade(Payload):
    grounds: Literal["conducive_to_public_good", "automatic_uk_borders_act", "family_member"]


class DeportationOrderRevoked(Payload):
    pass


class EntryBanImposed(Payload):
    """A re-entry ban (an enforced removal brings a 10-year ban: research section 2.5)."""

    years: int = Field(ge=1, le=99)


class RemovalFailed(Payload):
    reason: FailedRemovalReason
    flight: str | None = Field(default=None, max_length=32)


class TravelDocumentChased(Payload):
    """A chaser to the country's authorities about an open travel-document (ETD) request."""

    country: str = Field(min_length=3, max_length=3)


class EventType(StrEnum):
    ARRIVAL = "arrival"
    ASYLUM_CLAIM_LODGED = "asylum_claim_lodged"
    ASYLUM_CLAIM_DECIDED = "asylum_claim_decided"
    APPEAL_LODGED = "appeal_lodged"
    APPEAL_DECIDED = "appeal_decided"
    APPEAL_RIGHTS_EXHAUSTED = "appeal_rights_exhausted"
    FURTHER_SUBMISSIONS_LODGED = "further_submissions_lodged"
    FURTHER_SUBMISSIONS_DECIDED = "further_submissions_decided"
    JUDICIAL_REVIEW_LODGED = "judicial_review_lodged"
    JUDICIAL_REVIEW_DECIDED = "judicial_review_decided"
    INJUNCTION_GRANTED = "injunction_granted"
    INJUNCTION_DISCHARGED = "injunction_discharged"
    RULE39_GRANTED = "rule39_granted"
    RULE39_LIFTED = "rule39_lifted"
    NRM_REFERRAL = "nrm_referral"
    NRM_REASONABLE_GROUNDS = "nrm_reasonable_grounds_decided"
    NRM_CONCLUSIVE_GROUNDS = "nrm_conclusive_grounds_decided"
    NRM_RECONSIDERATION_REQUESTED = "nrm_reconsideration_requested"
    NRM_RECONSIDERATION_DECIDED = "nrm_reconsideration_decided"
    AGE_DISPUTE_RAISED = "age_dispute_raised"
    AGE_DISPUTE_RESOLVED = "age_dispute_resolved"
    ADULTS_AT_RISK_ASSESSED = "adults_at_risk_assessed"
    FITNESS_TO_FLY_ASSESSED = "fitness_to_fly_assessed"
    ARTICLE8_CLAIM_LODGED = "article8_claim_lodged"
    ARTICLE8_CLAIM_DECIDED = "article8_claim_decided"
    DETAINED = "detained"
    DETENTION_VALIDATED = "detention_validated"
    DETENTION_REVIEWED = "detention_reviewed"
    RELEASED = "released"
    REMOVAL_NOTICE_SERVED = "removal_notice_served"
    DEPARTURE_DETAILS_SERVED = "departure_details_served"
    DETENTION_VALIDATION_REFUSED = "detention_validation_refused"
    VULNERABILITY_ASSESSED = "vulnerability_assessed"
    HUB_REFERRAL = "hub_referral"
    ALLOCATED_TO_TRANSFER = "allocated_to_transfer"
    REMOVED_FROM_MANIFEST = "removed_from_manifest"
    DEPARTED = "departed"
    ARRIVED_AT_HUB = "arrived_at_hub"
    HUB_EXIT = "hub_exit"
    TRAVEL_DOCUMENT_REQUESTED = "travel_document_requested"
    TRAVEL_DOCUMENT_ISSUED = "travel_document_issued"
    TRAVEL_DOCUMENT_REFUSED = "travel_document_refused"
    VOLUNTARY_RETURN_APPLIED = "voluntary_return_applied"
    SERIOUS_INCIDENT = "serious_incident"
    REVIEW_DECIDED = "review_decided"
    EVENT_RETRACTED = "event_retracted"
    # Returns (issue 18)
    REMOVAL_DIRECTIONS_SET = "removal_directions_set"
    ENFORCED_REMOVAL = "enforced_removal"
    VOLUNTARY_RETURN_CONSENTED = "voluntary_return_consented"
    VOLUNTARY_DEPARTURE = "voluntary_departure"
    PORT_RETURN = "port_return"
    DEPORTATION_ORDER_MADE = "deportation_order_made"
    DEPORTATION_ORDER_REVOKED = "deportation_order_revoked"
    ENTRY_BAN_IMPOSED = "entry_ban_imposed"
    REMOVAL_FAILED = "removal_failed"
    TRAVEL_DOCUMENT_CHASED = "travel_document_chased"


EVENT_PAYLOADS: dict[str, type[Payload]] = {
    EventType.ARRIVAL: Arrival,
    EventType.ASYLUM_CLAIM_LODGED: AsylumClaimLodged,
    EventType.ASYLUM_CLAIM_DECIDED: AsylumClaimDecided,
    EventType.APPEAL_LODGED: AppealLodged,
    EventType.APPEAL_DECIDED: AppealDecided,
    EventType.APPEAL_RIGHTS_EXHAUSTED: Empty,
    EventType.FURTHER_SUBMISSIONS_LODGED: Empty,
    EventType.FURTHER_SUBMISSIONS_DECIDED: FurtherSubmissionsDecided,
    EventType.JUDICIAL_REVIEW_LODGED: Empty,
    EventType.JUDICIAL_REVIEW_DECIDED: JudicialReviewDecided,
    EventType.INJUNCTION_GRANTED: InjunctionGranted,
    EventType.INJUNCTION_DISCHARGED: Empty,
    EventType.RULE39_GRANTED: Rule39Granted,
    EventType.RULE39_LIFTED: Empty,
    EventType.NRM_REFERRAL: NrmReferral,
    EventType.NRM_REASONABLE_GROUNDS: NrmDecision,
    EventType.NRM_CONCLUSIVE_GROUNDS: NrmDecision,
    EventType.NRM_RECONSIDERATION_REQUESTED: Empty,
    EventType.NRM_RECONSIDERATION_DECIDED: NrmDecision,
    EventType.AGE_DISPUTE_RAISED: AgeDisputeRaised,
    EventType.AGE_DISPUTE_RESOLVED: AgeDisputeResolved,
    EventType.ADULTS_AT_RISK_ASSESSED: AdultsAtRiskAssessed,
    EventType.FITNESS_TO_FLY_ASSESSED: FitnessToFlyAssessed,
    EventType.ARTICLE8_CLAIM_LODGED: Article8Lodged,
    EventType.ARTICLE8_CLAIM_DECIDED: Article8Decided,
    EventType.DETAINED: Detained,
    EventType.DETENTION_VALIDATED: Empty,
    EventType.DETENTION_REVIEWED: DetentionReviewed,
    EventType.RELEASED: Empty,
    EventType.REMOVAL_NOTICE_SERVED: RemovalNoticeServed,
    EventType.DEPARTURE_DETAILS_SERVED: DepartureDetailsServed,
    EventType.DETENTION_VALIDATION_REFUSED: DetentionValidationRefused,
    EventType.VULNERABILITY_ASSESSED: VulnerabilityAssessed,
    EventType.HUB_REFERRAL: HubReferral,
    EventType.ALLOCATED_TO_TRANSFER: AllocatedToTransfer,
    EventType.REMOVED_FROM_MANIFEST: RemovedFromManifest,
    EventType.DEPARTED: Departed,
    EventType.ARRIVED_AT_HUB: ArrivedAtHub,
    EventType.HUB_EXIT: HubExit,
    EventType.TRAVEL_DOCUMENT_REQUESTED: TravelDocument,
    EventType.TRAVEL_DOCUMENT_ISSUED: TravelDocument,
    EventType.TRAVEL_DOCUMENT_REFUSED: TravelDocument,
    EventType.VOLUNTARY_RETURN_APPLIED: Empty,
    EventType.SERIOUS_INCIDENT: SeriousIncident,
    EventType.REVIEW_DECIDED: ReviewDecided,
    EventType.EVENT_RETRACTED: EventRetracted,
    # Returns (issue 18)
    EventType.REMOVAL_DIRECTIONS_SET: RemovalDirectionsSet,
    EventType.ENFORCED_REMOVAL: EnforcedRemoval,
    EventType.VOLUNTARY_RETURN_CONSENTED: VoluntaryReturnConsented,
    EventType.VOLUNTARY_DEPARTURE: VoluntaryDeparture,
    EventType.PORT_RETURN: PortReturn,
    EventType.DEPORTATION_ORDER_MADE: DeportationOrderMade,
    EventType.DEPORTATION_ORDER_REVOKED: DeportationOrderRevoked,
    EventType.ENTRY_BAN_IMPOSED: EntryBanImposed,
    EventType.REMOVAL_FAILED: RemovalFailed,
    EventType.TRAVEL_DOCUMENT_CHASED: TravelDocumentChased,
}

#: Events that take a person out of the UK other than to a hub. Anyone may record them, but only past the
#: departure gate: ``store.PRE_APPEND_HOOKS`` re-checks the safeguards before each is written.
DEPARTURE_EVENT_TYPES = frozenset(
    {EventType.ENFORCED_REMOVAL, EventType.VOLUNTARY_DEPARTURE, EventType.PORT_RETURN}
)

#: Events that move a person; they are written only by the operations gate, never by ``case record``.
GATED_EVENT_TYPES = frozenset(
    {
        EventType.ALLOCATED_TO_TRANSFER,
        EventType.REMOVED_FROM_MANIFEST,
        EventType.DEPARTED,
        EventType.ARRIVED_AT_HUB,
        # An onward return moves a person too: re-checked at the onward_return stage (stays.record_exit).
        EventType.HUB_EXIT,
    }
)


#: Special-category fields, per event type, that are encrypted at rest ("sealed"): on append each present
#: value goes, encrypted, to ``sealed_values`` and the stored payload keeps only ``{"$sealed": "<id>"}``
#: (``casework.sealed``). Only the narrative is sealed. The coded legal facts the safeguard rules read -
#: the Adults-at-Risk level, NRM outcomes, fit to fly, a serious medical condition - stay in the clear:
#: the fold puts them in the projection, whose columns the vectorised screen reads for the whole caseload
#: (1,000,000 people) with no decryption, and they reveal far less than the narrative does.
SEALED_FIELDS: Mapping[str, frozenset[str]] = {
    EventType.ASYLUM_CLAIM_LODGED: frozenset({"basis"}),
    EventType.NRM_REFERRAL: frozenset({"details"}),
    EventType.NRM_REASONABLE_GROUNDS: frozenset({"details"}),
    EventType.NRM_CONCLUSIVE_GROUNDS: frozenset({"details"}),
    EventType.NRM_RECONSIDERATION_DECIDED: frozenset({"details"}),
    EventType.ADULTS_AT_RISK_ASSESSED: frozenset({"indicators", "notes"}),
    EventType.FITNESS_TO_FLY_ASSESSED: frozenset({"medical_details"}),
    EventType.VULNERABILITY_ASSESSED: frozenset({"notes"}),
}
#: The key of the marker that stands in a stored payload for a sealed value: ``{"$sealed": "<id>"}``.
SEALED_MARKER = "$sealed"


def sealed_fields_present(event_type: str, payload: Mapping[str, Any]) -> list[str]:
    """The sealed fields this (validated) payload carries, in a fixed order."""
    fields = SEALED_FIELDS.get(event_type)
    return sorted(fields.intersection(payload)) if fields else []


def validate_payload(event_type: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """Validate ``data`` against the type's model; return the normalised JSON-ready payload."""
    model = EVENT_PAYLOADS.get(event_type)
    if model is None:
        known = ", ".join(sorted(EVENT_PAYLOADS))
        raise InvalidInput(f"unknown event type {event_type!r}; known types: {known}")
    try:
        payload = model.model_validate(data or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise InvalidInput(f"invalid {event_type} payload: {where}: {first['msg']}") from None
    out = payload.model_dump(mode="json", exclude_none=True)
    # An empty sealed list (no indicators) says nothing; leave it out rather than seal an empty value.
    for name in sealed_fields_present(event_type, out):
        if out[name] in ([], ""):
            del out[name]
    return out


def check_plausible_dates(event_type: str, payload: Mapping[str, Any], today: date) -> None:
    """Every date in a validated payload is plausible (``core.bounds``): a date of birth is neither in the
    future nor beyond the oldest age; any other date (an expiry, a departure day) is not before 1900 and
    not beyond the horizon of any instant."""
    model = EVENT_PAYLOADS[event_type].model_validate(payload)
    _check_dates(model, today, event_type)


def _check_dates(model: BaseModel, today: date, where: str) -> None:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            _check_dates(value, today, f"{where}.{name}")
        elif isinstance(value, datetime):
            bounds.check_instant(value, f"{where}: {name.replace('_', ' ')}")
        elif isinstance(value, date):
            what = f"{where}: {name.replace('_', ' ')}"
            if name.endswith("date_of_birth"):
                bounds.check_birth_date(value, today, what)
            else:
                horizon = today.year + bounds.INSTANT_HORIZON_YEARS.value
                if value < bounds.earliest_date() or value.year > horizon:
                    raise InvalidInput(f"{what} {value.isoformat()} is not a plausible date: check the year")
