"""The e-mails events send to customers: a receipt for a payment that went through, a renewal, a payment that
failed, a cancelled subscription.

The webhook dispatcher calls `send_notices` with each batch of events in the transaction that marks the batch
dispatched, so each event's e-mail is enqueued exactly once. Whatever the e-mails say is read for the whole
batch at once (`webhooks.subjects`): one query per table, however many events and merchants it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.charges import DECLINES
from boxoffice.billing.models import SubscriptionStatus
from boxoffice.catalog.models import Price, Product
from boxoffice.events.models import Event
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit.locales import day_text, money_text
from boxoffice.kit.money import Money
from boxoffice.mail import repository as repo
from boxoffice.mail.outbox import enqueue_message
from boxoffice.mail.overrides import sources_of
from boxoffice.mail.rendering import compose
from boxoffice.webhooks.subjects import load_subjects

# The types billing writes (billing.events), whose resources are read below.
_PAID = frozenset(
    {"payment.card.success", "external.payment.success", "subscribe.success", "external.subscribe.success"}
)
_DECLINED = frozenset({"payment.card.failed", "external.payment.failed", "subscribe.failed"})
_CANCELLED = frozenset({"subscribe.cancelled.success"})
# The types whose events may send their customer an e-mail (`template_for` says which, if any).
NOTICE_TYPES = _PAID | _DECLINED | _CANCELLED


def template_for(event: Event) -> str | None:
    """The e-mail an event sends its customer, if any."""
    if event.customer_id is None:
        return None
    if event.type in _PAID:
        return "renewal" if event.resource.get("kind") == "renewal" else "purchase_receipt"
    if event.type in _DECLINED:
        return "payment_failed"
    if event.type in _CANCELLED:
        return "cancellation"
    return None


async def send_notices(session: AsyncSession, events: Sequence[Event]) -> None:
    """Enqueue, in the caller's transaction, the e-mail each event sends (none to an erased customer)."""
    notices = [(event, name) for event in events if (name := template_for(event)) is not None]
    if not notices:
        return
    subjects = await load_subjects(session, [event for event, _ in notices])
    customs = await repo.templates_for(session, subjects.merchants.keys(), {name for _, name in notices})
    for event, name in notices:
        merchant = subjects.merchants.get(event.merchant_id)
        customer = subjects.customer(event)
        product = subjects.of(subjects.products, event, "product_id")
        if merchant is None or customer is None or customer.erased_at is not None or product is None:
            continue
        price = subjects.of(subjects.prices, event, "price_id")
        context = _context(name, event, merchant, customer, product, price)
        custom = sources_of(customs.get((event.merchant_id, name)))
        enqueue_message(session, customer.email, compose(name, context, custom))


def _context(
    name: str, event: Event, merchant: Merchant, customer: Customer, product: Product, price: Price | None
) -> dict[str, Any]:
    """The variables of template `name` (see mail.variables) for one event."""
    resource = event.resource
    locale = customer.locale  # amounts and dates as the customer reads them
    told = {
        "brand_name": merchant.full_name,
        "full_name": customer.full_name,
        "email": customer.email,
        "item_title": product.title,
        "access": price.description if price is not None else "",
    }
    if name == "cancellation":
        # Cancelled at the period's end, access runs until then; cancelled at once, or while its period went
        # unpaid, it has ended.
        until = datetime.fromisoformat(resource["current_period_end"])
        running = resource["status"] == SubscriptionStatus.CANCELED and until > event.created_at
        return told | {"access_until": day_text(until, locale) if running else None}
    currency = resource["currency"]
    paid = told | {
        "amount": money_text(Money(resource["amount"], currency), locale),
        "date": day_text(event.created_at, locale),
    }
    if name == "purchase_receipt":
        discount = money_text(Money(resource["discount"], currency), locale) if resource["discount"] else None
        return paid | {"kind": resource["kind"], "discount": discount}
    if name == "payment_failed":
        reason = DECLINES.get(resource.get("decline_code") or "", "The payment was declined")
        return paid | {"reason": reason, "renewal": resource["kind"] == "renewal"}
    return paid
