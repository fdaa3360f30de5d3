"""What a partnerships officer submits: one model per write, shared by the API, the CLI and the seed.

Shape checks live here (pydantic); checks against the register (the pipeline, version order, known
countries and regions) live in ``service``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from returnhub.core.errors import InvalidInput
from returnhub.partners.agreement_terms import EXCLUDED_GROUPS

#: Bed types a hub may have. Hubs take adults only (R6, R7), hence no bed type for children alone.
BED_TYPES = frozenset({"single_adult_male", "adult_female", "family", "medical", "custodial"})
HUB_STATUSES = ("planned", "operational", "closed")
SCOPE_KINDS = ("all", "list", "region", "safe_countries_of_origin")
PAYMENT_KINDS = ("lump_sum", "per_person", "milestone")

#: Profile tags a country can be unsafe for (R12): sex, sexual orientation/gender identity, ethnicity,
#: political profile. Nationality is a separate list.
_PROFILE_TAG = re.compile(r"^(lgbt|political|sex:[FMX]|ethnicity:[a-z][a-z0-9_-]{0,39})$")
REFERENCE_PATTERN = r"^[A-Z0-9]+(-[A-Z0-9]+)+$"

Model = TypeVar("Model", bound=BaseModel)


def parse(model: type[Model], data: Any) -> Model:
    """Validate outside HTTP (CLI, seed): a bad field is one InvalidInput line, not a traceback."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or model.__name__
        raise InvalidInput(f"{where}: {first.get('msg')}") from None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SourcedIn(_Strict):
    """Every dated record says where it comes from. Reported records are told by a cited report but not
    confirmed; illustrative records are demo inventions."""

    provenance: Literal["sourced", "reported", "illustrative"] = Field(
        description="`sourced` (confirmed by its cited source), `reported` (told by a cited report, "
        "not confirmed: unnamed insiders, unnamed countries) or `illustrative` (invented for the demo; "
        "not a fact)."
    )
    source_url: str | None = Field(default=None, max_length=500)
    source_title: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _sourced_needs_url(self) -> SourcedIn:
        if self.provenance in ("sourced", "reported") and not self.source_url:
            raise ValueError(f"a {self.provenance} record needs its source_url")
        return self


class StepIn(SourcedIn):
    sending_state: str = Field(min_length=2, max_length=60, description="ISO code or name, e.g. GBR.")
    status: str = Field(description="exploratory, in_talks, declined, memorandum_signed, in_force, ...")
    occurred_on: date
    reason: str | None = Field(default=None, max_length=2000)


class NegotiationIn(StepIn):
    partner_country: str = Field(min_length=2, max_length=60)


class ScopeIn(_Strict):
    """Nationalities in scope: everyone, a list, a documented region, or the sending state's
    safe-countries-of-origin list in force on the day (the Italy-Albania model)."""

    kind: Literal["all", "list", "region", "safe_countries_of_origin"] = "all"
    countries: list[str] | None = None
    region: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ScopeIn:
        if self.kind == "list" and not self.countries:
            raise ValueError("a list scope needs at least one country")
        if self.kind != "list" and self.countries:
            raise ValueError(f"countries are given only with kind=list, not kind={self.kind}")
        if self.kind == "region" and not self.region:
            raise ValueError("a region scope needs its region")
        if self.kind != "region" and self.region:
            raise ValueError(f"region is given only with kind=region, not kind={self.kind}")
        return self


class FixedPaymentIn(_Strict):
    description: str = Field(min_length=1, max_length=300)
    amount: Decimal = Field(ge=0, max_digits=16, decimal_places=2)
    currency: str = Field(min_length=3, max_length=3)
    kind: Literal["lump_sum", "per_person", "milestone"]


class _TermFields(_Strict):
    places: int | None = Field(default=None, ge=0)
    annual_quota: int | None = Field(default=None, ge=0)
    scope: ScopeIn = Field(default_factory=ScopeIn)
    excluded_groups: list[str] = Field(default_factory=list)
    max_stay_days: int | None = Field(default=None, gt=0)
    cost_per_place_per_day: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    cost_currency: str | None = Field(default=None, min_length=3, max_length=3)
    fixed_payments: list[FixedPaymentIn] = Field(default_factory=list)
    monitoring_body: str | None = Field(default=None, max_length=300)
    consequences_of_breach: str | None = Field(default=None, max_length=4000)
    requires_judicial_validation_of_detention: bool = False
    note: str | None = Field(default=None, max_length=4000)

    @field_validator("excluded_groups")
    @classmethod
    def _known_groups(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - EXCLUDED_GROUPS)
        if unknown:
            raise ValueError(f"unknown excluded group(s) {unknown}; known: {sorted(EXCLUDED_GROUPS)}")
        return sorted(set(value))

    @model_validator(mode="after")
    def _cost_has_currency(self) -> _TermFields:
        if self.cost_per_place_per_day is not None and not self.cost_currency:
            raise ValueError("cost_per_place_per_day needs its cost_currency")
        return self


class TermsIn(_TermFields, SourcedIn):
    """One version of an agreement's terms, in force from ``effective_from``."""

    effective_from: date


class AmendmentIn(SourcedIn):
    """A new version from ``effective_from``: the fields given replace the previous version's; the rest
    carry over. Nothing is edited in place."""

    effective_from: date
    places: int | None = Field(default=None, ge=0)
    annual_quota: int | None = Field(default=None, ge=0)
    scope: ScopeIn | None = None
    excluded_groups: list[str] | None = None
    max_stay_days: int | None = Field(default=None, gt=0)
    cost_per_place_per_day: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    cost_currency: str | None = Field(default=None, min_length=3, max_length=3)
    fixed_payments: list[FixedPaymentIn] | None = None
    monitoring_body: str | None = Field(default=None, max_length=300)
    consequences_of_breach: str | None = Field(default=None, max_length=4000)
    requires_judicial_validation_of_detention: bool | None = None
    note: str | None = Field(default=None, max_length=4000)


class AgreementIn(SourcedIn):
    reference: str | None = Field(default=None, max_length=40, pattern=REFERENCE_PATTERN)
    sending_state: str = Field(min_length=2, max_length=60)
    partner_country: str = Field(min_length=2, max_length=60)
    title: str = Field(min_length=1, max_length=300)
    instrument: str = Field(
        min_length=1, max_length=60, description="memorandum of understanding, protocol, treaty, ..."
    )
    signed_on: date | None = None
    terms: TermsIn


def _check_beds(value: dict[str, int]) -> dict[str, int]:
    unknown = sorted(set(value) - BED_TYPES)
    if unknown:
        raise ValueError(f"unknown bed type(s) {unknown}; known: {sorted(BED_TYPES)}")
    if any(n < 0 for n in value.values()):
        raise ValueError("a number of beds cannot be negative")
    return dict(sorted(value.items()))


class HubIn(SourcedIn):
    reference: str = Field(max_length=40, pattern=REFERENCE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    agreement: str = Field(max_length=40)
    locality: str | None = Field(default=None, max_length=120)
    status: Literal["planned", "operational", "closed"]
    effective_from: date
    beds: dict[str, int] = Field(default_factory=dict)
    note: str | None = Field(default=None, max_length=4000)

    @field_validator("beds")
    @classmethod
    def _beds(cls, value: dict[str, int]) -> dict[str, int]:
        return _check_beds(value)


class HubAmendmentIn(SourcedIn):
    effective_from: date
    status: Literal["planned", "operational", "closed"] | None = None
    beds: dict[str, int] | None = None
    note: str | None = Field(default=None, max_length=4000)

    @field_validator("beds")
    @classmethod
    def _beds(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        return None if value is None else _check_beds(value)


class OccupancyIn(SourcedIn):
    counted_on: date
    occupied: int = Field(ge=0)
    occupied_by_bed_type: dict[str, int] | None = None
    note: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _by_type_adds_up(self) -> OccupancyIn:
        if self.occupied_by_bed_type is not None:
            _check_beds(self.occupied_by_bed_type)
            if sum(self.occupied_by_bed_type.values()) != self.occupied:
                raise ValueError("occupied_by_bed_type must add up to occupied")
        return self


class EvidenceIn(_Strict):
    """A source behind a safety finding; kept so it can be disclosed (CJEU C-758/24, 1 August 2025)."""

    url: str = Field(min_length=1, max_length=500)
    title: str = Field(min_length=1, max_length=300)


class AssessmentVersionIn(SourcedIn):
    assessing_state: str = Field(min_length=2, max_length=60)
    assessed_on: date
    safe: bool = Field(description="False: unsafe for everyone; True: safe except the listed profiles.")
    unsafe_for_nationalities: list[str] = Field(default_factory=list)
    unsafe_for_profiles: list[str] = Field(
        default_factory=list, description="lgbt, political, sex:F|M|X, ethnicity:<name>"
    )
    summary: str = Field(min_length=1, max_length=4000)
    evidence: list[EvidenceIn] = Field(min_length=1, description="At least one disclosable source.")

    @model_validator(mode="before")
    @classmethod
    def _source_from_evidence(cls, data: Any) -> Any:
        # The evidence is the source; a sourced assessment need not repeat its first URL.
        if isinstance(data, dict) and not data.get("source_url") and data.get("evidence"):
            first = data["evidence"][0]
            if isinstance(first, dict):
                data = {**data, "source_url": first.get("url"), "source_title": first.get("title")}
        return data

    @field_validator("unsafe_for_profiles")
    @classmethod
    def _known_profiles(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _PROFILE_TAG.match(v)]
        if bad:
            raise ValueError(
                f"unknown profile tag(s) {bad}; use lgbt, political, sex:F|M|X or ethnicity:<name>"
            )
        return sorted(set(value))


class AssessmentIn(AssessmentVersionIn):
    country: str = Field(min_length=2, max_length=60)


class SafeListEntryIn(_Strict):
    country: str = Field(min_length=2, max_length=60)
    evidence: list[EvidenceIn] = Field(default_factory=list)
    #: Carve-outs (regions, groups). Since C-758/24 they make the designation invalid; kept to show it.
    exceptions: list[str] = Field(default_factory=list)


class SafeListIn(SourcedIn):
    designating_state: str = Field(min_length=2, max_length=60)
    effective_from: date
    legal_basis: str = Field(min_length=1, max_length=300)
    #: Empty: the list is withdrawn (or annulled) from ``effective_from``; no country is designated.
    entries: list[SafeListEntryIn] = Field(default_factory=list)
    note: str | None = Field(default=None, max_length=4000)
