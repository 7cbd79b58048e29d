"""The one place the core's refusals become what a page's form says: beside the field they concern, or above the
form. Messages stay in the source language; the templates translate them."""

from __future__ import annotations

from collections.abc import Collection

from boxoffice.billing.refusals import NotOnSale
from boxoffice.kit.errors import AlreadyHeld, DomainError, Holding, InvalidInput

HELD = {
    Holding.ACCESS: "You already have access to this item",
    Holding.SUBSCRIPTION: "You already have a subscription to this item",
}
NOT_ON_SALE = "This is not on sale at the moment."
TOO_MANY = "Too many attempts. Wait a moment and try again."
FORM = "form"


def shown(error: DomainError, fields: Collection[str]) -> dict[str, str]:
    """`error` as a form with `fields` shows it: a problem with one of them beside it, any other above the form
    (or, for a form of one field, beside that one)."""
    if isinstance(error, AlreadyHeld):
        return {FORM: HELD[error.holding]}
    if isinstance(error, NotOnSale):
        return {FORM: NOT_ON_SALE}
    if not isinstance(error, InvalidInput):
        return {next(iter(fields)) if len(fields) == 1 else FORM: error.message}
    found: dict[str, str] = {}
    for name, message in error.errors.items():
        found.setdefault(name if name in fields else FORM, message)
    return found
