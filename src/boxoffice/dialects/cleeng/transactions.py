"""A payment as Cleeng's APIs name it: its transaction id (`T000000042`: T and the payment's id) and the way it
was paid, in Cleeng's words."""

from __future__ import annotations

import re

from boxoffice.billing.models import Payment
from boxoffice.billing.payment_methods import FREE

_TRANSACTION = re.compile(r"T([0-9]{1,18})")


def transaction_id(payment: Payment) -> str:
    return f"T{payment.id:09d}"


def payment_id_of(transaction: str) -> int | None:
    """The payment a transaction id names; None when it is no transaction id at all."""
    found = _TRANSACTION.fullmatch(transaction.strip())
    return int(found.group(1)) if found else None


def method_name(payment: Payment) -> str:
    """What the payment was made with; for nothing to pay, how that came (a coupon, or a free offer)."""
    if payment.method != FREE:
        return payment.method
    return "coupon" if payment.voucher_id is not None else "free-offer"
