"""People: persons, family units and identity documents. Synthetic data only."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from returnhub.core.database import Base


class FamilyUnit(Base):
    """People who must move together (or not at all)."""

    __tablename__ = "family_units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The case reference, e.g. RH0000001. One person, one case.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100), index=True)
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    #: ISO 3166-1 alpha-3.
    nationality: Mapped[str] = mapped_column(String(3))
    #: ISO 639 language codes.
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    family_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("family_units.id"), index=True, nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IdentityDocument(Base):
    __tablename__ = "identity_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    document_type: Mapped[str] = mapped_column(String(32))
    document_number: Mapped[str] = mapped_column(String(32))
    issuing_state: Mapped[str] = mapped_column(String(3))
    expiry_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    mrz: Mapped[str | None] = mapped_column(String(200), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
