"""A merchant's tax rates."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog.models import TaxRate


async def tax_rates(session: AsyncSession, merchant_id: int) -> Sequence[TaxRate]:
    found = await session.scalars(
        select(TaxRate).where(TaxRate.merchant_id == merchant_id).order_by(TaxRate.country_code)
    )
    return found.all()


async def tax_rate(session: AsyncSession, merchant_id: int, country_code: str) -> TaxRate | None:
    found = await session.scalars(
        select(TaxRate).where(TaxRate.merchant_id == merchant_id, TaxRate.country_code == country_code)
    )
    return found.first()


async def put_tax_rate(session: AsyncSession, merchant_id: int, country_code: str, rate: int) -> TaxRate:
    """Insert the country's rate or replace the one there, in one statement: two edits racing each other are
    ordered by the database rather than one failing for the row the other added or removed meanwhile."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    upsert = (
        insert(TaxRate)
        .values(merchant_id=merchant_id, country_code=country_code, rate=rate)
        .on_conflict_do_update(index_elements=["merchant_id", "country_code"], set_={"rate": rate})
        .returning(TaxRate)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(upsert)).one()


async def delete_tax_rate(session: AsyncSession, merchant_id: int, country_code: str) -> None:
    """Remove the country's rate; none there (or one removed by a racing edit) is already the wanted outcome."""
    await session.execute(
        delete(TaxRate).where(TaxRate.merchant_id == merchant_id, TaxRate.country_code == country_code)
    )
