"""Country assessments (R12, R13): is the hub country safe, and for whom."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.core.clock import Clock
from returnhub.core.errors import NotFound, StateConflict
from returnhub.partners.countries import country_code, country_codes, country_name
from returnhub.partners.hooks import RegisterChange, announce
from returnhub.partners.models import CountryAssessment
from returnhub.partners.records import (
    agreements_between,
    day_text,
    lock_register,
    not_in_future,
    provenance_of,
    source_view,
    stamp,
    version_on,
    write,
)
from returnhub.partners.schemas import (
    AssessmentIn,
    AssessmentVersionIn,
)


def assessments_of(session: Session, assessor: str, country: str) -> list[CountryAssessment]:
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
    lock_register(session)
    assessor = country_code(body.assessing_state, "assessing_state")
    assessed = country_code(country, "country")
    not_in_future(body.assessed_on, "assessed_on", clock)
    versions = assessments_of(session, assessor, assessed)
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
        **stamp(body, clock, recorded_by),
    )
    write(
        session,
        row,
        f"{assessor}'s assessment of {assessed}",
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
        source=provenance_of(body),
    )
    verdict = "safe" if body.safe else "unsafe for everyone"
    if body.safe and (body.unsafe_for_nationalities or body.unsafe_for_profiles):
        verdict = "safe except for some nationalities or profiles"
    announce(
        session,
        RegisterChange(
            what=f"{country_name(assessor)} assessed {country_name(assessed)} as {verdict} from "
            f"{day_text(body.assessed_on)} (assessment version {row.version})",
            agreements=agreements_between(session, assessor, assessed),
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
        **source_view(row),
    }


def assessment_on(
    session: Session, assessor: str, country: str, on: date, known_at: datetime | None = None
) -> dict[str, Any] | None:
    """The assessment in force on ``on`` as known at ``known_at`` (None if there was none)."""
    row = version_on(
        assessments_of(session, country_code(assessor, "assessing_state"), country_code(country, "country")),
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
    current = [version_on(v, on, "assessed_on", known_at) for v in by_pair.values()]
    return [{"on": on, "known_at": known_at, **_assessment_view(r)} for r in current if r is not None]
