"""season groups and their seasons, and the group a seasonal subscription's price bills by

Revision ID: 0037
Revises: 0035
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "season_groups",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_season_groups_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_season_groups")),
    )
    op.create_index(op.f("ix_season_groups_merchant_id"), "season_groups", ["merchant_id"], unique=False)
    op.create_table(
        "seasons",
        sa.Column("id", ID, nullable=False),
        sa.Column("season_group_id", ID, nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("merchant_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_seasons_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["season_group_id"],
            ["season_groups.id"],
            name=op.f("fk_seasons_season_group_id_season_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seasons")),
    )
    op.create_index(op.f("ix_seasons_merchant_id"), "seasons", ["merchant_id"], unique=False)
    op.create_index(op.f("ix_seasons_season_group_id"), "seasons", ["season_group_id"], unique=False)
    # A plain column (no foreign key, which SQLite adds only by copying the table): the catalog keeps it true.
    op.add_column("prices", sa.Column("season_group_id", ID, nullable=True))
    op.create_index(op.f("ix_prices_season_group_id"), "prices", ["season_group_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_prices_season_group_id"), table_name="prices")
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.drop_column("season_group_id")
    op.drop_index(op.f("ix_seasons_season_group_id"), table_name="seasons")
    op.drop_index(op.f("ix_seasons_merchant_id"), table_name="seasons")
    op.drop_table("seasons")
    op.drop_index(op.f("ix_season_groups_merchant_id"), table_name="season_groups")
    op.drop_table("season_groups")
