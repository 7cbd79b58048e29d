"""report files and analytics indexes

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_files",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_report_files_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_files")),
        sa.UniqueConstraint("merchant_id", "name", name=op.f("uq_report_files_merchant_id")),
    )
    with op.batch_alter_table("report_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_files_merchant_id"), ["merchant_id"], unique=False)

    with op.batch_alter_table("login_records", schema=None) as batch_op:
        batch_op.create_index("ix_login_records_audience", ["merchant_id", "device_type", "country_code"], unique=False)

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payments_merchant_time",
            ["merchant_id", "created_at"],
            unique=False,
            postgresql_include=["status", "method", "currency", "amount"],
        )

    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index("ix_refunds_merchant_time", ["merchant_id", "created_at"], unique=False)

    with op.batch_alter_table("registration_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_registration_records_audience", ["merchant_id", "source", "device_type", "country_code"], unique=False
        )

    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country_code", sa.String(length=2), nullable=True))
    # Subscriptions made before: the country of their first payment.
    op.execute(
        "UPDATE subscriptions SET country_code = (SELECT p.country_code FROM payments p"
        " WHERE p.subscription_id = subscriptions.id ORDER BY p.id LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("country_code")

    with op.batch_alter_table("registration_records", schema=None) as batch_op:
        batch_op.drop_index("ix_registration_records_audience")

    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index("ix_refunds_merchant_time")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_merchant_time", postgresql_include=["status", "method", "currency", "amount"])

    with op.batch_alter_table("login_records", schema=None) as batch_op:
        batch_op.drop_index("ix_login_records_audience")

    with op.batch_alter_table("report_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_files_merchant_id"))

    op.drop_table("report_files")
