"""caseload indexes: status and nationality with the reference, so a filtered page is read off an index

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 00:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = {
    "ix_case_projection_status_reference": ["status", "reference"],
    "ix_case_projection_nationality_reference": ["nationality", "reference"],
    "ix_case_projection_nationality_status_reference": ["nationality", "status", "reference"],
}
OLD = {
    "ix_case_projection_status": ["status"],
    "ix_case_projection_nationality_status": ["nationality", "status"],
}


def upgrade() -> None:
    for name in OLD:
        op.drop_index(name, table_name="case_projection")
    for name, columns in NEW.items():
        op.create_index(name, "case_projection", columns)
    op.create_index(
        "ix_case_projection_family_name_lower", "case_projection", [sa.text("lower(family_name)")]
    )


def downgrade() -> None:
    op.drop_index("ix_case_projection_family_name_lower", table_name="case_projection")
    for name in NEW:
        op.drop_index(name, table_name="case_projection")
    for name, columns in OLD.items():
        op.create_index(name, "case_projection", columns)
