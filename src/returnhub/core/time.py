"""System times: everything stored is UTC, and the ledgers write one canonical text for an instant."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def canonical_time(value: datetime) -> str:
    """An instant as the ledgers hash it: UTC, microseconds, ``Z`` (``2026-06-01T09:00:00.000000Z``)."""
    # isoformat is several times faster than strftime, and this runs once per event in bulk work.
    return utc(value).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_stored_time(value: datetime | str) -> str:
    """``canonical_time`` of a value read straight from the driver: a datetime, or SQLite's stored text.

    SQLAlchemy stores a SQLite datetime as ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive UTC), which is the canonical
    text but for the separator and the suffix; anything else is parsed."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}Z"
        value = datetime.fromisoformat(value)
    return canonical_time(value)
