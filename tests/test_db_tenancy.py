"""The tenancy guard: a session statement that reads or writes tenant rows must pin the merchant."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import and_, bindparam, delete, exists, func, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import DetachedInstanceError
from sqlalchemy.sql import CompoundSelect, Select

from boxoffice.catalog.models import Price
from boxoffice.identity.models import Customer, LoginRecord, Merchant
from boxoffice.kit import clock
from boxoffice.kit.db import TENANT_TABLES, TenantLeak, create_engine, session_factory, table_of, transaction
from boxoffice.kit.prepared import Detached, Prepared


@dataclass
class Tenants:
    sessions: async_sessionmaker[AsyncSession]
    a: int  # merchant ids
    b: int
    a_uuid: str
    customers_a: list[int]
    customers_b: list[int]


def _merchant(tag: str) -> Merchant:
    return Merchant(
        uuid=str(uuid.uuid4()),
        email=f"{tag}-{uuid.uuid4().hex[:8]}@tenancy.example.com",
        full_name=tag,
        password_hash="x",
        client_secret="s",
    )


@pytest.fixture
async def tenants(migrated_database_url: str) -> AsyncIterator[Tenants]:
    """Two merchants with two customers each, and one login record per customer."""
    engine = create_engine(migrated_database_url)
    sessions = session_factory(engine)
    a, b = _merchant("a"), _merchant("b")
    async with transaction(sessions) as session:
        session.add_all([a, b])
        await session.flush()
        customers = [
            Customer(merchant_id=m.id, uuid=str(uuid.uuid4()), email=f"c{i}@example.com")
            for m in (a, b)
            for i in range(2)
        ]
        session.add_all(customers)
        await session.flush()
        session.add_all(
            [
                LoginRecord(
                    merchant_id=c.merchant_id,
                    customer_id=c.id,
                    logged_in_at=clock.now(),
                    device_type="desktop",
                    client_id="x",
                )
                for c in customers
            ]
        )
    try:
        yield Tenants(
            sessions,
            a.id,
            b.id,
            a.uuid,
            [c.id for c in customers if c.merchant_id == a.id],
            [c.id for c in customers if c.merchant_id == b.id],
        )
    finally:
        async with transaction(sessions) as session:
            await session.execute(delete(Merchant).where(Merchant.id.in_([a.id, b.id])))
        await engine.dispose()


async def _run(tenants: Tenants, statement: Any, **options: Any) -> list[Any]:
    async with transaction(tenants.sessions) as session:
        result = await session.execute(statement, execution_options=options or {})
        return list(result.all()) if isinstance(statement, Select | CompoundSelect) else []


async def _customer_names(tenants: Tenants) -> dict[int, str]:
    query = select(Customer.id, Customer.full_name).where(Customer.merchant_id.in_([tenants.a, tenants.b]))
    return {row.id: row.full_name for row in await _run(tenants, query)}


def test_the_guard_knows_the_tenant_tables() -> None:
    assert {"customers", "login_records", "auth_sessions"} <= TENANT_TABLES
    assert "merchants" not in TENANT_TABLES and "jobs" not in TENANT_TABLES


async def test_unscoped_select_is_refused(tenants: Tenants) -> None:
    with pytest.raises(TenantLeak, match=r"\['customers'\]"):
        await _run(tenants, select(Customer).where(Customer.email == "c0@example.com"))


async def test_scoped_select_sees_only_its_tenant(tenants: Tenants) -> None:
    rows = await _run(tenants, select(Customer.id).where(Customer.merchant_id == tenants.a))
    assert sorted(r.id for r in rows) == sorted(tenants.customers_a)


async def test_unscoped_update_is_refused_and_changes_nothing(tenants: Tenants) -> None:
    with pytest.raises(TenantLeak, match="customers"):
        await _run(tenants, update(Customer).where(Customer.email == "c0@example.com").values(full_name="leaked"))
    assert "leaked" not in (await _customer_names(tenants)).values()


async def test_scoped_update_touches_only_its_tenant(tenants: Tenants) -> None:
    await _run(tenants, update(Customer).where(Customer.merchant_id == tenants.a).values(full_name="mine"))
    names = await _customer_names(tenants)
    assert {names[i] for i in tenants.customers_a} == {"mine"}
    assert {names[i] for i in tenants.customers_b} == {""}


async def test_unscoped_delete_is_refused(tenants: Tenants) -> None:
    with pytest.raises(TenantLeak, match="login_records"):
        await _run(tenants, delete(LoginRecord).where(LoginRecord.device_type == "desktop"))
    count = select(func.count()).select_from(LoginRecord).where(LoginRecord.merchant_id.in_([tenants.a, tenants.b]))
    assert (await _run(tenants, count))[0][0] == 4


async def test_scoped_delete_passes(tenants: Tenants) -> None:
    await _run(tenants, delete(LoginRecord).where(LoginRecord.merchant_id == tenants.b))
    left = await _run(
        tenants, select(LoginRecord.customer_id).where(LoginRecord.merchant_id.in_([tenants.a, tenants.b]))
    )
    assert sorted(r.customer_id for r in left) == sorted(tenants.customers_a)


async def test_join_with_only_one_tenant_table_scoped_is_refused(tenants: Tenants) -> None:
    query = (
        select(Customer.id, LoginRecord.id)
        .join(LoginRecord, LoginRecord.customer_id == Customer.id)
        .where(Customer.merchant_id == tenants.a)
    )
    with pytest.raises(TenantLeak, match=r"\['login_records'\]"):
        await _run(tenants, query)


async def test_join_with_both_tables_scoped_passes(tenants: Tenants) -> None:
    query = (
        select(Customer.id)
        .join(
            LoginRecord,
            and_(LoginRecord.customer_id == Customer.id, LoginRecord.merchant_id == Customer.merchant_id),
        )
        .where(Customer.merchant_id == tenants.a)
    )
    assert sorted(r.id for r in await _run(tenants, query)) == sorted(tenants.customers_a)


async def test_cross_tenant_option_passes(tenants: Tenants) -> None:
    everyone = select(Customer.id).where(Customer.email == "c0@example.com")
    on_statement = await _run(tenants, everyone.execution_options(cross_tenant=True))
    on_call = await _run(tenants, everyone, cross_tenant=True)
    expected = {tenants.customers_a[0], tenants.customers_b[0]}
    assert {r.id for r in on_statement} >= expected
    assert {r.id for r in on_call} >= expected


# Statements that mention a merchant but do not confine themselves to one: each reads other tenants' rows.
LEAKY: dict[str, Callable[[Tenants], Any]] = {
    "not-equal": lambda t: select(Customer).where(Customer.merchant_id != t.b),
    "is-not-null": lambda t: select(Customer).where(Customer.merchant_id.is_not(None)),
    "one-arm-of-or": lambda t: select(Customer).where(
        or_(Customer.merchant_id == t.a, Customer.email == "c0@example.com")
    ),
    "joined-on-merchant-but-never-pinned": lambda t: select(Customer.id).join(
        LoginRecord,
        and_(LoginRecord.customer_id == Customer.id, LoginRecord.merchant_id == Customer.merchant_id),
    ),
    "subquery-in-where": lambda t: select(Merchant.id).where(
        Merchant.id.in_(select(Customer.merchant_id).where(Customer.email == "c0@example.com"))
    ),
    "union-arm": lambda t: select(Customer.id).where(Customer.merchant_id == t.a).union(select(Customer.id)),
    "scalar-subquery-column": lambda t: select(Merchant.id, select(func.count(Customer.id)).scalar_subquery()).where(
        Merchant.id == t.a
    ),
    "correlated-exists-without-merchant": lambda t: select(Customer.id).where(
        Customer.merchant_id == t.a, exists().where(LoginRecord.customer_id == Customer.id)
    ),
    "in-an-unscoped-subquery": lambda t: select(Customer.id).where(Customer.merchant_id.in_(select(Merchant.id))),
    "pinned-only-in-left-join-on": lambda t: select(Customer.id).outerjoin(
        LoginRecord,
        and_(
            LoginRecord.customer_id == Customer.id,
            Customer.merchant_id == t.a,
            LoginRecord.merchant_id == t.a,
        ),
    ),
    "from-subquery": lambda t: select(func.count()).select_from(select(Customer.id).subquery()),
    "update-not-equal": lambda t: update(Customer).where(Customer.merchant_id != t.a).values(full_name="x"),
    "delete-everything": lambda t: delete(LoginRecord),
}


@pytest.mark.parametrize("name", sorted(LEAKY))
async def test_statements_that_do_not_pin_a_merchant_are_refused(tenants: Tenants, name: str) -> None:
    with pytest.raises(TenantLeak):
        await _run(tenants, LEAKY[name](tenants))


def _aliased_scoped(merchant_id: int) -> Any:
    alias = aliased(Customer, name="c")
    return select(alias.id).where(alias.merchant_id == merchant_id)


# Statements that do pin one merchant, in the shapes repositories write.
SCOPED: dict[str, Callable[[Tenants], Any]] = {
    "in-list": lambda t: select(Customer.id).where(Customer.merchant_id.in_([t.a])),
    "merchant-joined-by-uuid": lambda t: (
        select(Customer.id).join(Merchant, Merchant.id == Customer.merchant_id).where(Merchant.uuid == t.a_uuid)
    ),
    "pinned-through-join-equality": lambda t: (
        select(Customer.id)
        .join(
            LoginRecord,
            and_(LoginRecord.customer_id == Customer.id, LoginRecord.merchant_id == Customer.merchant_id),
        )
        .where(LoginRecord.merchant_id == t.a)
    ),
    "correlated-exists-with-merchant": lambda t: select(Customer.id).where(
        Customer.merchant_id == t.a,
        exists().where(LoginRecord.customer_id == Customer.id, LoginRecord.merchant_id == Customer.merchant_id),
    ),
    "count-of-scoped-subquery": lambda t: select(func.count()).select_from(
        select(Customer.id).where(Customer.merchant_id == t.a).subquery()
    ),
    "aliased": lambda t: _aliased_scoped(t.a),
    "left-join-pinning-the-right-side": lambda t: (
        select(Customer.id)
        .outerjoin(LoginRecord, and_(LoginRecord.customer_id == Customer.id, LoginRecord.merchant_id == t.a))
        .where(Customer.merchant_id == t.a)
    ),
}


@pytest.mark.parametrize("name", sorted(SCOPED))
async def test_statements_that_pin_a_merchant_pass(tenants: Tenants, name: str) -> None:
    rows = await _run(tenants, SCOPED[name](tenants))
    assert rows, f"{name} found nothing: the fixture data or the query is wrong"


async def test_aliased_query_returns_only_its_tenant(tenants: Tenants) -> None:
    other = aliased(Customer)
    rows = await _run(tenants, select(other.id).where(other.merchant_id == tenants.b))
    assert sorted(r.id for r in rows) == sorted(tenants.customers_b)


async def test_get_by_primary_key_is_unscoped(tenants: Tenants) -> None:
    async with tenants.sessions() as session:
        with pytest.raises(TenantLeak):
            await session.get(Customer, tenants.customers_b[0])


async def test_reloading_a_row_loaded_scoped_is_allowed(tenants: Tenants) -> None:
    async with tenants.sessions() as session:
        customer = await session.scalar(
            select(Customer).where(Customer.merchant_id == tenants.a, Customer.id == tenants.customers_a[0])
        )
        assert customer is not None
        await session.refresh(customer)  # a column load of an object the session already holds
        await session.rollback()  # expires it; the next access reloads it by primary key
        assert await session.run_sync(lambda _sync: customer.email) == "c0@example.com"


def test_a_prepared_statement_is_guarded_when_it_is_made() -> None:
    """The hot path's statements go to the driver without a session: the guard checks them once, up front."""
    scoped = select(Customer.id).where(Customer.merchant_id == bindparam("merchant_id"))
    with pytest.raises(TenantLeak, match=r"\['customers'\]"):
        Prepared(select(Customer.id).where(Customer.id == bindparam("id")))
    Prepared(scoped)


async def test_a_prepared_statement_reads_its_tenants_row_as_a_detached_instance(tenants: Tenants) -> None:
    table = table_of(Customer)
    statement = select(table).where(table.c.merchant_id == bindparam("merchant_id"), table.c.id == bindparam("id"))
    prepared = Prepared(statement)
    engine: AsyncEngine = tenants.sessions.kw["bind"]
    async with engine.connect() as connection:
        row = await prepared.first(connection, {"merchant_id": tenants.a, "id": tenants.customers_a[1]})
        assert await prepared.first(connection, {"merchant_id": tenants.a, "id": tenants.customers_b[1]}) is None
    assert row is not None
    customer = Detached(Customer)(row)
    assert (customer.id, customer.merchant_id, customer.email) == (tenants.customers_a[1], tenants.a, "c1@example.com")
    assert customer.attributes == {}  # the JSON column, read as the ORM reads it
    assert inspect(customer).detached


async def test_a_prepared_statement_reads_every_row_of_its_tenant(tenants: Tenants) -> None:
    table = table_of(Customer)
    statement = select(table.c.id, table.c.metadata).where(table.c.merchant_id == bindparam("merchant_id"))
    prepared = Prepared(statement.order_by(table.c.id))
    engine: AsyncEngine = tenants.sessions.kw["bind"]
    async with engine.connect() as connection:
        rows = await prepared.all(connection, {"merchant_id": tenants.a})
        assert await prepared.all(connection, {"merchant_id": -1}) == []
    assert [row[0] for row in rows] == sorted(tenants.customers_a)
    assert all(row[1] == {} for row in rows)  # each row's JSON, read as the ORM reads it


def test_a_detached_row_refuses_to_load_what_it_was_not_given() -> None:
    """As an instance a closed session left: its relationships are not loaded behind anyone's back."""
    prices = Detached(Price)
    price = prices(tuple(range(len(prices.keys))))
    assert inspect(price).detached and inspect(price).identity == (prices.keys.index("id"),)
    with pytest.raises(DetachedInstanceError):
        _ = price.country_set
