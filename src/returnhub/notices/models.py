"""Tables owned by the notices context: each person's notices, and the outbox of their emails."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from returnhub.core.database import Base


class Notice(Base):
    """One notice for one user (a person, not a role): what happened, to whom, why, and where to look."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: taken_off, added, under_minimum, stay_overdue, validation_overdue (``templates.TEMPLATES``).
    cause: Mapped[str] = mapped_column(String(32))
    case_reference: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    transfer: Mapped[str | None] = mapped_column(String(24), nullable=True, index=True)
    hub: Mapped[str | None] = mapped_column(String(32), nullable=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(200))
    #: Makes a swept cause idempotent: the same clock for the same person and user is noticed once.
    dedupe_key: Mapped[str | None] = mapped_column(String(160), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OutboxMessage(Base):
    """The email of a notice, written in the same transaction as the notice and sent after commit.

    pending -> sending -> sent, or back to pending (with a later ``next_attempt_at``) on failure, or failed
    after the last attempt. The Message-ID is derived from the id, so a resend carries the same key.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    case_reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_address: Mapped[str] = mapped_column(String(200))
    template: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    message_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
