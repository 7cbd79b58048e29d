"""subscriptions' pauses, and the merchant's own id and data for a subscription

Revision ID: 0033
Revises: 0032
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added in place (no copy of the table on SQLite): nullable columns without defaults.
    op.add_column("subscriptions", sa.Column("external_id", sa.String(length=200), nullable=True))
    op.add_column("subscriptions", sa.Column("external_properties", sa.JSON(), nullable=True))
    op.add_column("subscriptions", sa.Column("pause_starts_at", sa.DateTime(), nullable=True))
    op.add_column("subscriptions", sa.Column("resumes_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("resumes_at")
        batch_op.drop_column("pause_starts_at")
        batch_op.drop_column("external_properties")
        batch_op.drop_column("external_id")
