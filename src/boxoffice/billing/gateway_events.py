"""What a gateway tells afterwards (a challenge passed or failed, a charge that went through later): proven by
its signature when it arrives, then acted on by the worker through the jobs table, so that a burst of events or a
crash loses none and a payment is settled once however many times it is told."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import charges
from boxoffice.billing import repository as repo
from boxoffice.billing.models import UNSETTLED, PaymentStatus
from boxoffice.gateways.protocol import ChargeResult, GatewayError
from boxoffice.gateways.registry import Gateways
from boxoffice.gateways.sandbox import CLEAR_DEBIT_JOB, SandboxGateway
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import Merchant
from boxoffice.kit import jobs
from boxoffice.kit.db import transaction
from boxoffice.kit.errors import Forbidden, NotFound
from boxoffice.kit.settings import Settings

EVENT_JOB = "billing.gateway_event"
# A setup's events settle the payment a setup verified (a free trial's first), and are ignored for any other.
SUCCEEDED_KINDS = ("charge.succeeded", "setup.succeeded")
SETTLING_KINDS = (*SUCCEEDED_KINDS, "charge.failed", "setup.failed")


async def receive_event(
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    merchant: Merchant,
    gateway_name: str,
    payload: bytes,
    signature: str | None,
) -> bool:
    """Check the event's signature and queue it in a transaction of its own; False for a kind nothing is done
    about (acknowledged all the same, or the gateway would send it again for days)."""
    secret = await gateways.webhook_secret(merchant.id, gateway_name, merchant.client_secret)
    if secret is None:
        raise Forbidden("No webhook signing secret is set for this gateway")
    try:
        gateway = await gateways.named(merchant.id, gateway_name)
        event = gateway.parse_webhook(payload, signature, secret)
    except (ValueError, GatewayError) as exc:
        raise Forbidden("The event's signature does not match") from exc
    if event.kind not in SETTLING_KINDS:
        return False
    async with transaction(sessions) as session:
        jobs.enqueue(
            session,
            EVENT_JOB,
            {"merchant_id": merchant.id, "gateway": gateway_name, "kind": event.kind, "charge_id": event.charge_id},
        )
    return True


async def payer_locale(sessions: async_sessionmaker[AsyncSession], merchant_id: int, charge_id: str) -> str | None:
    """The locale a gateway's page shows a charge in: that of the customer paying."""
    async with sessions() as session:
        return await repo.payer_locale(session, merchant_id, charge_id)


async def receive_merchant_event(
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    merchant_uuid: str,
    gateway_name: str,
    payload: bytes,
    signature: str | None,
) -> bool:
    """`receive_event`, for an event sent to the address a merchant registered at its gateway, which names the
    merchant by its uuid; NotFound when it names none."""
    async with sessions() as session:
        merchant = await identity_repo.merchant_by_uuid(session, merchant_uuid.lower())
    if merchant is None:
        raise NotFound("Unknown merchant")
    return await receive_event(sessions, gateways, merchant, gateway_name, payload, signature)


@jobs.handles(EVENT_JOB)
async def settle_from_event(session: AsyncSession, payload: dict[str, Any], _settings: Settings) -> None:
    merchant = await identity_repo.merchant_by_id(session, int(payload["merchant_id"]))
    if merchant is None:
        return
    payment = await repo.payment_of_charge(session, merchant.id, str(payload["gateway"]), str(payload["charge_id"]))
    if payment is None or payment.status not in UNSETTLED:
        return  # not ours, or already settled (by the viewer's confirmPayment, say)
    if payload["kind"] in SUCCEEDED_KINDS:
        result = ChargeResult(payment.gateway_charge_id or "", "succeeded", payment.amount, payment.currency)
    else:
        code = payload.get("decline_code") or (
            "authentication_failed" if payment.status == PaymentStatus.REQUIRES_ACTION else "card_declined"
        )
        result = ChargeResult(payment.gateway_charge_id or "", "declined", payment.amount, payment.currency, code)
    await charges.settle_in(session, merchant, payment.id, result)


@jobs.handles(CLEAR_DEBIT_JOB)
async def clear_sandbox_debit(session: AsyncSession, payload: dict[str, Any], _settings: Settings) -> None:
    """The sandbox's bank answers a direct debit, and the sandbox tells of it as a gateway tells: by an event."""
    merchant_id, charge_id = int(payload["merchant_id"]), str(payload["charge_id"])
    kind, decline_code = await SandboxGateway.clear_debit(session, merchant_id, charge_id)
    jobs.enqueue(
        session,
        EVENT_JOB,
        {
            "merchant_id": merchant_id,
            "gateway": "sandbox",
            "kind": kind,
            "charge_id": charge_id,
            "decline_code": decline_code,
        },
    )
