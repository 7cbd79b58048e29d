"""sandbox gateway

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 23:06:25.431484
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandbox_charges",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("charge_id", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("customer_ref", sa.String(length=40), nullable=False),
        sa.Column("method_token", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("decline_code", sa.String(length=32), nullable=True),
        sa.Column("refunded", sa.Integer(), nullable=False),
        sa.Column("return_url", sa.String(length=2048), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_sandbox_charges_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_charges")),
        sa.UniqueConstraint("charge_id", name=op.f("uq_sandbox_charges_charge_id")),
        sa.UniqueConstraint("merchant_id", "idempotency_key", name=op.f("uq_sandbox_charges_merchant_id")),
    )
    with op.batch_alter_table("sandbox_charges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sandbox_charges_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "sandbox_payment_methods",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("customer_ref", sa.String(length=40), nullable=False),
        sa.Column("brand", sa.String(length=16), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        sa.Column("behaviour", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_sandbox_payment_methods_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_payment_methods")),
        sa.UniqueConstraint("token", name=op.f("uq_sandbox_payment_methods_token")),
    )
    with op.batch_alter_table("sandbox_payment_methods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sandbox_payment_methods_customer_ref"), ["customer_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_sandbox_payment_methods_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "sandbox_refunds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("refund_id", sa.String(length=40), nullable=False),
        sa.Column("charge_id", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_sandbox_refunds_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_refunds")),
        sa.UniqueConstraint("merchant_id", "idempotency_key", name=op.f("uq_sandbox_refunds_merchant_id")),
        sa.UniqueConstraint("refund_id", name=op.f("uq_sandbox_refunds_refund_id")),
    )
    with op.batch_alter_table("sandbox_refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sandbox_refunds_charge_id"), ["charge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sandbox_refunds_merchant_id"), ["merchant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sandbox_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_refunds_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_sandbox_refunds_charge_id"))

    op.drop_table("sandbox_refunds")
    with op.batch_alter_table("sandbox_payment_methods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_payment_methods_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_sandbox_payment_methods_customer_ref"))

    op.drop_table("sandbox_payment_methods")
    with op.batch_alter_table("sandbox_charges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_charges_merchant_id"))

    op.drop_table("sandbox_charges")
