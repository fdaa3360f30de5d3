"""Agreement terms and country assessments as the safeguards read them.

This is the contract between partners (which keeps agreements, hubs and assessments, dated and
versioned) and safeguards (which applies R7, R12 and R14 with them). The partners context produces
these records for a date; the rule packs also ship default terms as dated parameters so that the
safeguards work before any agreement is registered. It lives here, with its producer, so that partners
imports nothing of the safeguards, which build on the register (an import contract).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

#: Groups an agreement may exclude from transfer.
EXCLUDED_GROUPS = frozenset(
    {"minors", "families_with_minors", "women", "vulnerable", "host_nationals", "unaccompanied_minors"}
)


@dataclass(frozen=True)
class AgreementTerms:
    """The terms of one agreement in force (or not) on one date, with the hub country's assessment."""

    agreement: str
    #: ISO 3166-1 alpha-3 of the partner (hub) country.
    hub_country: str
    #: The date these terms were read for.
    on: date
    in_force: bool
    #: None means every nationality is in scope; otherwise ISO alpha-3 codes.
    nationalities_in_scope: frozenset[str] | None = None
    excluded_groups: frozenset[str] = frozenset()
    max_stay_days: int | None = None
    monitoring_body: str | None = None
    requires_judicial_validation_of_detention: bool = False
    #: From the latest country assessment on ``on``: nationalities and profile tags (e.g. "lgbt",
    #: "sex:F", "political") for whom the hub country is NOT assessed safe.
    unsafe_for_nationalities: frozenset[str] = frozenset()
    unsafe_for_profiles: frozenset[str] = frozenset()
    #: Hubs (site references) under this agreement.
    hubs: tuple[str, ...] = ()
    #: Where these terms come from (agreement version, assessment version, source URL).
    sources: tuple[str, ...] = field(default_factory=tuple)
    #: The sending state's designated safe countries of origin on ``on`` (ISO alpha-3), read from the
    #: partners register's safe-country lists (entries without exceptions); None when the register holds
    #: no list for that state on the date (EU-R6S then bars: safety must be shown, not assumed).
    safe_countries_of_origin: frozenset[str] | None = None
    #: ISO alpha-3 of the state sending people under this agreement (GBR, ITA...). A rule pack applies only
    #: agreements of its own sending states; terms without one are applied by no pack (fail closed).
    sending_state: str | None = None


class AgreementTermsProvider(Protocol):
    """Anything that can say which agreements (with their terms) apply on a date."""

    def terms_on(self, on: date) -> list[AgreementTerms]: ...
