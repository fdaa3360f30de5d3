"""Seed the partners register for the demo from ``seed.yaml`` (sourced and illustrative records).

Everything goes through the service functions, so the seed obeys the same pipeline rules and writes the same
audited changes as a partnerships officer would. Seeding a register that is not empty does nothing.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.core.clock import Clock
from returnhub.partners import service
from returnhub.partners.models import Negotiation
from returnhub.partners.schemas import (
    AgreementIn,
    AmendmentIn,
    AssessmentIn,
    HubAmendmentIn,
    HubIn,
    NegotiationIn,
    OccupancyIn,
    SafeListIn,
    StepIn,
    parse,
)


@lru_cache(maxsize=1)
def seed_data() -> dict[str, Any]:
    """The parsed seed file (cached: callers must not mutate it)."""
    text = resources.files("returnhub.partners").joinpath("seed.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is present
    data: dict[str, Any] = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    return data


def _without(record: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in keys}


def seed_partners(session: Session, clock: Clock, *, recorded_by: str = "seed") -> dict[str, Any]:
    """Load the demo register in the caller's transaction; returns what was written."""
    if session.execute(select(Negotiation.id).limit(1)).first() is not None:
        return {"seeded": False, "reason": "the partners register is not empty"}
    data = seed_data()
    counts = dict.fromkeys(
        (
            "negotiations",
            "steps",
            "safe_country_lists",
            "assessments",
            "agreements",
            "terms_versions",
            "hubs",
            "hub_versions",
            "occupancy_counts",
        ),
        0,
    )
    for negotiation in data["negotiations"]:
        first, *rest = negotiation["steps"]
        pair = {"sending_state": negotiation["sending_state"]}
        service.open_negotiation(
            session,
            parse(NegotiationIn, {**first, **pair, "partner_country": negotiation["partner_country"]}),
            clock=clock,
            recorded_by=recorded_by,
        )
        for step in rest:
            service.record_step(
                session,
                negotiation["partner_country"],
                parse(StepIn, {**step, **pair}),
                clock=clock,
                recorded_by=recorded_by,
            )
        counts["negotiations"] += 1
        counts["steps"] += len(negotiation["steps"])
    for safe_list in data["safe_country_lists"]:
        service.record_safe_country_list(
            session, parse(SafeListIn, safe_list), clock=clock, recorded_by=recorded_by
        )
        counts["safe_country_lists"] += 1
    for assessment in data["assessments"]:
        service.create_assessment(
            session, parse(AssessmentIn, assessment), clock=clock, recorded_by=recorded_by
        )
        counts["assessments"] += 1
    for agreement in data["agreements"]:
        amendments = agreement.get("amendments", [])
        created = service.create_agreement(
            session,
            parse(AgreementIn, _without(agreement, "amendments")),
            clock=clock,
            recorded_by=recorded_by,
        )
        for amendment in amendments:
            service.amend_agreement(
                session,
                created.reference,
                parse(AmendmentIn, amendment),
                clock=clock,
                recorded_by=recorded_by,
            )
        counts["agreements"] += 1
        counts["terms_versions"] += 1 + len(amendments)
    for hub in data["hubs"]:
        changes = hub.get("changes", [])
        head_counts = hub.get("counts", [])
        service.register_hub(
            session, parse(HubIn, _without(hub, "changes", "counts")), clock=clock, recorded_by=recorded_by
        )
        for change in changes:
            service.amend_hub(
                session, hub["reference"], parse(HubAmendmentIn, change), clock=clock, recorded_by=recorded_by
            )
        for head_count in head_counts:
            service.record_occupancy(
                session,
                hub["reference"],
                parse(OccupancyIn, head_count),
                clock=clock,
                recorded_by=recorded_by,
            )
        counts["hubs"] += 1
        counts["hub_versions"] += 1 + len(changes)
        counts["occupancy_counts"] += len(head_counts)
    return {"seeded": True, **counts}
