"""customers and merchants found by e-mail in any case through an index

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_merchants_lower_email", "merchants", [sa.text("lower(email)")], unique=False)
    op.create_index(
        "ix_customers_merchant_id_lower_email", "customers", ["merchant_id", sa.text("lower(email)")], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_customers_merchant_id_lower_email", table_name="customers")
    op.drop_index("ix_merchants_lower_email", table_name="merchants")
