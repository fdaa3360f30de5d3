"""partners register bitemporal: a version may be entered with an earlier legal date after a later one

The register's versioned facts (agreement terms, hub facts, country assessments, safe-country lists) were
unique per legal date, so a correction of a past version could not be entered. Each row already carries its
legal date and its ``recorded_at``; reads now take both (``as_of`` and ``known_at``), and a later-recorded
version for the same legal date supersedes the earlier one from the moment it is known. This drops the
per-legal-date unique constraints (the per-record version sequence stays unique) and adds indexes for the
reads. On SQLite the tables are rebuilt, so their no-update triggers are re-created.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 22:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: table -> (the unique constraint on the legal date, its columns)
LEGAL_DATE_UNIQUES = {
    "partner_agreement_versions": (
        "uq_partner_agreement_versions_effective",
        ["agreement_id", "effective_from"],
    ),
    "partner_hub_versions": ("uq_partner_hub_versions_effective", ["hub_id", "effective_from"]),
    "partner_country_assessments": (
        "uq_partner_country_assessments_assessed_on",
        ["assessing_state", "country", "assessed_on"],
    ),
    "partner_safe_country_lists": (
        "uq_partner_safe_country_lists_effective",
        ["designating_state", "effective_from"],
    ),
}


def _sqlite_guard(table: str) -> None:
    op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_no_update")
    op.execute(
        f"CREATE TRIGGER trg_{table}_no_update BEFORE UPDATE ON {table} BEGIN "
        f"SELECT RAISE(ABORT, '{table} is append-only: record a new version instead of editing'); END"
    )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, (name, columns) in LEGAL_DATE_UNIQUES.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(name, type_="unique")
        op.create_index(f"ix_{table}_legal_date", table, columns)
        if sqlite:
            _sqlite_guard(table)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, (name, columns) in LEGAL_DATE_UNIQUES.items():
        op.drop_index(f"ix_{table}_legal_date", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.create_unique_constraint(name, columns)
        if sqlite:
            _sqlite_guard(table)
