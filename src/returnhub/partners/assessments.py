"""Country assessments (R12, R13): is the hub country safe, and for whom."""

from __future__ import annotations

from datetime import date, datetime

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
    stamp,
    version_on,
    write,
)
from returnhub.partners.schemas import (
    AssessmentIn,
    AssessmentVersionIn,
)
from returnhub.partners.views import AssessmentOn, AssessmentView, CountryAssessments


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
) -> AssessmentView:
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
) -> AssessmentView:
    return record_assessment(session, body, body.country, clock=clock, recorded_by=recorded_by, amend=False)


#: The view's fields that are the row's columns as they are.
_ROW_FIELDS = tuple(name for name in AssessmentView.model_fields if name != "country_name")


def _assessment_view(row: CountryAssessment) -> AssessmentView:
    # Read from the row; the country's name is the register's, not a column.
    return AssessmentView.model_validate(
        {**{name: getattr(row, name) for name in _ROW_FIELDS}, "country_name": country_name(row.country)}
    )


def _on(view: AssessmentView, on: date, known_at: datetime | None) -> AssessmentOn:
    return AssessmentOn(on=on, known_at=known_at, **dict(view))


def assessment_on(
    session: Session, assessor: str, country: str, on: date, known_at: datetime | None = None
) -> AssessmentOn | None:
    """The assessment in force on ``on`` as known at ``known_at`` (None if there was none)."""
    row = version_on(
        assessments_of(session, country_code(assessor, "assessing_state"), country_code(country, "country")),
        on,
        "assessed_on",
        known_at,
    )
    return None if row is None else _on(_assessment_view(row), on, known_at)


def assessment_history(session: Session, country: str, assessor: str | None = None) -> list[AssessmentView]:
    query = select(CountryAssessment).where(CountryAssessment.country == country_code(country, "country"))
    if assessor is not None:
        query = query.where(CountryAssessment.assessing_state == country_code(assessor, "assessing_state"))
    rows = session.execute(
        query.order_by(CountryAssessment.assessing_state, CountryAssessment.version)
    ).scalars()
    return [_assessment_view(r) for r in rows]


def country_assessments(
    session: Session, country: str, on: date, known_at: datetime | None = None, assessor: str | None = None
) -> CountryAssessments:
    """A country's assessments in force on ``on`` (one per assessing state, or ``assessor``'s only), and every
    version with its evidence (for disclosure)."""
    history = assessment_history(session, country, assessor)
    if not history:
        raise NotFound(f"no assessment of {country.upper()} is recorded")
    assessors = sorted({h.assessing_state for h in history})
    current = [a for a in (assessment_on(session, s, country, on, known_at) for s in assessors) if a]
    return CountryAssessments(
        country=history[0].country, on=on, known_at=known_at, current=current, history=history
    )


def list_assessments(session: Session, on: date, known_at: datetime | None = None) -> list[AssessmentOn]:
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
    return [_on(_assessment_view(r), on, known_at) for r in current if r is not None]
