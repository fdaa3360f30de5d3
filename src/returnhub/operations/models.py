"""Tables owned by operations: transfers and manifests, gate checks, hub stays, incidents."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from returnhub.core.database import Base


class Transfer(Base):
    """A charter or scheduled flight, or a coach, taking people to one hub."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    hub: Mapped[str] = mapped_column(String(32))
    agreement: Mapped[str] = mapped_column(String(64))
    #: The rule pack the transfer is judged under (``uk`` or ``eu``), from its agreement's sending state.
    law: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(24))
    departs_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    seats: Mapped[int] = mapped_column(Integer)
    min_load: Mapped[int] = mapped_column(Integer)
    escorts: Mapped[int] = mapped_column(Integer, default=0)
    monitor_on_board: Mapped[bool] = mapped_column(Boolean, default=False)
    #: planned -> locked -> departed -> arrived, or cancelled.
    status: Mapped[str] = mapped_column(String(16), index=True)
    #: Optimistic concurrency: every change bumps it; a command with a stale version gets 409.
    version: Mapped[int] = mapped_column(Integer, default=1)
    flagged_for_decision: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ManifestEntry(Base):
    __tablename__ = "manifest_entries"
    __table_args__ = (UniqueConstraint("transfer_id", "case_id", name="uq_manifest_entries_transfer_case"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    reference: Mapped[str] = mapped_column(String(16))
    #: listed, removed, departed, arrived.
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    listed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GateCheck(Base):
    """Every run of the departure gate over a manifest, with each person's outcome and barring rules."""

    __tablename__ = "gate_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    stage: Mapped[str] = mapped_column(String(24))
    trigger: Mapped[str] = mapped_column(String(48))
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    results: Mapped[list[Any]] = mapped_column(JSON)


class HubStay(Base):
    """A person's stay at a hub, with the clocks that run from arrival."""

    __tablename__ = "hub_stays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    reference: Mapped[str] = mapped_column(String(16))
    hub: Mapped[str] = mapped_column(String(32), index=True)
    agreement: Mapped[str] = mapped_column(String(64))
    transfer: Mapped[str] = mapped_column(String(24))
    arrived_on: Mapped[date] = mapped_column(Date)
    max_stay_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    detention_order_expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    judicial_validation_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    detention_validated_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    exit_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Incident(Base):
    """A serious incident on a transfer or in a hub: reported, reviewed, visible to monitors."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    transfer: Mapped[str | None] = mapped_column(String(24), nullable=True)
    hub: Mapped[str | None] = mapped_column(String(32), nullable=True)
    case_reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    severity: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    review_notes: Mapped[str | None] = mapped_column(Text, nullable=True)


class AllocationPlanRecord(Base):
    """A computed allocation plan with the case versions it was computed from, and its approval."""

    __tablename__ = "allocation_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: computed, approved.
    status: Mapped[str] = mapped_column(String(16))
    start: Mapped[date] = mapped_column(Date)
    weeks: Mapped[int] = mapped_column(Integer)
    pack: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: reference -> case version when the plan was computed (changed cases are re-checked and reported).
    input_versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Candidate transfers the plan may use; approval creates the ones it does use.
    candidates: Mapped[dict[str, Any]] = mapped_column(JSON)
    approval: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
