"""Plausible values: the windows a date, an instant or a count must fall in before anything is written.

A value outside these is not a fact about a person but a typing error or an attack (a screening "as of"
9999-12-31 became the latest screening and drove every review queue; an instant of 0001-01-01T00:00+14:00
cannot even be converted to UTC). Each window is a dated parameter like the rule packs' (``since``, the
day it took effect, and the reason with its source), so a change is visible and explained.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator

from returnhub.core.errors import InvalidInput


@dataclass(frozen=True)
class Bound:
    """One dated parameter: its value, the day it took effect and why it is what it is."""

    value: int
    since: date
    reason: str


#: The earliest year of any date in law or of birth the register accepts.
EARLIEST_YEAR = Bound(
    1900,
    date(2026, 12, 4),
    "No one alive was born before 1900 (the last verified person born in the 1800s, Emma Morano, "
    "1899-2017, died in 2017: Gerontology Research Group), and no asylum event in the register predates "
    "the 1951 Refugee Convention; 1900 leaves room for old documents without admitting year 1.",
)
#: Days a legal date may lie ahead of today (UTC): the date where it happened may be a day ahead of UTC.
FUTURE_ALLOWANCE_DAYS = Bound(
    1,
    date(2026, 12, 4),
    "Local time runs up to 14 hours ahead of UTC (UTC+14, Line Islands: IANA tz database, "
    "Pacific/Kiritimati), so the date where something happened can be one day after today in UTC.",
)
#: The oldest plausible age, in years, of a person at registration or in a claimed or assessed age.
OLDEST_AGE_YEARS = Bound(
    120,
    date(2026, 12, 4),
    "The longest verified human life is 122 years (Jeanne Calment, 1875-1997: Guinness World Records).",
)
#: How far ahead a transfer may be scheduled to depart.
TRANSFER_HORIZON_YEARS = Bound(
    2,
    date(2026, 12, 4),
    "A project choice: a transfer is checked against the agreement terms, hub and country assessment in "
    "force on its day, which the register records as they change; a departure more than two years ahead "
    "is a typing error, not a plan (the gate re-checks it on the day in any case).",
)
#: How far ahead any instant read from a client ("as known at") may lie.
INSTANT_HORIZON_YEARS = Bound(
    100,
    date(2026, 12, 4),
    "An 'as known at' later than any recorded time reads everything recorded; a hundred years is far past "
    "any retention period (six years, access settings) and far inside the datetime range.",
)


def earliest_date() -> date:
    return date(EARLIEST_YEAR.value, 1, 1)


def check_legal_date(value: date, today: date, what: str, *, allowance_days: int | None = None) -> date:
    """A date in law: not before 1900, not after today plus the allowance."""
    allowance = FUTURE_ALLOWANCE_DAYS.value if allowance_days is None else allowance_days
    if value < earliest_date():
        raise InvalidInput(f"{what} {value.isoformat()} is before {earliest_date().year}: check the year")
    if value > today + timedelta(days=allowance):
        raise InvalidInput(f"{what} {value.isoformat()} is in the future (today is {today.isoformat()})")
    return value


def check_birth_date(value: date, today: date, what: str = "the date of birth") -> date:
    """A date of birth: not in the future, and not more than the oldest plausible age ago."""
    oldest = date(max(today.year - OLDEST_AGE_YEARS.value, 1), 1, 1)
    if value > today:
        raise InvalidInput(f"{what} {value.isoformat()} is in the future (today is {today.isoformat()})")
    if value < oldest:
        raise InvalidInput(
            f"{what} {value.isoformat()} would make the person older than {OLDEST_AGE_YEARS.value}: "
            "check the year"
        )
    return value


def check_instant(value: datetime, what: str, *, now: datetime | None = None) -> datetime:
    """An aware instant within [1900, now + a hundred years], as UTC. Refused (not an OverflowError) when
    its offset would carry it outside the range a datetime can hold."""
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    if value.year < EARLIEST_YEAR.value:
        raise InvalidInput(f"{what} {value.isoformat()} is before {EARLIEST_YEAR.value}: check the year")
    latest_year = (now or datetime.now(UTC)).year + INSTANT_HORIZON_YEARS.value
    if value.year > latest_year:
        raise InvalidInput(f"{what} {value.isoformat()} is after {latest_year}: check the year")
    return value.astimezone(UTC)


def check_departure(departs_at: datetime, now: datetime) -> datetime:
    """A transfer's departure: a plausible instant, at most ``TRANSFER_HORIZON_YEARS`` ahead."""
    departs = check_instant(departs_at, "the departure", now=now)
    latest = now + timedelta(days=366 * TRANSFER_HORIZON_YEARS.value)
    if departs > latest:
        raise InvalidInput(
            f"the departure {departs_at.isoformat()} is more than {TRANSFER_HORIZON_YEARS.value} "
            "years ahead; a transfer is planned on the agreements in force"
        )
    return departs


def check_screening_day(as_of: date, today: date) -> date:
    """A screening's day: a past or present day (the latest screening drives the review queues, so a
    screening of a day to come would stand in for today's)."""
    return check_legal_date(as_of, today, "the screening day", allowance_days=0)


#: Largest offset or version a client may send: beyond it no page or case exists, and SQLite's integers
#: (and PostgreSQL's bigint) stop at 2**63 - 1.
MAX_COUNT = 2**31 - 1


def parse_count(text: str, what: str) -> int | None:
    """A count typed or carried in a form (a version, an offset): ASCII digits only (``"²".isdigit()`` is
    true, but ``int("²")`` fails), at most ``MAX_COUNT``; blank is None."""
    value = text.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_COUNT:
        raise InvalidInput(f"{what} must be a whole number from 0 to {MAX_COUNT:,}")
    return int(value)


def _plausible_instant(value: datetime) -> datetime:
    try:
        check_instant(value, "the time")
    except InvalidInput as exc:
        raise ValueError(exc.detail) from None
    return value


#: A datetime read from a client (a query parameter such as ``known_at``): a 422, not an OverflowError,
#: when it lies outside the plausible window.
PlausibleInstant = Annotated[datetime, AfterValidator(_plausible_instant)]
