"""Returns from the UK (enforced removal, voluntary departure, port return) and their departure gate.

The gate is a pre-append check (``casework.store.PRE_APPEND_HOOKS``): whoever records one of
``events.DEPARTURE_EVENT_TYPES`` (``case record``, the events API, an import), the safeguards are
re-checked on the latest facts, in the same transaction, and a barred departure is refused with its
reasons; nothing is written. The check is one function, so every path applies the same rules.

- Enforced removal: every rule of the pack guarding the onward-return stage must pass on the day of
  the removal (as for an onward return from a hub, ``stays.record_exit``), and removal directions must
  be in force that day (set on or before it, valid until it or later).
- Port return: the same rules, except R1 (appeal rights exhausted) when no asylum claim was ever
  lodged: a person refused entry at the port who never claimed has no appeal to exhaust.
- Voluntary departure (Voluntary Returns Service): R20's exclusions and the reintegration cap below;
  the person's informed consent must be on the record first. The removal bars (R1-R5) protect a person
  from being sent; they do not stop someone from choosing to leave, so they are not applied here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from returnhub.casework.events import DEPARTURE_EVENT_TYPES, EventType
from returnhub.casework.store import PRE_APPEND_HOOKS, case_state
from returnhub.core.clock import Clock
from returnhub.core.errors import StateConflict
from returnhub.safeguards import evaluate_case


@dataclass(frozen=True)
class DatedParameter:
    name: str
    value: int
    in_force_from: date
    in_force_to: date | None
    source: str


#: R20: the Voluntary Returns Service's financial (reintegration) support cap, in pounds.
#: The research file (section 2.5) has it from a secondary summary of gov.uk published 21 June 2022; the
#: earlier schemes (VARRP up to £1,500, AVRFC up to £2,000) are not dated there, so they are not encoded and
#: a voluntary departure before that date is refused for want of a parameter rather than judged on a guess.
REINTEGRATION_SUPPORT_CAP: tuple[DatedParameter, ...] = (
    DatedParameter(
        "Voluntary Returns Service financial support cap (GBP)",
        3000,
        date(2022, 6, 21),
        None,
        "https://jamaica-gleaner.com/article/news/20220621/immigration-corner-eligibility-voluntary-returns "
        "(secondary summary of gov.uk: 'Return home voluntarily')",
    ),
)

#: R20's exclusions, as the research file states them (section 2.5); the record holds two of the four
#: (detention by the Home Office and a deportation order). Police investigation and a prison sentence of
#: 12 months or more are not recorded events yet, so they cannot be checked here.
R20_SOURCE = "https://www.gov.uk/return-home-voluntarily (summarised in domain-research.md, section 2.5, R20)"


def reintegration_cap_on(on: date) -> DatedParameter:
    for parameter in REINTEGRATION_SUPPORT_CAP:
        if parameter.in_force_from <= on and (parameter.in_force_to is None or on <= parameter.in_force_to):
            return parameter
    first = min(p.in_force_from for p in REINTEGRATION_SUPPORT_CAP)
    raise StateConflict(
        f"no Voluntary Returns Service support cap is recorded for {on:%d %B %Y} "
        f"(the first one on record is in force from {first:%d %B %Y})"
    )


def voluntary_return_refusals(state: Any, on: date, support_gbp: int) -> list[str]:
    """Why R20 refuses this voluntary departure, in plain words (empty: it may go ahead). Pure."""
    reasons: list[str] = []
    if state.voluntary_return_consented_on is None or state.voluntary_return_consented_on > on:
        reasons.append("the person's informed consent to a voluntary return is not on the record")
    if state.detained:
        reasons.append(f"the person is detained by the Home Office, which excludes them ({R20_SOURCE})")
    if state.deportation_order_on is not None and state.deportation_order_on <= on:
        reasons.append(f"a deportation order has been made, which excludes them ({R20_SOURCE})")
    cap = reintegration_cap_on(on)
    if support_gbp > cap.value:
        reasons.append(
            f"the support of £{support_gbp:,} is above the cap of £{cap.value:,} in force on "
            f"{on:%d %B %Y} ({cap.source})"
        )
    return reasons


def departure_gate(
    session: Session,
    reference: str,
    event_type: str,
    on: date,
    payload: dict[str, Any],
    clock: Clock,
    occurred_at: datetime | None = None,
) -> None:
    """Refuse a departure from the UK that a safeguard bars (a ``PRE_APPEND_HOOKS`` entry)."""
    if event_type not in DEPARTURE_EVENT_TYPES:
        return

    _, state = case_state(session, reference, as_of=on)
    if event_type == EventType.VOLUNTARY_DEPARTURE:
        reasons = voluntary_return_refusals(state, on, int(payload.get("reintegration_support_gbp", 0)))
        if reasons:
            raise StateConflict(f"voluntary departure of {reference} refused: {'; '.join(reasons)}")
        return
    if event_type == EventType.ENFORCED_REMOVAL and (
        state.removal_directions_on is None
        or state.removal_directions_valid_until is None
        or state.removal_directions_valid_until < on
    ):
        raise StateConflict(
            f"enforced removal of {reference} refused: no removal directions in force on {on:%d %B %Y}"
        )

    check = evaluate_case(session, reference, pack="uk", stage="onward_return", as_of=on, clock=clock)
    not_applicable = (
        {"R1"} if event_type == EventType.PORT_RETURN and state.claim_lodged_on is None else set()
    )
    stopping = [
        r
        for r in check.rules
        if r.id not in not_applicable
        and (
            r.outcome == "bar"
            or (r.outcome == "review" and (getattr(r, "review", None) or {}).get("status") != "approved")
        )
    ]
    if stopping:
        what = "enforced removal" if event_type == EventType.ENFORCED_REMOVAL else "port return"
        raise StateConflict(
            f"{what} of {reference} stopped at the departure gate: "
            + "; ".join(f"{r.id} ({r.title}): {r.reason}" for r in stopping)
        )


def register_checks() -> None:
    if departure_gate not in PRE_APPEND_HOOKS:
        PRE_APPEND_HOOKS.append(departure_gate)
