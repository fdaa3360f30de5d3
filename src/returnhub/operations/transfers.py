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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnhub.casework.events import EventType
from returnhub.casework.store import POST_APPEND_HOOKS, AppendResult, append_event, get_person, utc
from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput, NotFound, StateConflict, VersionConflict
from returnhub.notices import service as notices
from returnhub.operations.models import GateCheck, HubStay, ManifestEntry, Transfer
from returnhub.people.models import Person

MODES = ("charter_flight", "scheduled_flight", "coach")
DEFAULT_PACK = "uk"
#: Judicial validation of detention is due within 48 hours of a hub detention order where the agreement
#: requires it (Italy: art. 13 of the Constitution and art. 14 TUI, validation within 48 hours of the order).
JUDICIAL_VALIDATION_DAYS = 2


@dataclass
class GateOutcome:
    reference: str
    outcome: str
    barring_rules: list[str]
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "outcome": self.outcome,
            "barring_rules": self.barring_rules,
            "reason": self.reason,
        }


@dataclass
class GateResult:
    transfer: str
    stage: str
    status: str
    load: int
    min_load: int
    removed: list[dict[str, Any]] = field(default_factory=list)
    checked: list[dict[str, Any]] = field(default_factory=list)
    departed: bool = False
    flagged_for_decision: bool = False
    flag_reason: str | None = None
    version: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "transfer": self.transfer,
            "stage": self.stage,
            "status": self.status,
            "load": self.load,
            "min_load": self.min_load,
            "removed": self.removed,
            "checked": self.checked,
            "departed": self.departed,
            "flagged_for_decision": self.flagged_for_decision,
            "flag_reason": self.flag_reason,
            "version": self.version,
        }


def gate_check(
    session: Session,
    reference: str,
    *,
    stage: str,
    transfer: Transfer,
    clock: Clock,
    pack: str = DEFAULT_PACK,
) -> GateOutcome:
    """Ask the safeguards whether ``reference`` may go on ``transfer`` at ``stage``, on the latest facts.

    The legal date is the later of today and the transfer's departure date, so that clocks that must have
    run by departure (a notice period, a Rule 39 measure's end) are judged on the day of the move.
    Only ``eligible`` passes: a case waiting for a senior caseworker's review does not move.
    """
    from returnhub.safeguards import evaluate_case

    on = max(clock.today(), utc(transfer.departs_at).date())
    explanation = evaluate_case(session, reference, pack=pack, stage=stage, as_of=on, clock=clock)
    unresolved = [
        r for r in explanation.rules if r.outcome == "bar" or (r.outcome == "review" and not _approved(r))
    ]
    barring = [r.id for r in unresolved]
    if (
        explanation.outcome == "eligible"
        and explanation.eligible_agreements
        and (transfer.agreement not in explanation.eligible_agreements)
    ):
        return GateOutcome(
            reference,
            "barred",
            ["agreement"],
            f"not eligible under agreement {transfer.agreement} "
            f"(eligible under: {', '.join(explanation.eligible_agreements)})",
        )
    reasons = "; ".join(f"{r.id}: {r.reason}" for r in unresolved)
    return GateOutcome(reference, explanation.outcome, barring, reasons or "all safeguards pass")


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


def family_references(session: Session, reference: str) -> list[str]:
    """The person and everyone in their family unit (people who must move together)."""
    person = get_person(session, reference)
    if person.family_unit_id is None:
        return [person.reference]
    return list(
        session.execute(
            select(Person.reference).where(Person.family_unit_id == person.family_unit_id).order_by(Person.id)
        ).scalars()
    )


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
    from returnhub.partners.service import hub_on

    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if seats < 1:
        raise InvalidInput("seats must be at least 1")
    if not 1 <= min_load <= seats:
        raise InvalidInput(f"min_load must be between 1 and the seats ({seats}), not {min_load}")
    if escorts < 0:
        raise InvalidInput("escorts cannot be negative")
    departs_at = utc(departs_at)
    if departs_at <= clock.now():
        raise InvalidInput("a transfer must be planned for a time in the future")
    site = hub_on(session, hub.upper(), departs_at.date())
    if site["status"] != "operational":
        raise StateConflict(
            f"hub {site['reference']} is {site['status'] or 'not registered'} on {departs_at.date()}; "
            "transfers go only to operational hubs"
        )
    now = clock.now()
    transfer = Transfer(
        reference="pending",
        hub=site["reference"],
        agreement=site["agreement"],
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
    pack: str = DEFAULT_PACK,
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
    outcomes = [
        gate_check(session, r, stage="hub_referral", transfer=transfer, clock=clock, pack=pack)
        for r in family
    ]
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
        from returnhub.casework.store import case_state

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
) -> dict[str, Any]:
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
    return {"reference": entry.reference, "reason": reason}


def _remove_with_family(
    session: Session,
    transfer: Transfer,
    barred: GateOutcome,
    *,
    clock: Clock,
    recorded_by: str,
) -> list[dict[str, Any]]:
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


def _recheck_all(
    session: Session,
    transfer: Transfer,
    stage: str,
    *,
    clock: Clock,
    recorded_by: str,
    pack: str,
    trigger: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    checked: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    for entry in _entries(session, transfer):
        if entry.state != "listed":
            continue  # a family member already taken off in this pass
        outcome = gate_check(session, entry.reference, stage=stage, transfer=transfer, clock=clock, pack=pack)
        checked.append(outcome.as_dict())
        if outcome.outcome != "eligible":
            removed.extend(
                _remove_with_family(session, transfer, outcome, clock=clock, recorded_by=recorded_by)
            )
    session.add(
        GateCheck(
            transfer_id=transfer.id, stage=stage, trigger=trigger, checked_at=clock.now(), results=checked
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
    pack: str = DEFAULT_PACK,
) -> GateResult:
    transfer = _transfer(session, transfer_reference, for_update=True)
    _check_version(transfer, expected_version)
    if transfer.status != "planned":
        raise StateConflict(
            f"transfer {transfer.reference} is {transfer.status}; only a planned manifest can be locked"
        )
    transfer.status = "locked"
    checked, removed = _recheck_all(
        session, transfer, "manifest_lock", clock=clock, recorded_by=recorded_by, pack=pack, trigger="lock"
    )
    flagged = _flag_if_under_minimum(session, transfer, clock)
    _touch(transfer, clock)
    return GateResult(
        transfer.reference,
        "manifest_lock",
        transfer.status,
        _load(session, transfer),
        transfer.min_load,
        removed,
        checked,
        False,
        flagged,
        transfer.flag_reason,
        transfer.version,
    )


def depart(
    session: Session,
    transfer_reference: str,
    *,
    clock: Clock,
    recorded_by: str,
    expected_version: int | None = None,
    pack: str = DEFAULT_PACK,
    accept_under_minimum: bool = False,
) -> GateResult:
    """Re-check everyone at the ``departure`` stage, then record ``departed`` for those who pass.

    If the load has fallen under the minimum, nothing departs and the transfer is flagged, unless a planner
    has decided to go ahead (``accept_under_minimum``). Removals made by the check are kept either way.
    """
    transfer = _transfer(session, transfer_reference, for_update=True)
    _check_version(transfer, expected_version)
    if transfer.status != "locked":
        raise StateConflict(
            f"transfer {transfer.reference} is {transfer.status}; only a locked manifest departs"
        )
    checked, removed = _recheck_all(
        session, transfer, "departure", clock=clock, recorded_by=recorded_by, pack=pack, trigger="depart"
    )
    load = _load(session, transfer)
    if load == 0 or (load < transfer.min_load and not accept_under_minimum):
        _flag_if_under_minimum(session, transfer, clock)
        if load == 0:
            transfer.flagged_for_decision = True
            transfer.flag_reason = "nobody left on the manifest"
        _touch(transfer, clock)
        return GateResult(
            transfer.reference,
            "departure",
            transfer.status,
            load,
            transfer.min_load,
            removed,
            checked,
            False,
            True,
            transfer.flag_reason,
            transfer.version,
        )
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
        )
        entry.state, entry.changed_at = "departed", now
    transfer.status = "departed"
    transfer.flagged_for_decision = False
    transfer.flag_reason = None
    _touch(transfer, clock)
    return GateResult(
        transfer.reference,
        "departure",
        transfer.status,
        load,
        transfer.min_load,
        removed,
        checked,
        True,
        False,
        None,
        transfer.version,
    )


def arrive(
    session: Session,
    transfer_reference: str,
    *,
    clock: Clock,
    recorded_by: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Record arrival at the hub: each person's ``arrived_at_hub`` and a hub stay with its clocks."""
    from returnhub.partners.service import DatabaseTermsProvider

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
    return {
        "transfer": transfer.reference,
        "status": transfer.status,
        "arrived": stays,
        "version": transfer.version,
    }


def cancel(
    session: Session,
    transfer_reference: str,
    reason: str,
    *,
    clock: Clock,
    recorded_by: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
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
    return {
        "transfer": transfer.reference,
        "status": "cancelled",
        "removed": removed,
        "version": transfer.version,
    }


def remove_person(
    session: Session, transfer_reference: str, reference: str, reason: str, *, clock: Clock, recorded_by: str
) -> list[dict[str, Any]]:
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
    outcome = gate_check(session, reference, stage="departure", transfer=transfer, clock=clock)
    if outcome.outcome == "eligible":
        return
    _remove_with_family(session, transfer, outcome, clock=clock, recorded_by="departure-gate")
    _flag_if_under_minimum(session, transfer, clock)
    session.add(
        GateCheck(
            transfer_id=transfer.id,
            stage="departure",
            trigger=f"new event for {reference}",
            checked_at=clock.now(),
            results=[outcome.as_dict()],
        )
    )
    _touch(transfer, clock)


def register_hooks() -> None:
    if recheck_after_append not in POST_APPEND_HOOKS:
        POST_APPEND_HOOKS.append(recheck_after_append)


# --- reads -----------------------------------------------------------------------------------------------


def _summary(transfer: Transfer, load: int) -> dict[str, Any]:
    return {
        "reference": transfer.reference,
        "hub": transfer.hub,
        "agreement": transfer.agreement,
        "mode": transfer.mode,
        "departs_at": utc(transfer.departs_at).isoformat(),
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


def transfer_view(session: Session, transfer: Transfer) -> dict[str, Any]:
    entries = _entries(session, transfer, state=None)
    checks = list(
        session.execute(
            select(GateCheck)
            .where(GateCheck.transfer_id == transfer.id)
            .order_by(GateCheck.id.desc())
            .limit(20)
        ).scalars()
    )
    return {
        **_summary(transfer, sum(1 for e in entries if e.state in LOADED_STATES)),
        "manifest": [
            {
                "reference": e.reference,
                "state": e.state,
                "reason": e.reason,
                "changed_at": utc(e.changed_at).isoformat(),
            }
            for e in entries
        ],
        "gate_checks": [
            {
                "stage": c.stage,
                "trigger": c.trigger,
                "checked_at": utc(c.checked_at).isoformat(),
                "results": c.results,
            }
            for c in checks
        ],
    }


def hub_of(session: Session, reference: str) -> str | None:
    """The hub a transfer goes to, or None if there is no such transfer."""
    hub = session.execute(
        select(Transfer.hub).where(Transfer.reference == reference.strip().upper())
    ).scalar_one_or_none()
    return None if hub is None else str(hub)


def show_transfer(session: Session, reference: str) -> dict[str, Any]:
    return transfer_view(session, _transfer(session, reference))


def list_transfers(
    session: Session,
    *,
    status: str | None = None,
    from_date: date | None = None,
    until: date | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
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
    return [_summary(t, loads.get(t.id, 0)) for t in rows]


def references_on(session: Session, transfer_reference: str) -> Sequence[str]:
    return [e.reference for e in _entries(session, _transfer(session, transfer_reference))]
