"""The register of partners: every partner country with its pipeline, agreements, hubs and assessments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.core.errors import NotFound
from returnhub.partners.agreements import agreement_on
from returnhub.partners.assessments import assessment_on
from returnhub.partners.countries import country_code, country_name
from returnhub.partners.hubs import hub_on, recorded_occupancy
from returnhub.partners.models import (
    Agreement,
    CountryAssessment,
    Hub,
    Negotiation,
)
from returnhub.partners.negotiations import negotiation_view
from returnhub.partners.records import visible
from returnhub.partners.views import PartnerSummary, PartnerView


def list_partners(session: Session, on: date, known_at: datetime | None = None) -> list[PartnerSummary]:
    """One row per pipeline: the status on ``on`` (as known at ``known_at``) with its provenance, the
    agreements (each with its provenance) and the number of hubs."""
    negotiations = visible(
        session.execute(select(Negotiation).order_by(Negotiation.partner_country, Negotiation.sending_state))
        .scalars()
        .all(),
        known_at,
    )
    out: list[PartnerSummary] = []
    for negotiation in negotiations:
        view = negotiation_view(session, negotiation, on, known_at)
        agreements = visible(
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
            visible(
                session.execute(select(Hub).where(Hub.agreement_id.in_([a.id for a in agreements])))
                .scalars()
                .all(),
                known_at,
            )
            if agreements
            else []
        )
        out.append(
            PartnerSummary(
                partner_country=view.partner_country,
                partner_name=view.partner_name,
                sending_state=view.sending_state,
                on=on,
                known_at=known_at,
                status=view.status,
                since=view.since,
                provenance=view.provenance,
                source_url=view.source_url,
                source_title=view.source_title,
                agreements=[a.reference for a in agreements],
                agreement_provenance={a.reference: a.provenance for a in agreements},
                hubs=len(hubs),
            )
        )
    return out


def show_partner(session: Session, country: str, on: date, known_at: datetime | None = None) -> PartnerView:
    """Everything the register holds on one partner country: pipelines, agreements, hubs, assessments."""
    code = country_code(country, "country")
    negotiations = visible(
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
        for a in visible(
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
        for h in visible(
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
    occupancy = recorded_occupancy(session, on, known_at, hubs=hubs)  # every hub's head count, in one read
    return PartnerView(
        country=code,
        name=country_name(code),
        on=on,
        known_at=known_at,
        negotiations=[negotiation_view(session, n, on, known_at) for n in negotiations],
        agreements=[agreement_on(session, r, on, known_at) for r in agreements],
        hubs=[hub_on(session, r, on, known_at, occupancy=occupancy) for r in hubs],
        assessments=assessments,
    )
