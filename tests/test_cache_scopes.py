"""What the cache feed learns from a bulk UPDATE: the merchants and customers its WHERE pins, given as values or,
for an executemany, bound per row."""

from __future__ import annotations

from sqlalchemy import bindparam, update

from boxoffice.access.models import Entitlement
from boxoffice.kit.cache import _scopes_of_statement
from boxoffice.kit.db import table_of

ENTITLEMENTS = table_of(Entitlement)


def test_values_in_the_statement_are_its_scope() -> None:
    statement = update(Entitlement).where(Entitlement.merchant_id == 7, Entitlement.customer_id == 70)
    assert _scopes_of_statement(statement, None) == [(7, 70)]
    assert _scopes_of_statement(update(Entitlement).where(Entitlement.merchant_id == 7), {}) == [(7, None)]


def test_an_executemany_pinned_per_row_names_each_rows_scope() -> None:
    statement = update(ENTITLEMENTS).where(
        ENTITLEMENTS.c.merchant_id == bindparam("b_merchant_id"),
        ENTITLEMENTS.c.customer_id == bindparam("b_customer_id"),
        ENTITLEMENTS.c.id == bindparam("b_id"),
    )
    rows = [{"b_merchant_id": 7, "b_customer_id": 70, "b_id": 1}, {"b_merchant_id": 8, "b_customer_id": 80, "b_id": 2}]
    assert _scopes_of_statement(statement, rows) == [(7, 70), (8, 80)]


def test_a_statement_that_pins_no_merchant_has_no_scope() -> None:
    statement = update(ENTITLEMENTS).where(ENTITLEMENTS.c.id == bindparam("b_id"))
    assert _scopes_of_statement(statement, [{"b_id": 1}]) is None
    by_merchant = update(ENTITLEMENTS).where(ENTITLEMENTS.c.merchant_id == bindparam("b_merchant_id"))
    assert _scopes_of_statement(by_merchant, [{"b_merchant_id": 7}, {"b_merchant_id": None}]) is None
