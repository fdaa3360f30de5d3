"""What the partners register's reads return: the pipelines, agreements with their terms, hubs and their
occupancy, country assessments, safe-country lists and the change log, each as it stood on a date (as known
at a time). Shared by the API (its response models, under these schema names), the staff pages and the
command line, which read them by attribute.

The API writes instants as Pydantic does (``Z``), as it did when these reads returned dicts; the command line
writes them through ``core.jsonable.plain`` (``+00:00``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

from returnhub.core.time import utc
from returnhub.partners.agreement_terms import AgreementTerms

#: When a register row was recorded, in UTC (SQLite gives it back naive).
Recorded = Annotated[datetime, AfterValidator(utc)]


class _Row(BaseModel):
    """A view read straight from a register row where its fields match (``from_attributes``)."""

    model_config = ConfigDict(from_attributes=True)


class Source(_Row):
    """Where a register row comes from, and when and by whom it was recorded."""

    provenance: str
    source_url: str | None
    source_title: str | None
    recorded_at: Recorded
    recorded_by: str


class Evidence(BaseModel):
    """A source behind a safety finding, disclosable (R13). A list's own source may have no title."""

    url: str
    title: str | None


# --- negotiations -----------------------------------------------------------------------------------------


class StepView(Source):
    """One dated step of a negotiation pipeline."""

    sequence: int
    status: str
    occurred_on: date
    reason: str | None


class NegotiationView(BaseModel):
    """One pipeline on a date: the status then (with where it comes from) and every step known."""

    sending_state: str
    sending_state_name: str
    partner_country: str
    partner_name: str
    on: date
    known_at: datetime | None
    status: str | None
    since: date | None
    provenance: str | None
    source_url: str | None
    source_title: str | None
    steps: list[StepView]


class PartnerSummary(BaseModel):
    """One row of the register's list: a pipeline's status on a date, its agreements and its hubs."""

    partner_country: str
    partner_name: str
    sending_state: str
    on: date
    known_at: datetime | None
    status: str | None
    since: date | None
    provenance: str | None
    source_url: str | None
    source_title: str | None
    agreements: list[str]
    agreement_provenance: dict[str, str]
    hubs: int


# --- agreements -------------------------------------------------------------------------------------------


class Scope(BaseModel):
    """Nationalities in scope: all, a list, a documented region, or the safe-countries-of-origin list."""

    kind: str
    countries: list[str] | None
    region: str | None


class FixedPayment(BaseModel):
    description: str
    amount: str  # money as a string: exact, and the same on SQLite and PostgreSQL
    currency: str
    kind: str


class TermsOut(BaseModel):
    """One version of an agreement's terms."""

    version: int
    effective_from: date
    places: int | None
    annual_quota: int | None
    scope: Scope
    excluded_groups: list[str]
    max_stay_days: int | None
    cost_per_place_per_day: str | None
    cost_currency: str | None
    fixed_payments: list[FixedPayment]
    monitoring_body: str | None
    consequences_of_breach: str | None
    requires_judicial_validation_of_detention: bool
    note: str | None
    provenance: str
    source_url: str | None
    source_title: str | None
    recorded_at: Recorded
    recorded_by: str


class VersionRef(_Row):
    """A terms version as an agreement lists them."""

    version: int
    effective_from: date
    provenance: str
    recorded_at: Recorded


class AgreementView(BaseModel):
    """An agreement on a date: the terms version in force that day and the pipeline's status."""

    reference: str
    title: str
    instrument: str
    sending_state: str
    partner_country: str
    partner_name: str
    signed_on: date | None
    provenance: str
    source_url: str | None
    source_title: str | None
    recorded_at: Recorded
    recorded_by: str
    on: date
    known_at: datetime | None = None
    pipeline_status: str | None
    in_force: bool
    terms: TermsOut | None
    nationalities_in_scope: list[str] | None
    versions: list[VersionRef]
    hubs: list[str]


class AgreementTermsOut(BaseModel):
    """The terms as the safeguards read them (``returnhub.partners.agreement_terms.AgreementTerms``)."""

    agreement: str
    hub_country: str
    sending_state: str | None
    on: date
    in_force: bool
    nationalities_in_scope: list[str] | None
    excluded_groups: list[str]
    max_stay_days: int | None
    monitoring_body: str | None
    requires_judicial_validation_of_detention: bool
    unsafe_for_nationalities: list[str]
    unsafe_for_profiles: list[str]
    hubs: list[str]
    sources: list[str]

    @classmethod
    def of(cls, terms: AgreementTerms) -> AgreementTermsOut:
        fields: dict[str, Any] = asdict(terms)
        for key, value in fields.items():
            if isinstance(value, frozenset):
                fields[key] = sorted(value)
        return cls.model_validate(fields)


# --- hubs -------------------------------------------------------------------------------------------------


class HubVersionView(Source):
    """One dated version of a hub's status and beds."""

    version: int
    effective_from: date
    status: str
    beds: dict[str, int]
    note: str | None


class HeadCount(BaseModel):
    """The latest head count recorded at a hub on or before a date."""

    counted_on: date | None
    occupied: int
    source: str | None


class HubView(BaseModel):
    """A hub on a date: its status and beds then, its latest head count and every version known."""

    reference: str
    name: str
    agreement: str
    partner_country: str
    locality: str | None
    on: date
    known_at: datetime | None
    agreement_provenance: str
    provenance: str | None
    source_url: str | None
    source_title: str | None
    status: str | None
    beds: dict[str, int]
    beds_total: int
    latest_count: HeadCount | None
    versions: list[HubVersionView]


class OccupancyView(BaseModel):
    """A hub's beds, people and free beds on a date, and where the figures come from."""

    hub: str
    name: str
    agreement: str
    partner_country: str
    on: date
    status: str
    beds: int
    beds_by_type: dict[str, int]
    occupied: int
    occupied_by_bed_type: dict[str, int] | None
    # Negative when a count exceeds the beds: overcrowding is shown, not hidden.
    free: int
    # False: no figure yet, so ``occupied`` 0 means "not counted", not "empty".
    occupancy_known: bool
    counted_on: date | None
    occupancy_source: str | None
    provenance: str
    source_url: str | None
    source_title: str | None
    agreement_provenance: str
    known_at: datetime | None


# --- assessments and safe-country lists --------------------------------------------------------------------


class AssessmentView(Source):
    """One recorded version of a state's assessment of a country, with its evidence."""

    assessing_state: str
    country: str
    country_name: str
    version: int
    assessed_on: date
    safe: bool
    unsafe_for_nationalities: list[str]
    unsafe_for_profiles: list[str]
    summary: str
    evidence: list[Evidence]


class AssessmentOn(AssessmentView):
    """The assessment in force on a date, as known at a time."""

    on: date
    known_at: datetime | None


class CountryAssessments(BaseModel):
    """A country's assessments in force on a date, and every version with its evidence (for disclosure)."""

    country: str
    on: date
    known_at: datetime | None
    current: list[AssessmentOn]
    history: list[AssessmentView]


class SafeListEntry(BaseModel):
    country: str
    name: str
    #: False when the entry has carve-outs, which make the designation invalid (``invalid_because``).
    designated: bool
    exceptions: list[str]
    invalid_because: str | None
    evidence: list[Evidence]


class SafeListView(Source):
    """One version of a state's list of safe countries of origin (R13)."""

    designating_state: str
    version: int
    effective_from: date
    legal_basis: str
    note: str | None
    entries: list[SafeListEntry]


class SafeListOn(SafeListView):
    """The list in force on a date, as known at a time."""

    on: date
    known_at: datetime | None


# --- the register -----------------------------------------------------------------------------------------


class PartnerView(BaseModel):
    """Everything the register holds on one partner country on a date."""

    country: str
    name: str
    on: date
    known_at: datetime | None
    negotiations: list[NegotiationView]
    agreements: list[AgreementView]
    hubs: list[HubView]
    assessments: list[AssessmentOn]


class ChangeView(_Row):
    """One entry of the register's hash-chained change log."""

    id: int
    recorded_at: Recorded
    recorded_by: str
    action: str
    subject: str
    data: Any
    provenance: str | None
    source_url: str | None
    source_title: str | None
    hash: str
