"""Tables owned by casework: the append-only event store and the case projection (the chain heads are
``core.ledger``'s)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from typing import Any, get_args, get_origin, get_type_hints

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from returnhub.casework.state import CaseState
from returnhub.core.database import Base


class StoredEvent(Base):
    """One legal event. Rows are only ever inserted; a correction is a new ``event_retracted`` row."""

    __tablename__ = "case_events"
    __table_args__ = (
        # The optimistic-concurrency guard: two appends at the same version cannot both land.
        UniqueConstraint("case_id", "sequence", name="uq_case_events_case_sequence"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(48))
    occurred_on: Mapped[date] = mapped_column(Date)
    #: The instant in law, when the time of day is known (a Rule 39 measure at 21:30); ``occurred_on`` is
    #: its date. The gate compares instants where both sides have one.
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class SealedValue(Base):
    """A special-category value of an event, encrypted (``casework.sealed``). The event's payload holds
    ``{"$sealed": id}`` in its place, and the hash chain covers that marker, not this row: so re-encrypting
    (key rotation) or erasing the value never breaks the chain."""

    __tablename__ = "sealed_values"
    __table_args__ = (
        UniqueConstraint("case_reference", "event_sequence", "field", name="uq_sealed_values_event_field"),
    )

    #: A random id (hex UUID), so the ciphertext can name its own row before the row is written.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_reference: Mapped[str] = mapped_column(String(16))
    event_sequence: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(48))
    #: Fernet token of ``{"id", "field", "value"}``; NULL once erased.
    ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)
    sealed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def _column_type(annotation: Any) -> TypeEngine[Any] | None:
    """Map a ``CaseState`` field's type to a column type; tuples (decisions, retractions) go to JSON."""
    if get_origin(annotation) is tuple:
        return None
    args = [a for a in get_args(annotation) if a is not type(None)] or [annotation]
    base = args[0]
    if get_origin(base) is tuple or base is tuple:
        return None
    if base is datetime:
        return DateTime(timezone=True)
    if base is date:
        return Date()
    if base is bool:
        return Boolean()
    if base is int:
        return Integer()
    if base is str:
        return String(64)
    return None


def _projection_columns() -> list[Column[Any]]:
    hints = get_type_hints(CaseState)
    columns: list[Column[Any]] = []
    for f in fields(CaseState):
        column_type = _column_type(hints[f.name])
        if column_type is not None:
            columns.append(Column(f.name, column_type, nullable=True))
    return columns


#: The current state of every case, one row per case: every scalar fact of ``CaseState`` as a
#: column (so search and whole-caseload screening read columns, not JSON), plus the person's identity
#: fields the lists need. Updated in the same transaction as each append; rebuildable from the events.
case_projection = Table(
    "case_projection",
    Base.metadata,
    Column("case_id", ForeignKey("persons.id"), primary_key=True),
    Column("reference", String(16), nullable=False, unique=True),
    Column("nationality", String(3), nullable=False),
    Column("sex", String(1), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    Column("family_unit_id", Integer, nullable=True),
    Column("family_name", String(100), nullable=False),
    Column("given_name", String(100), nullable=False),
    # Given and family name folded (``people.names.folded_name``): search by any part of a name, whatever its
    # case or accents. Empty only for rows written before migration 0017usab filled it.
    Column("name_folded", String(201), nullable=False, server_default=""),
    *_projection_columns(),
    Column("review_decisions", JSON, nullable=True),
    Column("retracted_sequences", JSON, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Set by every write of the row from ``projection_marks`` (``casework.snapshots.next_mark``): the fact
    # snapshots are patched with the rows whose mark is newer than theirs.
    Column("change_mark", BigInteger, nullable=False, server_default="0"),
)
# The caseload lists cases in reference order, 50 at a time, filtered by status and/or nationality: with the
# reference last in each index the database reads the first page straight off the index instead of sorting
# every match (at 1,000,000 cases a status filter took 150-210 ms, and now under a millisecond).
# Search by the start of a family name, whatever its case (SQLite reads it with a range; see queries.py).
Index("ix_case_projection_family_name_lower", func.lower(case_projection.c.family_name))
Index("ix_case_projection_status_reference", case_projection.c.status, case_projection.c.reference)
Index("ix_case_projection_nationality_reference", case_projection.c.nationality, case_projection.c.reference)
Index(
    "ix_case_projection_nationality_status_reference",
    case_projection.c.nationality,
    case_projection.c.status,
    case_projection.c.reference,
)
# The statistics count by year from these dates; an index lets the database read just the index, not the
# table, at national scale (about 1.4 s -> 0.4 s for the five statistics tables at 200,000 people, SQLite).
Index("ix_case_projection_arrived_on", case_projection.c.arrived_on)
Index("ix_case_projection_claim_decided", case_projection.c.claim_decided_on, case_projection.c.claim_outcome)
Index(
    "ix_case_projection_appeal_decided", case_projection.c.appeal_decided_on, case_projection.c.appeal_outcome
)
Index("ix_case_projection_hub_exited", case_projection.c.hub_exited_on, case_projection.c.hub_exit_reason)
Index("ix_case_projection_hub_stay", case_projection.c.hub, case_projection.c.hub_arrived_on)
# A case's view lists the other members of the family; without this index that read scanned the whole table.
Index("ix_case_projection_family_unit_id", case_projection.c.family_unit_id)
Index("ix_case_projection_change_mark", case_projection.c.change_mark)
# The statistics count events of a type in a period (issue 18): read them off the index, not the table.
Index("ix_case_events_type_occurred", StoredEvent.event_type, StoredEvent.occurred_on)


class ImportedEvent(Base):
    """A legacy export's row that became an event: its source id, so importing the file twice adds nothing."""

    __tablename__ = "imported_events"

    source_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    event_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("case_events.id")
    )
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ImportedPerson(Base):
    """A legacy system's person id and the case it became, so later files add to the same case."""

    __tablename__ = "imported_persons"

    legacy_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)


class ProjectionMark(Base):
    """The counter every write to ``case_projection`` takes its ``change_mark`` from. Taking a mark updates
    this row, so on PostgreSQL a writer holds it until it commits: marks are committed in the order they
    are taken, and a reader that sees the counter at N sees every row written with a mark up to N."""

    __tablename__ = "projection_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    mark: Mapped[int] = mapped_column(BigInteger)


class FactSnapshot(Base):
    """A columnar copy of the projection's facts columns as they were at ``mark`` (``casework.snapshots``):
    ``rows`` rows in reference order, as Parquet (zstd) bytes cut into ``parts``; ``version`` names the
    columns and their types, so a copy of other columns is never read for these."""

    __tablename__ = "fact_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    mark: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(BigInteger)
    parts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FactSnapshotPart(Base):
    __tablename__ = "fact_snapshot_parts"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("fact_snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
