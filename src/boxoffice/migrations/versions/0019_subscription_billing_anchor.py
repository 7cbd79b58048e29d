"""subscriptions keep their billing anchor

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("subscriptions", sa.Column("billing_anchor", sa.DateTime(), nullable=True))
    # Running subscriptions renew on the day their current period started; before the anchor was kept, periods
    # started at the previous one's end, so that is the best day left to keep.
    op.execute("UPDATE subscriptions SET billing_anchor = current_period_start WHERE cycle > 0")


def downgrade() -> None:
    op.drop_column("subscriptions", "billing_anchor")
