"""Alembic environment: the URL comes from settings (or the caller's config); batch mode on SQLite."""

from __future__ import annotations

from typing import Any

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
        on_version_apply=_invalidate_fact_snapshots,
    )
    with context.begin_transaction():
        context.run_migrations()


def _invalidate_fact_snapshots(ctx: Any, **_: Any) -> None:
    """After each migration step, in its transaction: a migration may change what the projection holds,
    so the columnar copies of it (``casework.snapshots``) are read no more."""
    from sqlalchemy import inspect, text

    connection = ctx.connection
    if inspect(connection).has_table("fact_snapshots"):
        connection.execute(text("DELETE FROM fact_snapshot_parts"))
        connection.execute(text("DELETE FROM fact_snapshots"))


run_migrations_online()
