"""An item's offers, the checkout of one, and its outcome: a card paid at once, or after the bank's challenge
(3-D Secure), from which the payer comes back to `checkout/{price_id}/done`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import Response

from boxoffice.billing import charges, checkout, subscriptions
from boxoffice.billing.models import Payment, PaymentStatus
from boxoffice.catalog import service as catalog
from boxoffice.catalog.models import Price, Product
from boxoffice.gateways import methods
from boxoffice.gateways.protocol import BankAccount, PaymentSource, Wallet
from boxoffice.identity.models import Customer
from boxoffice.kit import throttle
from boxoffice.kit.errors import Conflict, DomainError, InvalidInput, Missing, NotFound, RateLimited
from boxoffice.kit.money import Money
from boxoffice.kit.requests import OwnTransactions
from boxoffice.kit.validation import whole_number
from boxoffice.promotions import vouchers
from boxoffice.web.pages.cards import CARD_FIELDS, card_form, card_of
from boxoffice.web.pages.context import Page, PageContext
from boxoffice.web.pages.refusals import TOO_MANY, shown
from boxoffice.web.pages.routing import PageRoute

router = APIRouter(route_class=PageRoute)

Id = Annotated[int, Path(ge=1, le=2**53)]
CHARGE = re.compile(r"[A-Za-z0-9_]{1,64}")
SUBSCRIPTION = "subscription"
MAX_CHOSEN = 10
# The sandbox's methods the payer approves on a page of its provider's, as the checkout offers them.
WALLETS = {
    methods.IDEAL: "iDEAL",
    methods.PAYPAL: "PayPal",
    methods.GOOGLE_PAY: "Google Pay",
    methods.APPLE_PAY: "Apple Pay",
}
VOUCHER_FIELDS = ("voucher_code",)
# How often a subscription is charged, and how long a trial lasts: (one, several), in the source language.
EVERY = {
    "hour": ("per hour", "every %(count)s hours"),
    "day": ("per day", "every %(count)s days"),
    "week": ("per week", "every %(count)s weeks"),
    "month": ("per month", "every %(count)s months"),
    "year": ("per year", "every %(count)s years"),
}
LASTING = {
    "hour": ("%(count)s hour", "%(count)s hours"),
    "day": ("%(count)s day", "%(count)s days"),
    "week": ("%(count)s week", "%(count)s weeks"),
    "month": ("%(count)s month", "%(count)s months"),
    "year": ("%(count)s year", "%(count)s years"),
}


@dataclass(frozen=True, slots=True)
class Offer:
    """A price as the pages show it."""

    price: Price
    product: Product
    amount: Money
    setup_fee: Money | None
    period: str | None  # a message of EVERY, for a subscription
    count: int
    trial: str | None  # a message of LASTING, for a subscription with a trial

    @classmethod
    def of(cls, price: Price, product: Product) -> Offer:
        recurring = price.kind == SUBSCRIPTION
        every = EVERY.get(price.period_unit) if recurring else None
        lasting = LASTING.get(price.trial_period_unit or "") if recurring and price.trial_period_quantity else None
        return cls(
            price=price,
            product=product,
            amount=Money(price.amount, price.currency),
            setup_fee=Money(price.setup_fee_amount, price.currency) if price.setup_fee_amount else None,
            period=None if every is None else every[price.period_quantity != 1],
            count=price.period_quantity,
            trial=None if lasting is None else lasting[(price.trial_period_quantity or 0) != 1],
        )


def _sign_in_first(page: PageContext, onward: str) -> Response:
    return page.redirect(page.url("sign-in", next=onward))


@router.get("/pages/{merchant_uuid}/offers/{item_id}")
async def offers(page: Page, item_id: Id) -> Response:
    product, _merchant = await catalog.public_product(page.session, item_id, merchant_id=page.merchant.id)
    prices = await catalog.prices_on_sale(page.session, product)
    return page.render("offers.html", product=product, offers=[Offer.of(price, product) for price in prices])


@router.get("/pages/{merchant_uuid}/offers")
async def chosen_offers(page: Page) -> Response:
    """The offers a publisher's page chose, side by side (`?prices=1,2`, as Cleeng's checkout takes several
    offer ids); each with its item's title."""
    asked = page.request.query_params.get("prices", "")
    ids = [n for n in (whole_number(part) for part in asked.split(",")) if n is not None][:MAX_CHOSEN]
    if not ids:
        raise NotFound(what=Missing.PRICE)
    chosen = [await checkout.price_for_checkout(page.session, page.merchant.id, price_id) for price_id in ids]
    return page.render("offers.html", product=None, offers=[Offer.of(price, product) for price, product in chosen])


async def _checkout_page(
    page: PageContext, price: Price, product: Product, status: int = 200, **shown: object
) -> Response:
    card = await card_form(page.session, page.merchant.id, page.request.app.state.sealer)
    page.gateway_origins = card.origins
    trial = (
        price.kind == SUBSCRIPTION
        and page.viewer is not None
        and await subscriptions.trial_available(page.session, page.viewer, price)
    )
    return page.render(
        "checkout.html",
        status,
        wallets=WALLETS,
        banks=sorted(methods.IDEAL_BANKS),
        stripe_key=card.stripe_key,
        offer=Offer.of(price, product),
        product=product,
        trial=trial,
        attempt=uuid.uuid4(),
        **shown,
    )


@router.get("/pages/{merchant_uuid}/checkout/{price_id}")
async def checkout_form(page: Page, price_id: Id) -> Response:
    if page.viewer is None:
        return _sign_in_first(page, f"checkout/{price_id}")
    price, product = await checkout.price_for_checkout(page.session, page.merchant.id, price_id)
    return await _checkout_page(page, price, product)


@router.post("/pages/{merchant_uuid}/checkout/{price_id}/voucher")
async def apply_voucher(page: Page, price_id: Id) -> Response:
    """The price with a voucher, shown before paying; the code goes on with the card form."""
    form = await page.check_form()
    if page.viewer is None:
        return _sign_in_first(page, f"checkout/{price_id}")
    price, product = await checkout.price_for_checkout(page.session, page.merchant.id, price_id)
    code = form.get("voucher_code", "").strip()[:100]
    try:
        # Codes are guessed as passwords are: tries are counted per address, as sign-ins and access codes are.
        await throttle.hit(
            page.request.app.state.sessions, {f"voucher:ip:{page.client.ip_address}": page.settings.auth_rate_per_ip}
        )
        discount = await vouchers.discount_on(page.session, page.merchant.id, code, price.id)
    except RateLimited:
        return await _checkout_page(page, price, product, 429, errors={"voucher_code": TOO_MANY}, values=form)
    except DomainError as refused:
        return await _checkout_page(page, price, product, 422, errors=shown(refused, VOUCHER_FIELDS), values=form)
    discounted = Money(discount.final_amount, price.currency)
    return await _checkout_page(page, price, product, voucher=code, discounted=discounted, values=form)


Paying = Callable[[], Awaitable[Payment]]


async def _paid(
    page: PageContext,
    sessions: async_sessionmaker[AsyncSession],
    price_id: int,
    form: dict[str, str],
    paying: Paying,
    fields: tuple[str, ...],
    prefix: str = "",
) -> Response:
    """On to the bank's or the provider's page, or to `done`; a refusal shows the checkout again, on the form it
    came from (`prefix` marks its fields apart from the other forms')."""
    try:
        payment = await paying()
        declined = charges.refusal(payment)
        if declined is not None:
            raise declined
    except DomainError as refused:
        async with sessions() as session:
            price, product = await checkout.price_for_checkout(session, page.merchant.id, price_id)
        # A subscription's checkout has no gift field: a refusal of it goes above the form.
        shown_fields = tuple(name for name in fields if name != "receiver_email" or price.kind != SUBSCRIPTION)
        errors = {f"{prefix}{name}": message for name, message in shown(refused, shown_fields).items()}
        status = 422 if isinstance(refused, InvalidInput) else 409 if isinstance(refused, Conflict) else 402
        return await _checkout_page(page, price, product, status, errors=errors, values=form)
    if payment.status == PaymentStatus.REQUIRES_ACTION and payment.redirect_url:
        return page.redirect(payment.redirect_url)
    return page.redirect(page.url(f"checkout/{price_id}/done", payment=payment.id))


def _key(page: PageContext, form: dict[str, str], way: str) -> str:
    """One payment per form shown and way to pay: pressing Pay twice pays once."""
    assert page.viewer is not None
    return f"{page.viewer.id}:page:{form.get('attempt', '')[:64] or uuid.uuid4()}:{way}"


def _voucher(form: dict[str, str]) -> str | None:
    return form.get("voucher_code", "").strip()[:100] or None


async def _for_price(
    page: PageContext,
    sessions: async_sessionmaker[AsyncSession],
    viewer: Customer,
    price_id: int,
    form: dict[str, str],
    source: PaymentSource,
    way: str,
    gift_to: str | None = None,
) -> Payment:
    """The price paid with `source`; the bank or provider sends the payer back to `done`."""
    return await checkout.pay_for_price(
        sessions,
        await page.request.app.state.gateways.current(page.merchant.id),
        page.merchant,
        viewer,
        price_id=price_id,
        source=source,
        idempotency_key=_key(page, form, way),
        return_url=page.absolute(page.url(f"checkout/{price_id}/done")),
        client=page.client,
        voucher_code=_voucher(form),
        gift_to=gift_to,
    )


@router.post("/pages/{merchant_uuid}/checkout/{price_id}")
async def pay(page: Page, price_id: Id, sessions: OwnTransactions) -> Response:
    form = await page.check_form()
    viewer = page.viewer
    if viewer is None:
        return _sign_in_first(page, f"checkout/{price_id}")

    async def by_card() -> Payment:
        gift_to = form.get("receiver_email", "").strip()[:320] or None
        return await _for_price(page, sessions, viewer, price_id, form, card_of(form), "card", gift_to)

    fields = (*CARD_FIELDS, "voucher_code", "receiver_email")
    return await _paid(page, sessions, price_id, form, by_card, fields)


@router.post("/pages/{merchant_uuid}/checkout/{price_id}/method")
async def pay_by_method(page: Page, price_id: Id, sessions: OwnTransactions) -> Response:
    """Pay with a method the payer approves on its provider's page (iDEAL at their bank, PayPal, Google Pay, Apple
    Pay): on to that page, and back to `done`."""
    form = await page.check_form()
    viewer = page.viewer
    if viewer is None:
        return _sign_in_first(page, f"checkout/{price_id}")
    kind, bank = form.get("method", ""), form.get("bank", "").strip().lower() or None

    async def by_wallet() -> Payment:
        if kind not in WALLETS:
            raise InvalidInput({"method": "Choose a way to pay"})
        if kind == methods.IDEAL and bank not in methods.IDEAL_BANKS:
            raise InvalidInput({"bank": "Choose your bank"})
        wallet = Wallet(kind, bank if kind == methods.IDEAL else None)
        return await _for_price(page, sessions, viewer, price_id, form, wallet, kind)

    return await _paid(page, sessions, price_id, form, by_wallet, ("method", "bank"), "method_")


@router.post("/pages/{merchant_uuid}/checkout/{price_id}/debit")
async def pay_by_debit(page: Page, price_id: Id, sessions: OwnTransactions) -> Response:
    """Pay by SEPA Direct Debit: the account's mandate, then the debit, which settles later."""
    form = await page.check_form()
    viewer = page.viewer
    if viewer is None:
        return _sign_in_first(page, f"checkout/{price_id}")

    async def by_debit() -> Payment:
        return await checkout.pay_by_direct_debit(
            sessions,
            await page.request.app.state.gateways.current(page.merchant.id),
            page.merchant,
            viewer,
            price_id=price_id,
            account=BankAccount(form.get("name", "")[:300], form.get("iban", "")[:64]),
            idempotency_key=_key(page, form, "debit"),
            client=page.client,
            voucher_code=_voucher(form),
        )

    return await _paid(page, sessions, price_id, form, by_debit, ("name", "iban"), "debit_")


@router.get("/pages/{merchant_uuid}/checkout/{price_id}/done")
async def done(page: Page, price_id: Id, sessions: OwnTransactions) -> Response:
    """Where the payer lands: straight from the checkout, or back from the bank's challenge with the charge."""
    if page.viewer is None:
        return _sign_in_first(page, f"checkout/{price_id}")
    # The bank sends a charge back as `payment_intent`, a card kept for a trial (nothing charged) as `setup_intent`.
    params = page.request.query_params
    charge = params.get("payment_intent") or params.get("setup_intent") or ""
    asked = whole_number(params.get("payment"))
    gateways = page.request.app.state.gateways
    if CHARGE.fullmatch(charge):
        payment = await charges.confirm_payment(sessions, gateways, page.merchant, page.viewer, charge)
    elif asked is not None:
        async with sessions() as session:
            payment = await checkout.payment_of(session, page.merchant.id, page.viewer.id, asked)
    else:
        raise NotFound(what=Missing.PAYMENT)
    async with sessions() as session:
        # What the payment bought, whatever the address names: a page about another price tells nothing.
        price, product = await checkout.paid_for(session, page.merchant.id, payment, price_id)
    declined = charges.refusal(payment)
    paid = payment.status == PaymentStatus.SUCCEEDED
    outcome: dict[str, object] = {
        "type": "payment",
        "status": payment.status.value,
        "item_id": product.id,
        "price_id": price.id,
    }
    unlocked: list[dict[str, object]] = [{"type": "access", "item_id": product.id}] if paid else []
    return page.render(
        "done.html",
        402 if declined else 200,
        product=product,
        price=price,
        paid=paid,
        gift_to=payment.receiver_email,
        declined=declined.message if declined else None,
        told=page.told(outcome, *unlocked),
    )
