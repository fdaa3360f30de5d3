"""Tables owned by safeguards: stored screenings.

A screening is stored with the rule pack's full version (name, version and a digest of every rule,
exception, derived fact and dated parameter), the rules' metadata and the agreements it used, and the
per-case outcomes as Parquet, so that a past screening can be re-read exactly as it was computed even
after the pack has changed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, Float, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from returnhub.core.database import Base


class Screening(Base):
    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    pack: Mapped[str] = mapped_column(String(16))
    pack_version: Mapped[str] = mapped_column(String(80))
    stage: Mapped[str] = mapped_column(String(24))
    as_of: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    cases: Mapped[int] = mapped_column(Integer)
    eligible: Mapped[int] = mapped_column(Integer)
    review: Mapped[int] = mapped_column(Integer)
    barred: Mapped[int] = mapped_column(Integer)
    #: Per rule: how many cases it barred or left waiting for review.
    by_rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The rules' metadata (ids, titles, kinds, citations, dates) as evaluated.
    rules: Mapped[list[Any]] = mapped_column(JSON)
    #: The agreements the destination rules were evaluated against, with their sources.
    agreements: Mapped[list[Any]] = mapped_column(JSON)
    seconds: Mapped[float] = mapped_column(Float)
    #: Per-case outcomes (the ``screen_frame`` result) as Parquet.
    results: Mapped[bytes] = mapped_column(LargeBinary)
