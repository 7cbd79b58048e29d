"""offers' localizations: an offer's price for buyers in one country

Revision ID: 0038
Revises: 0037
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "offer_localizations",
        sa.Column("id", ID, nullable=False),
        sa.Column("price_id", ID, nullable=False),
        sa.Column("localized_price_id", ID, nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["localized_price_id"],
            ["prices.id"],
            name=op.f("fk_offer_localizations_localized_price_id_prices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_offer_localizations_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["price_id"], ["prices.id"], name=op.f("fk_offer_localizations_price_id_prices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_localizations")),
        sa.UniqueConstraint("localized_price_id", name=op.f("uq_offer_localizations_localized_price_id")),
        sa.UniqueConstraint("price_id", "country_code", name=op.f("uq_offer_localizations_price_id")),
    )
    op.create_index(op.f("ix_offer_localizations_merchant_id"), "offer_localizations", ["merchant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_offer_localizations_merchant_id"), table_name="offer_localizations")
    op.drop_table("offer_localizations")
