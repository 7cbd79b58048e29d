"""webhook endpoints posted in one of several wire formats, grouped by a topic and filtered

Revision ID: 0034
Revises: 0033
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (with their defaults), which SQLite does in place: no copy of the table.
    op.add_column("webhook_endpoints", sa.Column("wire", sa.String(32), server_default="default", nullable=False))
    op.add_column("webhook_endpoints", sa.Column("topic", sa.String(64), nullable=True))
    op.add_column("webhook_endpoints", sa.Column("filters", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_column("filters")
        batch_op.drop_column("topic")
        batch_op.drop_column("wire")
