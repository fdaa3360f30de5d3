"""projection columns for the new legal facts (issue 13, part B)

The latest decision that made a person removable (R5), the departure-details notice (R5D), a court's
refusal to validate detention (R17) and the EU vulnerability assessment (EU-R6V).

Revision ID: 0013a
Revises: 0013
Create Date: 2026-12-03 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013a"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DATES = (
    "removability_decided_on",
    "vulnerability_assessed_on",
    "detention_first_validated_on",
    "detention_validation_refused_on",
    "departure_details_served_on",
)


def upgrade() -> None:
    with op.batch_alter_table("case_projection", schema=None) as batch_op:
        for name in _DATES:
            batch_op.add_column(sa.Column(name, sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("vulnerable", sa.Boolean(), nullable=True))


def downgrade() -> None:
    # Dropping columns copies the table on SQLite, which would lose this expression index (0011): drop it
    # first and create it again after.
    op.drop_index("ix_case_projection_family_name_lower", table_name="case_projection")
    with op.batch_alter_table("case_projection", schema=None) as batch_op:
        batch_op.drop_column("vulnerable")
        for name in reversed(_DATES):
            batch_op.drop_column(name)
    op.create_index(
        "ix_case_projection_family_name_lower", "case_projection", [sa.text("lower(family_name)")]
    )
