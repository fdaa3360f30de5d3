"""Demo seeding beyond the synthetic population: the partners register and some senior-caseworker reviews.

The illustrative UK agreement's hub country is assessed unsafe for a profile the case record cannot
show (R12P), so every case needs a senior caseworker's review before it may be referred. For the demo's
planners to have people to plan, a synthetic senior caseworker ("demo-senior") records approvals for a
share of the cases whose only open question is R12P. Synthetic decisions about synthetic people.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from returnhub.access.roles import Role
from returnhub.access.service import add_representation, add_user, has_users
from returnhub.access.settings import get_access_settings
from returnhub.casework.queries import search_cases
from returnhub.core.clock import Clock
from returnhub.core.errors import DomainError
from returnhub.safeguards.service import record_review_decision, screen

DEMO_SENIOR = "demo-senior"


def seed_demo_reviews(
    session: Session, clock: Clock, *, pack: str = "uk", share: float = 0.8, limit: int = 3_000
) -> int:
    results = screen(session, pack=pack, stage="hub_referral", as_of=clock.today()).results
    if results.is_empty() or "R12P" not in results.columns:
        return 0
    rule_columns = [c for c in results.columns if c.startswith("R") and ":" not in c and c != "reference"]
    others_clear = pl.all_horizontal(
        [(pl.col(c).cast(pl.String) != "bar") for c in rule_columns if c != "R12P"]
    )
    candidates = results.filter(
        (pl.col("outcome").cast(pl.String) == "review")
        & (pl.col("R12P").cast(pl.String) == "review")
        & others_clear
    )
    references = candidates["reference"].to_list()
    chosen = references[: min(limit, int(len(references) * share))]
    recorded = 0
    for reference, agreement in zip(chosen, candidates["agreement"].to_list(), strict=False):
        try:
            with session.begin_nested():
                record_review_decision(
                    session,
                    reference,
                    rule="R12P",
                    decision="approve",
                    pack=pack,
                    clock=clock,
                    agreement=agreement,
                    decided_by=DEMO_SENIOR,
                    reasoning="SYNTHETIC demo decision: interview notes show no lgbt profile",
                )
            recorded += 1
        except DomainError:
            continue
    return recorded


#: One demo user per role, password "returnhub-demo-" + role; printed by `returnhub seed` and in the README.
#: Created only when the environment is "development" and the database has no users.
def seed_demo_users(session: Session, clock: Clock, *, environment: str) -> list[str]:
    if environment != "development":
        return []
    if has_users(session):
        return []
    settings = get_access_settings()
    names = []
    for role in Role:
        name = f"demo.{role.value}".replace("_", "-")
        hubs = ("GBR-MKD-H1",) if role is Role.HUB_LIAISON else ()
        add_user(
            session,
            name,
            role,
            f"returnhub-demo-{role.value}",
            settings=settings,
            clock=clock,
            created_by="seed",
            hubs=hubs,
        )
        names.append(name)
    # The demo legal representative acts for the first few people whose appeal rights are exhausted.
    clients = [c.reference for c in search_cases(session, status="appeal_rights_exhausted", limit=5)]
    for reference in clients:
        add_representation(session, "demo.legal-representative", reference, clock=clock, granted_by="seed")
    return names
