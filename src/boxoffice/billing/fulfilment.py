"""What a settled payment does, by what it was for: a purchase opens access, a gift makes the code its receiver
redeems, a donation buys nothing, a subscription's first charge starts it (a wallet approved with it, or a card it
verified, becomes the customer's payment details), a plan switch moves it to the new price. Runs in the settling
transaction, once per payment.

Money can arrive for what is no longer wanted: a subscription attempt the customer gave up for another (its
challenge passed after they subscribed again) or a purchase of what they already hold (two attempts, each with its
own challenge). It is booked, as it was taken, and refunded whole (billing.refunds), and nothing is granted: a
customer never ends with two subscriptions or two purchases of one item."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import repository as access_repo
from boxoffice.access import service as access_service
from boxoffice.billing import books, events, gifts, payment_methods, periods, refunds, switches
from boxoffice.billing import repository as repo
from boxoffice.billing.models import Payment, PaymentStatus
from boxoffice.catalog import repository as catalog_repo
from boxoffice.events import outbox
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock
from boxoffice.promotions import vouchers


async def paid(session: AsyncSession, merchant: Merchant, payment: Payment) -> None:
    if await _unwanted(session, merchant, payment):
        payment.status = PaymentStatus.SUCCEEDED
        if payment.amount:
            payment.ledger_transaction_id = (await books.book_charge(session, payment)).id
        refunds.refund_unwanted(session, payment)
        return
    if payment.kind != "donation":
        await _deliver(session, merchant, payment)
    if payment.kind == "subscription":
        await payment_methods.keep_approved_wallet(session, payment)
        await payment_methods.keep_verified_card(session, payment)
    payment.status = PaymentStatus.SUCCEEDED
    if payment.amount + payment.discount + payment.credit_used:  # a free trial's start moves no money
        payment.ledger_transaction_id = (await books.book_charge(session, payment)).id
    await outbox.record(session, *events.paid(payment))


async def _unwanted(session: AsyncSession, merchant: Merchant, payment: Payment) -> bool:
    """Whether what `payment` was for is no longer wanted (see the module's docstring)."""
    if payment.kind == "purchase" and payment.subscription_id is None:
        held = await access_repo.current_entitlement(
            session, merchant.id, payment.customer_id, [payment.product_id], clock.now()
        )
        return held is not None
    if payment.kind == "subscription" and payment.subscription_id is not None:
        subscription = await repo.subscription_by_id(session, merchant.id, payment.subscription_id)
        assert subscription is not None
        return await repo.later_attempt(session, subscription)
    return False


async def _deliver(session: AsyncSession, merchant: Merchant, payment: Payment) -> None:
    assert payment.price_id is not None  # only a donation pays for no price
    price = await catalog_repo.price_by_id(session, merchant.id, payment.price_id)
    product = await catalog_repo.product_by_id(session, merchant.id, payment.product_id)
    customer = await identity_repo.customer_by_id(session, merchant.id, payment.customer_id)
    assert price is not None and product is not None and customer is not None
    if payment.kind == "gift":
        await gifts.create_gift(session, merchant, payment, product, price, customer)
    elif payment.subscription_id is None:
        entitlement = await access_service.grant_access(
            session, merchant, customer, product, source="purchase", price=price, source_ref=str(payment.id)
        )
        payment.entitlement_id = entitlement.id
    else:
        subscription = await repo.subscription_by_id(session, merchant.id, payment.subscription_id)
        assert subscription is not None
        if payment.kind == "plan_switch":
            switches.record_switched(session, subscription, price)
            await periods.switch(session, merchant, customer, subscription, product, price, payment)
        else:
            await periods.start(session, merchant, customer, subscription, product, price, payment)
        payment.entitlement_id = subscription.entitlement_id


async def declined(session: AsyncSession, merchant: Merchant, payment: Payment) -> None:
    """A declined payment gives its voucher's use back; a subscription whose first charge was declined stays
    `incomplete` until it expires (the viewer may try again with another card)."""
    if payment.voucher_id is not None and payment.kind != "renewal":
        await vouchers.give_back(session, merchant.id, payment.voucher_id)
    await outbox.record(session, *events.declined(payment))
