"""case_projection: the database refuses a row written without a new change mark

The fact snapshots (``casework.snapshots``) are patched with the rows whose ``change_mark`` is newer than
theirs, so a row changed without a new mark would leave a snapshot silently stale. Every writer in the
application takes one (a test lists them); these triggers make the database refuse any other write too: an
update that does not raise the row's mark, an insert without one. (A deleted row is caught by the read's
row count, and the one deleter, the projection rebuild, drops the snapshots.)

Revision ID: 0020cf
Revises: 0019cf
Create Date: 2026-12-04 16:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020cf"
down_revision: str | None = "0019cf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "case_projection written without a new change mark (take one with casework.snapshots.next_mark)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION case_projection_marked() RETURNS trigger AS $$
            BEGIN
                IF (TG_OP = 'UPDATE' AND NEW.change_mark <= OLD.change_mark)
                   OR (TG_OP = 'INSERT' AND NEW.change_mark <= 0) THEN
                    RAISE EXCEPTION '{MESSAGE}';
                END IF;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER case_projection_marked BEFORE INSERT OR UPDATE ON case_projection "
            "FOR EACH ROW EXECUTE FUNCTION case_projection_marked()"
        )
        return
    op.execute(
        "CREATE TRIGGER case_projection_marked_update BEFORE UPDATE ON case_projection "
        f"WHEN NEW.change_mark <= OLD.change_mark BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    op.execute(
        "CREATE TRIGGER case_projection_marked_insert BEFORE INSERT ON case_projection "
        f"WHEN NEW.change_mark <= 0 BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_projection_marked ON case_projection")
        op.execute("DROP FUNCTION case_projection_marked()")
        return
    op.execute("DROP TRIGGER case_projection_marked_update")
    op.execute("DROP TRIGGER case_projection_marked_insert")
