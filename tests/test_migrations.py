"""The migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from boxoffice.kit.db import create_engine
from boxoffice.migrate import upgrade
from boxoffice.models import Base


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


@pytest.mark.asyncio
async def test_migrated_schema_matches_the_models(migrated_database_url: str) -> None:
    engine = create_engine(migrated_database_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert differences == [], "models changed without a migration: run alembic revision --autogenerate"


def _row(database: sqlite3.Connection, table: str, **given: object) -> None:
    """A row of `table` with `given` values and a plain one in each other column that must have one."""
    values = dict(given)
    for _, name, kind, not_null, default, primary in database.execute(f"PRAGMA table_info({table})"):
        if name in values or not not_null or default is not None or primary:
            continue
        kind = kind.upper()
        values[name] = (
            1 if "INT" in kind or "BOOL" in kind else "2026-01-01 00:00:00" if "DATE" in kind
            else "{}" if "JSON" in kind else "x"
        )  # fmt: skip
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    database.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(values.values()))  # noqa: S608


def test_a_migration_copying_a_table_on_sqlite_keeps_the_rows_referring_to_it(tmp_path: Path) -> None:
    # 0031 copies `vouchers` (SQLite adds a foreign key only by copying the table): with foreign keys enforced, the
    # old table's drop deleted every voucher's rules, so a voucher for one price applied to all of them.
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0030")
    with sqlite3.connect(tmp_path / "old.db") as database:
        _row(database, "merchants", id=1, uuid="m-1", email="shop@example.com")
        _row(database, "products", id=1, merchant_id=1)
        _row(database, "prices", id=1, merchant_id=1, product_id=1)
        _row(database, "vouchers", id=1, merchant_id=1, code="ONE-PRICE")
        _row(database, "voucher_rules", id=1, merchant_id=1, voucher_id=1, price_id=1, product_id=None)
    upgrade(url)
    with sqlite3.connect(tmp_path / "old.db") as database:
        assert database.execute("SELECT voucher_id, price_id FROM voucher_rules").fetchall() == [(1, 1)]
        assert database.execute("SELECT code FROM vouchers").fetchall() == [("ONE-PRICE",)]


def test_a_seasonal_offers_localizations_made_before_0039_bill_by_its_seasons(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0038")
    with sqlite3.connect(tmp_path / "old.db") as database:
        _row(database, "merchants", id=1, uuid="m-1", email="shop@example.com")
        _row(database, "products", id=1, merchant_id=1)
        _row(database, "season_groups", id=5, merchant_id=1)
        _row(database, "prices", id=1, merchant_id=1, product_id=1, season_group_id=5)  # seasonal
        _row(database, "prices", id=2, merchant_id=1, product_id=1, season_group_id=None)  # its localization
        _row(database, "prices", id=3, merchant_id=1, product_id=1, season_group_id=None)  # monthly
        _row(database, "prices", id=4, merchant_id=1, product_id=1, season_group_id=None)  # its localization
        _row(database, "offer_localizations", id=1, merchant_id=1, price_id=1, localized_price_id=2, country_code="GB")
        _row(database, "offer_localizations", id=2, merchant_id=1, price_id=3, localized_price_id=4, country_code="GB")
    upgrade(url)
    with sqlite3.connect(tmp_path / "old.db") as database:
        found = database.execute("SELECT id, season_group_id FROM prices ORDER BY id").fetchall()
        assert found == [(1, 5), (2, 5), (3, None), (4, None)]


def test_facebook_ids_kept_in_links_data_move_to_their_own_column_at_0040(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0039")
    with sqlite3.connect(tmp_path / "old.db") as database:
        _row(database, "merchants", id=1, uuid="m-1", email="shop@example.com")
        for customer in (1, 2, 3, 4):
            _row(database, "customers", id=customer, merchant_id=1, uuid=f"c-{customer}", email=f"{customer}@x.org")
        link = {"merchant_id": 1, "integration": "facebook"}
        _row(database, "external_accounts", id=1, customer_id=1, data='{"account_id": "fb-1"}', **link)
        # An id two links name: one of them was written by a customer, so neither is trusted with it.
        _row(database, "external_accounts", id=2, customer_id=2, data='{"account_id": "fb-2"}', **link)
        _row(database, "external_accounts", id=3, customer_id=3, data='{"account_id": "fb-2"}', **link)
        # Another integration's data is the customer's own, whatever its keys.
        chat = '{"account_id": "fb-9"}'
        _row(database, "external_accounts", id=4, merchant_id=1, customer_id=4, integration="chat", data=chat)
    upgrade(url)
    with sqlite3.connect(tmp_path / "old.db") as database:
        found = database.execute("SELECT id, account_id FROM external_accounts ORDER BY id").fetchall()
        assert found == [(1, "fb-1"), (2, None), (3, None), (4, None)]
