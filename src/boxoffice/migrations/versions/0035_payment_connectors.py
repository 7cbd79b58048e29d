"""payment-method settings of external connectors, dunning schedules per billing cycle, and customers' payment
details with external connectors

Revision ID: 0035
Revises: 0034
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _merchant(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("merchant_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f(f"fk_{table}_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "payment_method_settings",
        sa.Column("id", ID, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("method_name", sa.String(length=64), nullable=False),
        sa.Column("payment_gateway", sa.String(length=64), nullable=False),
        sa.Column("fee_rate", sa.Integer(), nullable=False),
        sa.Column("is_external", sa.Boolean(), nullable=False),
        sa.Column("handler", sa.String(length=250), nullable=False),
        sa.Column("gateway_parameters", sa.JSON(), nullable=False),
        sa.Column("payment_support", sa.JSON(), nullable=False),
        sa.Column("amount_accuracy", sa.Integer(), nullable=False),
        sa.Column("auto_terminate", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        *_merchant("payment_method_settings"),
    )
    op.create_index(
        op.f("ix_payment_method_settings_merchant_id"), "payment_method_settings", ["merchant_id"], unique=False
    )
    op.create_table(
        "dunning_actions",
        sa.Column("id", ID, nullable=False),
        sa.Column("cycle", sa.String(length=16), nullable=False),
        sa.Column("payment_authorization", sa.Boolean(), nullable=False),
        sa.Column("payment_attempts", sa.JSON(), nullable=False),
        sa.Column("payment_method_setting_id", ID, nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_method_setting_id"],
            ["payment_method_settings.id"],
            name=op.f("fk_dunning_actions_payment_method_setting_id_payment_method_settings"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("merchant_id", "cycle", name=op.f("uq_dunning_actions_merchant_id")),
        *_merchant("dunning_actions"),
    )
    op.create_index(op.f("ix_dunning_actions_merchant_id"), "dunning_actions", ["merchant_id"], unique=False)
    op.create_table(
        "external_payment_details",
        sa.Column("id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("payment_method_setting_id", ID, nullable=False),
        sa.Column("token", sa.String(length=500), nullable=False),
        sa.Column("method_params", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("attempt_restricted_to", sa.DateTime(), nullable=True),
        sa.Column("attempt_rejections", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_external_payment_details_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["payment_method_setting_id"],
            ["payment_method_settings.id"],
            name=op.f("fk_external_payment_details_payment_method_setting_id_payment_method_settings"),
            ondelete="CASCADE",
        ),
        *_merchant("external_payment_details"),
    )
    op.create_index(
        op.f("ix_external_payment_details_merchant_id"), "external_payment_details", ["merchant_id"], unique=False
    )
    op.create_index("ix_external_payment_details_customer", "external_payment_details", ["merchant_id", "customer_id"])


def downgrade() -> None:
    op.drop_table("external_payment_details")
    op.drop_table("dunning_actions")
    op.drop_table("payment_method_settings")
