"""Sign-in throttling: growing delays per source, per account and per (account, source); no lock-out.

A hard lock-out after N failures lets anyone lock anyone out, the admin included, by typing wrong passwords.
Instead each failed sign-in is counted under three keys, and past a number of free failures the next
attempt under that key must wait, the wait doubling with each further failure up to a ceiling:

* **source** (the client address): spraying one password across many accounts from one place is slowed;
* **account + source**: guessing one account's password from one place is slowed hard;
* **account** (from anywhere): guessing one account from many places is slowed, but with a low ceiling
  (``sign_in_account_max_delay_seconds``), so the account's owner, from another place, waits seconds at
  most: slowed, never locked out.

An attempt made while a key must wait is refused at once (429 with ``Retry-After``), without checking the
password, so it costs the server nothing and tells nothing. Every other attempt is counted as a failure
before its password is checked, in a short transaction of its own, and taken back if the password was right:
attempts made at the same moment are counted one after another, so they cannot all pass one check. Failures
are forgotten after a quiet period; a success clears the account's keys (not the source's: an attacker with
one account of their own must not be able to wipe their source's count by signing in to it).

The counts are rows (``sign_in_throttles``), so they hold across server workers and restarts. The caller
verifies the password (Argon2, the slow part) between two short transactions: one that checks and counts
the attempt, and one that records the outcome; no write lock is held while Argon2 runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from returnhub.access.models import SignInThrottle
from returnhub.access.settings import AccessSettings
from returnhub.core.errors import DomainError
from returnhub.core.time import utc

SOURCE = "source"
ACCOUNT = "account"
ACCOUNT_SOURCE = "account_source"


class SignInThrottled(DomainError):
    status = 429
    title = "Too many failed sign-ins"
    slug = "sign-in-throttled"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"too many failed sign-ins from here or for this name: try again in {retry_after_seconds} "
            "seconds",
            retry_after=retry_after_seconds,
        )
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class Policy:
    free: int
    max_delay: timedelta


def policies(settings: AccessSettings) -> dict[str, Policy]:
    return {
        SOURCE: Policy(
            settings.sign_in_free_failures_per_source, timedelta(seconds=settings.sign_in_max_delay_seconds)
        ),
        ACCOUNT_SOURCE: Policy(
            settings.sign_in_free_failures_per_account, timedelta(seconds=settings.sign_in_max_delay_seconds)
        ),
        ACCOUNT: Policy(
            settings.sign_in_free_failures_per_account_anywhere,
            timedelta(seconds=settings.sign_in_account_max_delay_seconds),
        ),
    }


def keys(name: str, source: str) -> dict[str, str]:
    account = name.strip().lower()[:64]
    where = source[:64]
    return {SOURCE: where, ACCOUNT: account, ACCOUNT_SOURCE: f"{account} {where}"}


def delay(failures: int, policy: Policy) -> timedelta:
    """The wait after ``failures`` failures: none while free, then 1 s, 2 s, 4 s, ... up to the ceiling."""
    over = failures - policy.free
    if over <= 0:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(over - 1, 30)), policy.max_delay)


def _rows(session: Session, wanted: dict[str, str]) -> list[SignInThrottle]:
    return list(
        session.execute(
            select(SignInThrottle).where(
                tuple_(SignInThrottle.scope, SignInThrottle.key).in_(list(wanted.items()))
            )
        ).scalars()
    )


def check(session: Session, name: str, source: str, *, now: datetime) -> None:
    """Refuse (429) if any of the attempt's keys must still wait."""
    waits = [
        utc(row.retry_after) - now
        for row in _rows(session, keys(name, source))
        if row.retry_after is not None and utc(row.retry_after) > now
    ]
    if waits:
        longest = max(waits)
        raise SignInThrottled(max(1, int(longest.total_seconds() + 0.999)))


def record_failure(
    session: Session, name: str, source: str, *, now: datetime, settings: AccessSettings
) -> None:
    """Count a failure under each key and set the time before which the next attempt is refused."""
    wanted = keys(name, source)
    found = {(row.scope, row.key): row for row in _rows(session, wanted)}
    quiet = timedelta(minutes=settings.sign_in_forget_minutes)
    for scope, policy in policies(settings).items():
        row = found.get((scope, wanted[scope]))
        if row is None:
            row = SignInThrottle(scope=scope, key=wanted[scope], failures=0, last_failure_at=now)
            session.add(row)
        elif now - utc(row.last_failure_at) > quiet:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = delay(row.failures, policy)
        row.retry_after = now + wait if wait else None
    session.flush()


def record_success(session: Session, name: str, source: str, *, settings: AccessSettings) -> None:
    """A right password clears the account's counts (from anywhere and from this source), and takes back
    the failure its attempt was counted as under the source (``record_failure`` ran before the check)."""
    wanted = keys(name, source)
    clear_keys(session, [(ACCOUNT, wanted[ACCOUNT]), (ACCOUNT_SOURCE, wanted[ACCOUNT_SOURCE])])
    row = session.execute(
        select(SignInThrottle).where(SignInThrottle.scope == SOURCE, SignInThrottle.key == wanted[SOURCE])
    ).scalar_one_or_none()
    if row is not None and row.failures > 0:
        row.failures -= 1
        wait = delay(row.failures, policies(settings)[SOURCE])
        row.retry_after = utc(row.last_failure_at) + wait if wait else None
    session.flush()


def clear_account(session: Session, name: str) -> None:
    """An admin's unlock: the account's counts from anywhere, and from every source."""
    account = name.strip().lower()[:64]
    session.execute(
        delete(SignInThrottle).where(
            (SignInThrottle.scope == ACCOUNT) & (SignInThrottle.key == account)
            | (SignInThrottle.scope == ACCOUNT_SOURCE)
            & SignInThrottle.key.startswith(account + " ", autoescape=True)
        )
    )


def clear_keys(session: Session, pairs: Iterable[tuple[str, str]]) -> None:
    pairs = list(pairs)
    if pairs:
        session.execute(
            delete(SignInThrottle).where(tuple_(SignInThrottle.scope, SignInThrottle.key).in_(pairs))
        )
