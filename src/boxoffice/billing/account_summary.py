"""What a viewer's own account page shows at once: what they may watch, their subscriptions, their card and their
payments. One read, so that a page asks one question (MediaStore's and InPlayer's clients ask each part alone)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access.service import Purchase, purchase_history
from boxoffice.billing import history, payment_methods, plan_switch, subscriptions
from boxoffice.billing.history import PaidItem, PaymentsFilter
from boxoffice.billing.models import PaymentProfile
from boxoffice.billing.plan_switch import SWITCHABLE, SwitchOption
from boxoffice.billing.subscriptions import SubscriptionView
from boxoffice.gateways.protocol import PaymentGateway
from boxoffice.identity.models import Customer, Merchant

# How much of each list the page shows: a viewer with more has the APIs (and the receipts) for the rest.
SHOWN = 50


@dataclass(frozen=True, slots=True)
class AccountSummary:
    holdings: list[Purchase]  # what they may watch now
    subscriptions: list[SubscriptionView]  # newest first
    card: PaymentProfile | None
    payments: list[PaidItem]  # newest first
    switches: dict[int, list[SwitchOption]]  # by subscription: the plans it may be switched to now

    @property
    def card_currency(self) -> str | None:
        """The currency a card added here is kept for: the saved card's, else the latest subscription's, else the
        latest payment's."""
        if self.card is not None and self.card.card_currency:
            return self.card.card_currency
        prices = [view.price for view in self.subscriptions if view.price is not None]
        if prices:
            return prices[0].currency
        return self.payments[0].payment.currency if self.payments else None


async def summary_of(
    session: AsyncSession, merchant: Merchant, customer: Customer, gateway: PaymentGateway
) -> AccountSummary:
    _, holdings = await purchase_history(session, merchant, customer, status="active", page=0, limit=SHOWN)
    _, held = await subscriptions.subscriptions_page(
        session, merchant.id, customer_id=customer.id, statuses=None, page=0, limit=SHOWN
    )
    paid = await history.payments_page(
        session, merchant.id, filters=PaymentsFilter(customer_id=customer.id), page=0, limit=SHOWN
    )
    switches = {}
    for subscription in held:
        if subscription.status in SWITCHABLE:
            options = await plan_switch.switch_options(session, merchant.id, subscription)
            switches[subscription.id] = [option for option in options if option.refusal is None]
    return AccountSummary(
        holdings=holdings,
        subscriptions=await subscriptions.views_of(session, merchant.id, held),
        switches=switches,
        card=await payment_methods.default_card(session, merchant.id, customer.id, gateway),
        payments=paid.rows,
    )
