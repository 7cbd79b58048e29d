"""one open attempt at a time to buy an item, per customer

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_ATTEMPT = "status = 'pending' AND kind IN ('purchase', 'subscription')"
DOUBLED = (
    "SELECT count(*) FROM (SELECT 1 FROM payments WHERE status = 'pending' AND kind IN ('purchase', 'subscription')"
    " GROUP BY merchant_id, customer_id, product_id HAVING count(*) > 1) AS doubled"
)


def upgrade() -> None:
    # Two pending attempts at one item are the double charge this index prevents; only the gateway knows how
    # each ended, so they are settled (by the janitor of the version before) rather than guessed at here.
    doubled = op.get_bind().scalar(sa.text(DOUBLED))
    if doubled:
        raise RuntimeError(
            f"{doubled} customers have more than one pending payment for an item: run the worker of the version"
            " before until the janitor has settled them (10 minutes after they were made), then migrate again"
        )
    op.create_index(
        "uq_payments_open_attempt",
        "payments",
        ["merchant_id", "customer_id", "product_id"],
        unique=True,
        postgresql_where=sa.text(OPEN_ATTEMPT),
        sqlite_where=sa.text(OPEN_ATTEMPT),
    )


def downgrade() -> None:
    op.drop_index("uq_payments_open_attempt", table_name="payments")
