"""default card currency

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 23:35:18.278698
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_currency", sa.String(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_profiles", schema=None) as batch_op:
        batch_op.drop_column("card_currency")
