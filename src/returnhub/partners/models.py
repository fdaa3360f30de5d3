"""Tables owned by partners. Every row is inserted once and never updated.

The register is bitemporal like the case events: each versioned fact has its legal date (``effective_from``,
``assessed_on``, ``occurred_on``, ``counted_on``) and the time it was recorded (``recorded_at``). A version
with an earlier legal date may be recorded after a later one; reads take both dates (see ``service``).

A changed term, hub status, bed count or assessment is a new version row from a date; the old rows stay
readable. Two guards make "never updated" hold: an ORM hook here (a flush that would update or delete a
row raises) and, in the migration, a database trigger that refuses ``UPDATE`` on every one of these tables.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from returnhub.core.database import Base
from returnhub.core.errors import StateConflict

#: Provenance of a record: confirmed by a cited public source (``sourced``); told by a cited report but not
#: confirmed (``reported``: "insiders insist", unnamed countries); or invented for the demo (``illustrative``,
#: never a fact).
SOURCED = "sourced"
REPORTED = "reported"
ILLUSTRATIVE = "illustrative"
PROVENANCES = (SOURCED, REPORTED, ILLUSTRATIVE)


class _Sourced:
    """Columns every dated record carries: where it comes from, who recorded it and when."""

    provenance: Mapped[str] = mapped_column(String(16))
    source_url: Mapped[str | None] = mapped_column(String(500))
    source_title: Mapped[str | None] = mapped_column(String(300))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(64))


class Negotiation(Base):
    """The pipeline of one sending state with one partner country."""

    __tablename__ = "partner_negotiations"
    __table_args__ = (
        UniqueConstraint("sending_state", "partner_country", name="uq_partner_negotiations_pair"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sending_state: Mapped[str] = mapped_column(String(3))
    partner_country: Mapped[str] = mapped_column(String(3), index=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(64))


class NegotiationStep(_Sourced, Base):
    __tablename__ = "partner_negotiation_steps"
    __table_args__ = (
        UniqueConstraint("negotiation_id", "sequence", name="uq_partner_negotiation_steps_sequence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("partner_negotiations.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(24))
    occurred_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)


class Agreement(_Sourced, Base):
    """An instrument (memorandum, protocol, treaty, letter of intent). Its terms live in versions."""

    __tablename__ = "partner_agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    sending_state: Mapped[str] = mapped_column(String(3))
    partner_country: Mapped[str] = mapped_column(String(3), index=True)
    title: Mapped[str] = mapped_column(String(300))
    instrument: Mapped[str] = mapped_column(String(60))
    signed_on: Mapped[date | None] = mapped_column(Date)


class AgreementVersion(_Sourced, Base):
    """The terms of an agreement from ``effective_from`` until the next version's date."""

    __tablename__ = "partner_agreement_versions"
    __table_args__ = (
        UniqueConstraint("agreement_id", "version", name="uq_partner_agreement_versions_version"),
        # Not unique: a later-recorded version for the same legal date is a correction (migration 0013).
        Index("ix_partner_agreement_versions_legal_date", "agreement_id", "effective_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("partner_agreements.id"))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    places: Mapped[int | None] = mapped_column(Integer)
    annual_quota: Mapped[int | None] = mapped_column(Integer)
    #: all | list | region | safe_countries_of_origin (the sending state's list in force that day).
    scope_kind: Mapped[str] = mapped_column(String(32))
    scope_countries: Mapped[list[str] | None] = mapped_column(JSON)
    scope_region: Mapped[str | None] = mapped_column(String(40))
    excluded_groups: Mapped[list[str]] = mapped_column(JSON)
    max_stay_days: Mapped[int | None] = mapped_column(Integer)
    cost_per_place_per_day: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    cost_currency: Mapped[str | None] = mapped_column(String(3))
    fixed_payments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    monitoring_body: Mapped[str | None] = mapped_column(String(300))
    consequences_of_breach: Mapped[str | None] = mapped_column(Text)
    requires_judicial_validation_of_detention: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)


class Hub(Base):
    """A site under an agreement. Its status and beds live in versions."""

    __tablename__ = "partner_hubs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("partner_agreements.id"), index=True)
    locality: Mapped[str | None] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(64))


class HubVersion(_Sourced, Base):
    __tablename__ = "partner_hub_versions"
    __table_args__ = (
        UniqueConstraint("hub_id", "version", name="uq_partner_hub_versions_version"),
        Index("ix_partner_hub_versions_legal_date", "hub_id", "effective_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("partner_hubs.id"))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    #: planned | operational | closed
    status: Mapped[str] = mapped_column(String(16))
    #: Bed type -> number of beds.
    beds: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


class HubOccupancyFigure(_Sourced, Base):
    """A recorded head count. Until operations derives occupancy from stays, occupancy reads these."""

    __tablename__ = "partner_hub_occupancy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("partner_hubs.id"), index=True)
    counted_on: Mapped[date] = mapped_column(Date)
    occupied: Mapped[int] = mapped_column(Integer)
    occupied_by_bed_type: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


class CountryAssessment(_Sourced, Base):
    """A sending state's assessment of a (hub) country, from a date, with disclosable evidence (R12, R13)."""

    __tablename__ = "partner_country_assessments"
    __table_args__ = (
        UniqueConstraint(
            "assessing_state", "country", "version", name="uq_partner_country_assessments_version"
        ),
        Index("ix_partner_country_assessments_legal_date", "assessing_state", "country", "assessed_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessing_state: Mapped[str] = mapped_column(String(3))
    country: Mapped[str] = mapped_column(String(3))
    version: Mapped[int] = mapped_column(Integer)
    assessed_on: Mapped[date] = mapped_column(Date)
    #: False: unsafe for everyone, whatever the profile lists say.
    safe: Mapped[bool] = mapped_column(Boolean)
    unsafe_for_nationalities: Mapped[list[str]] = mapped_column(JSON)
    unsafe_for_profiles: Mapped[list[str]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text)
    #: [{"url": ..., "title": ...}]: the evidence, retrievable for disclosure.
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class SafeCountryList(_Sourced, Base):
    """A designating state's safe-countries-of-origin list from a date (one row per version)."""

    __tablename__ = "partner_safe_country_lists"
    __table_args__ = (
        UniqueConstraint("designating_state", "version", name="uq_partner_safe_country_lists_version"),
        Index("ix_partner_safe_country_lists_legal_date", "designating_state", "effective_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    designating_state: Mapped[str] = mapped_column(String(3))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    legal_basis: Mapped[str] = mapped_column(String(300))
    #: [{"country": "ALB", "evidence": [{"url", "title"}], "exceptions": [..]}]
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


class PartnerChange(Base):
    """The audit log: one row per change, hash-chained (SHA-256) in insertion order."""

    __tablename__ = "partner_changes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    subject: Mapped[str] = mapped_column(String(80), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    provenance: Mapped[str | None] = mapped_column(String(16))
    source_url: Mapped[str | None] = mapped_column(String(500))
    source_title: Mapped[str | None] = mapped_column(String(300))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


APPEND_ONLY_MODELS: tuple[type[Base], ...] = (
    Negotiation,
    NegotiationStep,
    Agreement,
    AgreementVersion,
    Hub,
    HubVersion,
    HubOccupancyFigure,
    CountryAssessment,
    SafeCountryList,
    PartnerChange,
)
APPEND_ONLY_TABLES: tuple[str, ...] = tuple(str(m.__tablename__) for m in APPEND_ONLY_MODELS)


def _refuse_in_place_change(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    raise StateConflict(
        f"{type(target).__tablename__} rows are never edited in place; record a new version from a date"
    )


for _model in APPEND_ONLY_MODELS:
    event.listen(_model, "before_update", _refuse_in_place_change)
    event.listen(_model, "before_delete", _refuse_in_place_change)
