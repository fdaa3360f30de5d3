"""Alembic environment: the URL comes from settings (or the caller's config); batch mode on SQLite."""

from __future__ import annotations

from alembic import context

from returnhub.core.database import create_engine, is_sqlite
from returnhub.core.settings import get_settings
from returnhub.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.attributes.get("database_url") or get_settings().database_url
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection, url)
        return
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn, url)
    engine.dispose()


def _run(connection: object, url: str) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=is_sqlite(url),
        compare_type=True,
    )
    with context.begin_transaction():
        migration = context.get_context()
        before = migration.get_current_revision()
        context.run_migrations()
        if migration.get_current_revision() != before:
            _invalidate_fact_snapshots(connection)


def _invalidate_fact_snapshots(connection: object) -> None:
    """A migration may change what the projection holds: the columnar copies of it are read no more."""
    from sqlalchemy import inspect, text

    if inspect(connection).has_table("fact_snapshots"):
        connection.execute(text("DELETE FROM fact_snapshot_parts"))  # type: ignore[attr-defined]
        connection.execute(text("DELETE FROM fact_snapshots"))  # type: ignore[attr-defined]


run_migrations_online()
