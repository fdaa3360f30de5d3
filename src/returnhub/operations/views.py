"""What operations' reads and commands return: one typed view each, shared by the API (its response models,
under these schema names), the pages and the command line.

Dates are ``date`` and instants ``core.jsonable.Instant`` (UTC, written ``+00:00`` wherever a view is
written, as the services wrote them when they returned dicts), so the API's JSON is what it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from returnhub.core.jsonable import Instant

# --- transfers and manifests -------------------------------------------------------------------------------


@dataclass
class GateOutcome:
    """The departure gate's judgement of one person at one stage (``transfers.judge``). A plain dataclass:
    the gate makes one per person, and a late notice's cause is written into its reason."""

    reference: str
    #: eligible, review or barred: only eligible passes.
    outcome: str
    barring_rules: list[str]
    reason: str


class PersonTakenOff(BaseModel):
    """Someone taken off a manifest, and why (the gate's reasons, a planner's, or a cancellation's)."""

    reference: str
    reason: str


class GateResult(BaseModel):
    """What locking or departing did: everyone the gate checked, who came off, and the load left."""

    transfer: str
    stage: str
    status: str
    load: int
    min_load: int
    removed: list[PersonTakenOff] = Field(default_factory=list)
    checked: list[GateOutcome] = Field(default_factory=list)
    departed: bool = False
    flagged_for_decision: bool = False
    flag_reason: str | None = None
    version: int = 0


class TransferSummary(BaseModel):
    """A transfer with its load (people listed, departed or arrived): a row of the transfers list."""

    reference: str
    hub: str
    agreement: str
    law: str
    mode: str
    departs_at: Instant
    seats: int
    min_load: int
    escorts: int
    monitor_on_board: bool
    status: str
    version: int
    load: int
    flagged_for_decision: bool
    flag_reason: str | None
    cancel_reason: str | None


class ManifestLine(BaseModel):
    """A person on a transfer's manifest: listed, removed (with the reason), departed or arrived."""

    reference: str
    state: str
    reason: str | None
    changed_at: Instant


class GateCheckRun(BaseModel):
    """One run of the gate over a manifest (a lock, a departure, a late notice, a register change)."""

    stage: str
    trigger: str
    checked_at: Instant
    results: Any = Field(description="Each person's outcome: reference, outcome, barring_rules, reason.")


class TransferView(TransferSummary):
    """A transfer with its manifest and its latest gate checks (newest first, at most 20)."""

    manifest: list[ManifestLine]
    gate_checks: list[GateCheckRun]


class TransferArrival(BaseModel):
    transfer: str
    status: str
    arrived: list[str]
    version: int


class TransferCancellation(BaseModel):
    transfer: str
    status: str
    removed: list[PersonTakenOff]
    version: int


# --- hub stays and their clocks ----------------------------------------------------------------------------


class ClockReading(BaseModel):
    """One clock of an open hub stay on a day: when it runs out and how it stands."""

    model_config = ConfigDict(frozen=True)

    reference: str
    hub: str
    #: max_stay, detention_order or judicial_validation.
    clock: str
    due_on: date
    days_left: int
    #: overdue, due_soon or running.
    state: str


class DetentionOrderRecorded(BaseModel):
    reference: str
    detention_order_expires_on: date


class DetentionValidated(BaseModel):
    reference: str
    detention_validated_on: date


class StayExit(BaseModel):
    """A person's exit from a hub: the stay is closed on ``ended_on``."""

    reference: str
    exit_reason: str
    ended_on: date


# --- incidents and documents -------------------------------------------------------------------------------


class IncidentView(BaseModel):
    """A serious incident on a transfer or in a hub, and its review (if reviewed)."""

    reference: str
    transfer: str | None
    hub: str | None
    case_reference: str | None
    occurred_at: Instant
    severity: str
    summary: str
    reported_by: str
    reported_at: Instant
    reviewed_by: str | None
    reviewed_at: Instant | None
    review_notes: str | None


class EtdResponseTimes(BaseModel):
    """How one country of origin answers emergency travel document requests (the OIG-19-28 metric)."""

    country: str
    requests: int
    issued: int
    refused: int
    pending: int
    #: A whole number of days when the answers' count is odd (written as it was, not as a float).
    median_days_to_answer: int | float | None
    mean_days_to_answer: float | None


# --- allocation plans --------------------------------------------------------------------------------------


class PlanSummary(BaseModel):
    """A computed plan's headline: people placed against the proven bound, the greedy baseline, and the laws
    each hub is judged under. Stored with the plan (without ``plan_id``)."""

    people_eligible: int
    people_placed: int
    objective: float
    bound: float
    gap: float
    greedy_people_placed: int
    greedy_objective: float
    transfers_used: int
    mean_load_factor: float
    seconds: float
    #: optimal, feasible, empty, ...
    status: str
    reason: str | None
    laws: dict[str, str]
    #: People cleared for referral but barred at a later stage of the move.
    not_planned: int
    plan_id: int | None = Field(default=None, description="The stored plan's id (a plan not stored has none)")


class PlanListing(BaseModel):
    """A stored plan in the planning page's list: its headline only (its rows are not read)."""

    id: int
    status: str
    start: date
    weeks: int
    created_by: str
    #: From the stored summary (a plan computed by an earlier version may lack them).
    placed: int | None
    eligible: int | None


class PlanView(BaseModel):
    """A stored plan. Its summary, rows and approval are the documents stored when it was computed and
    approved, as they were then (a plan computed by an earlier version keeps its own fields)."""

    id: int
    status: str
    start: date
    weeks: int
    pack: str
    created_by: str
    summary: dict[str, Any]
    assignments: list[dict[str, Any]] = Field(
        description="person_id, family_id, transfer_id, hub_id, week, departs_on, law"
    )
    unplaced: list[dict[str, Any]] = Field(description="person_id, family_id, reason_code, reason, ...")
    not_planned: list[dict[str, Any]] = Field(description="person_id, reason")
    laws: dict[str, str]
    transfer_loads: list[dict[str, Any]] = Field(
        description="transfer_id, hub_id, week, seats, min_load, load, used"
    )
    approval: dict[str, Any] | None


class PlanPersonExplanation(BaseModel):
    """Why a plan placed a person, or did not: the plain words, then the plan's row for them (its
    assignment, or why they were not placed) field by field."""

    model_config = ConfigDict(extra="allow")

    reference: str
    placed: bool
    text: str


class PlanRefusal(BaseModel):
    """A family the gate refused while a plan was approved: left off, never forced."""

    reference: str
    transfer: str
    reason: str


class PlanApproval(BaseModel):
    """What approving a plan did: who was listed through the gate, who was refused and why, whose case
    changed since the plan was computed, and the transfers created for it."""

    plan_id: int
    approved_by: str
    approved_at: Instant
    listed: list[str]
    refused: list[PlanRefusal]
    changed_since_computed: list[str]
    transfers_created: dict[str, str]


class WhatIfDifference(BaseModel):
    people_placed_before: int
    people_placed_after: int
    objective_before: float
    objective_after: float


class WhatIfResult(BaseModel):
    """A stored plan's inputs re-planned with changes; nothing live changes."""

    plan_id: int
    people_placed: int
    objective: float
    difference: WhatIfDifference
