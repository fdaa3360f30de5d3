"""Partners services: the negotiation pipeline, agreements with dated terms, hubs, assessments, and the
terms the safeguards read, one module per concept (``negotiations``, ``safe_lists``, ``agreements``,
``hubs``, ``assessments``, ``register``, ``terms``, on ``records``), gathered here.

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

from returnhub.partners.agreements import (
    agreement_on,
    agreement_versions,
    amend_agreement,
    create_agreement,
    list_agreements,
)
from returnhub.partners.assessments import (
    assessment_history,
    assessment_on,
    country_assessments,
    create_assessment,
    list_assessments,
    record_assessment,
)
from returnhub.partners.hubs import (
    HUB_TRANSITIONS,
    OccupancySource,
    Occupied,
    amend_hub,
    hub_on,
    list_hubs,
    occupancy_on,
    record_occupancy,
    recorded_occupancy,
    register_hub,
)
from returnhub.partners.negotiations import find_negotiation, negotiation_view, open_negotiation, record_step
from returnhub.partners.register import list_partners, show_partner
from returnhub.partners.safe_lists import (
    ALACE_CANPELLI,
    record_safe_country_list,
    safe_countries_of_origin_on,
    safe_country_list_history,
    safe_country_list_on,
)
from returnhub.partners.terms import DatabaseTermsProvider, terms_on

__all__ = [
    "ALACE_CANPELLI",
    "DatabaseTermsProvider",
    "HUB_TRANSITIONS",
    "OccupancySource",
    "Occupied",
    "agreement_on",
    "agreement_versions",
    "amend_agreement",
    "amend_hub",
    "assessment_history",
    "assessment_on",
    "country_assessments",
    "create_agreement",
    "create_assessment",
    "find_negotiation",
    "hub_on",
    "list_agreements",
    "list_assessments",
    "list_hubs",
    "list_partners",
    "negotiation_view",
    "occupancy_on",
    "open_negotiation",
    "record_assessment",
    "record_occupancy",
    "record_safe_country_list",
    "record_step",
    "recorded_occupancy",
    "register_hub",
    "safe_countries_of_origin_on",
    "safe_country_list_history",
    "safe_country_list_on",
    "show_partner",
    "terms_on",
]
