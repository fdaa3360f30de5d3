"""indexes on the projection's dates for the statistics pages

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 23:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_case_projection_arrived_on": ["arrived_on"],
    "ix_case_projection_claim_decided": ["claim_decided_on", "claim_outcome"],
    "ix_case_projection_appeal_decided": ["appeal_decided_on", "appeal_outcome"],
    "ix_case_projection_hub_exited": ["hub_exited_on", "hub_exit_reason"],
    "ix_case_projection_hub_stay": ["hub", "hub_arrived_on"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "case_projection", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="case_projection")
