"""idempotency keys held by a lease their request renews

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Claims made before have no lease: taken for lapsed, a retry takes them over.
    op.add_column("idempotency_keys", sa.Column("owner", sa.String(length=32), nullable=True))
    op.add_column("idempotency_keys", sa.Column("lease_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("idempotency_keys", "lease_until")
    op.drop_column("idempotency_keys", "owner")
