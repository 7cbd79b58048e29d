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
    with op.batch_alter_table("merchants") as batch:
        batch.add_column(sa.Column("publisher_token", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("publisher_token_digest", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_merchants_publisher_token_digest", ["publisher_token_digest"])
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
    with op.batch_alter_table("merchants") as batch:
        batch.drop_constraint("uq_merchants_publisher_token_digest", type_="unique")
        batch.drop_column("publisher_token_digest")
        batch.drop_column("publisher_token")
