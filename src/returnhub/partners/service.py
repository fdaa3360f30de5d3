"""Partners services: the negotiation pipeline, agreements with dated terms, hubs, assessments, and the
terms the safeguards read.

Every write takes the partners ledger lock first (one writer at a time), appends rows (never updates
them) and records one hash-chained change with who, when and the source. Service functions never
commit: the caller's unit of work does, once.

The register is bitemporal like the case events. Every versioned fact has its legal date (from when it holds
in law) and its ``recorded_at`` (when the register learnt it). A version may be recorded with an earlier legal
date after a later one exists (a past list entered late, a correction). Reads take ``on`` (the legal date)
and ``known_at`` (a recorded time; ``None``: everything recorded so far): the version that applies is the one
with the latest legal date on or before ``on`` among those recorded by ``known_at``; of two versions with the
same legal date, the one recorded later wins (a correction). Every change is announced to
``hooks.REGISTER_CHANGE_HOOKS`` so that the departure gate re-checks the people it touches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pycountry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from returnhub.core import ledger
from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput, NotFound, StateConflict, VersionConflict
from returnhub.core.time import utc
from returnhub.partners.changes import PARTNERS_LEDGER, Provenance, record_change
from returnhub.partners.countries import all_country_codes, country_code, country_codes, country_name, region
from returnhub.partners.hooks import RegisterChange, announce
from returnhub.partners.models import (
    Agreement,
    AgreementVersion,
    CountryAssessment,
    Hub,
    HubOccupancyFigure,
    HubVersion,
    Negotiation,
    NegotiationStep,
    SafeCountryList,
)
from returnhub.partners.pipeline import (
    ALLOWED_TRANSITIONS,
    NegotiationStatus,
    Step,
    check_step,
    parse_status,
    status_on,
)
from returnhub.partners.schemas import (
    AgreementIn,
    AmendmentIn,
    AssessmentIn,
    AssessmentVersionIn,
    HubAmendmentIn,
    HubIn,
    NegotiationIn,
    OccupancyIn,
    SafeListIn,
    SourcedIn,
    StepIn,
    TermsIn,
    parse,
)
from returnhub.safeguards.terms import AgreementTerms

#: Why a safe-country entry with carve-outs does not count as designated.
ALACE_CANPELLI = (
    "CJEU C-758/24 and C-759/24 (Alace and Canpelli), 1 August 2025: a country may be designated safe "
    "only if it protects its entire population; a designation with exceptions for regions or groups "
    "is invalid"
)

#: Hub status moves. Staying in the same status is allowed (a change of beds only).
HUB_TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"planned", "operational", "closed"}),
    "operational": frozenset({"operational", "closed"}),
    "closed": frozenset({"closed", "operational"}),
}


def _lock(session: Session) -> None:
    # One partners writer at a time: per-record sequences stay gapless and the change log has one order.
    ledger.lock(session, PARTNERS_LEDGER)


def _provenance(body: SourcedIn) -> Provenance:
    return Provenance(body.provenance, body.source_url, body.source_title)


def _source_view(row: Any) -> dict[str, Any]:
    return {
        "provenance": row.provenance,
        "source_url": row.source_url,
        "source_title": row.source_title,
        "recorded_at": utc(row.recorded_at),  # SQLite gives it back naive
        "recorded_by": row.recorded_by,
    }


def _visible(rows: Sequence[Any], known_at: datetime | None) -> list[Any]:
    """The rows the register held at ``known_at`` (all of them when it is None)."""
    if known_at is None:
        return list(rows)
    known = utc(known_at)
    return [r for r in rows if utc(r.recorded_at) <= known]


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _agreements_between(session: Session, sending: str, partner: str | None = None) -> frozenset[str]:
    query = select(Agreement.reference).where(Agreement.sending_state == sending)
    if partner is not None:
        query = query.where(Agreement.partner_country == partner)
    return frozenset(session.execute(query).scalars())


def _flush(session: Session, what: str) -> None:
    try:
        session.flush()
    except IntegrityError:
        raise VersionConflict(f"{what} changed while this was being recorded; reload and try again") from None


def _not_in_future(value: date, what: str, clock: Clock) -> None:
    today = clock.today()
    if value > today:
        raise InvalidInput(f"{what} {value} is in the future (today is {today})")


def _currency(code: str, what: str) -> str:
    if pycountry.currencies.get(alpha_3=code.upper()) is None:
        raise InvalidInput(f"{what} {code!r} is not an ISO 4217 currency code")
    return code.upper()


# ---------------------------------------------------------------------------------------------------------
# Negotiations
# ---------------------------------------------------------------------------------------------------------


def find_negotiation(session: Session, sending_state: str, partner_country: str) -> Negotiation | None:
    return session.execute(
        select(Negotiation).where(
            Negotiation.sending_state == sending_state, Negotiation.partner_country == partner_country
        )
    ).scalar_one_or_none()


def _steps(session: Session, negotiation_id: int) -> list[NegotiationStep]:
    return list(
        session.execute(
            select(NegotiationStep)
            .where(NegotiationStep.negotiation_id == negotiation_id)
            .order_by(NegotiationStep.sequence)
        ).scalars()
    )


def _history(steps: Sequence[NegotiationStep]) -> list[Step]:
    """The steps in legal order: by date, and in recording order within a day."""
    ordered = sorted(steps, key=lambda s: (s.occurred_on, s.sequence))
    return [Step(s.sequence, NegotiationStatus(s.status), s.occurred_on) for s in ordered]


def _pair(sending_state: str, partner_country: str) -> str:
    return f"{sending_state}-{partner_country}"


def open_negotiation(
    session: Session, body: NegotiationIn, *, clock: Clock, recorded_by: str
) -> dict[str, Any]:
    """Register a pipeline for (sending state, partner country) with its first step."""
    _lock(session)
    sending = country_code(body.sending_state, "sending_state")
    partner = country_code(body.partner_country, "partner_country")
    if sending == partner:
        raise InvalidInput("a sending state cannot be its own partner country")
    if find_negotiation(session, sending, partner) is not None:
        raise StateConflict(
            f"a negotiation between {sending} and {partner} is already registered; append a step to it"
        )
    # Validate the first step before writing anything.
    check_step([], parse_status(body.status), body.occurred_on, body.reason, clock.today())
    negotiation = Negotiation(
        sending_state=sending, partner_country=partner, recorded_at=clock.now(), recorded_by=recorded_by
    )
    session.add(negotiation)
    _flush(session, f"the negotiation {_pair(sending, partner)}")
    record_change(
        session,
        clock=clock,
        recorded_by=recorded_by,
        action="negotiation_opened",
        subject=_pair(sending, partner),
        data={"sending_state": sending, "partner_country": partner},
        source=None,
    )
    _append_step(session, negotiation, body, clock=clock, recorded_by=recorded_by)
    return negotiation_view(session, negotiation, clock.today())


def record_step(
    session: Session, partner_country: str, body: StepIn, *, clock: Clock, recorded_by: str
) -> dict[str, Any]:
    """Append one dated step to a pipeline; the state machine refuses a skipped stage."""
    _lock(session)
    sending = country_code(body.sending_state, "sending_state")
    partner = country_code(partner_country, "partner_country")
    negotiation = find_negotiation(session, sending, partner)
    if negotiation is None:
        raise NotFound(f"no negotiation between {sending} and {partner} is registered; open one first")
    _append_step(session, negotiation, body, clock=clock, recorded_by=recorded_by)
    return negotiation_view(session, negotiation, clock.today())


def _append_step(
    session: Session, negotiation: Negotiation, body: StepIn, *, clock: Clock, recorded_by: str
) -> NegotiationStep:
    status = parse_status(body.status)
    steps = _steps(session, negotiation.id)
    # A step may be recorded late, with an earlier date than steps already recorded: it must fit the
    # pipeline both after the steps before it and before the steps after it.
    before = _history([s for s in steps if s.occurred_on <= body.occurred_on])
    after = _history([s for s in steps if s.occurred_on > body.occurred_on])
    check_step(before, status, body.occurred_on, body.reason, clock.today())
    if after and after[0].status not in ALLOWED_TRANSITIONS[status]:
        raise StateConflict(
            f"a step to {status.value} dated {body.occurred_on} cannot come before the recorded step to "
            f"{after[0].status.value} of {after[0].occurred_on}: the pipeline does not go from "
            f"{status.value} to {after[0].status.value}"
        )
    row = NegotiationStep(
        negotiation_id=negotiation.id,
        sequence=len(steps) + 1,
        status=status.value,
        occurred_on=body.occurred_on,
        reason=body.reason,
        provenance=body.provenance,
        source_url=body.source_url,
        source_title=body.source_title,
        recorded_at=clock.now(),
        recorded_by=recorded_by,
    )
    session.add(row)
    pair = _pair(negotiation.sending_state, negotiation.partner_country)
    _flush(session, f"the negotiation {pair}")
    record_change(
        session,
        clock=clock,
        recorded_by=recorded_by,
        action="negotiation_step_recorded",
        subject=pair,
        data={
            "sequence": row.sequence,
            "status": status.value,
            "occurred_on": body.occurred_on.isoformat(),
            "reason": body.reason,
        },
        source=_provenance(body),
    )
    announce(
        session,
        RegisterChange(
            what=f"the register records the talks between {country_name(negotiation.sending_state)} and "
            f"{country_name(negotiation.partner_country)} as {status.value.replace('_', ' ')} from "
            f"{_day(body.occurred_on)}",
            agreements=_agreements_between(session, negotiation.sending_state, negotiation.partner_country),
        ),
        clock,
    )
    return row


def _step_view(step: NegotiationStep) -> dict[str, Any]:
    return {
        "sequence": step.sequence,
        "status": step.status,
        "occurred_on": step.occurred_on,
        "reason": step.reason,
        **_source_view(step),
    }


def negotiation_view(
    session: Session, negotiation: Negotiation, on: date, known_at: datetime | None = None
) -> dict[str, Any]:
    steps = _visible(_steps(session, negotiation.id), known_at)
    taken = sorted((s for s in steps if s.occurred_on <= on), key=lambda s: (s.occurred_on, s.sequence))
    return {
        "sending_state": negotiation.sending_state,
        "sending_state_name": country_name(negotiation.sending_state),
        "partner_country": negotiation.partner_country,
        "partner_name": country_name(negotiation.partner_country),
        "on": on,
        "known_at": known_at,
        "status": taken[-1].status if taken else None,
        "since": taken[-1].occurred_on if taken else None,
        # Where the status on the date comes from: sourced, reported or illustrative.
        "provenance": taken[-1].provenance if taken else None,
        "source_url": taken[-1].source_url if taken else None,
        "source_title": taken[-1].source_title if taken else None,
        "steps": [_step_view(s) for s in sorted(steps, key=lambda s: (s.occurred_on, s.sequence))],
    }


def _pipeline_status(
    session: Session, sending: str, partner: str, on: date, known_at: datetime | None = None
) -> NegotiationStatus | None:
    negotiation = find_negotiation(session, sending, partner)
    if negotiation is None:
        return None
    return status_on(_history(_visible(_steps(session, negotiation.id), known_at)), on)


# ---------------------------------------------------------------------------------------------------------
# Safe-countries-of-origin lists (R13)
# ---------------------------------------------------------------------------------------------------------


def _safe_lists(session: Session, state: str) -> list[SafeCountryList]:
    return list(
        session.execute(
            select(SafeCountryList)
            .where(SafeCountryList.designating_state == state)
            .order_by(SafeCountryList.version)
        ).scalars()
    )


def record_safe_country_list(
    session: Session, body: SafeListIn, *, clock: Clock, recorded_by: str
) -> dict[str, Any]:
    """A new version of a state's list from a date: the whole list, each entry with its evidence."""
    _lock(session)
    state = country_code(body.designating_state, "designating_state")
    # Any legal date: a past list may be entered after a later one (bitemporal; see the module docstring).
    versions = _safe_lists(session, state)
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in body.entries:
        code = country_code(entry.country, "safe-country entry")
        if code in seen:
            raise InvalidInput(f"{code} is listed twice")
        seen.add(code)
        entries.append(
            {
                "country": code,
                "evidence": [e.model_dump() for e in entry.evidence],
                "exceptions": list(entry.exceptions),
            }
        )
    entries.sort(key=lambda e: e["country"])
    row = SafeCountryList(
        designating_state=state,
        version=(versions[-1].version + 1) if versions else 1,
        effective_from=body.effective_from,
        legal_basis=body.legal_basis,
        entries=entries,
        note=body.note,
        provenance=body.provenance,
        source_url=body.source_url,
        source_title=body.source_title,
        recorded_at=clock.now(),
        recorded_by=recorded_by,
    )
    session.add(row)
    _flush(session, f"{state}'s safe-country list")
    record_change(
        session,
        clock=clock,
        recorded_by=recorded_by,
        action="safe_country_list_recorded",
        subject=f"{state}-SCO",
        data={
            "version": row.version,
            "effective_from": body.effective_from.isoformat(),
            "legal_basis": body.legal_basis,
            "entries": entries,
            "note": body.note,
        },
        source=_provenance(body),
    )
    announce(
        session,
        RegisterChange(
            what=(
                f"{country_name(state)}'s list of safe countries of origin was withdrawn from "
                f"{_day(body.effective_from)}"
                if not entries
                else f"{country_name(state)}'s list of safe countries of origin changed from "
                f"{_day(body.effective_from)} (version {row.version})"
            ),
            agreements=_agreements_between(session, state),
        ),
        clock,
    )
    return _safe_list_view(row)


def _safe_list_view(row: SafeCountryList) -> dict[str, Any]:
    list_source = [{"url": row.source_url, "title": row.source_title}] if row.source_url else []
    return {
        "designating_state": row.designating_state,
        "version": row.version,
        "effective_from": row.effective_from,
        "legal_basis": row.legal_basis,
        "note": row.note,
        "entries": [
            {
                "country": e["country"],
                "name": country_name(e["country"]),
                "designated": not e["exceptions"],
                "exceptions": e["exceptions"],
                "invalid_because": ALACE_CANPELLI if e["exceptions"] else None,
                # The evidence must be disclosable (R13); an entry without its own falls back to the list's.
                "evidence": e["evidence"] or list_source,
            }
            for e in row.entries
        ],
        **_source_view(row),
    }


def _version_on(
    versions: Sequence[Any], on: date, field: str = "effective_from", known_at: datetime | None = None
) -> Any | None:
    """The version in force on ``on`` as known at ``known_at``.

    ``versions`` are in recording order (their version numbers). Of the versions recorded by ``known_at``,
    the one with the latest legal date on or before ``on``; of two with the same legal date, the one
    recorded later (a correction).
    """
    current = None
    for v in _visible(versions, known_at):
        legal = getattr(v, field)
        if legal <= on and (current is None or legal >= getattr(current, field)):
            current = v
    return current


def safe_country_list_on(
    session: Session, state: str, on: date, known_at: datetime | None = None
) -> dict[str, Any] | None:
    row = _version_on(_safe_lists(session, country_code(state, "designating_state")), on, known_at=known_at)
    return None if row is None else {"on": on, "known_at": known_at, **_safe_list_view(row)}


def safe_country_list_history(session: Session, state: str) -> list[dict[str, Any]]:
    return [_safe_list_view(r) for r in _safe_lists(session, country_code(state, "designating_state"))]


def safe_countries_of_origin_on(
    session: Session, state: str, on: date, known_at: datetime | None = None
) -> frozenset[str] | None:
    """The state's designated safe countries of origin on ``on`` (entries without exceptions), as known at
    ``known_at``, or None when no list of that state is registered on that date. The safeguards read the list
    through here."""
    designated, row = _designated_on(session, state, on, known_at)
    return None if row is None else designated


def _designated_on(
    session: Session, state: str, on: date, known_at: datetime | None = None
) -> tuple[frozenset[str], SafeCountryList | None]:
    row = _version_on(_safe_lists(session, state), on, known_at=known_at)
    if row is None:
        return frozenset(), None
    return frozenset(e["country"] for e in row.entries if not e["exceptions"]), row


# ---------------------------------------------------------------------------------------------------------
# Agreements and their versioned terms
# ---------------------------------------------------------------------------------------------------------


def _agreement(session: Session, reference: str, known_at: datetime | None = None) -> Agreement:
    row = session.execute(
        select(Agreement).where(Agreement.reference == reference.upper())
    ).scalar_one_or_none()
    if row is None or not _visible([row], known_at):
        raise NotFound(
            f"no agreement with reference {reference!r}"
            + (f" was known at {utc(known_at).isoformat()}" if row is not None and known_at else "")
        )
    return row


def _agreement_versions(session: Session, agreement_id: int) -> list[AgreementVersion]:
    return list(
        session.execute(
            select(AgreementVersion)
            .where(AgreementVersion.agreement_id == agreement_id)
            .order_by(AgreementVersion.version)
        ).scalars()
    )


def create_agreement(
    session: Session, body: AgreementIn, *, clock: Clock, recorded_by: str
) -> dict[str, Any]:
    """Register an agreement with its first version of terms."""
    _lock(session)
    sending = country_code(body.sending_state, "sending_state")
    partner = country_code(body.partner_country, "partner_country")
    if find_negotiation(session, sending, partner) is None:
        raise StateConflict(
            f"no negotiation between {sending} and {partner} is registered; record the pipeline first"
        )
    if body.reference is None:
        count = len(
            session.execute(
                select(Agreement.id).where(
                    Agreement.sending_state == sending, Agreement.partner_country == partner
                )
            ).all()
        )
        reference = f"{sending}-{partner}-{count + 1}"
    else:
        reference = body.reference
    if session.execute(select(Agreement.id).where(Agreement.reference == reference)).first() is not None:
        raise StateConflict(f"an agreement with reference {reference} already exists; amend it instead")
    values = _term_values(body.terms)
    agreement = Agreement(
        reference=reference,
        sending_state=sending,
        partner_country=partner,
        title=body.title,
        instrument=body.instrument,
        signed_on=body.signed_on,
        provenance=body.provenance,
        source_url=body.source_url,
        source_title=body.source_title,
        recorded_at=clock.now(),
        recorded_by=recorded_by,
    )
    session.add(agreement)
    _flush(session, f"agreement {reference}")
    record_change(
        session,
        clock=clock,
        recorded_by=recorded_by,
        action="agreement_created",
        subject=reference,
        data={
            "reference": reference,
            "sending_state": sending,
            "partner_country": partner,
            "title": body.title,
            "instrument": body.instrument,
            "signed_on": body.signed_on.isoformat() if body.signed_on else None,
        },
        source=_provenance(body),
    )
    _add_terms_version(
        session,
        agreement,
        body.terms,
        values,
        1,
        clock=clock,
        recorded_by=recorded_by,
        action="terms_recorded",
    )
    announce(
        session,
        RegisterChange(
            what=f"agreement {reference} was registered with terms from {_day(body.terms.effective_from)}",
            agreements=frozenset({reference}),
        ),
        clock,
    )
    return agreement_on(session, reference, body.terms.effective_from)


def amend_agreement(
    session: Session, reference: str, body: AmendmentIn, *, clock: Clock, recorded_by: str
) -> dict[str, Any]:
    """A new version of the terms from ``effective_from``: given fields replace the last version's."""
    _lock(session)
    agreement = _agreement(session, reference)
    versions = _agreement_versions(session, agreement.id)
    # The amendment changes the terms in force on its date (as known now); a version dated before the first
    # one changes the first. Any legal date may be recorded: a later-recorded version for a date supersedes.
    base: AgreementVersion = _version_on(versions, body.effective_from) or min(
        versions, key=lambda v: (v.effective_from, v.version)
    )
    latest = versions[-1]
    changes = body.model_dump(
        exclude_unset=True, exclude={"effective_from", "provenance", "source_url", "source_title"}
    )
    if not changes:
        raise InvalidInput("an amendment must change at least one term")
    merged = _terms_as_input(base)
    merged["note"] = None  # a note explains one version; it does not carry over
    merged.update(changes)
    merged.update(
        effective_from=body.effective_from,
        provenance=body.provenance,
        source_url=body.source_url,
        source_title=body.source_title,
    )
    terms = parse(TermsIn, merged)
    _add_terms_version(
        session,
        agreement,
        terms,
        _term_values(terms),
        latest.version + 1,
        clock=clock,
        recorded_by=recorded_by,
        action="terms_amended",
    )
    announce(
        session,
        RegisterChange(
            what=f"the terms of agreement {agreement.reference} changed from {_day(body.effective_from)}",
            agreements=frozenset({agreement.reference}),
        ),
        clock,
    )
    return agreement_on(session, agreement.reference, body.effective_from)


def _term_values(terms: TermsIn) -> dict[str, Any]:
    """Check the terms against the register (countries, regions, currencies) and shape the columns."""
    scope = terms.scope
    countries = (
        country_codes(scope.countries, "nationality in scope")
        if scope.kind == "list" and scope.countries
        else None
    )
    if scope.kind == "region":
        region(scope.region or "")
    payments = [
        {
            "description": p.description,
            "amount": str(p.amount),
            "currency": _currency(p.currency, "fixed payment currency"),
            "kind": p.kind,
        }
        for p in terms.fixed_payments
    ]
    return {
        "effective_from": terms.effective_from,
        "places": terms.places,
        "annual_quota": terms.annual_quota,
        "scope_kind": scope.kind,
        "scope_countries": countries,
        "scope_region": scope.region,
        "excluded_groups": list(terms.excluded_groups),
        "max_stay_days": terms.max_stay_days,
        "cost_per_place_per_day": terms.cost_per_place_per_day,
        "cost_currency": _currency(terms.cost_currency, "cost_currency") if terms.cost_currency else None,
        "fixed_payments": payments,
        "monitoring_body": terms.monitoring_body,
        "consequences_of_breach": terms.consequences_of_breach,
        "requires_judicial_validation_of_detention": terms.requires_judicial_validation_of_detention,
        "note": terms.note,
    }


def _add_terms_version(
    session: Session,
    agreement: Agreement,
    terms: TermsIn,
    values: dict[str, Any],
    version: int,
    *,
    clock: Clock,
    recorded_by: str,
    action: str,
) -> AgreementVersion:
    row = AgreementVersion(
        agreement_id=agreement.id,
        version=version,
        provenance=terms.provenance,
        source_url=terms.source_url,
        source_title=terms.source_title,
        recorded_at=clock.now(),
        recorded_by=recorded_by,
        **values,
    )
    session.add(row)
    _flush(session, f"agreement {agreement.reference}")
    record_change(
        session,
        clock=clock,
        recorded_by=recorded_by,
        action=action,
        subject=agreement.reference,
        data={"version": version, **_json_terms(row)},
        source=_provenance(terms),
    )
    return row


def _scope(row: AgreementVersion) -> dict[str, Any]:
    return {"kind": row.scope_kind, "countries": row.scope_countries, "region": row.scope_region}


def _json_terms(row: AgreementVersion) -> dict[str, Any]:
    cost = row.cost_per_place_per_day
    return {
        "effective_from": row.effective_from.isoformat(),
        "places": row.places,
        "annual_quota": row.annual_quota,
        "scope": _scope(row),
        "excluded_groups": list(row.excluded_groups),
        "max_stay_days": row.max_stay_days,
        # Money as a string: exact, and the same on SQLite and PostgreSQL.
        "cost_per_place_per_day": None if cost is None else f"{Decimal(cost):.2f}",
        "cost_currency": row.cost_currency,
        "fixed_payments": list(row.fixed_payments),
        "monitoring_body": row.monitoring_body,
        "consequences_of_breach": row.consequences_of_breach,
        "requires_judicial_validation_of_detention": row.requires_judicial_validation_of_detention,
        "note": row.note,
    }


def _terms_as_input(row: AgreementVersion) -> dict[str, Any]:
    values = _json_terms(row)
    scope = {k: v for k, v in values.pop("scope").items() if v is not None}
    values["scope"] = scope
    return values


def _terms_view(row: AgreementVersion) -> dict[str, Any]:
    return {"version": row.version, **_json_terms(row), **_source_view(row)}


def _nationalities_in_scope(
    session: Session, agreement: Agreement, row: AgreementVersion, on: date, known_at: datetime | None = None
) -> tuple[frozenset[str] | None, str | None]:
    """Resolve the scope on ``on``; the second value names the list version used, if any."""
    if row.scope_kind == "all":
        return None, None
    if row.scope_kind == "list":
        return frozenset(row.scope_countries or ()), None
    if row.scope_kind == "region":
        found = region(row.scope_region or "")
        return found.countries, f"region {found.name}: {found.source}"
    designated, list_row = _designated_on(session, agreement.sending_state, on, known_at)
    if list_row is None:
        return frozenset(), f"no safe-countries-of-origin list of {agreement.sending_state} on {on}"
    return designated, (
        f"safe-countries-of-origin list {agreement.sending_state} v{list_row.version} "
        f"from {list_row.effective_from} ({list_row.provenance}: {list_row.source_url})"
    )


def agreement_on(
    session: Session, reference: str, on: date, known_at: datetime | None = None
) -> dict[str, Any]:
    """The agreement as it stood on ``on`` (as known at ``known_at``): the terms version in force that day
    and the pipeline status."""
    agreement = _agreement(session, reference, known_at)
    versions = _visible(_agreement_versions(session, agreement.id), known_at)
    current: AgreementVersion | None = _version_on(versions, on)
    pipeline = _pipeline_status(session, agreement.sending_state, agreement.partner_country, on, known_at)
    scope: list[str] | None = None
    if current is not None:
        resolved, _ = _nationalities_in_scope(session, agreement, current, on, known_at)
        scope = None if resolved is None else sorted(resolved)
    hubs = session.execute(
        select(Hub.reference).where(Hub.agreement_id == agreement.id).order_by(Hub.reference)
    ).scalars()
    return {
        "reference": agreement.reference,
        "title": agreement.title,
        "instrument": agreement.instrument,
        "sending_state": agreement.sending_state,
        "partner_country": agreement.partner_country,
        "partner_name": country_name(agreement.partner_country),
        "signed_on": agreement.signed_on,
        **_source_view(agreement),
        "on": on,
        "known_at": known_at,
        "pipeline_status": pipeline.value if pipeline else None,
        "in_force": current is not None and pipeline is NegotiationStatus.IN_FORCE,
        "terms": None if current is None else _terms_view(current),
        "nationalities_in_scope": scope,
        "versions": [
            {
                "version": v.version,
                "effective_from": v.effective_from,
                "provenance": v.provenance,
                "recorded_at": utc(v.recorded_at),
            }
            for v in versions
        ],
        "hubs": list(hubs),
    }


def agreement_versions(session: Session, reference: str) -> list[dict[str, Any]]:
    agreement = _agreement(session, reference)
    return [_terms_view(v) for v in _agreement_versions(session, agreement.id)]


def list_agreements(session: Session, on: date, known_at: datetime | None = None) -> list[dict[str, Any]]:
    rows = _visible(
        session.execute(select(Agreement).order_by(Agreement.reference)).scalars().all(), known_at
    )
    return [agreement_on(session, r.reference, on, known_at) for r in rows]


# ---------------------------------------------------------------------------------------------------------
# Hubs and occupancy
# ---------------------------------------------------------------------------------------------------------


def _hub(session: Session, reference: str, known_at: datetime | None = None) -> Hub:
    row = session.execute(select(Hub).where(Hub.reference == reference.upper())).scalar_one_or_none()
    if row is None or not _visible([row], known_at):
        raise NotFound(f"no hub with reference {reference!r}")
    return row


def _hub_versions(session: Session, hub_id: int) -> list[HubVersion]:
    return list(
        session.execute(
            select(HubVersion).where(HubVersion.hub_id == hub_id).order_by(HubVersion.version)
        ).scalars()
    )


def register_hub(session: Session, body: HubIn, *, clock: Clock, recorded_by: str) -> dict[str, Any]:
    _lock(session)
    agreement = _agreement(session, body.agreement)
    if session.execute(select(Hub.id).where(Hub.reference == body.reference)).first() is not None:
        raise StateConflict(f"a hub with reference {body.reference} already exists; amend it instead")
    hub = Hub(
        reference=body.reference,
        name=body.name,
        agreement_id=agreement.id,
        locality=body.locality,
        recorded_at=clock.now(),
        recorded_by=recorded_by,
    )
    session.add(hub)
    _flush(session, f"hub {body.reference}")
    record_change(
        session,
        clock=clock,
        recorded_by=recorded_by,
        action="hub_registered",
        subject=body.reference,
        data={
            "reference": body.reference,
            "name": body.name,
            "agreement": agreement.reference,
            "locality": body.locality,
        },
        source=_provenance(body),
    )
    _add_hub_version(
        session,
        hub,
        1,
        body.effective_from,
        body.status,
        body.beds,
        body.note,
        body,
        clock=clock,
        recorded_by=recorded_by,
    )
    return hub_on(session, hub.reference, body.effective_from)


def amend_hub(
    session: Session, reference: str, body: HubAmendmentIn, *, clock: Clock, recorded_by: str
) -> dict[str, Any]:
    """A new dated version of a hub's status and beds; what is not given carries over."""
    _lock(session)
    hub = _hub(session, reference)
    versions = _hub_versions(session, hub.id)
    latest = versions[-1]
    if body.status is None and body.beds is None:
        raise InvalidInput("a hub change must give a new status or new beds")
    # Any legal date may be recorded (bitemporal): the change must fit between the version in force on its
    # date and the next later one, as known now.
    before: HubVersion | None = _version_on(versions, body.effective_from)
    base = before or min(versions, key=lambda v: (v.effective_from, v.version))
    status = body.status or base.status
    if before is not None and status not in HUB_TRANSITIONS[before.status]:
        raise StateConflict(f"hub {hub.reference} cannot go from {before.status} to {status}")
    later = [v for v in versions if v.effective_from > body.effective_from]
    if later:
        following = min(later, key=lambda v: (v.effective_from, -v.version))
        if following.status not in HUB_TRANSITIONS[status]:
            raise StateConflict(
                f"hub {hub.reference} cannot be {status} from {body.effective_from}: it is recorded as "
                f"{following.status} from {following.effective_from}, and a hub cannot go from {status} "
                f"to {following.status}"
            )
    beds = body.beds if body.beds is not None else dict(base.beds)
    _add_hub_version(
        session,
        hub,
        latest.version + 1,
        body.effective_from,
        status,
        beds,
        body.note,
        body,
        clock=clock,
        recorded_by=recorded_by,
    )
    announce(
        session,
        RegisterChange(
            what=f"hub {hub.reference} is recorded as {status} from {_day(body.effective_from)}",
            hubs=frozenset({hub.reference}),
        ),
        clock,
    )
    return hub_on(session, hub.reference, body.effective_from)


def _add_hub_version(
    session: Session,
    hub: Hub,
    version: int,
    effective_from: date,
    status: str,
    beds: dict[str, int],
    note: str | None,
    source: SourcedIn,
    *,
    clock: Clock,
    recorded_by: str,
) -> None:
    row = HubVersion(
        hub_id=hub.id,
        version=version,
        effective_from=effective_from,
        status=status,
        beds=beds,
        note=note,
        provenance=source.provenance,
        source_url=source.source_url,
        source_title=source.source_title,
        recorded_at=clock.now(),
        recorded_by=recorded_by,
    )
    session.add(row)
    _flush(session, f"hub {hub.reference}")
    record_change(
        session,
        clock=clock,
        recorded_by=recorded_by,
        action="hub_version_recorded",
        subject=hub.reference,
        data={
            "version": version,
            "effective_from": effective_from.isoformat(),
            "status": status,
            "beds": beds,
            "note": note,
        },
        source=_provenance(source),
    )


def record_occupancy(
    session: Session, reference: str, body: OccupancyIn, *, clock: Clock, recorded_by: str
) -> dict[str, Any]:
    """Record a head count at a hub on a date (until operations derives occupancy from stays)."""
    _lock(session)
    hub = _hub(session, reference)
    _not_in_future(body.counted_on, "counted_on", clock)
    if _version_on(_hub_versions(session, hub.id), body.counted_on) is None:
        raise StateConflict(f"hub {hub.reference} was not yet registered on {body.counted_on}")
    row = HubOccupancyFigure(
        hub_id=hub.id,
        counted_on=body.counted_on,
        occupied=body.occupied,
        occupied_by_bed_type=body.occupied_by_bed_type,
        note=body.note,
        provenance=body.provenance,
        source_url=body.source_url,
        source_title=body.source_title,
        recorded_at=clock.now(),
        recorded_by=recorded_by,
    )
    session.add(row)
    _flush(session, f"hub {hub.reference}")
    record_change(
        session,
        clock=clock,
        recorded_by=recorded_by,
        action="occupancy_recorded",
        subject=hub.reference,
        data={
            "counted_on": body.counted_on.isoformat(),
            "occupied": body.occupied,
            "occupied_by_bed_type": body.occupied_by_bed_type,
            "note": body.note,
        },
        source=_provenance(body),
    )
    return hub_on(session, hub.reference, body.counted_on)


@dataclass(frozen=True)
class Occupied:
    """People in a hub on a date, and where that number comes from."""

    occupied: int
    by_bed_type: dict[str, int] | None = None
    counted_on: date | None = None
    source: str | None = None


#: Anything that says, for a date, how many people each hub (by reference) holds.
OccupancySource = Callable[[Session, date], Mapping[str, Occupied]]


def recorded_occupancy(session: Session, on: date, known_at: datetime | None = None) -> dict[str, Occupied]:
    """Today's source of occupancy: the latest recorded head count on or before ``on`` for each hub."""
    rows = session.execute(
        select(Hub.reference, HubOccupancyFigure)
        .join(HubOccupancyFigure, HubOccupancyFigure.hub_id == Hub.id)
        .where(HubOccupancyFigure.counted_on <= on)
        .order_by(HubOccupancyFigure.counted_on, HubOccupancyFigure.id)
    ).all()
    latest: dict[str, Occupied] = {}
    for reference, figure in rows:  # later rows overwrite earlier ones
        if not _visible([figure], known_at):
            continue
        latest[reference] = Occupied(
            occupied=figure.occupied,
            by_bed_type=figure.occupied_by_bed_type,
            counted_on=figure.counted_on,
            source=f"{figure.provenance}: {figure.source_url or figure.note or 'recorded figure'}",
        )
    return latest


def occupancy_on(
    session: Session,
    on: date,
    *,
    occupied: OccupancySource = recorded_occupancy,
    known_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """Per hub on ``on``: beds, occupied, free.

    The seam for operations: ``occupied`` reads recorded head counts today; once hub stays are recorded,
    operations passes a source that counts stays on the date and nothing else here changes. Only an
    operational hub has free beds; a planned or closed hub reports its beds with ``free`` = 0.
    """
    counts = (
        recorded_occupancy(session, on, known_at) if occupied is recorded_occupancy else occupied(session, on)
    )
    out: list[dict[str, Any]] = []
    hubs = session.execute(
        select(Hub, Agreement).join(Agreement, Agreement.id == Hub.agreement_id).order_by(Hub.reference)
    ).all()
    for hub, agreement in hubs:
        if not _visible([hub], known_at):
            continue
        version: HubVersion | None = _version_on(_hub_versions(session, hub.id), on, known_at=known_at)
        if version is None:
            continue
        beds = sum(int(n) for n in version.beds.values())
        operational = version.status == "operational"
        count = counts.get(hub.reference) if operational else None
        held = count.occupied if count else 0
        out.append(
            {
                "hub": hub.reference,
                "name": hub.name,
                "agreement": agreement.reference,
                "partner_country": agreement.partner_country,
                "on": on,
                "status": version.status,
                "beds": beds,
                "beds_by_type": dict(version.beds),
                "occupied": held,
                "occupied_by_bed_type": count.by_bed_type if count else None,
                # Negative when a count exceeds the beds: overcrowding is shown, not hidden.
                "free": beds - held if operational else 0,
                # False: no figure yet, so ``occupied`` 0 means "not counted", not "empty".
                "occupancy_known": count is not None or not operational,
                "counted_on": count.counted_on if count else None,
                "occupancy_source": count.source if count else None,
                # Provenance of the hub's facts on the date (status, beds) and of its agreement.
                "provenance": version.provenance,
                "source_url": version.source_url,
                "source_title": version.source_title,
                "agreement_provenance": agreement.provenance,
                "known_at": known_at,
            }
        )
    return out


def hub_on(session: Session, reference: str, on: date, known_at: datetime | None = None) -> dict[str, Any]:
    hub = _hub(session, reference, known_at)
    agreement = session.get(Agreement, hub.agreement_id)
    assert agreement is not None
    versions = _visible(_hub_versions(session, hub.id), known_at)
    current: HubVersion | None = _version_on(versions, on)
    figure = recorded_occupancy(session, on, known_at).get(hub.reference)
    return {
        "reference": hub.reference,
        "name": hub.name,
        "agreement": agreement.reference,
        "partner_country": agreement.partner_country,
        "locality": hub.locality,
        "on": on,
        "known_at": known_at,
        "agreement_provenance": agreement.provenance,
        "provenance": current.provenance if current else None,
        "source_url": current.source_url if current else None,
        "source_title": current.source_title if current else None,
        "status": current.status if current else None,
        "beds": dict(current.beds) if current else {},
        "beds_total": sum(int(n) for n in current.beds.values()) if current else 0,
        "latest_count": None
        if figure is None
        else {"counted_on": figure.counted_on, "occupied": figure.occupied, "source": figure.source},
        "versions": [
            {
                "version": v.version,
                "effective_from": v.effective_from,
                "status": v.status,
                "beds": dict(v.beds),
                "note": v.note,
                **_source_view(v),
            }
            for v in versions
        ],
    }


def list_hubs(session: Session, on: date, known_at: datetime | None = None) -> list[dict[str, Any]]:
    rows = _visible(session.execute(select(Hub).order_by(Hub.reference)).scalars().all(), known_at)
    return [hub_on(session, r.reference, on, known_at) for r in rows]


# ---------------------------------------------------------------------------------------------------------
# Country assessments (R12, R13)
# ---------------------------------------------------------------------------------------------------------


def _assessments(session: Session, assessor: str, country: str) -> list[CountryAssessment]:
    return list(
        session.execute(
            select(CountryAssessment)
            .where(CountryAssessment.assessing_state == assessor, CountryAssessment.country == country)
            .order_by(CountryAssessment.version)
        ).scalars()
    )


def record_assessment(
    session: Session,
    body: AssessmentVersionIn,
    country: str,
    *,
    clock: Clock,
    recorded_by: str,
    amend: bool,
) -> dict[str, Any]:
    """Record the first assessment (``amend=False``) or a new version of it, with its evidence."""
    _lock(session)
    assessor = country_code(body.assessing_state, "assessing_state")
    assessed = country_code(country, "country")
    _not_in_future(body.assessed_on, "assessed_on", clock)
    versions = _assessments(session, assessor, assessed)
    if versions and not amend:
        raise StateConflict(f"{assessor} has already assessed {assessed}; record a new version instead")
    if amend and not versions:
        raise NotFound(f"{assessor} has no assessment of {assessed} to amend; create one first")
    # Any past date may be recorded (bitemporal): an earlier assessment entered late takes its legal place.
    nationalities = country_codes(body.unsafe_for_nationalities, "unsafe_for_nationalities")
    evidence = [e.model_dump() for e in body.evidence]
    row = CountryAssessment(
        assessing_state=assessor,
        country=assessed,
        version=(versions[-1].version + 1) if versions else 1,
        assessed_on=body.assessed_on,
        safe=body.safe,
        unsafe_for_nationalities=nationalities,
        unsafe_for_profiles=list(body.unsafe_for_profiles),
        summary=body.summary,
        evidence=evidence,
        provenance=body.provenance,
        source_url=body.source_url,
        source_title=body.source_title,
        recorded_at=clock.now(),
        recorded_by=recorded_by,
    )
    session.add(row)
    _flush(session, f"{assessor}'s assessment of {assessed}")
    record_change(
        session,
        clock=clock,
        recorded_by=recorded_by,
        action="assessment_recorded",
        subject=f"{assessor}-{assessed}-ASSESSMENT",
        data={
            "version": row.version,
            "assessed_on": body.assessed_on.isoformat(),
            "safe": body.safe,
            "unsafe_for_nationalities": nationalities,
            "unsafe_for_profiles": list(body.unsafe_for_profiles),
            "summary": body.summary,
            "evidence": evidence,
        },
        source=_provenance(body),
    )
    verdict = "safe" if body.safe else "unsafe for everyone"
    if body.safe and (body.unsafe_for_nationalities or body.unsafe_for_profiles):
        verdict = "safe except for some nationalities or profiles"
    announce(
        session,
        RegisterChange(
            what=f"{country_name(assessor)} assessed {country_name(assessed)} as {verdict} from "
            f"{_day(body.assessed_on)} (assessment version {row.version})",
            agreements=_agreements_between(session, assessor, assessed),
        ),
        clock,
    )
    return _assessment_view(row)


def create_assessment(
    session: Session, body: AssessmentIn, *, clock: Clock, recorded_by: str
) -> dict[str, Any]:
    return record_assessment(session, body, body.country, clock=clock, recorded_by=recorded_by, amend=False)


def _assessment_view(row: CountryAssessment) -> dict[str, Any]:
    return {
        "assessing_state": row.assessing_state,
        "country": row.country,
        "country_name": country_name(row.country),
        "version": row.version,
        "assessed_on": row.assessed_on,
        "safe": row.safe,
        "unsafe_for_nationalities": list(row.unsafe_for_nationalities),
        "unsafe_for_profiles": list(row.unsafe_for_profiles),
        "summary": row.summary,
        "evidence": list(row.evidence),
        **_source_view(row),
    }


def assessment_on(
    session: Session, assessor: str, country: str, on: date, known_at: datetime | None = None
) -> dict[str, Any] | None:
    """The assessment in force on ``on`` as known at ``known_at`` (None if there was none)."""
    row = _version_on(
        _assessments(session, country_code(assessor, "assessing_state"), country_code(country, "country")),
        on,
        "assessed_on",
        known_at,
    )
    return None if row is None else {"on": on, "known_at": known_at, **_assessment_view(row)}


def assessment_history(session: Session, country: str, assessor: str | None = None) -> list[dict[str, Any]]:
    query = select(CountryAssessment).where(CountryAssessment.country == country_code(country, "country"))
    if assessor is not None:
        query = query.where(CountryAssessment.assessing_state == country_code(assessor, "assessing_state"))
    rows = session.execute(
        query.order_by(CountryAssessment.assessing_state, CountryAssessment.version)
    ).scalars()
    return [_assessment_view(r) for r in rows]


def list_assessments(session: Session, on: date, known_at: datetime | None = None) -> list[dict[str, Any]]:
    """The assessment in force on ``on`` (as known at ``known_at``) for every pair assessed by then."""
    rows = session.execute(
        select(CountryAssessment)
        .where(CountryAssessment.assessed_on <= on)
        .order_by(CountryAssessment.assessing_state, CountryAssessment.country, CountryAssessment.version)
    ).scalars()
    by_pair: dict[tuple[str, str], list[CountryAssessment]] = {}
    for row in rows:
        by_pair.setdefault((row.assessing_state, row.country), []).append(row)
    current = [_version_on(v, on, "assessed_on", known_at) for v in by_pair.values()]
    return [{"on": on, "known_at": known_at, **_assessment_view(r)} for r in current if r is not None]


# ---------------------------------------------------------------------------------------------------------
# The register of partners
# ---------------------------------------------------------------------------------------------------------


def list_partners(session: Session, on: date, known_at: datetime | None = None) -> list[dict[str, Any]]:
    """One row per pipeline: the status on ``on`` (as known at ``known_at``) with its provenance, the
    agreements (each with its provenance) and the number of hubs."""
    negotiations = _visible(
        session.execute(select(Negotiation).order_by(Negotiation.partner_country, Negotiation.sending_state))
        .scalars()
        .all(),
        known_at,
    )
    out: list[dict[str, Any]] = []
    for negotiation in negotiations:
        view = negotiation_view(session, negotiation, on, known_at)
        agreements = _visible(
            session.execute(
                select(Agreement)
                .where(
                    Agreement.sending_state == negotiation.sending_state,
                    Agreement.partner_country == negotiation.partner_country,
                )
                .order_by(Agreement.reference)
            )
            .scalars()
            .all(),
            known_at,
        )
        hubs = (
            _visible(
                session.execute(select(Hub).where(Hub.agreement_id.in_([a.id for a in agreements])))
                .scalars()
                .all(),
                known_at,
            )
            if agreements
            else []
        )
        out.append(
            {
                "partner_country": view["partner_country"],
                "partner_name": view["partner_name"],
                "sending_state": view["sending_state"],
                "on": on,
                "known_at": known_at,
                "status": view["status"],
                "since": view["since"],
                "provenance": view["provenance"],
                "source_url": view["source_url"],
                "source_title": view["source_title"],
                "agreements": [a.reference for a in agreements],
                "agreement_provenance": {a.reference: a.provenance for a in agreements},
                "hubs": len(hubs),
            }
        )
    return out


def show_partner(
    session: Session, country: str, on: date, known_at: datetime | None = None
) -> dict[str, Any]:
    """Everything the register holds on one partner country: pipelines, agreements, hubs, assessments."""
    code = country_code(country, "country")
    negotiations = _visible(
        session.execute(
            select(Negotiation).where(Negotiation.partner_country == code).order_by(Negotiation.sending_state)
        )
        .scalars()
        .all(),
        known_at,
    )
    if not negotiations:
        raise NotFound(f"{country_name(code)} ({code}) is not in the partners register")
    agreements = [
        a.reference
        for a in _visible(
            session.execute(
                select(Agreement).where(Agreement.partner_country == code).order_by(Agreement.reference)
            )
            .scalars()
            .all(),
            known_at,
        )
    ]
    hubs = [
        h.reference
        for h in _visible(
            session.execute(
                select(Hub)
                .join(Agreement, Agreement.id == Hub.agreement_id)
                .where(Agreement.partner_country == code)
                .order_by(Hub.reference)
            )
            .scalars()
            .all(),
            known_at,
        )
    ]
    assessors = session.execute(
        select(CountryAssessment.assessing_state).where(CountryAssessment.country == code).distinct()
    ).scalars()
    assessments = [a for a in (assessment_on(session, s, code, on, known_at) for s in sorted(assessors)) if a]
    return {
        "country": code,
        "name": country_name(code),
        "on": on,
        "known_at": known_at,
        "negotiations": [negotiation_view(session, n, on, known_at) for n in negotiations],
        "agreements": [agreement_on(session, r, on, known_at) for r in agreements],
        "hubs": [hub_on(session, r, on, known_at) for r in hubs],
        "assessments": assessments,
    }


# ---------------------------------------------------------------------------------------------------------
# The terms the safeguards read (R7, R12, R14)
# ---------------------------------------------------------------------------------------------------------


def terms_on(session: Session, on: date, known_at: datetime | None = None) -> list[AgreementTerms]:
    """Every registered agreement as the safeguards see it on ``on``.

    ``in_force`` needs both a terms version in force and the pipeline at ``in_force`` that day. The
    assessment is the sending state's latest of the hub country on that day; with no assessment, or one
    that finds the country unsafe, every nationality is listed as unsafe: safety must be shown, not assumed.
    """
    agreements = _visible(
        session.execute(select(Agreement).order_by(Agreement.reference)).scalars().all(), known_at
    )
    return [_terms_for(session, a, on, known_at) for a in agreements]


def _terms_for(
    session: Session, agreement: Agreement, on: date, known_at: datetime | None = None
) -> AgreementTerms:
    version: AgreementVersion | None = _version_on(
        _agreement_versions(session, agreement.id), on, known_at=known_at
    )
    pipeline = _pipeline_status(session, agreement.sending_state, agreement.partner_country, on, known_at)
    sources: list[str] = [
        f"pipeline {agreement.sending_state}-{agreement.partner_country} on {on}: "
        f"{pipeline.value if pipeline else 'no step yet'}"
    ]
    assessment: CountryAssessment | None = _version_on(
        _assessments(session, agreement.sending_state, agreement.partner_country), on, "assessed_on", known_at
    )
    if assessment is None:
        unsafe_nationalities = all_country_codes()
        unsafe_profiles: frozenset[str] = frozenset()
        sources.append(
            f"no assessment of {agreement.partner_country} by {agreement.sending_state} on {on}: "
            "treated as unsafe for every nationality"
        )
    else:
        unsafe_nationalities = (
            frozenset(assessment.unsafe_for_nationalities) if assessment.safe else all_country_codes()
        )
        unsafe_profiles = frozenset(assessment.unsafe_for_profiles)
        sources.append(
            f"assessment {assessment.assessing_state} of {assessment.country} v{assessment.version} of "
            f"{assessment.assessed_on} ({assessment.provenance}: "
            f"{', '.join(e['url'] for e in assessment.evidence)})"
        )
    hubs = tuple(
        hub.reference
        for hub in session.execute(
            select(Hub).where(Hub.agreement_id == agreement.id).order_by(Hub.reference)
        ).scalars()
        if _visible([hub], known_at)
        and (hv := _version_on(_hub_versions(session, hub.id), on, known_at=known_at)) is not None
        and hv.status == "operational"
    )
    if version is None:
        return AgreementTerms(
            agreement=agreement.reference,
            hub_country=agreement.partner_country,
            sending_state=agreement.sending_state,
            on=on,
            in_force=False,
            nationalities_in_scope=frozenset(),
            unsafe_for_nationalities=unsafe_nationalities,
            unsafe_for_profiles=unsafe_profiles,
            hubs=hubs,
            sources=(*sources, f"agreement {agreement.reference}: no terms in force on {on}"),
        )
    scope, scope_source = _nationalities_in_scope(session, agreement, version, on, known_at)
    sources.insert(
        0,
        f"agreement {agreement.reference} v{version.version} from {version.effective_from} "
        f"({version.provenance}: {version.source_url or version.note or 'no URL'})",
    )
    if scope_source:
        sources.append(scope_source)
    safe_countries = safe_countries_of_origin_on(session, agreement.sending_state, on, known_at)
    return AgreementTerms(
        agreement=agreement.reference,
        hub_country=agreement.partner_country,
        sending_state=agreement.sending_state,
        on=on,
        in_force=pipeline is NegotiationStatus.IN_FORCE,
        nationalities_in_scope=scope,
        excluded_groups=frozenset(version.excluded_groups),
        max_stay_days=version.max_stay_days,
        monitoring_body=version.monitoring_body,
        requires_judicial_validation_of_detention=version.requires_judicial_validation_of_detention,
        unsafe_for_nationalities=unsafe_nationalities,
        unsafe_for_profiles=unsafe_profiles,
        hubs=hubs,
        sources=tuple(sources),
        safe_countries_of_origin=safe_countries,
    )


class DatabaseTermsProvider:
    """``AgreementTermsProvider`` over the partners register, in the caller's session (and transaction)."""

    def __init__(self, session: Session, known_at: datetime | None = None) -> None:
        self._session = session
        self._known_at = known_at

    def terms_on(self, on: date) -> list[AgreementTerms]:
        return terms_on(self._session, on, self._known_at)
