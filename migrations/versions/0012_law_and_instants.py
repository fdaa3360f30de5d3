"""law and instants: every transfer records the rule pack it is judged under (uk or eu), back-filled;
events may carry the instant in law (occurred_at) beside their date

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The EU member states (the ``eu`` pack's sending states on 3 December 2026), frozen here so that the
#: migration does not change when the pack does.
EU_MEMBERS = (
    "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA "
    "LVA LTU LUX MLT NLD POL PRT ROU SVK SVN ESP SWE"
).split()


def upgrade() -> None:
    with op.batch_alter_table("transfers") as batch:
        batch.add_column(sa.Column("law", sa.String(16), nullable=True))
    members = ", ".join(f"'{m}'" for m in EU_MEMBERS)
    # An existing transfer takes the law of its agreement's sender; one whose agreement is not in the
    # register keeps "uk", the pack every transfer was judged under before this revision.
    op.execute(
        "UPDATE transfers SET law = CASE WHEN (SELECT a.sending_state FROM partner_agreements a "
        f"WHERE a.reference = transfers.agreement) IN ({members}) THEN 'eu' ELSE 'uk' END"
    )
    with op.batch_alter_table("transfers") as batch:
        batch.alter_column("law", existing_type=sa.String(16), nullable=False)
    # Existing events have no time of day: each counts for the whole of its date, as before.
    op.add_column("case_events", sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_events") as batch:
        batch.drop_column("occurred_at")
    with op.batch_alter_table("transfers") as batch:
        batch.drop_column("law")
