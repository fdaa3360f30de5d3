"""The terms the safeguards read (R7, R12, R14)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.core.ledger import LedgerHead
from returnhub.partners.agreement_terms import AgreementTerms
from returnhub.partners.agreements import agreement_versions_of, scope_nationalities
from returnhub.partners.assessments import assessments_of
from returnhub.partners.changes import PARTNERS_LEDGER
from returnhub.partners.countries import all_country_codes
from returnhub.partners.hubs import hub_versions
from returnhub.partners.models import (
    Agreement,
    AgreementVersion,
    CountryAssessment,
    Hub,
)
from returnhub.partners.negotiations import pipeline_status_on
from returnhub.partners.pipeline import NegotiationStatus
from returnhub.partners.records import version_on, visible
from returnhub.partners.safe_lists import safe_countries_of_origin_on

#: Terms already read, by (database, the change log's head, day, known at). Every register write appends to
#: the hash-chained change log in its own transaction (``records.write``; the tables refuse UPDATE), so the
#: head names the register's content: a new head is a new key, never stale terms. A case page and the gate
#: read the whole register per case (forty queries); this makes that one.
_READ: OrderedDict[tuple[Any, ...], tuple[AgreementTerms, ...]] = OrderedDict()
_READ_SIZE = 64
_READ_LOCK = threading.Lock()


def _register_head(session: Session) -> tuple[int, str] | None:
    # Through the session, so that a change this transaction made and has not flushed yet is counted.
    row = session.execute(
        select(LedgerHead.count, LedgerHead.last_hash).where(LedgerHead.name == PARTNERS_LEDGER)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def terms_on(session: Session, on: date, known_at: datetime | None = None) -> list[AgreementTerms]:
    """Every registered agreement as the safeguards see it on ``on``.

    ``in_force`` needs both a terms version in force and the pipeline at ``in_force`` that day. The
    assessment is the sending state's latest of the hub country on that day; with no assessment, or one
    that finds the country unsafe, every nationality is listed as unsafe: safety must be shown, not assumed.
    Read once per state of the register (``_READ``).
    """
    head = _register_head(session)
    key = (str(session.connection().engine.url), head, on, known_at)
    with _READ_LOCK:
        found = _READ.get(key)
        if found is not None:
            _READ.move_to_end(key)
            return list(found)
    terms = _read_terms(session, on, known_at)
    # Kept only if nothing was committed meanwhile (PostgreSQL reads each statement afresh).
    if head is not None and _register_head(session) == head:
        with _READ_LOCK:
            _READ[key] = tuple(terms)
            while len(_READ) > _READ_SIZE:
                _READ.popitem(last=False)
    return terms


def _read_terms(session: Session, on: date, known_at: datetime | None) -> list[AgreementTerms]:
    agreements = visible(
        session.execute(select(Agreement).order_by(Agreement.reference)).scalars().all(), known_at
    )
    return [_terms_for(session, a, on, known_at) for a in agreements]


def _terms_for(
    session: Session, agreement: Agreement, on: date, known_at: datetime | None = None
) -> AgreementTerms:
    version: AgreementVersion | None = version_on(
        agreement_versions_of(session, agreement.id), on, known_at=known_at
    )
    pipeline = pipeline_status_on(session, agreement.sending_state, agreement.partner_country, on, known_at)
    sources: list[str] = [
        f"pipeline {agreement.sending_state}-{agreement.partner_country} on {on}: "
        f"{pipeline.value if pipeline else 'no step yet'}"
    ]
    assessment: CountryAssessment | None = version_on(
        assessments_of(session, agreement.sending_state, agreement.partner_country),
        on,
        "assessed_on",
        known_at,
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
        if visible([hub], known_at)
        and (hv := version_on(hub_versions(session, hub.id), on, known_at=known_at)) is not None
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
    scope, scope_source = scope_nationalities(session, agreement, version, on, known_at)
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
