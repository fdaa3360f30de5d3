"""statistics: the statistics page's counts, kept up to date with each write (issue #16)

Three small tables (``returnhub.statistics.models``): people per measure, year and category; hub arrivals and
exits per hub and day; and how many events the counts reflect. They are filled here from the projection with
the function the application rebuilds them with (``returnhub.statistics.aggregates.rebuild``), so an existing
database shows the same figures as before at once.

Revision ID: 0018pg
Revises: 0017rt
Create Date: 2026-12-04 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018pg"
down_revision: str | None = "0017rt"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from returnhub.statistics.aggregates import rebuild

    op.create_table(
        "statistics_yearly",
        sa.Column("measure", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "year", "category", name=op.f("pk_statistics_yearly")),
    )
    op.create_table(
        "statistics_hub_days",
        sa.Column("hub", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("flow", sa.String(3), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hub", "day", "flow", name=op.f("pk_statistics_hub_days")),
    )
    op.create_table(
        "statistics_marks",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_statistics_marks")),
    )
    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("statistics_marks")
    op.drop_table("statistics_hub_days")
    op.drop_table("statistics_yearly")
