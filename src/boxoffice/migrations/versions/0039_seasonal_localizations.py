"""a seasonal offer's localizations bill by its season group, as those made from now on do

Revision ID: 0039
Revises: 0038
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE prices SET season_group_id = (
            SELECT main.season_group_id FROM offer_localizations
            JOIN prices AS main ON main.id = offer_localizations.price_id
            WHERE offer_localizations.localized_price_id = prices.id
        )
        WHERE id IN (SELECT localized_price_id FROM offer_localizations)
        """
    )


def downgrade() -> None:
    """Nothing to undo: a localization billed by its offer's season group is what the code before this expected
    too, had it been made so."""
