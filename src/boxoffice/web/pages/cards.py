"""A card as the pages' forms take it: the fields, and what each must look like before the gateway judges it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.gateways import merchant_settings
from boxoffice.gateways.protocol import AnyCard, Card, CollectedCard
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.validation import whole_number

CARD_FIELDS = ("card_name", "number", "exp_month", "exp_year", "cvv")
# Where Stripe.js leaves the id of the card it collected (a PaymentMethod), when the merchant's gateway is Stripe.
COLLECTED = "payment_method_token"
STRIPE_TOKEN = re.compile(r"pm_[A-Za-z0-9_]{1,100}")


def card_of(form: dict[str, str]) -> AnyCard:
    """The card a form carries: the one Stripe's element collected (its token), or the one typed in."""
    token = form.get(COLLECTED, "").strip()
    if token:
        holder = form.get("card_name", "").strip()
        if not STRIPE_TOKEN.fullmatch(token) or not holder or len(holder) > 250:
            raise InvalidInput({"card_name": "Enter the name on the card", "number": "Enter the card again"})
        return CollectedCard(token, holder)
    return typed_card(form)


def typed_card(form: dict[str, str]) -> Card:
    """The card typed into the form, each field checked for what it must look like; the gateway judges the rest."""
    problems: dict[str, str] = {}
    number = re.sub(r"[\s-]", "", form.get("number", ""))
    if not re.fullmatch(r"[0-9]{12,19}", number):
        problems["number"] = "Enter the card number"
    holder = form.get("card_name", "").strip()
    if not holder or len(holder) > 250:
        problems["card_name"] = "Enter the name on the card"
    month, year = form.get("exp_month", "").strip(), form.get("exp_year", "").strip()
    month_number, year_number = whole_number(month), whole_number(year)
    if month_number is None or not 1 <= month_number <= 12:
        problems["exp_month"] = "Enter the expiry month, 1 to 12"
    if year_number is None or len(year) not in (2, 4):
        problems["exp_year"] = "Enter the expiry year"
    cvv = form.get("cvv", "").strip()
    if not re.fullmatch(r"[0-9]{3,4}", cvv):
        problems["cvv"] = "Enter the security code"
    if problems:
        raise InvalidInput(problems)
    assert month_number is not None and year_number is not None
    full_year = year_number + 2000 if len(year) == 2 else year_number
    return Card(number, month_number, full_year, cvv, holder)


@dataclass(frozen=True, slots=True)
class CardForm:
    """How a page takes a card: typed into its own fields (the sandbox), or in Stripe's element, which Stripe.js
    loads from Stripe into the page, with the merchant's publishable key."""

    stripe_key: str | None

    @property
    def origins(self) -> tuple[str, ...]:
        """What the page's policy must let in for Stripe's element: its script, its frames and its API."""
        return STRIPE_ORIGINS if self.stripe_key else ()


STRIPE_ORIGINS = ("https://js.stripe.com", "https://hooks.stripe.com", "https://api.stripe.com")


async def card_form(session: AsyncSession, merchant_id: int, sealer: Sealer) -> CardForm:
    found = await merchant_settings.gateway_settings(session, merchant_id, sealer)
    return CardForm(None if found.sandbox or not found.stripe_publishable_key else found.stripe_publishable_key)
