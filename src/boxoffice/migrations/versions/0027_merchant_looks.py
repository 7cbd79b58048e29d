"""brandings: a merchant's looks, worn by its hosted pages and e-mails

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "brandings",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("brand_name", sa.String(length=200), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("logo", sa.String(length=1000), nullable=True),
        sa.Column("cover_image", sa.String(length=1000), nullable=True),
        sa.Column("primary_color", sa.String(length=7), nullable=True),
        sa.Column("secondary_color", sa.String(length=7), nullable=True),
        sa.Column("button_color", sa.String(length=7), nullable=True),
        sa.Column("button_text_color", sa.String(length=7), nullable=True),
        sa.Column("preview_button_color", sa.String(length=7), nullable=True),
        sa.Column("preview_button_text_color", sa.String(length=7), nullable=True),
        sa.Column("preview_top_border", sa.Boolean(), nullable=False),
        sa.Column("protected_label", sa.Boolean(), nullable=False),
        sa.Column("footer", sa.Text(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("terms_url", sa.String(length=1000), nullable=True),
        sa.Column("dark_mode", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_brandings_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brandings")),
    )
    op.create_index(op.f("ix_brandings_merchant_id"), "brandings", ["merchant_id"], unique=False)
    op.create_index(
        "uq_brandings_default",
        "brandings",
        ["merchant_id"],
        unique=True,
        sqlite_where=sa.text("is_default = 1"),
        postgresql_where=sa.text("is_default = true"),
    )


def downgrade() -> None:
    op.drop_index("uq_brandings_default", table_name="brandings")
    op.drop_index(op.f("ix_brandings_merchant_id"), table_name="brandings")
    op.drop_table("brandings")
