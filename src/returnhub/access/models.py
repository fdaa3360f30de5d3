"""Tables owned by the access context: accounts, tokens, record scopes, the access log, monitoring notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from returnhub.core.database import Base


class User(Base):
    """A member of staff (or a legal representative) who signs in. Never deleted: deactivated."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    #: Argon2id, in the PHC string format (algorithm, cost and salt travel with the hash).
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    #: Bumped on every change; served as the ETag, checked against If-Match.
    version: Mapped[int] = mapped_column(Integer, default=1)


class SignInThrottle(Base):
    """Failed sign-ins counted per source (the client address), per account name and per (account, source),
    and the time before which the next attempt is refused (``access.throttle``). Keyed by the name as typed
    (normalised), whether or not an account has it, so the throttle says nothing about which names exist."""

    __tablename__ = "sign_in_throttles"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_sign_in_throttles_scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: "source", "account" or "account_source".
    scope: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(160))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retry_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ApiToken(Base):
    """An opaque bearer token or web session. Only its SHA-256 is stored, so a database leak yields no
    usable credential; revoking is deleting nothing, just setting ``revoked_at``."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: "bearer" (API clients) or "session" (the web UI's cookie, which also needs a CSRF token).
    kind: Mapped[str] = mapped_column(String(16))
    csrf_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Representation(Base):
    """A legal representative acts for a client: the representative's whole view of person records."""

    __tablename__ = "representations"
    __table_args__ = (UniqueConstraint("user_id", "case_reference", name="uq_representations_user_case"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    case_reference: Mapped[str] = mapped_column(String(16), index=True)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    granted_by: Mapped[str] = mapped_column(String(64))


class HubAssignment(Base):
    """A hub liaison works at a hub: they see the people whose case projection places them there."""

    __tablename__ = "hub_assignments"
    __table_args__ = (UniqueConstraint("user_id", "hub", name="uq_hub_assignments_user_hub"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    hub: Mapped[str] = mapped_column(String(32))


class AccessLogEntry(Base):
    """One request that read or wrote person records. Insert-only, hash-chained through ``ledger_heads``
    (name "access") exactly like the case events, so an edited, removed or inserted row is detected."""

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_case_reference", "case_reference"),
        Index("ix_access_log_user_name", "user_name"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    #: The route template (e.g. ``/cases/{reference}``), the concrete path and the query string.
    route: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(500))
    query: Mapped[str] = mapped_column(String(500))
    case_reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    #: Where the request came from (the peer address as the server saw it).
    client: Mapped[str] = mapped_column(String(64))
    #: granted (served), denied (refused by role or scope), failed (the operation itself failed).
    outcome: Mapped[str] = mapped_column(String(16))
    status: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class MonitoringNote(Base):
    """An independent monitor's note. The text may describe health or vulnerability, so it is stored
    encrypted (``crypto.FieldCipher``)."""

    __tablename__ = "monitoring_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: What the note is about: a case reference, a transfer, a hub or an incident.
    subject: Mapped[str] = mapped_column(String(64), index=True)
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    written_by: Mapped[str] = mapped_column(String(64))
    body_encrypted: Mapped[str] = mapped_column(Text)
