"""Migrations: up, down and up again on both databases; the models and migrations never drift."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from returnhub.casework.snapshots import next_mark
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


def test_name_folded_is_filled_for_existing_cases(database_url: str) -> None:
    """0017usab folds the names of cases written before it, as the application folds new ones."""
    from sqlalchemy import select, update

    from returnhub.casework.models import case_projection
    from returnhub.core.database import unit_of_work
    from tests.casework.helpers import add_person

    engine = create_engine(database_url)
    with unit_of_work(engine) as s:
        add_person(s, "RH0170001")
        s.execute(
            update(case_projection)
            .where(case_projection.c.reference == "RH0170001")
            .values(given_name="Tāriq", family_name="IBRĀHĪM-Nour", change_mark=next_mark(s))
        )
    downgrade(database_url, "0016")
    upgrade(database_url)
    with unit_of_work(engine) as s:
        folded = s.execute(
            select(case_projection.c.name_folded).where(case_projection.c.reference == "RH0170001")
        ).scalar_one()
        s.execute(case_projection.delete().where(case_projection.c.reference == "RH0170001"))
    engine.dispose()
    assert folded == "tariq ibrahim nour"
