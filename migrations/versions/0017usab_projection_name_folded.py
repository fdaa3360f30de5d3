"""case_projection.name_folded: search by any part of a name, case and accents folded

Neither database folds accents by itself (SQLite's ``lower()`` folds only ASCII), so the projection keeps
each person's given and family name folded once, when it is written; the search compares folded words with
folded text. Existing rows are filled here, in batches, with the same function the application writes with
(``returnhub.people.names.folded_name``), so old and new rows fold alike.

Revision ID: 0017usab
Revises: 0016
Create Date: 2026-12-04 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017usab"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 10_000


def upgrade() -> None:
    from returnhub.people.names import folded_name

    # A plain ADD COLUMN on both databases: a batch (table copy) on SQLite would lose the expression index
    # on lower(family_name), which SQLAlchemy cannot reflect.
    op.add_column(
        "case_projection", sa.Column("name_folded", sa.String(201), nullable=False, server_default="")
    )
    bind = op.get_bind()
    projection = sa.table(
        "case_projection",
        sa.column("case_id", sa.Integer),
        sa.column("given_name", sa.String),
        sa.column("family_name", sa.String),
        sa.column("name_folded", sa.String),
    )
    last = -1
    while True:
        rows = bind.execute(
            sa.select(projection.c.case_id, projection.c.given_name, projection.c.family_name)
            .where(projection.c.case_id > last)
            .order_by(projection.c.case_id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            projection.update()
            .where(projection.c.case_id == sa.bindparam("id"))
            .values(name_folded=sa.bindparam("folded")),
            [{"id": r.case_id, "folded": folded_name(r.given_name, r.family_name)} for r in rows],
        )
        last = rows[-1].case_id


def downgrade() -> None:
    op.drop_column("case_projection", "name_folded")
