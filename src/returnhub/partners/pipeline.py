"""The negotiation pipeline as a state machine (pure; no I/O).

One pipeline per (sending state, partner country). Steps are appended, never edited; the status on a date is
the last step taken on or before it. A step that skips a stage (declined -> in force) is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from returnhub.core.errors import InvalidInput, StateConflict


class NegotiationStatus(StrEnum):
    EXPLORATORY = "exploratory"
    IN_TALKS = "in_talks"
    DECLINED = "declined"
    MEMORANDUM_SIGNED = "memorandum_signed"
    IN_FORCE = "in_force"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


S = NegotiationStatus

#: Where a register may start. ``memorandum_signed`` is allowed because some deals were negotiated in
#: private and become public only when signed (Italy-Albania, Netherlands-Uganda).
INITIAL_STATUSES: frozenset[NegotiationStatus] = frozenset({S.EXPLORATORY, S.IN_TALKS, S.MEMORANDUM_SIGNED})

ALLOWED_TRANSITIONS: dict[NegotiationStatus, frozenset[NegotiationStatus]] = {
    S.EXPLORATORY: frozenset({S.IN_TALKS, S.DECLINED}),
    S.IN_TALKS: frozenset({S.MEMORANDUM_SIGNED, S.DECLINED}),
    # A refusal can be revisited, but only by talking again; it never jumps to a signed deal.
    S.DECLINED: frozenset({S.EXPLORATORY, S.IN_TALKS}),
    # Signed but never brought into force: it ends (terminated) rather than being "declined".
    S.MEMORANDUM_SIGNED: frozenset({S.IN_FORCE, S.TERMINATED}),
    S.IN_FORCE: frozenset({S.SUSPENDED, S.TERMINATED}),
    S.SUSPENDED: frozenset({S.IN_FORCE, S.TERMINATED}),
    S.TERMINATED: frozenset({S.EXPLORATORY, S.IN_TALKS}),
}

#: A step to one of these must say why (e.g. Albania, 15 May 2025: "loyal to our marriage with Italy").
REASON_REQUIRED: frozenset[NegotiationStatus] = frozenset({S.DECLINED, S.SUSPENDED, S.TERMINATED})


@dataclass(frozen=True)
class Step:
    sequence: int
    status: NegotiationStatus
    occurred_on: date


def parse_status(value: str) -> NegotiationStatus:
    try:
        return NegotiationStatus(value)
    except ValueError:
        known = ", ".join(s.value for s in NegotiationStatus)
        raise InvalidInput(f"unknown negotiation status {value!r}; known: {known}") from None


def check_step(
    history: Sequence[Step], status: NegotiationStatus, occurred_on: date, reason: str | None, today: date
) -> None:
    """Refuse a step that the pipeline does not allow after ``history`` (ordered by sequence)."""
    if occurred_on > today:
        raise InvalidInput(f"a negotiation step cannot be dated in the future ({occurred_on} > {today})")
    if status in REASON_REQUIRED and not (reason and reason.strip()):
        raise InvalidInput(f"a step to {status.value} must give its reason")
    if not history:
        if status not in INITIAL_STATUSES:
            allowed = ", ".join(sorted(s.value for s in INITIAL_STATUSES))
            raise StateConflict(
                f"a negotiation cannot start at {status.value}; it starts at one of: {allowed}"
            )
        return
    last = history[-1]
    if occurred_on < last.occurred_on:
        raise InvalidInput(
            f"steps are appended in date order: the last step ({last.status.value}) is dated "
            f"{last.occurred_on}, so a new step cannot be dated {occurred_on}"
        )
    allowed_next = ALLOWED_TRANSITIONS[last.status]
    if status not in allowed_next:
        options = ", ".join(sorted(s.value for s in allowed_next))
        raise StateConflict(
            f"the pipeline does not go from {last.status.value} to {status.value}; "
            f"from {last.status.value} the next step is one of: {options}"
        )


def status_on(history: Sequence[Step], on: date) -> NegotiationStatus | None:
    """The status on ``on``: the last step taken on or before it (None before the first step)."""
    current: NegotiationStatus | None = None
    for step in history:
        if step.occurred_on <= on:
            current = step.status
    return current
