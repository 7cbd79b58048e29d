"""subscriptions, sandbox clocks, merchant gateways and payment methods

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "merchant_gateways",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("gateway", sa.String(length=16), nullable=False),
        sa.Column("stripe_secret_key", sa.String(length=1000), nullable=True),
        sa.Column("stripe_webhook_secret", sa.String(length=1000), nullable=True),
        sa.Column("stripe_publishable_key", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_merchant_gateways_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_gateways")),
        sa.UniqueConstraint("merchant_id", name=op.f("uq_merchant_gateways_merchant_id")),
    )
    with op.batch_alter_table("merchant_gateways", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merchant_gateways_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "sandbox_clocks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("frozen_time", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_sandbox_clocks_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_clocks")),
    )
    with op.batch_alter_table("sandbox_clocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sandbox_clocks_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "sandbox_clock_members",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("clock_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["clock_id"],
            ["sandbox_clocks.id"],
            name=op.f("fk_sandbox_clock_members_clock_id_sandbox_clocks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_sandbox_clock_members_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_sandbox_clock_members_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_clock_members")),
        sa.UniqueConstraint("merchant_id", "customer_id", name=op.f("uq_sandbox_clock_members_merchant_id")),
    )
    with op.batch_alter_table("sandbox_clock_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sandbox_clock_members_clock_id"), ["clock_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sandbox_clock_members_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("price_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("period_unit", sa.String(length=8), nullable=False),
        sa.Column("period_quantity", sa.Integer(), nullable=False),
        sa.Column("voucher_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("discounted_charges_left", sa.Integer(), nullable=True),
        sa.Column("credit", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cycle", sa.Integer(), server_default="0", nullable=False),
        sa.Column("period_paid", sa.Integer(), server_default="0", nullable=False),
        sa.Column("current_period_start", sa.DateTime(), nullable=False),
        sa.Column("current_period_end", sa.DateTime(), nullable=False),
        sa.Column("trial_ends_at", sa.DateTime(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("dunning_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("canceled_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("entitlement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("gateway", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), server_default="card", nullable=False),
        sa.Column("gateway_customer_ref", sa.String(length=64), nullable=False),
        sa.Column("gateway_method", sa.String(length=64), nullable=False),
        sa.Column("cancel_token", sa.String(length=32), nullable=False),
        sa.Column("clock_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["clock_id"],
            ["sandbox_clocks.id"],
            name=op.f("fk_subscriptions_clock_id_sandbox_clocks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_subscriptions_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["entitlement_id"],
            ["entitlements.id"],
            name=op.f("fk_subscriptions_entitlement_id_entitlements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_subscriptions_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["price_id"], ["prices.id"], name=op.f("fk_subscriptions_price_id_prices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_subscriptions_product_id_products"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["vouchers.id"], name=op.f("fk_subscriptions_voucher_id_vouchers"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("cancel_token", name=op.f("uq_subscriptions_cancel_token")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_clock_id"), ["clock_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscriptions_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_subscriptions_due", ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscriptions_merchant_id"), ["merchant_id"], unique=False)

    with op.batch_alter_table("payment_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mandate_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("mandate_holder", sa.String(length=250), nullable=True))
        batch_op.add_column(sa.Column("mandate_country", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("mandate_bank_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("mandate_last4", sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column("mandate_reference", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("mandate_created_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="purchase", nullable=False))
        batch_op.add_column(
            sa.Column("subscription_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("credit_used", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("method", sa.String(length=16), server_default="card", nullable=False))
        batch_op.create_index(batch_op.f("ix_payments_subscription_id"), ["subscription_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_payments_subscription_id_subscriptions"),
            "subscriptions",
            ["subscription_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payments_subscription_id_subscriptions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_payments_subscription_id"))
        batch_op.drop_column("method")
        batch_op.drop_column("credit_used")
        batch_op.drop_column("subscription_id")
        batch_op.drop_column("kind")

    with op.batch_alter_table("payment_profiles", schema=None) as batch_op:
        batch_op.drop_column("mandate_created_at")
        batch_op.drop_column("mandate_reference")
        batch_op.drop_column("mandate_last4")
        batch_op.drop_column("mandate_bank_code")
        batch_op.drop_column("mandate_country")
        batch_op.drop_column("mandate_holder")
        batch_op.drop_column("mandate_token")

    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_merchant_id"))
        batch_op.drop_index("ix_subscriptions_due")
        batch_op.drop_index(batch_op.f("ix_subscriptions_customer_id"))
        batch_op.drop_index(batch_op.f("ix_subscriptions_clock_id"))

    op.drop_table("subscriptions")
    with op.batch_alter_table("sandbox_clock_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_clock_members_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_sandbox_clock_members_clock_id"))

    op.drop_table("sandbox_clock_members")
    with op.batch_alter_table("sandbox_clocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_clocks_merchant_id"))

    op.drop_table("sandbox_clocks")
    with op.batch_alter_table("merchant_gateways", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchant_gateways_merchant_id"))

    op.drop_table("merchant_gateways")
