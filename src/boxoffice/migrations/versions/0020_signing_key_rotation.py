"""signing keys rotate: several per purpose, each verifying until it expires

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("signing_keys") as batch:
        batch.drop_constraint("uq_signing_keys_purpose", type_="unique")
        batch.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    # Only the newest key of each purpose can stay under the one-key-per-purpose rule.
    op.execute("DELETE FROM signing_keys WHERE id NOT IN (SELECT MAX(id) FROM signing_keys GROUP BY purpose)")
    with op.batch_alter_table("signing_keys") as batch:
        batch.drop_column("expires_at")
        batch.create_unique_constraint("uq_signing_keys_purpose", ["purpose"])
