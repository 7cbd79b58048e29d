"""How each kind of money movement is written to the ledger (see billing.ledger for the accounts)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing import ledger
from boxoffice.billing.ledger import Line
from boxoffice.billing.models import LedgerTransaction, Payment
from boxoffice.billing.rows import PaymentFields


def charge_lines(payment: PaymentFields) -> list[Line]:
    """A sale booked at its list price: what a voucher took off is a discount, what the customer's credit paid is
    taken from their balance, what the gateway took is cleared."""
    credit_used = payment.credit_used
    list_amount = payment.amount + payment.discount + credit_used
    lines = [Line("revenue", -list_amount, payment.currency, payment.customer_id)]
    if payment.amount:
        lines.append(Line("gateway_clearing", payment.amount, payment.currency))
    if payment.discount:
        lines.append(Line("discounts", payment.discount, payment.currency))
    if credit_used:
        lines.append(Line("customer", credit_used, payment.currency, payment.customer_id))
    return lines


async def book_charge(session: AsyncSession, payment: Payment) -> LedgerTransaction:
    return await ledger.post(session, payment.merchant_id, "charge", f"payment:{payment.id}", charge_lines(payment))


async def book_credit(
    session: AsyncSession, merchant_id: int, customer_id: int, amount: int, currency: str, reference: str
) -> LedgerTransaction:
    """Revenue given back as the customer's credit (the unused part of a period left by a plan switch)."""
    lines = [Line("revenue", amount, currency, customer_id), Line("customer", -amount, currency, customer_id)]
    return await ledger.post(session, merchant_id, "credit", reference, lines)


async def book_fee(session: AsyncSession, payment: Payment) -> LedgerTransaction:
    """What the seller (an app store) kept of the sale: clearing then holds what it owes the merchant."""
    lines = [
        Line("store_fees", payment.fee, payment.currency),
        Line("gateway_clearing", -payment.fee, payment.currency),
    ]
    return await ledger.post(session, payment.merchant_id, "fee", f"payment:{payment.id}", lines)


async def book_fee_returned(session: AsyncSession, payment: Payment) -> LedgerTransaction:
    """The store's fee on a sale it refunded whole, given back with it (the stores return their commission)."""
    lines = [
        Line("store_fees", -payment.fee, payment.currency),
        Line("gateway_clearing", payment.fee, payment.currency),
    ]
    return await ledger.post(session, payment.merchant_id, "fee_returned", f"payment:{payment.id}", lines)
