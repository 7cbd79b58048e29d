"""catalog, access and restrictions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:08:32.103122
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "content_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("device_type", sa.String(length=16), nullable=False),
        sa.Column("device_os", sa.String(length=64), nullable=True),
        sa.Column("referrer", sa.String(length=2000), nullable=True),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_content_requests_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_requests")),
    )
    with op.batch_alter_table("content_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_requests_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(
            "ix_content_requests_item_time", ["merchant_id", "product_id", "requested_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_content_requests_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "country_sets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_country_sets_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_country_sets")),
    )
    with op.batch_alter_table("country_sets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_country_sets_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "data_capture_leads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("full_name", sa.String(length=250), nullable=False),
        sa.Column("company", sa.String(length=250), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_data_capture_leads_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_capture_leads")),
    )
    with op.batch_alter_table("data_capture_leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_capture_leads_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "playback_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cloudfront_key_pair_id", sa.String(length=100), nullable=True),
        sa.Column("cloudfront_private_key", sa.String(length=8000), nullable=True),
        sa.Column("jw_secret", sa.String(length=200), nullable=True),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_playback_keys_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playback_keys")),
        sa.UniqueConstraint("merchant_id", name=op.f("uq_playback_keys_merchant_id")),
    )
    with op.batch_alter_table("playback_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_playback_keys_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "access_codes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("max_sessions", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_access_codes_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_access_codes_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_codes")),
        sa.UniqueConstraint("merchant_id", "code", name=op.f("uq_access_codes_merchant_id")),
    )
    with op.batch_alter_table("access_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_codes_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_codes_product_id"), ["product_id"], unique=False)

    op.create_table(
        "donation_options",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_donation_options_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_donation_options_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donation_options")),
    )
    with op.batch_alter_table("donation_options", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_donation_options_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_donation_options_product_id"), ["product_id"], unique=False)

    op.create_table(
        "package_members",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("package_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_package_members_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["package_id"], ["products.id"], name=op.f("fk_package_members_package_id_products"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_package_members_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_members")),
        sa.UniqueConstraint("package_id", "product_id", name=op.f("uq_package_members_package_id")),
    )
    with op.batch_alter_table("package_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_package_members_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_package_members_package_id"), ["package_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_package_members_product_id"), ["product_id"], unique=False)

    op.create_table(
        "access_code_sessions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("browser_fingerprint", sa.String(length=200), nullable=False),
        sa.Column("agent_info", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["access_codes.id"],
            name=op.f("fk_access_code_sessions_code_id_access_codes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_access_code_sessions_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_code_sessions")),
        sa.UniqueConstraint("code_id", "browser_fingerprint", name=op.f("uq_access_code_sessions_code_id")),
    )
    with op.batch_alter_table("access_code_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_code_sessions_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "entitlements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("price_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=100), nullable=True),
        sa.Column("is_trial", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=64), nullable=True),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_entitlements_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_entitlements_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["price_id"], ["prices.id"], name=op.f("fk_entitlements_price_id_prices"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_entitlements_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entitlements")),
    )
    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_entitlements_lookup", ["merchant_id", "customer_id", "product_id", "expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_entitlements_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_entitlements_product_id"), ["product_id"], unique=False)

    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_type_id", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("trial_description", sa.String(length=500), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("setup_fee_description", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("country_set_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_prices_country_set_id_country_sets"),
            "country_sets",
            ["country_set_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("country_set_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("plan_switch_enabled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("custom_price_enabled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_foreign_key(
            batch_op.f("fk_products_country_set_id_country_sets"),
            "country_sets",
            ["country_set_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_products_country_set_id_country_sets"), type_="foreignkey")
        batch_op.drop_column("custom_price_enabled")
        batch_op.drop_column("plan_switch_enabled")
        batch_op.drop_column("country_set_id")

    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_prices_country_set_id_country_sets"), type_="foreignkey")
        batch_op.drop_column("country_set_id")
        batch_op.drop_column("setup_fee_description")
        batch_op.drop_column("trial_description")
        batch_op.drop_column("access_type_id")

    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entitlements_product_id"))
        batch_op.drop_index(batch_op.f("ix_entitlements_merchant_id"))
        batch_op.drop_index("ix_entitlements_lookup")

    op.drop_table("entitlements")
    with op.batch_alter_table("access_code_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_code_sessions_merchant_id"))

    op.drop_table("access_code_sessions")
    with op.batch_alter_table("package_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_package_members_product_id"))
        batch_op.drop_index(batch_op.f("ix_package_members_package_id"))
        batch_op.drop_index(batch_op.f("ix_package_members_merchant_id"))

    op.drop_table("package_members")
    with op.batch_alter_table("donation_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_donation_options_product_id"))
        batch_op.drop_index(batch_op.f("ix_donation_options_merchant_id"))

    op.drop_table("donation_options")
    with op.batch_alter_table("access_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_codes_product_id"))
        batch_op.drop_index(batch_op.f("ix_access_codes_merchant_id"))

    op.drop_table("access_codes")
    with op.batch_alter_table("playback_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_playback_keys_merchant_id"))

    op.drop_table("playback_keys")
    with op.batch_alter_table("data_capture_leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_capture_leads_merchant_id"))

    op.drop_table("data_capture_leads")
    with op.batch_alter_table("country_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_country_sets_merchant_id"))

    op.drop_table("country_sets")
    with op.batch_alter_table("content_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_requests_merchant_id"))
        batch_op.drop_index("ix_content_requests_item_time")
        batch_op.drop_index(batch_op.f("ix_content_requests_customer_id"))

    op.drop_table("content_requests")
