"""merchants' publisher tokens, for Cleeng's publisher APIs

Revision ID: 0029
Revises: 0028
"""

import hashlib
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Columns added in place and the uniqueness as an index: on SQLite a batch would copy the table and lose its
    # index on lower(email), which SQLite's reflection can't read.
    op.add_column("merchants", sa.Column("publisher_token", sa.String(length=300), nullable=True))
    op.add_column("merchants", sa.Column("publisher_token_digest", sa.String(length=64), nullable=True))
    op.create_index("ix_merchants_publisher_token_digest", "merchants", ["publisher_token_digest"], unique=True)
    # Every merchant so far is given its token here, in the clear like a new secret; `boxoffice secrets reseal`
    # seals it with the rest.
    merchants = sa.table(
        "merchants", sa.column("id"), sa.column("publisher_token"), sa.column("publisher_token_digest")
    )
    connection = op.get_bind()
    for (merchant_id,) in connection.execute(sa.select(merchants.c.id)).all():
        token = secrets.token_hex(24)
        connection.execute(
            merchants.update()
            .where(merchants.c.id == merchant_id)
            .values(publisher_token=token, publisher_token_digest=hashlib.sha256(token.encode()).hexdigest())
        )


def downgrade() -> None:
    op.drop_index("ix_merchants_publisher_token_digest", table_name="merchants")
    with op.batch_alter_table("merchants") as batch:
        batch.drop_column("publisher_token_digest")
        batch.drop_column("publisher_token")
    if op.get_bind().dialect.name == "sqlite":  # the batch copied the table without it
        op.create_index("ix_merchants_lower_email", "merchants", [sa.text("lower(email)")], unique=False)
