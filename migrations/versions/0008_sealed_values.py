"""sealed values: special-category event fields encrypted at rest

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 10:00:00

Events recorded before this revision keep their payloads as written (the hash chain covers them); see
docs/access.md, "Sealed event fields".
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sealed_values",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_reference", sa.String(length=16), nullable=False),
        sa.Column("event_sequence", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=48), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=True),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sealed_values")),
        sa.UniqueConstraint("case_reference", "event_sequence", "field", name="uq_sealed_values_event_field"),
    )


def downgrade() -> None:
    op.drop_table("sealed_values")
