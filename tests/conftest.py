"""Shared fixtures: a migrated database on each backend (SQLite file and PostgreSQL), a fixed clock.

PostgreSQL is at 127.0.0.1:5432, database ``test``. With ``RETURNHUB_REQUIRE_POSTGRES=1`` (as in CI)
a missing server fails the run instead of skipping the PostgreSQL half of the suite.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import text
from sqlalchemy.engine import Engine

from returnhub.core.clock import FixedClock
from returnhub.core.database import create_engine
from returnhub.core.migrate import upgrade
from returnhub.core.runtime import Runtime
from returnhub.core.settings import Settings
from returnhub.operations.transfers import register_hooks
from returnhub.statistics.aggregates import register_hooks as keep_statistics

# The suite is a composition root, like ``web.app.create_app`` and the CLI's ``runtime()``: it wires the
# departure gate into casework and partners, which do not import operations themselves, and the statistics
# page's kept counts into the event store and the bulk loader.
register_hooks()
keep_statistics()

POSTGRES_ADMIN_URL = os.environ.get(
    "RETURNHUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("RETURNHUB_REQUIRE_POSTGRES") == "1"


def _postgres_available() -> str | None:
    try:
        engine = sa_create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database for this test session (dropped at the end)."""
    problem = _postgres_available()
    if problem is not None:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL required (RETURNHUB_REQUIRE_POSTGRES=1) but unavailable: {problem}")
        pytest.skip(f"PostgreSQL unavailable: {problem}")
    name = f"returnhub_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa_create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate(engine: Engine) -> None:
    from returnhub.models import Base

    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("db") / "returnhub.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_template"))
    return str(request.getfixturevalue("postgres_template"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = create_engine(database_url)
    _truncate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def runtime(engine: Engine, clock: FixedClock, database_url: str) -> Runtime:
    return Runtime(settings=Settings(database_url=database_url), engine=engine, clock=clock)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh, migrated SQLite file of this test's own (for crash and CLI tests)."""
    url = f"sqlite:///{tmp_path / 'own.db'}"
    upgrade(url)
    return url


TODAY = date(2026, 6, 1)
