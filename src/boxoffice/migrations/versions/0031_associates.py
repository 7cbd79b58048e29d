"""merchants' associates, with tokens of their own, and the campaigns of vouchers made together

Revision ID: 0031
Revises: 0030
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "associates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("site_name", sa.String(length=250), nullable=False),
        sa.Column("commission_percent", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("locale", sa.String(length=35), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("token", sa.String(length=300), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_associates_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_associates")),
        sa.UniqueConstraint("merchant_id", "email", name=op.f("uq_associates_merchant_id")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_associates_token_digest")),
    )
    with op.batch_alter_table("associates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_associates_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "voucher_campaigns",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("associate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("for_subscriptions", sa.Boolean(), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=True),
        sa.Column("amount_off", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("discount_period", sa.String(length=16), nullable=False),
        sa.Column("discount_duration", sa.Integer(), nullable=True),
        sa.Column("ends_at", sa.DateTime(), nullable=True),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("price_ids", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["associate_id"],
            ["associates.id"],
            name=op.f("fk_voucher_campaigns_associate_id_associates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_voucher_campaigns_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_campaigns")),
    )
    with op.batch_alter_table("voucher_campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voucher_campaigns_associate_id"), ["associate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_voucher_campaigns_merchant_id"), ["merchant_id"], unique=False)

    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("campaign_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_vouchers_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_vouchers_campaign_id_voucher_campaigns"),
            "voucher_campaigns",
            ["campaign_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_vouchers_campaign_id_voucher_campaigns"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_vouchers_campaign_id"))
        batch_op.drop_column("campaign_id")

    with op.batch_alter_table("voucher_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voucher_campaigns_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_voucher_campaigns_associate_id"))

    op.drop_table("voucher_campaigns")
    with op.batch_alter_table("associates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_associates_merchant_id"))

    op.drop_table("associates")
