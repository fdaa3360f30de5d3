"""Builders for a small partners register: one pipeline in force, an agreement, an assessment, a hub."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from returnhub.core.clock import Clock
from returnhub.partners import service
from returnhub.partners.schemas import (
    AgreementIn,
    AmendmentIn,
    AssessmentIn,
    HubIn,
    NegotiationIn,
    StepIn,
)
from returnhub.partners.views import AgreementView, AssessmentView

ILLUSTRATIVE: dict[str, Any] = {"provenance": "illustrative", "source_title": "test fixture"}
SOURCED: dict[str, Any] = {"provenance": "sourced", "source_url": "https://example.org/source"}


def open_pipeline(session: Session, clock: Clock, partner: str = "SRB", status: str = "in_talks") -> None:
    service.open_negotiation(
        session,
        NegotiationIn(
            sending_state="GBR",
            partner_country=partner,
            status=status,
            occurred_on=date(2025, 5, 15),
            **SOURCED,
        ),
        clock=clock,
        recorded_by="test",
    )


def step(
    session: Session, clock: Clock, partner: str, status: str, on: date, reason: str | None = None
) -> None:
    service.record_step(
        session,
        partner,
        StepIn(sending_state="GBR", status=status, occurred_on=on, reason=reason, **ILLUSTRATIVE),
        clock=clock,
        recorded_by="test",
    )


def agreement_in_force(session: Session, clock: Clock, partner: str = "SRB") -> None:
    """GBR-<partner>: memorandum 1 Dec 2025, in force 1 Jan 2026; terms v1 from 1 Jan 2026 (ALB, IND)."""
    open_pipeline(session, clock, partner)
    step(session, clock, partner, "memorandum_signed", date(2025, 12, 1))
    step(session, clock, partner, "in_force", date(2026, 1, 1))
    service.create_agreement(
        session,
        AgreementIn(
            reference=f"GBR-{partner}-TEST",
            sending_state="GBR",
            partner_country=partner,
            title="Test agreement",
            instrument="memorandum of understanding",
            signed_on=date(2025, 12, 1),
            terms={
                "effective_from": date(2026, 1, 1),
                "places": 100,
                "scope": {"kind": "list", "countries": ["ALB", "IND"]},
                "excluded_groups": ["minors", "vulnerable"],
                "max_stay_days": 90,
                "cost_per_place_per_day": "80.50",
                "cost_currency": "GBP",
                **ILLUSTRATIVE,
            },
            **ILLUSTRATIVE,
        ),
        clock=clock,
        recorded_by="test",
    )


def amend_scope(
    session: Session, clock: Clock, reference: str, on: date, countries: list[str]
) -> AgreementView:
    return service.amend_agreement(
        session,
        reference,
        AmendmentIn(effective_from=on, scope={"kind": "list", "countries": countries}, **ILLUSTRATIVE),
        clock=clock,
        recorded_by="test",
    )


def assess(session: Session, clock: Clock, country: str, on: date, **fields: Any) -> AssessmentView:
    body = {
        "assessing_state": "GBR",
        "country": country,
        "assessed_on": on,
        "safe": True,
        "summary": "test assessment",
        "evidence": [{"url": "https://example.org/evidence", "title": "Evidence"}],
        **ILLUSTRATIVE,
        **fields,
    }
    return service.create_assessment(
        session, AssessmentIn.model_validate(body), clock=clock, recorded_by="test"
    )


def hub(
    session: Session,
    clock: Clock,
    reference: str,
    agreement: str,
    status: str,
    on: date,
    beds: dict[str, int],
) -> None:
    service.register_hub(
        session,
        HubIn(
            reference=reference,
            name=reference,
            agreement=agreement,
            status=status,
            effective_from=on,
            beds=beds,
            **ILLUSTRATIVE,
        ),
        clock=clock,
        recorded_by="test",
    )
