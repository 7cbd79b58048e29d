"""Every query on the sandbox gateway's records."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.gateways.models import SandboxCharge, SandboxPaymentMethod, SandboxRefund


async def method(session: AsyncSession, merchant_id: int, token: str) -> SandboxPaymentMethod | None:
    return await session.scalar(
        select(SandboxPaymentMethod).where(
            SandboxPaymentMethod.merchant_id == merchant_id, SandboxPaymentMethod.token == token
        )
    )


async def charge(session: AsyncSession, merchant_id: int, charge_id: str) -> SandboxCharge | None:
    return await session.scalar(
        select(SandboxCharge).where(SandboxCharge.merchant_id == merchant_id, SandboxCharge.charge_id == charge_id)
    )


async def charge_by_key(session: AsyncSession, merchant_id: int, key: str) -> SandboxCharge | None:
    return await session.scalar(
        select(SandboxCharge).where(SandboxCharge.merchant_id == merchant_id, SandboxCharge.idempotency_key == key)
    )


async def refund_by_key(session: AsyncSession, merchant_id: int, key: str) -> SandboxRefund | None:
    return await session.scalar(
        select(SandboxRefund).where(SandboxRefund.merchant_id == merchant_id, SandboxRefund.idempotency_key == key)
    )
