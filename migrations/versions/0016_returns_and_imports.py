"""returns: projection columns for every route out, imported source ids, events by type and date

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-03 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("removal_directions_on", sa.Date()),
    ("removal_directions_valid_until", sa.Date()),
    ("return_type", sa.String(64)),
    ("returned_on", sa.Date()),
    ("return_destination", sa.String(64)),
    ("removals_failed", sa.Integer()),
    ("last_removal_failure", sa.String(64)),
    ("voluntary_return_consented_on", sa.Date()),
    ("deportation_order_on", sa.Date()),
    ("entry_ban_until", sa.Date()),
    ("travel_document_chasers", sa.Integer()),
)


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: a batch (table copy) on SQLite would lose the expression index
    # on lower(family_name), which SQLAlchemy cannot reflect.
    for name, type_ in COLUMNS:
        op.add_column("case_projection", sa.Column(name, type_, nullable=True))
    op.create_index("ix_case_events_type_occurred", "case_events", ["event_type", "occurred_on"])
    op.create_table(
        "imported_events",
        sa.Column("source_id", sa.String(128), primary_key=True),
        sa.Column(
            "event_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("case_events.id"),
            nullable=False,
        ),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "imported_persons",
        sa.Column("legacy_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("persons.id"), nullable=False, unique=True),
    )


def downgrade() -> None:
    op.drop_table("imported_persons")
    op.drop_table("imported_events")
    op.drop_index("ix_case_events_type_occurred", table_name="case_events")
    # SQLite drops columns by copying the table, which loses the expression index: drop and remake it.
    op.drop_index("ix_case_projection_family_name_lower", table_name="case_projection")
    with op.batch_alter_table("case_projection", schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
    op.create_index(
        "ix_case_projection_family_name_lower", "case_projection", [sa.text("lower(family_name)")]
    )
