"""Migrations: up, down and up again on both databases; the models and migrations never drift."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from returnhub.core.database import create_engine
from returnhub.core.migrate import downgrade, upgrade
from returnhub.models import Base


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    # The session's template database is already at head; go down to nothing and back up.
    downgrade(database_url, "base")
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"persons", "case_events", "case_projection", "ledger_heads"} <= tables


def test_models_match_migrations(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; write a migration: {diff}"
