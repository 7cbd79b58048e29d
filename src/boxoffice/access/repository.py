"""Every entitlement and content-request query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Select, and_, any_, bindparam, column, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

from boxoffice.access.models import ContentRequest, Entitlement, EntitlementRow
from boxoffice.catalog.models import Price, Product
from boxoffice.identity.models import AuthSession, Customer
from boxoffice.kit.db import among, columns_of, page_of, table_of
from boxoffice.kit.prepared import Detached, Prepared


async def current_entitlement(
    session: AsyncSession, merchant_id: int, customer_id: int, product_ids: Sequence[int], now: datetime
) -> Entitlement | None:
    """The entitlement that runs longest among those in force now for any of `product_ids`."""
    return await session.scalar(
        select(Entitlement)
        .where(
            Entitlement.merchant_id == merchant_id,
            Entitlement.customer_id == customer_id,
            Entitlement.product_id.in_(product_ids),
            Entitlement.starts_at <= now,
            Entitlement.expires_at > now,
            Entitlement.revoked_at.is_(None),
        )
        .order_by(Entitlement.expires_at.desc())
        .limit(1)
    )


def _in_force(customer_id: ColumnElement[int], in_products: ColumnElement[bool]) -> ScalarSelect[int]:
    """The id of the entitlement `current_entitlement` would find for `customer_id` (`in_products` names the
    candidate's products, as `candidate.product_id`)."""
    now: BindParameter[datetime] = bindparam("now")
    candidate = _CANDIDATE
    return (
        select(candidate.c.id)
        .where(
            candidate.c.merchant_id == bindparam("merchant_id"),
            candidate.c.customer_id == customer_id,
            in_products,
            candidate.c.starts_at <= now,
            candidate.c.expires_at > now,
            candidate.c.revoked_at.is_(None),
        )
        .order_by(candidate.c.expires_at.desc())
        .limit(1)
        .scalar_subquery()
    )


def _viewer_statement() -> Select[Any]:
    """A session, its customer and the entitlement `current_entitlement` would find, in one round trip: the
    columns of each table in turn, the entitlement's all NULL when none is in force."""
    merchant_id: BindParameter[int] = bindparam("merchant_id")
    customer_id: BindParameter[int] = bindparam("customer_id")
    sessions, customers, entitlements = _VIEWER_TABLES
    in_products = _CANDIDATE.c.product_id.in_(bindparam("product_ids", expanding=True))
    return (
        select(sessions, customers, entitlements)
        .join(customers, and_(customers.c.merchant_id == merchant_id, customers.c.id == sessions.c.customer_id))
        .outerjoin(
            entitlements,
            and_(entitlements.c.merchant_id == merchant_id, entitlements.c.id == _in_force(customer_id, in_products)),
        )
        .where(sessions.c.merchant_id == merchant_id, sessions.c.id == bindparam("session_id"))
        .where(customers.c.id == customer_id)
    )


def _viewers_statement() -> Select[Any]:
    """What `_viewer_statement` reads, for many (session, customer) pairs of one merchant at once, each row led by
    its pair's place in the lists (from 1); a pair that finds nothing has no row. PostgreSQL's: the pairs are two
    arrays, unnested side by side, so that one prepared statement serves any number of them."""
    merchant_id: BindParameter[int] = bindparam("merchant_id")
    asks = (
        func.unnest(
            bindparam("session_ids", type_=postgresql.ARRAY(BigInteger)),
            bindparam("customer_ids", type_=postgresql.ARRAY(BigInteger)),
        )
        .table_valued(column("session_id", BigInteger), column("customer_id", BigInteger), with_ordinality="at")
        .render_derived(name="asks")
    )
    sessions, customers, entitlements = _VIEWER_TABLES
    in_products = _CANDIDATE.c.product_id == any_(bindparam("product_ids", type_=postgresql.ARRAY(BigInteger)))
    return (
        select(asks.c.at, sessions, customers, entitlements)
        .select_from(asks)
        .join(sessions, and_(sessions.c.merchant_id == merchant_id, sessions.c.id == asks.c.session_id))
        .join(
            customers,
            and_(
                customers.c.merchant_id == merchant_id,
                customers.c.id == sessions.c.customer_id,
                customers.c.id == asks.c.customer_id,
            ),
        )
        .outerjoin(
            entitlements,
            and_(
                entitlements.c.merchant_id == merchant_id,
                entitlements.c.id == _in_force(asks.c.customer_id, in_products),
            ),
        )
    )


_VIEWER_MODELS = (AuthSession, Customer, Entitlement)
_VIEWER_TABLES = tuple(table_of(model) for model in _VIEWER_MODELS)
_AS_SESSION, _AS_CUSTOMER, _AS_ENTITLEMENT = Detached(AuthSession), Detached(Customer), Detached(Entitlement)
_CANDIDATE = _VIEWER_TABLES[2].alias("candidate")
# Built, guarded and compiled once; each call binds its values into the same statement.
VIEWER = Prepared(_viewer_statement())
VIEWERS = Prepared(_viewers_statement())
Viewer = tuple[AuthSession, Customer, Entitlement | None]


async def viewers_with_entitlement(
    connection: AsyncConnection,
    merchant_id: int,
    asks: Sequence[tuple[int, int]],
    product_ids: Sequence[int],
    now: datetime,
) -> list[Viewer | None]:
    """What first access checks read of their viewers, for each (session id, customer id) of `asks`: the session,
    the customer it belongs to (who must be the one asked), and the entitlement in force for any of `product_ids`;
    None where the session or the customer is not there (or not each other's). The hot path's statement: plain
    rows, made into detached instances. On PostgreSQL one statement reads them all; elsewhere one per pair."""
    values = {"merchant_id": merchant_id, "product_ids": list(product_ids), "now": now}
    if connection.dialect.driver != "asyncpg":
        rows = [
            await VIEWER.first(connection, values | {"session_id": session_id, "customer_id": customer_id})
            for session_id, customer_id in asks
        ]
        return [None if row is None else _viewer_of(row) for row in rows]
    values |= {"session_ids": [session_id for session_id, _ in asks], "customer_ids": [c for _, c in asks]}
    found = {row[0]: row[1:] for row in await VIEWERS.all(connection, values)}
    return [_viewer_of(found[at]) if at in found else None for at in range(1, len(asks) + 1)]


def _viewer_of(row: Sequence[Any]) -> Viewer:
    customer_at = len(_AS_SESSION.keys)
    entitlement_at = customer_at + len(_AS_CUSTOMER.keys)
    entitlement = row[entitlement_at:]
    return (
        _AS_SESSION(row[:customer_at]),
        _AS_CUSTOMER(row[customer_at:entitlement_at]),
        None if entitlement[0] is None else _AS_ENTITLEMENT(entitlement),
    )


async def revoke_current(
    session: AsyncSession, merchant_id: int, customer_id: int, product_id: int, now: datetime, reason: str
) -> Sequence[Entitlement]:
    """Revoke the customer's entitlements to the product not yet over; those it revoked."""
    revoked = await session.scalars(
        update(Entitlement)
        .where(
            Entitlement.merchant_id == merchant_id,
            Entitlement.customer_id == customer_id,
            Entitlement.product_id == product_id,
            Entitlement.expires_at > now,
            Entitlement.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoked_reason=reason)
        .returning(Entitlement)
    )
    return revoked.all()


async def revoke_by_id(
    session: AsyncSession, merchant_id: int, customer_id: int, entitlement_id: int, now: datetime, reason: str
) -> int:
    result = await session.execute(
        update(Entitlement)
        .where(
            Entitlement.merchant_id == merchant_id,
            Entitlement.customer_id == customer_id,
            Entitlement.id == entitlement_id,
            Entitlement.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoked_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def had_trial(session: AsyncSession, merchant_id: int, customer_id: int, product_id: int) -> bool:
    found = await session.scalar(
        select(Entitlement.id)
        .where(
            Entitlement.merchant_id == merchant_id,
            Entitlement.customer_id == customer_id,
            Entitlement.product_id == product_id,
            Entitlement.is_trial.is_(True),
        )
        .limit(1)
    )
    return found is not None


async def entitlements_page(
    session: AsyncSession,
    merchant_id: int,
    customer_id: int,
    *,
    active: bool | None,
    now: datetime,
    offset: int,
    limit: int,
) -> tuple[int, Sequence[Entitlement]]:
    """A customer's entitlements, newest first: in force (`active`), history (`not active`) or all."""
    query = select(Entitlement).where(Entitlement.merchant_id == merchant_id, Entitlement.customer_id == customer_id)
    in_force = (Entitlement.expires_at > now) & Entitlement.revoked_at.is_(None)
    if active is True:
        query = query.where(in_force)
    elif active is False:
        query = query.where(or_(Entitlement.expires_at <= now, Entitlement.revoked_at.is_not(None)))
    return await page_of(session, query.order_by(Entitlement.id.desc()), offset=offset, limit=limit)


async def insert_content_requests(session: AsyncSession, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Append rows of `content_requests`: with COPY on PostgreSQL (a second's worth of plays in one round trip
    and no per-row statement work), as one executemany elsewhere."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # The log already accepts losing its last second on a crash, so its commit needn't wait for the disk.
        await connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        raw: Any = (await connection.get_raw_connection()).driver_connection
        await raw.copy_records_to_table(ContentRequest.__tablename__, columns=list(columns), records=rows)
        return
    await connection.execute(insert(ContentRequest), [dict(zip(columns, row, strict=True)) for row in rows])


async def entitled_subscription_products(
    session: AsyncSession, merchant_id: int, customer_id: int, now: datetime
) -> list[tuple[Product, datetime]]:
    """Products sold by subscription (now or before) that the customer may watch now, with when that ends."""
    ever_sold = exists().where(
        Price.merchant_id == merchant_id, Price.product_id == Product.id, Price.kind == "subscription"
    )
    until = func.max(Entitlement.expires_at)
    rows = await session.execute(
        select(Product, until)
        .join(Entitlement, Entitlement.product_id == Product.id)
        .where(
            Product.merchant_id == merchant_id,
            Entitlement.merchant_id == merchant_id,
            Entitlement.customer_id == customer_id,
            Entitlement.starts_at <= now,
            Entitlement.expires_at > now,
            Entitlement.revoked_at.is_(None),
            ever_sold,
        )
        .group_by(Product.id)
        .order_by(Product.id)
    )
    return [(product, expires) for product, expires in rows.all()]


async def end_entitlement(
    session: AsyncSession, merchant_id: int, customer_id: int, entitlement_id: int, at: datetime
) -> None:
    """Bring an entitlement's end forward to `at` (what it covered is over); never pushes it later."""
    await session.execute(
        update(Entitlement)
        .where(
            Entitlement.merchant_id == merchant_id,
            Entitlement.customer_id == customer_id,
            Entitlement.id == entitlement_id,
            Entitlement.expires_at > at,
        )
        .values(expires_at=at)
    )


async def entitlements_by_ids(session: AsyncSession, merchant_id: int, ids: Sequence[int]) -> dict[int, Entitlement]:
    rows = await session.scalars(
        select(Entitlement).where(Entitlement.merchant_id == merchant_id, Entitlement.id.in_(ids))
    )
    return {row.id: row for row in rows}


# Pinned to its customer too, so that the caches learn whose access changed (kit.cache reads each row's pins).
_ENTITLEMENTS = table_of(Entitlement)
_ENTITLEMENT_BY_ID = update(_ENTITLEMENTS).where(
    _ENTITLEMENTS.c.merchant_id == bindparam("b_merchant_id"),
    _ENTITLEMENTS.c.customer_id == bindparam("b_customer_id"),
    _ENTITLEMENTS.c.id == bindparam("b_id"),
)
_ENTITLEMENT_ROW = columns_of(_ENTITLEMENTS, EntitlementRow)


async def entitlement_rows(session: AsyncSession, merchant_id: int, ids: Sequence[int]) -> dict[int, EntitlementRow]:
    rows = await session.execute(
        select(*_ENTITLEMENT_ROW).where(
            _ENTITLEMENTS.c.merchant_id == merchant_id, among(session, _ENTITLEMENTS.c.id, ids)
        )
    )
    return {entitlement.id: entitlement for entitlement in (EntitlementRow(*row) for row in rows)}


async def write_entitlements(session: AsyncSession, groups: Sequence[Sequence[dict[str, Any]]]) -> None:
    """Entitlements a batch changed, by id (see kit.db.WorkingCopies), one Core executemany per group."""
    for rows in groups:
        await session.execute(_ENTITLEMENT_BY_ID, list(rows))


async def latest_through_price(
    session: AsyncSession, merchant_id: int, customer_id: int, price_id: int
) -> Entitlement | None:
    """The customer's entitlement through a price that ends last, unless revoked."""
    return await session.scalar(
        select(Entitlement)
        .where(
            Entitlement.merchant_id == merchant_id,
            Entitlement.customer_id == customer_id,
            Entitlement.price_id == price_id,
            Entitlement.revoked_at.is_(None),
        )
        .order_by(Entitlement.expires_at.desc(), Entitlement.id.desc())
        .limit(1)
    )


async def tags_of_prices_in_force(
    session: AsyncSession, merchant_id: int, customer_id: int, now: datetime
) -> list[list[str]]:
    """The tags of each price the customer has an entitlement in force now through."""
    through = select(Entitlement.price_id).where(
        Entitlement.merchant_id == merchant_id,
        Entitlement.customer_id == customer_id,
        Entitlement.price_id.is_not(None),
        Entitlement.starts_at <= now,
        Entitlement.expires_at > now,
        Entitlement.revoked_at.is_(None),
    )
    rows = await session.scalars(
        select(Price.tags).where(Price.merchant_id == merchant_id, Price.id.in_(through)).order_by(Price.id)
    )
    return [list(tags) for tags in rows.all()]
