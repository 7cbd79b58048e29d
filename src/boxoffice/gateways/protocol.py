"""What billing asks of a payment gateway, and what a gateway answers, in the gateway's neutral terms."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

# processing: accepted, the outcome told later by an event (a direct debit clears in days, not seconds).
ChargeStatus = Literal["succeeded", "declined", "requires_action", "processing"]
SetupStatus = Literal["succeeded", "declined", "requires_action"]


class GatewayError(Exception):
    """The gateway could not be asked, or did not answer: the outcome of the call is unknown."""


class CardRejected(Exception):
    """A card the gateway won't take at all (a number that isn't one, a past expiry), before any charge."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True, slots=True)
class Card:
    number: str
    exp_month: int
    exp_year: int
    cvv: str
    holder: str


@dataclass(frozen=True, slots=True)
class CollectedCard:
    """A card the gateway's own script took in the payer's browser (Stripe.js's card element): Boxoffice gets the
    gateway's token for it, never the number."""

    token: str
    holder: str


# A card either way: typed into Boxoffice's form, or collected by the gateway's script.
AnyCard = Card | CollectedCard


@dataclass(frozen=True, slots=True)
class BankAccount:
    """A SEPA Direct Debit mandate's account."""

    holder: str
    iban: str
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Wallet:
    """A method the payer approves on its provider's page each time they are present: iDEAL (at their bank),
    PayPal, Google Pay, Apple Pay."""

    kind: str  # ideal | paypal | google_pay | apple_pay
    bank: str | None = None  # iDEAL's bank


PaymentSource = Card | CollectedCard | BankAccount | Wallet


@dataclass(frozen=True, slots=True)
class SavedMethod:
    """A card kept by the gateway; Boxoffice keeps only this token and what may be shown of the card."""

    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True, slots=True)
class ChargeResult:
    charge_id: str
    status: ChargeStatus
    amount: int
    currency: str
    # card_declined | insufficient_funds | expired_card | authentication_failed | debit_declined
    decline_code: str | None = None
    redirect_url: str | None = None  # where the viewer completes a challenge (3-D Secure)


@dataclass(frozen=True, slots=True)
class SetupResult:
    """A saved method verified for charges made later, with nothing charged (a zero-amount authorisation, a
    SetupIntent): for whom and which method, so that a setup finished after a challenge is known by its id alone."""

    setup_id: str
    status: SetupStatus
    customer_ref: str
    method: SavedMethod
    decline_code: str | None = None
    redirect_url: str | None = None  # where the payer completes a challenge or approves a wallet


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    """One charge of a batch (see PaymentGateway.charge_many)."""

    merchant_id: int
    amount: int
    currency: str
    customer_ref: str
    method_token: str
    idempotency_key: str
    off_session: bool = True


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_id: str
    charge_id: str
    amount: int


@dataclass(frozen=True, slots=True)
class GatewayEvent:
    """Something the gateway tells afterwards: a challenge completed or failed, a charge refunded."""

    event_id: str
    kind: str  # charge.succeeded | charge.failed | charge.refunded
    charge_id: str


class PaymentGateway(Protocol):
    name: str

    async def create_customer(self, merchant_id: int, *, email: str, name: str) -> str: ...

    async def save_payment_method(self, merchant_id: int, customer_ref: str, source: PaymentSource) -> SavedMethod:
        """Keep a way to pay with the gateway; CardRejected when it won't take it (or not this kind of method)."""
        ...

    async def charge(
        self,
        merchant_id: int,
        *,
        amount: int,
        currency: str,
        customer_ref: str,
        method_token: str,
        idempotency_key: str,
        return_url: str | None = None,
        off_session: bool = False,
    ) -> ChargeResult:
        """Charge a saved method; `off_session` when the payer isn't there to approve it (a renewal). The same
        idempotency key always answers with the same charge, never a second."""
        ...

    async def charge_many(self, requests: Sequence[ChargeRequest]) -> list[ChargeResult | GatewayError]:
        """Many charges at once (the renewal engine's batches), answered in order; a charge whose outcome is
        unknown answers with its error instead of failing the others."""
        ...

    async def confirm(self, merchant_id: int, charge_id: str) -> ChargeResult:
        """Where a challenged charge stands now."""
        ...

    async def cancel(self, merchant_id: int, charge_id: str) -> ChargeResult:
        """Give up a charge or a setup still awaiting the payer (a challenge, an approval), so that it can no
        longer go through, and answer where it stands: declined (`canceled`), or what it came to first (the payer
        may have passed the challenge just before). GatewayError for one this merchant never made."""
        ...

    async def set_up(
        self,
        merchant_id: int,
        *,
        customer_ref: str,
        method_token: str,
        idempotency_key: str,
        return_url: str | None = None,
    ) -> SetupResult:
        """Verify a saved method for off-session charges later, charging nothing, with the payer present: a
        bank that wants 3-D Secure, or a wallet that wants the payer's approval, answers `requires_action`."""
        ...

    async def confirm_setup(self, merchant_id: int, setup_id: str) -> SetupResult:
        """Where a setup stands now; GatewayError for one this merchant never made."""
        ...

    async def refund(self, merchant_id: int, charge_id: str, amount: int, idempotency_key: str) -> RefundResult: ...

    def parse_webhook(self, payload: bytes, signature: str | None, secret: str) -> GatewayEvent:
        """An event the gateway sent, once its signature under `secret` is proven; ValueError otherwise."""
        ...


async def charge_each(
    gateway: PaymentGateway, requests: Sequence[ChargeRequest], concurrency: int
) -> list[ChargeResult | GatewayError]:
    """`charge_many` for a gateway that takes one charge per call: `concurrency` calls in flight at once."""
    limit = asyncio.Semaphore(concurrency)

    async def one(request: ChargeRequest) -> ChargeResult | GatewayError:
        async with limit:
            try:
                return await gateway.charge(
                    request.merchant_id,
                    amount=request.amount,
                    currency=request.currency,
                    customer_ref=request.customer_ref,
                    method_token=request.method_token,
                    idempotency_key=request.idempotency_key,
                    off_session=request.off_session,
                )
            except GatewayError as error:
                return error

    return list(await asyncio.gather(*(one(request) for request in requests)))
