"""The register's terms, read inside the gate's transaction: only a register not yet migrated falls back to
the pack's defaults; any other database error (the server restarting, a deadlock) fails the judgement,
which must never go ahead under terms it did not read (found by harnesses/faults.py's PostgreSQL
restarts)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from returnhub.core.database import unit_of_work
from returnhub.partners import service as partners_service
from returnhub.safeguards.packs import get_pack
from returnhub.safeguards.service import RegisterOrPackDefaults


def _failing(message: str) -> Any:
    def terms_on(self: Any, on: date) -> list[Any]:
        raise OperationalError("SELECT ... FROM agreements", {}, Exception(message))

    return terms_on


def test_a_lost_connection_fails_the_judgement(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        partners_service.DatabaseTermsProvider,
        "terms_on",
        _failing("server closed the connection unexpectedly"),
    )
    with unit_of_work(engine, read_only=True) as s, pytest.raises(OperationalError):
        RegisterOrPackDefaults(s, get_pack("uk")).terms_on(date(2026, 6, 1))


def test_a_register_not_yet_migrated_falls_back_to_the_pack(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        partners_service.DatabaseTermsProvider, "terms_on", _failing("no such table: agreements")
    )
    with unit_of_work(engine, read_only=True) as s:
        terms = RegisterOrPackDefaults(s, get_pack("uk")).terms_on(date(2026, 6, 1))
    assert terms, "the pack's default terms stand in for a register that is not there"
