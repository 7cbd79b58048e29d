"""gift delivery and plan switch records

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_switches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subscription_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("from_price_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("to_price_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("algorithm", sa.String(length=48), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_plan_switches_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["from_price_id"], ["prices.id"], name=op.f("fk_plan_switches_from_price_id_prices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_plan_switches_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_plan_switches_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_price_id"], ["prices.id"], name=op.f("fk_plan_switches_to_price_id_prices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_switches")),
    )
    with op.batch_alter_table("plan_switches", schema=None) as batch_op:
        batch_op.create_index("ix_plan_switches_merchant_customer", ["merchant_id", "customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_switches_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_switches_subscription_id"), ["subscription_id"], unique=False)

    with op.batch_alter_table("gifts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_date", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("personal_note", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE gifts SET sent_at = created_at")  # gifts bought before now were e-mailed when bought

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gift_receiver_email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("gift_delivery_date", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("gift_personal_note", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("gift_personal_note")
        batch_op.drop_column("gift_delivery_date")
        batch_op.drop_column("gift_receiver_email")

    with op.batch_alter_table("gifts", schema=None) as batch_op:
        batch_op.drop_column("sent_at")
        batch_op.drop_column("personal_note")
        batch_op.drop_column("delivery_date")

    with op.batch_alter_table("plan_switches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_switches_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_plan_switches_merchant_id"))
        batch_op.drop_index("ix_plan_switches_merchant_customer")

    op.drop_table("plan_switches")
