"""the card a payment verifies, kept with it until it is made the default

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("card_brand", sa.String(length=16)),
    ("card_last4", sa.String(length=4)),
    ("card_exp_month", sa.Integer()),
    ("card_exp_year", sa.Integer()),
    ("card_holder", sa.String(length=250)),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("payments", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column("payments", name)
