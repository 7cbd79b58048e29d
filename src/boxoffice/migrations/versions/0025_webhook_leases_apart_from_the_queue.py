"""webhook leases apart from the queue, fewer indexes on the sender's hot rows

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leased_until", sa.DateTime(), nullable=True))
        batch_op.drop_index("ix_webhook_deliveries_merchant_id")
        batch_op.drop_index("ix_webhook_deliveries_due", postgresql_where=PENDING, sqlite_where=PENDING)
        batch_op.create_index(
            "ix_webhook_deliveries_due",
            ["next_attempt_at", "id"],
            unique=False,
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        )
    # A delivery leased until now was leased by moving its next attempt to the lease's end: it stays so, and is due
    # again when that time comes, as it would have been.
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_attempts_merchant_id")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_merchant_id")
    if op.get_bind().dialect.name == "postgresql":
        # Pages written from now on keep room for a lease's row versions beside the ones they replace.
        op.execute("ALTER TABLE webhook_deliveries SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE webhook_deliveries RESET (fillfactor)")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_merchant_id", ["merchant_id"], unique=False)
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_attempts_merchant_id", ["merchant_id"], unique=False)
    # A delivery out on a lease is not due before the lease ends, as when the lease was its next attempt.
    op.execute(
        "UPDATE webhook_deliveries SET next_attempt_at = leased_until"
        " WHERE status = 'pending' AND leased_until > next_attempt_at"
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_due", postgresql_where=PENDING, sqlite_where=PENDING)
        batch_op.create_index(
            "ix_webhook_deliveries_due",
            ["next_attempt_at"],
            unique=False,
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        )
        batch_op.create_index("ix_webhook_deliveries_merchant_id", ["merchant_id"], unique=False)
        batch_op.drop_column("leased_until")
