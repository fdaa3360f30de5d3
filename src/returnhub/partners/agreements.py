"""Agreements and their versioned terms."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput, NotFound, StateConflict
from returnhub.core.time import utc
from returnhub.partners.countries import country_code, country_codes, country_name, region
from returnhub.partners.hooks import RegisterChange, announce
from returnhub.partners.models import (
    Agreement,
    AgreementVersion,
    Hub,
)
from returnhub.partners.negotiations import find_negotiation, pipeline_status_on
from returnhub.partners.pipeline import NegotiationStatus
from returnhub.partners.records import (
    currency_code,
    day_text,
    lock_register,
    provenance_of,
    source_view,
    stamp,
    version_on,
    visible,
    write,
)
from returnhub.partners.safe_lists import designated_on
from returnhub.partners.schemas import (
    AgreementIn,
    AmendmentIn,
    TermsIn,
    parse,
)
from returnhub.partners.views import AgreementView, TermsOut, VersionRef


def find_agreement(session: Session, reference: str, known_at: datetime | None = None) -> Agreement:
    row = session.execute(
        select(Agreement).where(Agreement.reference == reference.upper())
    ).scalar_one_or_none()
    if row is None or not visible([row], known_at):
        raise NotFound(
            f"no agreement with reference {reference!r}"
            + (f" was known at {utc(known_at).isoformat()}" if row is not None and known_at else "")
        )
    return row


def agreement_versions_of(session: Session, agreement_id: int) -> list[AgreementVersion]:
    return list(
        session.execute(
            select(AgreementVersion)
            .where(AgreementVersion.agreement_id == agreement_id)
            .order_by(AgreementVersion.version)
        ).scalars()
    )


def create_agreement(session: Session, body: AgreementIn, *, clock: Clock, recorded_by: str) -> AgreementView:
    """Register an agreement with its first version of terms."""
    lock_register(session)
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
        **stamp(body, clock, recorded_by),
    )
    write(
        session,
        agreement,
        f"agreement {reference}",
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
        source=provenance_of(body),
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
            what=f"agreement {reference} was registered with terms from "
            f"{day_text(body.terms.effective_from)}",
            agreements=frozenset({reference}),
        ),
        clock,
    )
    return agreement_on(session, reference, body.terms.effective_from)


def amend_agreement(
    session: Session, reference: str, body: AmendmentIn, *, clock: Clock, recorded_by: str
) -> AgreementView:
    """A new version of the terms from ``effective_from``: given fields replace the last version's."""
    lock_register(session)
    agreement = find_agreement(session, reference)
    versions = agreement_versions_of(session, agreement.id)
    # The amendment changes the terms in force on its date (as known now); a version dated before the first
    # one changes the first. Any legal date may be recorded: a later-recorded version for a date supersedes.
    base: AgreementVersion = version_on(versions, body.effective_from) or min(
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
            what=f"the terms of agreement {agreement.reference} changed from {day_text(body.effective_from)}",
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
            "currency": currency_code(p.currency, "fixed payment currency"),
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
        "cost_currency": currency_code(terms.cost_currency, "cost_currency") if terms.cost_currency else None,
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
        **stamp(terms, clock, recorded_by),
        **values,
    )
    write(
        session,
        row,
        f"agreement {agreement.reference}",
        clock=clock,
        recorded_by=recorded_by,
        action=action,
        subject=agreement.reference,
        data={"version": version, **_json_terms(row)},
        source=provenance_of(terms),
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


def _terms_view(row: AgreementVersion) -> TermsOut:
    return TermsOut.model_validate({"version": row.version, **_json_terms(row), **dict(source_view(row))})


def scope_nationalities(
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
    designated, list_row = designated_on(session, agreement.sending_state, on, known_at)
    if list_row is None:
        return frozenset(), f"no safe-countries-of-origin list of {agreement.sending_state} on {on}"
    return designated, (
        f"safe-countries-of-origin list {agreement.sending_state} v{list_row.version} "
        f"from {list_row.effective_from} ({list_row.provenance}: {list_row.source_url})"
    )


def agreement_on(
    session: Session, reference: str, on: date, known_at: datetime | None = None
) -> AgreementView:
    """The agreement as it stood on ``on`` (as known at ``known_at``): the terms version in force that day
    and the pipeline status."""
    agreement = find_agreement(session, reference, known_at)
    versions = visible(agreement_versions_of(session, agreement.id), known_at)
    current: AgreementVersion | None = version_on(versions, on)
    pipeline = pipeline_status_on(session, agreement.sending_state, agreement.partner_country, on, known_at)
    scope: list[str] | None = None
    if current is not None:
        resolved, _ = scope_nationalities(session, agreement, current, on, known_at)
        scope = None if resolved is None else sorted(resolved)
    hubs = session.execute(
        select(Hub.reference).where(Hub.agreement_id == agreement.id).order_by(Hub.reference)
    ).scalars()
    return AgreementView(
        reference=agreement.reference,
        title=agreement.title,
        instrument=agreement.instrument,
        sending_state=agreement.sending_state,
        partner_country=agreement.partner_country,
        partner_name=country_name(agreement.partner_country),
        signed_on=agreement.signed_on,
        **dict(source_view(agreement)),
        on=on,
        known_at=known_at,
        pipeline_status=pipeline.value if pipeline else None,
        in_force=current is not None and pipeline is NegotiationStatus.IN_FORCE,
        terms=None if current is None else _terms_view(current),
        nationalities_in_scope=scope,
        versions=[VersionRef.model_validate(v) for v in versions],
        hubs=list(hubs),
    )


def agreement_versions(session: Session, reference: str) -> list[TermsOut]:
    agreement = find_agreement(session, reference)
    return [_terms_view(v) for v in agreement_versions_of(session, agreement.id)]


def list_agreements(session: Session, on: date, known_at: datetime | None = None) -> list[AgreementView]:
    rows = visible(session.execute(select(Agreement).order_by(Agreement.reference)).scalars().all(), known_at)
    return [agreement_on(session, r.reference, on, known_at) for r in rows]
