"""index case_projection.family_unit_id

A case's view (``show_case``) and the safeguards' family facts look up the other members of a family in the
projection; without an index each of those reads scanned every row (about 20 ms at 200,000 cases).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 23:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_case_projection_family_unit_id", "case_projection", ["family_unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_projection_family_unit_id", table_name="case_projection")
