"""Transfers, manifests and the departure gate.

Every path that moves a person passes :func:`gate_check`, which asks the safeguards about each person
against the latest facts, inside the caller's transaction:

* adding a person to a manifest checks the ``hub_referral`` stage;
* locking a manifest re-checks ``manifest_lock`` for everyone on it;
* departing re-checks ``departure`` for everyone on it, and writes ``departed`` only for people who pass;
* and any event recorded for a person on a manifest re-checks ``departure`` at once (a post-append hook of
  the event store), so a Rule 39 measure recorded an hour before the flight takes that person off it in the
  transaction that records the measure.

A family moves together or not at all: when one member is barred, the whole family leaves the manifest.
If the load falls under the transfer's minimum, the transfer is flagged for a planner's decision and does
not depart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from returnhub.access.scopes import register_transfer_hub
from returnhub.casework.events import EventType
from returnhub.casework.queries import family_references, family_versions
from returnhub.casework.store import (
    POST_APPEND_HOOKS,
    PRE_APPEND_HOOKS,
    AppendResult,
    append_event,
    case_state,
    get_person,
    hooks_registered,
)
from returnhub.core import bounds
from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput, NotFound, StateConflict, VersionConflict
from returnhub.core.time import utc
from returnhub.notices import service as notices
from returnhub.operations.law import law_name, law_of_agreement
from returnhub.operations.models import GateCheck, HubStay, ManifestEntry, Transfer
from returnhub.operations.returns import register_checks
from returnhub.operations.views import (
    GateCheckRun,
    GateOutcome,
    GateResult,
    ManifestLine,
    PersonTakenOff,
    TransferArrival,
    TransferCancellation,
    TransferSummary,
    TransferView,
)
from returnhub.partners.hooks import REGISTER_CHANGE_HOOKS, RegisterChange
from returnhub.partners.service import DatabaseTermsProvider, hub_on
from returnhub.safeguards import evaluate_case
from returnhub.safeguards.packs import get_pack, pack_names

MODES = ("charter_flight", "scheduled_flight", "coach")
#: Judicial validation of detention is due within 48 hours of a hub detention order where the agreement
#: requires it (Italy: art. 13 of the Constitution and art. 14 TUI, validation within 48 hours of the order).
JUDICIAL_VALIDATION_DAYS = 2


def judge(
    session: Session,
    reference: str,
    *,
    stage: str,
    law: str,
    on: date,
    clock: Clock,
    agreement: str | None = None,
    at: datetime | None = None,
) -> GateOutcome:
    """The one judgement of the gate: may ``reference`` pass ``stage`` under ``law`` on ``on``?

    Only ``eligible`` passes: a case waiting for a senior caseworker's review does not move. With an
    ``agreement`` (a transfer's, a referral's hub's), the person must be eligible under that agreement.
    ``at`` is the instant of the move: events recorded with a time of day count if they happened by then.
    """

    explanation = evaluate_case(session, reference, pack=law, stage=stage, as_of=on, clock=clock, at=at)
    unresolved = [
        r for r in explanation.rules if r.outcome == "bar" or (r.outcome == "review" and not _approved(r))
    ]
    barring = [r.id for r in unresolved]
    if (
        agreement is not None
        and explanation.outcome == "eligible"
        and explanation.eligible_agreements
        and (agreement not in explanation.eligible_agreements)
    ):
        return GateOutcome(
            reference,
            "barred",
            ["agreement"],
            f"not eligible under agreement {agreement} ({law_name(law)}) "
            f"(eligible under: {', '.join(explanation.eligible_agreements)})",
        )
    reasons = "; ".join(f"{r.id} ({r.title}): {r.reason}" for r in unresolved)
    return GateOutcome(
        reference,
        explanation.outcome,
        barring,
        f"under {law_name(law)}: {reasons}" if reasons else "all safeguards pass",
    )


def gate_check(
    session: Session,
    reference: str,
    *,
    stage: str,
    transfer: Transfer,
    clock: Clock,
) -> GateOutcome:
    """Ask the safeguards whether ``reference`` may go on ``transfer`` at ``stage``, on the latest facts.

    The person is judged under the transfer's own law (``transfer.law``, the pack of its agreement's
    sending state: ``operations.law``), at every stage and in the post-append hook alike. The legal date
    is the later of today and the transfer's departure date, so that clocks that must have run by
    departure (a notice period, a Rule 39 measure's end) are judged on the day of the move, and the
    instant is the later of now and the departure time: the gate compares instants, so a measure recorded
    for 21:30 bars a 22:30 departure, while one at 23:00 was not in force at a departure made at 22:30.
    """
    at = max(clock.now(), utc(transfer.departs_at))
    on = max(clock.today(), at.date())
    return judge(
        session,
        reference,
        stage=stage,
        law=transfer.law,
        on=on,
        clock=clock,
        agreement=transfer.agreement,
        at=at,
    )


def _approved(rule: Any) -> bool:
    review = getattr(rule, "review", None) or {}
    return review.get("status") == "approved"


def _transfer(session: Session, reference: str, *, for_update: bool = False) -> Transfer:
    query = select(Transfer).where(Transfer.reference == reference.upper())
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no transfer with reference {reference!r}")
    return row


def _entries(session: Session, transfer: Transfer, state: str | None = "listed") -> list[ManifestEntry]:
    query = select(ManifestEntry).where(ManifestEntry.transfer_id == transfer.id).order_by(ManifestEntry.id)
    if state is not None:
        query = query.where(ManifestEntry.state == state)
    return list(session.execute(query).scalars())


def _load(session: Session, transfer: Transfer) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(ManifestEntry)
            .where(ManifestEntry.transfer_id == transfer.id, ManifestEntry.state == "listed")
        ).scalar_one()
    )


def _check_version(transfer: Transfer, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != transfer.version:
        raise VersionConflict(
            f"transfer {transfer.reference} is at version {transfer.version}, not {expected_version}; "
            "someone else changed it: reload and try again",
            current_version=transfer.version,
        )


def _touch(transfer: Transfer, clock: Clock) -> None:
    transfer.version += 1
    transfer.updated_at = clock.now()


def create_transfer(
    session: Session,
    *,
    hub: str,
    mode: str,
    departs_at: datetime,
    seats: int,
    min_load: int,
    escorts: int = 0,
    monitor_on_board: bool = False,
    clock: Clock,
    created_by: str,
) -> Transfer:

    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if seats < 1:
        raise InvalidInput("seats must be at least 1")
    if not 1 <= min_load <= seats:
        raise InvalidInput(f"min_load must be between 1 and the seats ({seats}), not {min_load}")
    if escorts < 0:
        raise InvalidInput("escorts cannot be negative")
    departs_at = bounds.check_departure(departs_at, clock.now())
    if departs_at <= clock.now():
        raise InvalidInput("a transfer must be planned for a time in the future")
    site = hub_on(session, hub.upper(), departs_at.date())
    if site.status != "operational":
        raise StateConflict(
            f"hub {site.reference} is {site.status or 'not registered'} on {departs_at.date()}; "
            "transfers go only to operational hubs"
        )
    law = law_of_agreement(session, site.agreement, departs_at.date())
    now = clock.now()
    transfer = Transfer(
        reference="pending",
        hub=site.reference,
        agreement=site.agreement,
        law=law,
        mode=mode,
        departs_at=departs_at,
        seats=seats,
        min_load=min_load,
        escorts=escorts,
        monitor_on_board=monitor_on_board,
        status="planned",
        version=1,
        flagged_for_decision=False,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(transfer)
    session.flush()
    transfer.reference = f"TR{departs_at:%Y%m%d}-{transfer.id:04d}"
    session.flush()
    return transfer


def add_to_manifest(
    session: Session,
    transfer_reference: str,
    reference: str,
    *,
    clock: Clock,
    recorded_by: str,
    expected_version: int | None = None,
) -> list[GateOutcome]:
    """List a person and their whole family unit on a planned transfer, if the safeguards allow all."""
    transfer = _transfer(session, transfer_reference, for_update=True)
    _check_version(transfer, expected_version)
    if transfer.status != "planned":
        raise StateConflict(
            f"transfer {transfer.reference} is {transfer.status}; people join only planned ones"
        )
    family = family_references(session, reference.upper())
    outcomes = [gate_check(session, r, stage="hub_referral", transfer=transfer, clock=clock) for r in family]
    refused = [o for o in outcomes if o.outcome != "eligible"]
    if refused:
        detail = "; ".join(f"{o.reference} {o.outcome} ({o.reason})" for o in refused)
        raise StateConflict(f"not listed on {transfer.reference}: {detail}")
    if _load(session, transfer) + len(family) > transfer.seats:
        raise StateConflict(
            f"transfer {transfer.reference} has {transfer.seats - _load(session, transfer)} free seats; "
            f"the family needs {len(family)}"
        )
    now = clock.now()
    for r in family:
        person = get_person(session, r)

        _, state = case_state(session, r)
        if state.allocated_transfer is not None:
            raise StateConflict(f"{r} is already allocated to transfer {state.allocated_transfer}")
        existing = session.execute(
            select(ManifestEntry).where(
                ManifestEntry.transfer_id == transfer.id, ManifestEntry.case_id == person.id
            )
        ).scalar_one_or_none()
        if existing is not None and existing.state != "removed":
            raise StateConflict(f"{r} is already on transfer {transfer.reference}")
        if existing is None:
            session.add(
                ManifestEntry(
                    transfer_id=transfer.id,
                    case_id=person.id,
                    reference=r,
                    state="listed",
                    listed_at=now,
                    changed_at=now,
                )
            )
        else:
            existing.state, existing.reason, existing.changed_at = "listed", None, now
        session.flush()
        append_event(
            session,
            r,
            EventType.ALLOCATED_TO_TRANSFER,
            clock.today(),
            {"transfer": transfer.reference, "hub": transfer.hub},
            clock=clock,
            recorded_by=recorded_by,
            via_gate=True,
        )
        notices.added(session, transfer, r, clock=clock)
    _touch(transfer, clock)
    return outcomes


def _take_off(
    session: Session, transfer: Transfer, entry: ManifestEntry, reason: str, *, clock: Clock, recorded_by: str
) -> PersonTakenOff:
    entry.state, entry.reason, entry.changed_at = "removed", reason, clock.now()
    session.flush()
    append_event(
        session,
        entry.reference,
        EventType.REMOVED_FROM_MANIFEST,
        clock.today(),
        {"transfer": transfer.reference, "reason": reason[:1900]},
        clock=clock,
        recorded_by=recorded_by,
        via_gate=True,
    )
    # The person's representatives, the planner, the hub's liaisons (and the monitor on board) are told.
    notices.taken_off(session, transfer, entry.reference, reason, clock=clock)
    return PersonTakenOff(reference=entry.reference, reason=reason)


def _remove_with_family(
    session: Session,
    transfer: Transfer,
    barred: GateOutcome,
    *,
    clock: Clock,
    recorded_by: str,
) -> list[PersonTakenOff]:
    listed = {e.reference: e for e in _entries(session, transfer)}
    removed = []
    for r in family_references(session, barred.reference):
        entry = listed.get(r)
        if entry is None:
            continue
        reason = (
            f"{barred.outcome} at {transfer.status} check: {barred.reason}"
            if r == barred.reference
            else f"family member {barred.reference} cannot travel; a family moves together"
        )
        removed.append(_take_off(session, transfer, entry, reason, clock=clock, recorded_by=recorded_by))
    return removed


def _flag_if_under_minimum(session: Session, transfer: Transfer, clock: Clock) -> bool:
    load = _load(session, transfer)
    if load < transfer.min_load:
        reason = (
            f"load {load} is under the minimum viable load {transfer.min_load}: a planner must decide "
            "whether to go ahead, add people or cancel"
        )
        if not (transfer.flagged_for_decision and transfer.flag_reason == reason):
            notices.under_minimum(session, transfer, load, clock=clock)  # told once per new load
        transfer.flagged_for_decision = True
        transfer.flag_reason = reason
        return True
    return False


@dataclass(frozen=True)
class PreparedCheck:
    """The gate's judgement of everyone listed on a transfer, made in a read-only transaction ahead of the
    write (lock or depart), so that a page job on SQLite holds the single write lock only for the writes.

    Each judgement is keyed by the case versions of the person's whole family unit (a family member's facts
    can bar them too). In the write transaction a judgement is used only if those versions are unchanged;
    anyone whose family's record changed meanwhile, or who was listed meanwhile, is judged again there, so
    the write still acts on the latest facts. A change to the register (an agreement, a country
    assessment) re-checks listed people in its own transaction (``recheck_after_register_change``). A
    judgement is of its day: the write on another day (a job across midnight) judges everyone again, as
    rules that turn on the passing of days (a notice period, a fitness-to-fly assessment's age) may differ."""

    transfer: str
    stage: str
    outcomes: dict[str, tuple[tuple[tuple[str, int], ...], GateOutcome]]
    judged_on: date


def prepare_check(session: Session, transfer_reference: str, stage: str, *, clock: Clock) -> PreparedCheck:
    """Judge everyone listed on the transfer at ``stage`` (reads only): see ``PreparedCheck``."""
    transfer = _transfer(session, transfer_reference)
    if transfer.status != {"manifest_lock": "planned", "departure": "locked"}.get(stage, transfer.status):
        # The write refuses it: judge no one for nothing.
        return PreparedCheck(transfer.reference, stage, {}, clock.today())
    references = [e.reference for e in _entries(session, transfer)]
    versions = family_versions(session, references)
    return PreparedCheck(
        transfer.reference,
        stage,
        {
            r: (versions.get(r, ()), gate_check(session, r, stage=stage, transfer=transfer, clock=clock))
            for r in references
        },
        clock.today(),
    )


def _still_valid(
    session: Session,
    prepared: PreparedCheck | None,
    transfer: Transfer,
    stage: str,
    references: Sequence[str],
    today: date,
) -> dict[str, GateOutcome]:
    """The prepared judgements that still hold: same transfer, stage and day, no change to the family's
    cases."""
    if (
        prepared is None
        or prepared.transfer != transfer.reference
        or prepared.stage != stage
        or prepared.judged_on != today
    ):
        return {}
    current = family_versions(session, references)
    return {
        r: outcome
        for r, (versions, outcome) in prepared.outcomes.items()
        if versions and current.get(r) == versions
    }


def _recheck_all(
    session: Session,
    transfer: Transfer,
    stage: str,
    *,
    clock: Clock,
    recorded_by: str,
    trigger: str,
    prepared: PreparedCheck | None = None,
) -> tuple[list[GateOutcome], list[PersonTakenOff]]:
    checked: list[GateOutcome] = []
    removed: list[PersonTakenOff] = []
    entries = _entries(session, transfer)
    judged = _still_valid(session, prepared, transfer, stage, [e.reference for e in entries], clock.today())
    for entry in entries:
        if entry.state != "listed":
            continue  # a family member already taken off in this pass
        outcome = judged.get(entry.reference) or gate_check(
            session, entry.reference, stage=stage, transfer=transfer, clock=clock
        )
        checked.append(outcome)
        if outcome.outcome != "eligible":
            removed.extend(
                _remove_with_family(session, transfer, outcome, clock=clock, recorded_by=recorded_by)
            )
    session.add(
        GateCheck(
            transfer_id=transfer.id,
            stage=stage,
            trigger=trigger,
            checked_at=clock.now(),
            results=[asdict(o) for o in checked],
        )
    )
    return checked, removed


def lock_manifest(
    session: Session,
    transfer_reference: str,
    *,
    clock: Clock,
    recorded_by: str,
    expected_version: int | None = None,
    prepared: PreparedCheck | None = None,
) -> GateResult:
    """Lock a planned manifest, re-checking everyone at the ``manifest_lock`` stage (with ``prepared``, the
    judgements made ahead of this transaction that still hold: see ``PreparedCheck``)."""
    transfer = _transfer(session, transfer_reference, for_update=True)
    _check_version(transfer, expected_version)
    if transfer.status != "planned":
        raise StateConflict(
            f"transfer {transfer.reference} is {transfer.status}; only a planned manifest can be locked"
        )
    transfer.status = "locked"
    checked, removed = _recheck_all(
        session,
        transfer,
        "manifest_lock",
        clock=clock,
        recorded_by=recorded_by,
        trigger="lock",
        prepared=prepared,
    )
    flagged = _flag_if_under_minimum(session, transfer, clock)
    _touch(transfer, clock)
    load = _load(session, transfer)
    return _gate_result(transfer, "manifest_lock", load, removed, checked, departed=False, flagged=flagged)


def depart(
    session: Session,
    transfer_reference: str,
    *,
    clock: Clock,
    recorded_by: str,
    expected_version: int | None = None,
    accept_under_minimum: bool = False,
    prepared: PreparedCheck | None = None,
) -> GateResult:
    """Re-check everyone at the ``departure`` stage, then record ``departed`` for those who pass.

    If the load has fallen under the minimum, nothing departs and the transfer is flagged, unless a planner
    has decided to go ahead (``accept_under_minimum``). Removals made by the check are kept either way.
    ``prepared``: judgements made ahead of this transaction that still hold (``PreparedCheck``).
    """
    transfer = _transfer(session, transfer_reference, for_update=True)
    _check_version(transfer, expected_version)
    if transfer.status != "locked":
        raise StateConflict(
            f"transfer {transfer.reference} is {transfer.status}; only a locked manifest departs"
        )
    checked, removed = _recheck_all(
        session,
        transfer,
        "departure",
        clock=clock,
        recorded_by=recorded_by,
        trigger="depart",
        prepared=prepared,
    )
    load = _load(session, transfer)
    if load == 0 or (load < transfer.min_load and not accept_under_minimum):
        _flag_if_under_minimum(session, transfer, clock)
        if load == 0:
            transfer.flagged_for_decision = True
            transfer.flag_reason = "nobody left on the manifest"
        _touch(transfer, clock)
        return _gate_result(transfer, "departure", load, removed, checked, departed=False, flagged=True)
    now = clock.now()
    for entry in _entries(session, transfer):
        append_event(
            session,
            entry.reference,
            EventType.DEPARTED,
            clock.today(),
            {"transfer": transfer.reference},
            clock=clock,
            recorded_by=recorded_by,
            via_gate=True,
            occurred_at=clock.now(),  # the instant of the move, to compare with later measures
        )
        entry.state, entry.changed_at = "departed", now
    transfer.status = "departed"
    transfer.flagged_for_decision = False
    transfer.flag_reason = None
    _touch(transfer, clock)
    return _gate_result(transfer, "departure", load, removed, checked, departed=True, flagged=False)


def _gate_result(
    transfer: Transfer,
    stage: str,
    load: int,
    removed: list[PersonTakenOff],
    checked: list[GateOutcome],
    *,
    departed: bool,
    flagged: bool,
) -> GateResult:
    """What locking or departing did: who the gate checked and took off, the load left, and whether the
    transfer departed or is flagged for a decision."""
    return GateResult(
        transfer=transfer.reference,
        stage=stage,
        status=transfer.status,
        load=load,
        min_load=transfer.min_load,
        removed=removed,
        checked=checked,
        departed=departed,
        flagged_for_decision=flagged,
        flag_reason=transfer.flag_reason,
        version=transfer.version,
    )


def arrive(
    session: Session,
    transfer_reference: str,
    *,
    clock: Clock,
    recorded_by: str,
    expected_version: int | None = None,
) -> TransferArrival:
    """Record arrival at the hub: each person's ``arrived_at_hub`` and a hub stay with its clocks."""

    transfer = _transfer(session, transfer_reference, for_update=True)
    _check_version(transfer, expected_version)
    if transfer.status != "departed":
        raise StateConflict(
            f"transfer {transfer.reference} is {transfer.status}; only a departed transfer arrives"
        )
    today = clock.today()
    terms = {t.agreement: t for t in DatabaseTermsProvider(session).terms_on(today)}.get(transfer.agreement)
    max_stay = terms.max_stay_days if terms else None
    validation = terms.requires_judicial_validation_of_detention if terms else False
    stays = []
    for entry in _entries(session, transfer, state="departed"):
        append_event(
            session,
            entry.reference,
            EventType.ARRIVED_AT_HUB,
            today,
            {"hub": transfer.hub},
            clock=clock,
            recorded_by=recorded_by,
            via_gate=True,
        )
        entry.state, entry.changed_at = "arrived", clock.now()
        stay = HubStay(
            case_id=entry.case_id,
            reference=entry.reference,
            hub=transfer.hub,
            agreement=transfer.agreement,
            transfer=transfer.reference,
            arrived_on=today,
            max_stay_until=today + timedelta(days=max_stay) if max_stay else None,
            judicial_validation_due_on=today + timedelta(days=JUDICIAL_VALIDATION_DAYS)
            if validation
            else None,
        )
        session.add(stay)
        stays.append(entry.reference)
    transfer.status = "arrived"
    _touch(transfer, clock)
    return TransferArrival(
        transfer=transfer.reference, status=transfer.status, arrived=stays, version=transfer.version
    )


def cancel(
    session: Session,
    transfer_reference: str,
    reason: str,
    *,
    clock: Clock,
    recorded_by: str,
    expected_version: int | None = None,
) -> TransferCancellation:
    transfer = _transfer(session, transfer_reference, for_update=True)
    _check_version(transfer, expected_version)
    if not reason.strip():
        raise InvalidInput("a cancellation needs a reason")
    if transfer.status not in ("planned", "locked"):
        raise StateConflict(
            f"transfer {transfer.reference} is {transfer.status}; it can no longer be cancelled"
        )
    removed = [
        _take_off(session, transfer, e, f"transfer cancelled: {reason}", clock=clock, recorded_by=recorded_by)
        for e in _entries(session, transfer)
    ]
    transfer.status = "cancelled"
    transfer.cancel_reason = reason
    transfer.flagged_for_decision = False
    _touch(transfer, clock)
    return TransferCancellation(
        transfer=transfer.reference, status="cancelled", removed=removed, version=transfer.version
    )


def remove_person(
    session: Session, transfer_reference: str, reference: str, reason: str, *, clock: Clock, recorded_by: str
) -> list[PersonTakenOff]:
    """A planner takes a person (and their family) off a manifest by hand."""
    transfer = _transfer(session, transfer_reference, for_update=True)
    if transfer.status not in ("planned", "locked"):
        raise StateConflict(f"transfer {transfer.reference} is {transfer.status}; its manifest is closed")
    if not reason.strip():
        raise InvalidInput("taking a person off a manifest needs a reason")
    listed = {e.reference: e for e in _entries(session, transfer)}
    if reference.upper() not in listed:
        raise NotFound(f"{reference.upper()} is not listed on {transfer.reference}")
    removed = [
        _take_off(
            session,
            transfer,
            listed[r],
            reason
            if r == reference.upper()
            else f"family member {reference.upper()} taken off; a family moves together",
            clock=clock,
            recorded_by=recorded_by,
        )
        for r in family_references(session, reference.upper())
        if r in listed
    ]
    _flag_if_under_minimum(session, transfer, clock)
    _touch(transfer, clock)
    return removed


# --- the late-notice hook --------------------------------------------------------------------------------

_MOVEMENT_EVENTS = frozenset(
    {
        EventType.ALLOCATED_TO_TRANSFER,
        EventType.REMOVED_FROM_MANIFEST,
        EventType.DEPARTED,
        EventType.ARRIVED_AT_HUB,
    }
)


def recheck_after_append(session: Session, reference: str, result: AppendResult, clock: Clock) -> None:
    """Any new fact about a person on a manifest re-runs the departure check at once."""
    state = result.state
    if state.allocated_transfer is None:
        return
    if result.event_type in _MOVEMENT_EVENTS:
        return
    transfer = session.execute(
        select(Transfer).where(Transfer.reference == state.allocated_transfer).with_for_update()
    ).scalar_one_or_none()
    if transfer is None or transfer.status not in ("planned", "locked"):
        return
    recheck_listed(session, transfer, reference, clock=clock, trigger=f"new event for {reference}")


def recheck_listed(
    session: Session,
    transfer: Transfer,
    reference: str,
    *,
    clock: Clock,
    trigger: str,
    cause: str | None = None,
) -> bool:
    """The one re-check of a listed person, for a late notice or a register change: the departure check on
    the latest facts; if it fails, the person and their family come off, the planner and the legal
    representative are notified, and the transfer is flagged if it falls under its minimum load.
    ``cause`` (a register change, in plain words) leads the reason. True if anyone was taken off."""
    outcome = gate_check(session, reference, stage="departure", transfer=transfer, clock=clock)
    if outcome.outcome == "eligible":
        return False
    if cause:
        outcome.reason = f"{cause}: {outcome.reason}"
    _remove_with_family(session, transfer, outcome, clock=clock, recorded_by="departure-gate")
    _flag_if_under_minimum(session, transfer, clock)
    session.add(
        GateCheck(
            transfer_id=transfer.id,
            stage="departure",
            trigger=trigger,
            checked_at=clock.now(),
            results=[asdict(outcome)],
        )
    )
    _touch(transfer, clock)
    return True


def recheck_after_register_change(session: Session, change: RegisterChange, clock: Clock) -> None:
    """A register change (a country assessed unsafe, a safe-country list withdrawn, terms or status changed)
    re-checks at once everyone listed on an open or locked transfer under the agreements or to the hubs it
    touches, with the same consequences as a late notice."""
    transfers = (
        session.execute(
            select(Transfer)
            .where(
                Transfer.status.in_(("planned", "locked")),
                or_(Transfer.agreement.in_(change.agreements), Transfer.hub.in_(change.hubs)),
            )
            .order_by(Transfer.reference)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    for transfer in transfers:
        for entry in _entries(session, transfer):
            if entry.state != "listed":
                continue  # a family member already taken off in this pass
            recheck_listed(
                session,
                transfer,
                entry.reference,
                clock=clock,
                trigger="register change",  # the change itself leads each person's reason
                cause=change.what,
            )


def check_referral(
    session: Session,
    reference: str,
    event_type: str,
    occurred_on: date,
    data: dict[str, Any],
    clock: Clock,
    occurred_at: datetime | None = None,
) -> None:
    """A ``hub_referral`` goes through the gate before it is written: refused, naming the rules, if barred.

    A referral naming a hub is judged under that hub's law and agreement; one naming no hub is judged under
    each law (``uk``, ``eu``) and passes if any clears the person (each transfer is judged again under its
    own law). The legal date is the referral's date; the facts are the latest recorded.
    """
    if event_type != EventType.HUB_REFERRAL:
        return

    hub = data.get("hub")
    if hub:
        site = hub_on(session, str(hub).upper(), occurred_on)
        if site.status != "operational":
            raise StateConflict(
                f"{reference} cannot be referred to hub {site.reference}: it is "
                f"{site.status or 'not registered'} on {occurred_on}"
            )
        law = law_of_agreement(session, site.agreement, occurred_on)
        outcomes = [
            judge(
                session,
                reference,
                stage="hub_referral",
                law=law,
                on=occurred_on,
                clock=clock,
                agreement=site.agreement,
            )
        ]
    else:
        laws = [n for n in pack_names() if occurred_on >= get_pack(n).valid_from]
        outcomes = [
            judge(session, reference, stage="hub_referral", law=law, on=occurred_on, clock=clock)
            for law in laws
        ]
    if any(o.outcome == "eligible" for o in outcomes):
        return
    detail = "; ".join(f"{o.outcome} {o.reason}" for o in outcomes) or "no law covers the date"
    raise StateConflict(f"{reference} cannot be referred to a hub: {detail}")


def register_hooks() -> None:
    """Wire the departure gate into casework (a new event) and partners (a register change), and the transfer
    lookup into access's record scopes. Called by the composition roots: the web app factory, the CLI's
    ``runtime()``, the benchmarks and the test suite."""
    if recheck_after_append not in POST_APPEND_HOOKS:
        POST_APPEND_HOOKS.append(recheck_after_append)
    if check_referral not in PRE_APPEND_HOOKS:
        PRE_APPEND_HOOKS.append(check_referral)
    register_checks()  # the departure gate for returns from the UK
    register_transfer_hub(hub_of)  # a hub liaison's record scope covers the transfers to their hubs
    if recheck_after_register_change not in REGISTER_CHANGE_HOOKS:
        REGISTER_CHANGE_HOOKS.append(recheck_after_register_change)
    hooks_registered()


# --- reads -----------------------------------------------------------------------------------------------


def _summary(transfer: Transfer, load: int) -> dict[str, Any]:
    """The summary's fields (a ``TransferView`` adds the manifest and the gate checks to them)."""
    return {
        "reference": transfer.reference,
        "hub": transfer.hub,
        "agreement": transfer.agreement,
        "law": transfer.law,
        "mode": transfer.mode,
        "departs_at": utc(transfer.departs_at),
        "seats": transfer.seats,
        "min_load": transfer.min_load,
        "escorts": transfer.escorts,
        "monitor_on_board": transfer.monitor_on_board,
        "status": transfer.status,
        "version": transfer.version,
        "load": load,
        "flagged_for_decision": transfer.flagged_for_decision,
        "flag_reason": transfer.flag_reason,
        "cancel_reason": transfer.cancel_reason,
    }


#: The manifest states that count towards a transfer's load.
LOADED_STATES = ("listed", "departed", "arrived")


def transfer_view(session: Session, transfer: Transfer) -> TransferView:
    entries = _entries(session, transfer, state=None)
    checks = list(
        session.execute(
            select(GateCheck)
            .where(GateCheck.transfer_id == transfer.id)
            .order_by(GateCheck.id.desc())
            .limit(20)
        ).scalars()
    )
    return TransferView(
        **_summary(transfer, sum(1 for e in entries if e.state in LOADED_STATES)),
        manifest=[
            ManifestLine(reference=e.reference, state=e.state, reason=e.reason, changed_at=utc(e.changed_at))
            for e in entries
        ],
        gate_checks=[
            GateCheckRun(stage=c.stage, trigger=c.trigger, checked_at=utc(c.checked_at), results=c.results)
            for c in checks
        ],
    )


def hub_of(session: Session, reference: str) -> str | None:
    """The hub a transfer goes to, or None if there is no such transfer."""
    hub = session.execute(
        select(Transfer.hub).where(Transfer.reference == reference.strip().upper())
    ).scalar_one_or_none()
    return None if hub is None else str(hub)


def show_transfer(session: Session, reference: str) -> TransferView:
    return transfer_view(session, _transfer(session, reference))


def list_transfers(
    session: Session,
    *,
    status: str | None = None,
    from_date: date | None = None,
    until: date | None = None,
    limit: int = 100,
) -> list[TransferSummary]:
    """Transfers in order of departure (departing on ``from_date`` .. ``until``, both included), each with
    its load: one query for the transfers and one for all their loads, not a manifest read per row."""
    query = select(Transfer).order_by(Transfer.departs_at, Transfer.id).limit(limit)
    if status:
        query = query.where(Transfer.status == status)
    if from_date:
        query = query.where(
            Transfer.departs_at >= datetime.combine(from_date, datetime.min.time(), tzinfo=UTC)
        )
    if until:
        following = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        query = query.where(Transfer.departs_at < following)
    rows = list(session.execute(query).scalars())
    loads: dict[int, int] = dict(
        session.execute(
            select(ManifestEntry.transfer_id, func.count())
            .where(
                ManifestEntry.transfer_id.in_([t.id for t in rows]),
                ManifestEntry.state.in_(LOADED_STATES),
            )
            .group_by(ManifestEntry.transfer_id)
        ).all()
    )
    return [TransferSummary(**_summary(t, loads.get(t.id, 0))) for t in rows]


def references_on(session: Session, transfer_reference: str) -> Sequence[str]:
    return [e.reference for e in _entries(session, _transfer(session, transfer_reference))]
