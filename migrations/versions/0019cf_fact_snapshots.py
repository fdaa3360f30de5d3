"""fact snapshots: a columnar copy of the case projection's facts, kept up to date by change marks

Every write to ``case_projection`` sets the row's ``change_mark`` from one counter
(``projection_marks``), taken under its row lock, so marks are committed in the order they are taken. A
stored snapshot (Parquet bytes, in parts) holds the facts columns as they were at a mark; a read takes
it and patches it with the rows whose mark is newer (``casework.snapshots``). Existing rows keep mark 0:
the first read finds no snapshot and writes one.

Revision ID: 0019cf
Revises: 0018pg
Create Date: 2026-12-04 15:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019cf"
down_revision: str | None = "0018pg"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: a batch (table copy) on SQLite would lose the expression index
    # on lower(family_name), and would copy a national projection.
    op.add_column(
        "case_projection", sa.Column("change_mark", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.create_index("ix_case_projection_change_mark", "case_projection", ["change_mark"])
    marks = op.create_table(
        "projection_marks",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("mark", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_projection_marks")),
    )
    op.bulk_insert(marks, [{"name": "case_projection", "mark": 0}])
    op.create_table(
        "fact_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mark", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_snapshots")),
    )
    op.create_table(
        "fact_snapshot_parts",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["fact_snapshots.id"],
            name=op.f("fk_fact_snapshot_parts_snapshot_id_fact_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "part", name=op.f("pk_fact_snapshot_parts")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The parts are compressed already (zstd): no second compression attempt in TOAST.
        op.execute("ALTER TABLE fact_snapshot_parts ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("fact_snapshot_parts")
    op.drop_table("fact_snapshots")
    op.drop_table("projection_marks")
    op.drop_index("ix_case_projection_change_mark", table_name="case_projection")
    op.drop_column("case_projection", "change_mark")
