"""cache invalidation feed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 07:24:39.614908
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cache_invalidations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scope_merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scope_customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scope_merchant_id"],
            ["merchants.id"],
            name=op.f("fk_cache_invalidations_scope_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cache_invalidations")),
    )
    with op.batch_alter_table("cache_invalidations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cache_invalidations_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cache_invalidations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cache_invalidations_created_at"))

    op.drop_table("cache_invalidations")
