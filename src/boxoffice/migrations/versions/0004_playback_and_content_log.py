"""playback URL prefix per item; room for sealed playback secrets; a lighter content-request log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("playback_url_prefix", sa.String(length=2048), nullable=True))
    with op.batch_alter_table("playback_keys", schema=None) as batch_op:
        batch_op.alter_column(
            "jw_secret", existing_type=sa.String(length=200), type_=sa.String(length=1000), existing_nullable=True
        )
    with op.batch_alter_table("content_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_requests_merchant_id"))
        batch_op.drop_constraint(batch_op.f("fk_content_requests_merchant_id_merchants"), type_="foreignkey")
        batch_op.add_column(sa.Column("request_count", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("content_requests", schema=None) as batch_op:
        batch_op.drop_column("request_count")
        batch_op.create_foreign_key(
            batch_op.f("fk_content_requests_merchant_id_merchants"),
            "merchants",
            ["merchant_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(batch_op.f("ix_content_requests_merchant_id"), ["merchant_id"], unique=False)
    with op.batch_alter_table("playback_keys", schema=None) as batch_op:
        batch_op.alter_column(
            "jw_secret", existing_type=sa.String(length=1000), type_=sa.String(length=200), existing_nullable=True
        )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("playback_url_prefix")
