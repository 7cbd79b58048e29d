"""Every catalog query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog.models import PackageMember, Price, Product
from boxoffice.kit.db import page_of, rows_page_of

_CROSS = {"cross_tenant": True}


async def product_by_id(session: AsyncSession, merchant_id: int, product_id: int) -> Product | None:
    return await session.scalar(select(Product).where(Product.merchant_id == merchant_id, Product.id == product_id))


async def product_by_title(session: AsyncSession, merchant_id: int, title: str) -> Product | None:
    return await session.scalar(select(Product).where(Product.merchant_id == merchant_id, Product.title == title))


async def package_ids_containing(session: AsyncSession, merchant_id: int, product_id: int) -> Sequence[int]:
    """The packages an asset belongs to: an entitlement to any of them opens the asset too."""
    rows = await session.scalars(
        select(PackageMember.package_id).where(
            PackageMember.merchant_id == merchant_id, PackageMember.product_id == product_id
        )
    )
    return rows.all()


async def price_by_id(session: AsyncSession, merchant_id: int, price_id: int, *, lock: bool = False) -> Price | None:
    """`lock`: read anew and locked until the transaction ends (on PostgreSQL), for a change made from what is read."""
    query = select(Price).where(Price.merchant_id == merchant_id, Price.id == price_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def prices_of(session: AsyncSession, merchant_id: int, product_id: int) -> Sequence[Price]:
    rows = await session.scalars(
        select(Price).where(Price.merchant_id == merchant_id, Price.product_id == product_id).order_by(Price.id)
    )
    return rows.all()


async def products_by_ids(session: AsyncSession, merchant_id: int, ids: Sequence[int]) -> dict[int, Product]:
    rows = await session.scalars(select(Product).where(Product.merchant_id == merchant_id, Product.id.in_(ids)))
    return {product.id: product for product in rows}


async def prices_by_ids(session: AsyncSession, merchant_id: int, ids: Sequence[int]) -> dict[int, Price]:
    rows = await session.scalars(select(Price).where(Price.merchant_id == merchant_id, Price.id.in_(ids)))
    return {price.id: price for price in rows}


async def products_page(
    session: AsyncSession,
    merchant_id: int,
    *,
    search: str | None,
    asset_type: str | None,
    active: bool | None,
    offset: int,
    limit: int,
) -> tuple[int, Sequence[Product]]:
    query = select(Product).where(Product.merchant_id == merchant_id)
    if search:
        # The search text is literal: `%` and `_` in it are escaped, not wildcards.
        needle = search.lower()
        query = query.where(
            or_(
                func.lower(Product.title).contains(needle, autoescape=True),
                func.lower(Product.external_asset_id).contains(needle, autoescape=True),
            )
        )
    if asset_type is not None:
        query = query.where(Product.asset_type == asset_type)
    if active is not None:
        query = query.where(Product.active.is_(active))
    return await page_of(session, query.order_by(Product.id.desc()), offset=offset, limit=limit)


async def product_anywhere(session: AsyncSession, product_id: int) -> Product | None:
    """A product by its id alone, for the public catalog, where the id is all a viewer's app knows."""
    return await session.scalar(select(Product).where(Product.id == product_id).execution_options(**_CROSS))


async def price_anywhere(session: AsyncSession, price_id: int) -> Price | None:
    """A price by its id alone: an offer's public page knows no more."""
    return await session.scalar(select(Price).where(Price.id == price_id).execution_options(**_CROSS))


async def prices_of_merchant(session: AsyncSession, merchant_id: int, limit: int) -> Sequence[Price]:
    """The merchant's active prices, oldest first."""
    rows = await session.scalars(
        select(Price).where(Price.merchant_id == merchant_id, Price.active.is_(True)).order_by(Price.id).limit(limit)
    )
    return rows.all()


async def products_by_external_id(
    session: AsyncSession, merchant_id: int | None, asset_type: str, external_id: str
) -> Sequence[Product]:
    """Products of one type that carry a hosting platform's id; every merchant's when `merchant_id` is None."""
    query = select(Product).where(Product.asset_type == asset_type, Product.external_asset_id == external_id)
    if merchant_id is None:
        query = query.execution_options(**_CROSS)
    else:
        query = query.where(Product.merchant_id == merchant_id)
    rows = await session.scalars(query.order_by(Product.id))
    return rows.all()


async def member_ids(session: AsyncSession, merchant_id: int, package_id: int) -> Sequence[int]:
    rows = await session.scalars(
        select(PackageMember.product_id)
        .where(PackageMember.merchant_id == merchant_id, PackageMember.package_id == package_id)
        .order_by(PackageMember.id)
    )
    return rows.all()


async def members_page(
    session: AsyncSession, merchant_id: int, package_id: int, *, active_only: bool, offset: int, limit: int
) -> tuple[int, Sequence[Product]]:
    query = (
        select(Product)
        .join(PackageMember, PackageMember.product_id == Product.id)
        .where(
            Product.merchant_id == merchant_id,
            PackageMember.merchant_id == merchant_id,
            PackageMember.package_id == package_id,
        )
    )
    if active_only:
        query = query.where(Product.active.is_(True))
    return await page_of(session, query.order_by(PackageMember.id), offset=offset, limit=limit)


async def remove_members(session: AsyncSession, merchant_id: int, package_id: int, product_ids: Sequence[int]) -> None:
    await session.execute(
        delete(PackageMember).where(
            PackageMember.merchant_id == merchant_id,
            PackageMember.package_id == package_id,
            PackageMember.product_id.in_(product_ids),
        )
    )


async def prices_on_sale(session: AsyncSession, merchant_id: int, product_id: int, now: datetime) -> Sequence[Price]:
    """Active prices whose sale window (from `starts_at`, until `expires_at`) holds `now`."""
    rows = await session.scalars(
        select(Price)
        .where(
            Price.merchant_id == merchant_id,
            Price.product_id == product_id,
            Price.active.is_(True),
            or_(Price.starts_at.is_(None), Price.starts_at <= now),
            or_(Price.expires_at.is_(None), Price.expires_at > now),
        )
        .order_by(Price.id)
    )
    return rows.all()


async def active_prices_of(session: AsyncSession, merchant_id: int, product_id: int) -> Sequence[Price]:
    rows = await session.scalars(
        select(Price)
        .where(Price.merchant_id == merchant_id, Price.product_id == product_id, Price.active.is_(True))
        .order_by(Price.id)
    )
    return rows.all()


async def country_set_in_use(session: AsyncSession, merchant_id: int, country_set_id: int) -> bool:
    """Whether an active product or price of the merchant is restricted by the country set."""
    products = await session.scalar(
        select(func.count())
        .select_from(Product)
        .where(Product.merchant_id == merchant_id, Product.country_set_id == country_set_id, Product.active.is_(True))
    )
    prices = await session.scalar(
        select(func.count())
        .select_from(Price)
        .where(Price.merchant_id == merchant_id, Price.country_set_id == country_set_id, Price.active.is_(True))
    )
    return bool(products or prices)


async def prices_of_products(session: AsyncSession, merchant_id: int, product_ids: Sequence[int]) -> Sequence[Price]:
    """Every price of the products, active or not, each product's in the order they were made."""
    rows = await session.scalars(
        select(Price)
        .where(Price.merchant_id == merchant_id, Price.product_id.in_(product_ids))
        .order_by(Price.product_id, Price.id)
    )
    return rows.all()


async def products_with_external_id(session: AsyncSession, merchant_id: int, external_id: str) -> Sequence[Product]:
    """The merchant's products of any type carrying a hosting platform's id, active ones first, oldest first."""
    rows = await session.scalars(
        select(Product)
        .where(Product.merchant_id == merchant_id, Product.external_asset_id == external_id)
        .order_by(Product.active.desc(), Product.id)
    )
    return rows.all()


async def priced_products_page(
    session: AsyncSession,
    merchant_id: int,
    access_type_ids: Sequence[int],
    *,
    active: bool | None,
    external_id: str | None,
    with_external_id: bool,
    offset: int,
    limit: int,
) -> tuple[int, Sequence[tuple[Price, Product]]]:
    """The merchant's prices of some access types, each with its product, oldest first: only those on sale (an
    active price of an active product) or only those off it when `active` says; only an asset's when
    `external_id` names one, only assets with such an id at all when `with_external_id`."""
    query = (
        select(Price, Product)
        .join(Product, Product.id == Price.product_id)
        .where(
            Price.merchant_id == merchant_id,
            Product.merchant_id == merchant_id,
            Price.access_type_id.in_(access_type_ids),
        )
    )
    on_sale = Price.active.is_(True) & Product.active.is_(True)
    if active is True:
        query = query.where(on_sale)
    elif active is False:
        query = query.where(~on_sale)
    if external_id is not None:
        query = query.where(Product.external_asset_id == external_id)
    elif with_external_id:
        query = query.where(Product.external_asset_id.is_not(None))
    total, rows = await rows_page_of(session, query.order_by(Price.id), offset=offset, limit=limit)
    return total, [(price, product) for price, product in rows]
