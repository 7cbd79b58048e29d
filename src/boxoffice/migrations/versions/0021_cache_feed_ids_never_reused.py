"""cache invalidation feed: ids never reused on SQLite

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # PostgreSQL's sequence never goes back; SQLite's rowid does once the table is empty, unless AUTOINCREMENT.
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "cache_invalidations", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("cache_invalidations", recreate="always"):
            pass
