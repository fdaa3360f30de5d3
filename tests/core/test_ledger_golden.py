"""Golden hashes: the canonical encoding of fixed events, access-log rows and partner changes gives fixed
hashes, so a database written before the ledger was unified still verifies after it.

The expected values were computed with the code on main before the refactor (``casework.store.
event_digest``, ``access.audit.access_digest``, ``partners.changes.change_digest`` of that time) and
frozen here; they must never be regenerated from the code under test. The inputs stress the encoding:
non-ASCII, quotes and backslashes, JSON separators, naive and offset datetimes, nested payloads, nulls.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import orjson
import polars as pl
from sqlalchemy import select
from sqlalchemy.engine import Engine

from returnhub.access.audit import AccessRecord, access_digest
from returnhub.casework.bulk import load_population
from returnhub.casework.models import StoredEvent
from returnhub.casework.store import append_event, event_digest, verify_chain
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.ledger import GENESIS_HASH
from returnhub.partners.changes import change_digest
from tests.casework.helpers import add_person

PLUS_ONE = timezone(timedelta(hours=1))

EVENTS: list[dict[str, Any]] = [
    {
        "case_reference": "RH0000001",
        "sequence": 1,
        "event_type": "arrival",
        "occurred_on": date(2023, 5, 1),
        "recorded_at": datetime(2023, 5, 1, 14, 30, 5, 123456, tzinfo=UTC),
        "recorded_by": "caseworker.one",
        "data": {"route": "small_boat"},
    },
    {
        "case_reference": "RH0000001",
        "sequence": 2,
        "event_type": "rule39_granted",
        "occurred_on": date(2024, 2, 29),
        "recorded_at": datetime(2024, 3, 1, 0, 0, tzinfo=PLUS_ONE),
        "recorded_by": 'Zoë Ó\'Brien "QC"',
        "data": {
            "expires_on": "2024-04-01",
            "note": {"$sealed": "0f" * 16},
            "tier": ["a", 2, None, 1.5, True],
        },
        "occurred_at": datetime(2024, 2, 29, 21, 30, tzinfo=PLUS_ONE),
    },
    {
        "case_reference": "RH0012345",
        "sequence": 17,
        "event_type": "event_retracted",
        "occurred_on": date(2026, 6, 1),
        "recorded_at": datetime(2026, 6, 1, 9, 0),  # naive: read back from SQLite, taken as UTC
        "recorded_by": "seed",
        "data": {"sequence": 16, "reason": "entered in error — Ελληνικά \u2028 \\ /"},
    },
]
EVENT_HASHES = [
    "e7833a07d6d53587eff311d7e0758ea73a4d9d62e2d993c078c494b064f0c6ba",
    "22f982eba70ca8f724f2717c7e288d411b5359415812516db701189af7dc5d9a",
    "aa1d485e10d38933990785f545c55111db14e062b83822bfe44dbbbbf37b8f78",
]

ACCESS: list[tuple[datetime, AccessRecord]] = [
    (
        datetime(2026, 6, 1, 9, 0, 0, 1, tzinfo=UTC),
        AccessRecord(
            "alice",
            "caseworker",
            "GET",
            "/cases/{reference}",
            "/cases/RH0000001",
            "",
            "RH0000001",
            "127.0.0.1",
            "granted",
            200,
        ),
    ),
    (
        datetime(2026, 6, 1, 10, 0, tzinfo=timezone(timedelta(hours=-5))),
        AccessRecord(
            "bob",
            "monitor",
            "POST",
            "/ui/persons",
            "/ui/persons?q=Zoë",
            'q=Zo%C3%AB&x="1"',
            None,
            "::1",
            "denied",
            403,
        ),
    ),
]
ACCESS_HASHES = [
    "22e54d399c599b45d2e61e8b7b70cf5fb7efe9c09e2e4446f753efe39b49bedd",
    "36ce98c7863d85d6c1d4efe10679235593d27d7ee4aaa00deed7654128b8affe",
]

CHANGES: list[dict[str, Any]] = [
    {
        "recorded_at": datetime(2025, 9, 1, 12, 0, tzinfo=UTC),
        "recorded_by": "partnerships",
        "action": "agreement_signed",
        "subject": "agreement:NLD-UGA",
        "data": {"signed_on": "2025-09-25", "beds": 500, "terms": {"max_stay_days": 180}},
        "provenance": "sourced",
        "source_url": "https://example.org/a?b=1&c=ü",
        "source_title": 'Memorandum "of" understanding',
    },
    {
        "recorded_at": datetime(2025, 9, 2, 12, 0, 0, 999999, tzinfo=UTC),
        "recorded_by": "seed",
        "action": "hub_added",
        "subject": "hub:ALB-1",
        "data": {},
        "provenance": None,
        "source_url": None,
        "source_title": None,
    },
]
CHANGE_HASHES = [
    "2f27527c13947d62fe762f36d6cfcf581756e8eaa2adbee20a69ebae8f2c3860",
    "ba459ded01363d1edd4bac631275c1cb79a8a354482dc43fe167e62f3978a75c",
]


def test_event_hashes_are_frozen() -> None:
    prev = GENESIS_HASH
    got = []
    for event in EVENTS:
        prev = event_digest(prev, **event)
        got.append(prev)
    assert got == EVENT_HASHES


def test_access_log_hashes_are_frozen() -> None:
    prev = GENESIS_HASH
    got = []
    for at, record in ACCESS:
        prev = access_digest(prev, at, record)
        got.append(prev)
    assert got == ACCESS_HASHES


def test_partner_change_hashes_are_frozen() -> None:
    prev = GENESIS_HASH
    got = []
    for change in CHANGES:
        prev = change_digest(prev, **change)
        got.append(prev)
    assert got == CHANGE_HASHES


# One person's history, written once by the bulk loader and once event by event: the same chain.
HISTORY: list[tuple[str, date, datetime, str]] = [
    (
        "arrival",
        date(2023, 5, 1),
        datetime(2023, 5, 1, 14, 30, 5, 123456, tzinfo=UTC),
        '{"route":"small_boat"}',
    ),
    ("asylum_claim_lodged", date(2023, 5, 2), datetime(2023, 5, 2, 8, 0, tzinfo=UTC), "{}"),
    (
        "asylum_claim_decided",
        date(2024, 2, 1),
        datetime(2024, 2, 3, 17, 5, 59, tzinfo=UTC),
        '{"outcome":"refuse"}',
    ),
]
HISTORY_HASHES = [
    "99e54abc5531074684fd67a91dc735e073e8758aa4670e2745c7e868b06a9952",
    "ae9b7c276fbd6a570951d69eb189a2ccc7577e45c0ba0a33ccba6829e6bc9b2c",
    "204df4b46fef62f3c3fb70d6e7074094598df3fd6cfd22d4cc293edc34ef17fc",
]


def _stored_hashes(engine: Engine) -> list[str]:
    with unit_of_work(engine, read_only=True) as s:
        assert verify_chain(s).ok
        return list(s.execute(select(StoredEvent.hash).order_by(StoredEvent.id)).scalars())


def test_bulk_loaded_history_hashes_are_frozen(engine: Engine) -> None:
    persons = pl.DataFrame(
        {
            "person_index": [0],
            "reference": ["RH0000001"],
            "given_name": ["Test"],
            "family_name": ["Person"],
            "date_of_birth": [date(1995, 3, 1)],
            "sex": ["M"],
            "nationality": ["ERI"],
            "languages": [["ti"]],
            "family_index": pl.Series([None], dtype=pl.Int64),
        }
    )
    events = pl.DataFrame(
        {
            "person_index": [0] * len(HISTORY),
            "sequence": list(range(1, len(HISTORY) + 1)),
            "event_type": [h[0] for h in HISTORY],
            "occurred_on": [h[1] for h in HISTORY],
            "recorded_at": pl.Series([h[2] for h in HISTORY], dtype=pl.Datetime("us", "UTC")),
            "data": [h[3] for h in HISTORY],
        }
    )
    load_population(engine, persons, events, clock=FixedClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC)))
    assert _stored_hashes(engine) == HISTORY_HASHES


def test_appended_history_hashes_as_the_bulk_loader(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        add_person(s, "RH0000001")
        for event_type, on, at, data in HISTORY:
            append_event(
                s,
                "RH0000001",
                event_type,
                on,
                orjson.loads(data),
                clock=FixedClock(at),
                recorded_by="seed",
            )
    assert _stored_hashes(engine) == HISTORY_HASHES
