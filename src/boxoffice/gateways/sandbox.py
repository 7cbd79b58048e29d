"""The built-in gateway: behaves like a real one, with Stripe's public test card numbers, and charges nobody.

  4242 4242 4242 4242   succeeds (so does any other valid number)
  4000 0000 0000 0002   is declined (card_declined)
  4000 0000 0000 9995   is declined for funds (insufficient_funds)
  4000 0025 0000 3155   demands 3-D Secure: the charge answers `requires_action` with a page on this server
                        where the viewer passes or fails the challenge

Other ways to pay:
  iDEAL, PayPal, Google Pay, Apple Pay   approved on a page of this server each time the payer is present (the
                        charge answers `requires_action`), as the bank or the wallet would; off-session they succeed
  SEPA Direct Debit     any valid IBAN; DE62 3704 0044 0532 0130 01 (Stripe's failing test IBAN) is refused. A debit
                        with the payer present answers `processing` and clears through the jobs table (a bank takes
                        days), its outcome told by an event; off-session (a renewal) it clears at once

Saving a method for later (`set_up`) charges nothing: it is a zero-amount authorisation, kept as a charge of 0 in
ISO 4217's "no currency" (XXX). 4000 0000 0000 0002 is refused, 4000 0025 0000 3155 and the wallets are answered on
the same page as a payment, and the rest are verified at once (a card's funds are not asked about).

A charge or setup still awaiting its challenge can be given up (`cancel`): it is declined `canceled`, and its page
can no longer pass it.

Its records live in Boxoffice's database but in their own transactions, as a real gateway's live on its own
servers: what it has done stays done whatever the caller's transaction does, so the caller's idempotency keys are
what keep a retried purchase from charging twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.gateways import cards, methods
from boxoffice.gateways import repository as repo
from boxoffice.gateways.models import CardTerms, SandboxCharge, SandboxPaymentMethod, SandboxRefund
from boxoffice.gateways.protocol import (
    BankAccount,
    Card,
    CardRejected,
    ChargeRequest,
    ChargeResult,
    CollectedCard,
    GatewayError,
    GatewayEvent,
    PaymentSource,
    RefundResult,
    SavedMethod,
    SetupResult,
    charge_each,
)
from boxoffice.kit import base_url, clock, jobs

BEHAVIOURS = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000002500003155": "challenge",
}
FAILING_IBAN = "DE62370400440532013001"
# The currency of a setup's zero-amount authorisation: ISO 4217's code for "no currency".
SETUP_CURRENCY = "XXX"
# The decline code of a charge given up before the payer answered it (see `cancel`).
CANCELED = "canceled"
# Clears a direct debit the payer started: what the bank does over days, done by the worker.
CLEAR_DEBIT_JOB = "sandbox.clear_debit"


class IdempotencyMismatch(GatewayError):
    """An idempotency key used again for a different request."""


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _sign(payload: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


Outcome = Callable[[SandboxPaymentMethod], tuple[str, str | None]]


def _redirect(charge: SandboxCharge, public_url: str) -> str | None:
    if charge.status != "requires_action":
        return None
    return f"{public_url}/sandbox/3ds/{charge.merchant_id}/{charge.charge_id}"


def is_setup(charge: SandboxCharge | ChargeResult) -> bool:
    return charge.currency == SETUP_CURRENCY


def _result(charge: SandboxCharge, public_url: str) -> ChargeResult:
    redirect = _redirect(charge, public_url)
    return ChargeResult(
        charge.charge_id,
        charge.status,  # type: ignore[arg-type]
        charge.amount,
        charge.currency,
        charge.decline_code,
        redirect,
    )


def _outcome(method: SandboxPaymentMethod | CardTerms, off_session: bool) -> tuple[str, str | None]:
    """How the sandbox answers a charge to `method`: its status and decline code."""
    behaviour = method.behaviour
    if behaviour in ("debit_clears", "debit_fails"):
        if not off_session:
            return "processing", None
        return ("succeeded", None) if behaviour == "debit_clears" else ("declined", "debit_declined")
    if behaviour == "approval":
        return ("succeeded", None) if off_session else ("requires_action", None)
    if method.exp_year and (method.exp_year, method.exp_month) < (clock.now().year, clock.now().month):
        return "declined", "expired_card"
    if behaviour == "challenge":
        # Off-session, a bank that wants its card holder present can't have them: the charge fails.
        return ("declined", "authentication_required") if off_session else ("requires_action", None)
    if behaviour != "succeeds":
        return "declined", behaviour
    return "succeeded", None


def _setup_outcome(method: SandboxPaymentMethod) -> tuple[str, str | None]:
    """How the sandbox answers a setup of `method`: only a refusing card is refused, as nothing is charged."""
    if method.behaviour in ("approval", "challenge"):
        return "requires_action", None
    if method.exp_year and (method.exp_year, method.exp_month) < (clock.now().year, clock.now().month):
        return "declined", "expired_card"
    if method.behaviour == "card_declined":
        return "declined", "card_declined"
    return "succeeded", None


@dataclass(frozen=True, slots=True)
class Charged:
    """A charge already made for a key: what was asked, and the answer."""

    request: tuple[int, str, str, str]
    result: ChargeResult

    @classmethod
    def of(cls, charge: SandboxCharge, public_url: str = "") -> Charged:
        return cls(
            (charge.amount, charge.currency, charge.customer_ref, charge.method_token), _result(charge, public_url)
        )


class SandboxGateway:
    name = "sandbox"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], public_url: str | None) -> None:
        self.sessions, self._public_url = sessions, public_url

    @property
    def public_url(self) -> str:
        """Where its pages are reached: as configured, or as the request being answered was addressed."""
        return base_url.of(self._public_url)

    async def create_customer(self, merchant_id: int, *, email: str, name: str) -> str:
        return _id("cus")

    async def save_payment_method(self, merchant_id: int, customer_ref: str, source: PaymentSource) -> SavedMethod:
        method = SandboxPaymentMethod(merchant_id=merchant_id, token=_id("pm"), customer_ref=customer_ref)
        if isinstance(source, Card):
            digits = cards.check_card(source, clock.now().date())
            method.brand, method.last4 = cards.brand_of(digits), digits[-4:]
            method.exp_month, method.exp_year = source.exp_month, source.exp_year
            method.behaviour = BEHAVIOURS.get(digits, "succeeds")
        elif isinstance(source, CollectedCard):
            # The sandbox has no script of its own in the payer's browser: its cards are typed into the pages.
            raise CardRejected("unsupported_method", "The sandbox takes a card's number, not a gateway's token")
        elif isinstance(source, BankAccount):
            iban = methods.normal_iban(source.iban)
            if not methods.iban_is_valid(iban):
                raise CardRejected("invalid_iban", "The IBAN is not valid")
            method.brand, method.last4, method.exp_month, method.exp_year = methods.SEPA_DEBIT, iban[-4:], 0, 0
            method.behaviour = "debit_fails" if iban == FAILING_IBAN else "debit_clears"
        else:
            method.brand, method.last4, method.exp_month, method.exp_year = source.kind, "", 0, 0
            method.behaviour = "approval"
        async with self.sessions() as session, session.begin():
            session.add(method)
        return SavedMethod(method.token, method.brand, method.last4, method.exp_month, method.exp_year)

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
        request = (amount, currency, customer_ref, method_token)
        async with self.sessions() as session:
            existing = await repo.charge_by_key(session, merchant_id, idempotency_key)
            if existing is None:
                existing = await self._new_charge(
                    session, merchant_id, idempotency_key, request, return_url, lambda m: _outcome(m, off_session)
                )
        if (existing.amount, existing.currency, existing.customer_ref, existing.method_token) != request:
            raise IdempotencyMismatch("this idempotency key was used for a different charge")
        return _result(existing, self.public_url)

    async def set_up(
        self,
        merchant_id: int,
        *,
        customer_ref: str,
        method_token: str,
        idempotency_key: str,
        return_url: str | None = None,
    ) -> SetupResult:
        request = (0, SETUP_CURRENCY, customer_ref, method_token)
        async with self.sessions() as session:
            existing = await repo.charge_by_key(session, merchant_id, idempotency_key)
            if existing is None:
                existing = await self._new_charge(
                    session, merchant_id, idempotency_key, request, return_url, _setup_outcome
                )
        if (existing.amount, existing.currency, existing.customer_ref, existing.method_token) != request:
            raise IdempotencyMismatch("this idempotency key was used for a different setup")
        return await self.confirm_setup(merchant_id, existing.charge_id)

    async def confirm_setup(self, merchant_id: int, setup_id: str) -> SetupResult:
        async with self.sessions() as session:
            setup = await repo.charge(session, merchant_id, setup_id)
            method = await repo.method(session, merchant_id, setup.method_token) if setup else None
        if setup is None or method is None or not is_setup(setup):
            raise GatewayError("no such setup")
        saved = SavedMethod(method.token, method.brand, method.last4, method.exp_month, method.exp_year)
        return SetupResult(
            setup.charge_id,
            setup.status,  # type: ignore[arg-type]
            setup.customer_ref,
            saved,
            setup.decline_code,
            _redirect(setup, self.public_url),
        )

    async def _new_charge(
        self,
        session: AsyncSession,
        merchant_id: int,
        key: str,
        request: tuple[int, str, str, str],
        return_url: str | None,
        outcome: Outcome,
    ) -> SandboxCharge:
        amount, currency, customer_ref, method_token = request
        method = await repo.method(session, merchant_id, method_token)
        if method is None or method.customer_ref != customer_ref:
            raise GatewayError("no such payment method for this customer")
        status, decline = outcome(method)
        charge = SandboxCharge(
            merchant_id=merchant_id,
            charge_id=_id("pi"),
            idempotency_key=key,
            customer_ref=customer_ref,
            method_token=method_token,
            amount=amount,
            currency=currency,
            status=status,
            decline_code=decline,
            return_url=return_url,
        )
        session.add(charge)
        if status == "processing":
            jobs.enqueue(session, CLEAR_DEBIT_JOB, {"merchant_id": merchant_id, "charge_id": charge.charge_id})
        try:
            await session.commit()
        except IntegrityError:
            # The same key raced in from another request: the charge it made is the answer.
            await session.rollback()
            raced = await repo.charge_by_key(session, merchant_id, key)
            if raced is None:
                raise
            return raced
        return charge

    async def charge_many(self, requests: Sequence[ChargeRequest]) -> list[ChargeResult | GatewayError]:
        """A batch in one transaction of the sandbox's own, its new charges in one insert: what a real gateway's
        batch API would cost, not a round of requests per charge."""
        answers: dict[int, ChargeResult | GatewayError] = {}
        made: list[dict[str, Any]] = []
        async with self.sessions() as session:
            by_merchant: dict[int, list[int]] = defaultdict(list)
            for index, request in enumerate(requests):
                by_merchant[request.merchant_id].append(index)
            for merchant_id, indexes in by_merchant.items():
                wanted = [requests[i] for i in indexes]
                charged = await repo.charges_by_keys(session, merchant_id, [r.idempotency_key for r in wanted])
                done = {key: Charged.of(charge, self.public_url) for key, charge in charged.items()}
                cards = await repo.methods_by_tokens(session, merchant_id, [r.method_token for r in wanted])
                for index, request in zip(indexes, wanted, strict=True):
                    answers[index] = self._batched(request, done, cards, made)
            try:
                await repo.insert_charges(session, made)
                for row in made:
                    if row["status"] == "processing":
                        jobs.enqueue(
                            session, CLEAR_DEBIT_JOB, {"merchant_id": row["merchant_id"], "charge_id": row["charge_id"]}
                        )
                await session.commit()
            except IntegrityError:
                # Another caller charged some of these keys meanwhile: ask one by one, each answered by its key.
                await session.rollback()
                return await charge_each(self, requests, 1)
        return [answers[index] for index in range(len(requests))]

    def _batched(
        self,
        request: ChargeRequest,
        done: dict[str, Charged],
        cards: dict[str, CardTerms],
        made: list[dict[str, Any]],
    ) -> ChargeResult | GatewayError:
        wanted = (request.amount, request.currency, request.customer_ref, request.method_token)
        charged = done.get(request.idempotency_key)
        if charged is not None:
            if charged.request != wanted:
                return IdempotencyMismatch("this idempotency key was used for a different charge")
            return charged.result
        method = cards.get(request.method_token)
        if method is None or method.customer_ref != request.customer_ref:
            return GatewayError("no such payment method for this customer")
        status, decline = _outcome(method, request.off_session)
        charge_id = _id("pi")
        row = {
            "merchant_id": request.merchant_id,
            "charge_id": charge_id,
            "idempotency_key": request.idempotency_key,
            "customer_ref": request.customer_ref,
            "method_token": request.method_token,
            "amount": request.amount,
            "currency": request.currency,
            "status": status,
            "decline_code": decline,
            "refunded": 0,
            "created_at": clock.now(),
        }
        made.append(row)
        redirect = f"{self.public_url}/sandbox/3ds/{request.merchant_id}/{charge_id}"
        result = ChargeResult(
            charge_id,
            status,  # type: ignore[arg-type]
            request.amount,
            request.currency,
            decline,
            redirect if status == "requires_action" else None,
        )
        done[request.idempotency_key] = Charged(wanted, result)  # the same key twice in one batch is one charge
        return result

    async def confirm(self, merchant_id: int, charge_id: str) -> ChargeResult:
        async with self.sessions() as session:
            charge = await repo.charge(session, merchant_id, charge_id)
        if charge is None:
            raise GatewayError("no such charge")
        return _result(charge, self.public_url)

    async def cancel(self, merchant_id: int, charge_id: str) -> ChargeResult:
        async with self.sessions() as session, session.begin():
            charge = await repo.charge(session, merchant_id, charge_id)
            if charge is None:
                raise GatewayError("no such charge")
            if charge.status == "requires_action":
                charge.status, charge.decline_code = "declined", CANCELED
        return _result(charge, self.public_url)

    async def return_url_of(self, merchant_id: int, charge_id: str) -> str | None:
        """Where the viewer goes once a challenge is answered, told which charge it was (`payment_intent`), or
        which setup (`setup_intent`), as Stripe tells them."""
        async with self.sessions() as session:
            charge = await repo.charge(session, merchant_id, charge_id)
        if charge is None:
            raise GatewayError("no such charge")
        if not charge.return_url:
            return None
        joiner = "&" if "?" in charge.return_url else "?"
        name = "setup_intent" if is_setup(charge) else "payment_intent"
        return f"{charge.return_url}{joiner}{name}={charge_id}"

    async def complete_challenge(
        self, merchant_id: int, charge_id: str, *, passed: bool, signing_secret: str
    ) -> tuple[bytes, str]:
        """The viewer's answer to a 3-D Secure challenge; returns the event telling of it, signed with the
        merchant's secret as the sandbox's webhooks are. A challenge already answered keeps its first answer."""
        async with self.sessions() as session, session.begin():
            charge = await repo.charge(session, merchant_id, charge_id)
            if charge is None:
                raise GatewayError("no such charge")
            if charge.status == "requires_action":
                charge.status, charge.decline_code = (
                    ("succeeded", None) if passed else ("declined", "authentication_failed")
                )
            kind = "charge.succeeded" if charge.status == "succeeded" else "charge.failed"
            if is_setup(charge):
                # Nothing was charged: an event no payment is settled by (Stripe's setup_intent.* events).
                kind = "setup.succeeded" if charge.status == "succeeded" else "setup.failed"
        payload = json.dumps({"id": _id("evt"), "type": kind, "charge": charge_id}).encode()
        return payload, _sign(payload, signing_secret)

    @staticmethod
    async def clear_debit(session: AsyncSession, merchant_id: int, charge_id: str) -> tuple[str, str | None]:
        """The bank's answer to a debit in progress, in the caller's transaction: the event kind and the decline
        code. Answered once: a debit already cleared keeps its first answer."""
        charge = await repo.charge(session, merchant_id, charge_id)
        if charge is None:
            raise GatewayError("no such charge")
        if charge.status == "processing":
            method = await repo.method(session, merchant_id, charge.method_token)
            fails = method is None or method.behaviour == "debit_fails"
            charge.status, charge.decline_code = ("declined", "debit_declined") if fails else ("succeeded", None)
        return ("charge.succeeded" if charge.status == "succeeded" else "charge.failed"), charge.decline_code

    async def refund(self, merchant_id: int, charge_id: str, amount: int, idempotency_key: str) -> RefundResult:
        async with self.sessions() as session, session.begin():
            done = await repo.refund_by_key(session, merchant_id, idempotency_key)
            if done is not None:
                if (done.charge_id, done.amount) != (charge_id, amount):
                    raise IdempotencyMismatch("this idempotency key was used for a different refund")
                return RefundResult(done.refund_id, done.charge_id, done.amount)
            charge = await repo.charge(session, merchant_id, charge_id)
            if charge is None or charge.status != "succeeded":
                raise GatewayError("only a charge that succeeded can be refunded")
            if not 0 < amount <= charge.amount - charge.refunded:
                raise GatewayError("a refund is more than what is left of the charge")
            charge.refunded += amount
            refund = SandboxRefund(
                merchant_id=merchant_id,
                refund_id=_id("re"),
                charge_id=charge_id,
                idempotency_key=idempotency_key,
                amount=amount,
            )
            session.add(refund)
        return RefundResult(refund.refund_id, charge_id, amount)

    def parse_webhook(self, payload: bytes, signature: str | None, secret: str) -> GatewayEvent:
        if not signature or not hmac.compare_digest(_sign(payload, secret), signature):
            raise ValueError("the event's signature does not match")
        body = json.loads(payload)
        return GatewayEvent(str(body["id"]), str(body["type"]), str(body["charge"]))
