"""Every gateways query: the sandbox gateway's records and the merchants' gateway settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.gateways.models import (
    CardTerms,
    MerchantGateway,
    SandboxCharge,
    SandboxPaymentMethod,
    SandboxRefund,
    StoreAppSettings,
)
from boxoffice.kit.db import among, table_of

_CHARGES, _METHODS = table_of(SandboxCharge), table_of(SandboxPaymentMethod)


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


async def merchant_gateway(session: AsyncSession, merchant_id: int) -> MerchantGateway | None:
    return await session.scalar(select(MerchantGateway).where(MerchantGateway.merchant_id == merchant_id))


async def methods_by_tokens(session: AsyncSession, merchant_id: int, tokens: Sequence[str]) -> dict[str, CardTerms]:
    rows = await session.execute(
        select(*(getattr(SandboxPaymentMethod, name) for name in CardTerms._fields)).where(
            SandboxPaymentMethod.merchant_id == merchant_id, among(session, _METHODS.c.token, tokens)
        )
    )
    return {row.token: CardTerms(*row) for row in rows}


async def charges_by_keys(session: AsyncSession, merchant_id: int, keys: Sequence[str]) -> dict[str, SandboxCharge]:
    rows = await session.scalars(
        select(SandboxCharge).where(
            SandboxCharge.merchant_id == merchant_id, among(session, _CHARGES.c.idempotency_key, keys)
        )
    )
    return {row.idempotency_key: row for row in rows}


async def insert_charges(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """A batch's charges as one Core executemany. (The ORM's bulk insert starts a new statement wherever a row's
    NULLs differ from the one before: every declined card in a batch would split it in two.)"""
    if rows:
        await session.execute(insert(_CHARGES), list(rows))


async def store_apps(session: AsyncSession, merchant_id: int) -> list[StoreAppSettings]:
    found = await session.scalars(
        select(StoreAppSettings).where(StoreAppSettings.merchant_id == merchant_id).order_by(StoreAppSettings.store)
    )
    return list(found)


async def store_app_elsewhere(session: AsyncSession, merchant_id: int, store: str, app_id: str) -> bool:
    """Whether another merchant has set the app up: an app is one merchant's."""
    found = await session.scalar(
        select(StoreAppSettings.id).where(
            StoreAppSettings.store == store,
            StoreAppSettings.app_id == app_id,
            StoreAppSettings.merchant_id != merchant_id,
        ),
        # Across merchants, by design: the answer names none of them.
        execution_options={"cross_tenant": True},
    )
    return found is not None


async def store_app(session: AsyncSession, merchant_id: int, store: str) -> StoreAppSettings | None:
    return await session.scalar(
        select(StoreAppSettings).where(StoreAppSettings.merchant_id == merchant_id, StoreAppSettings.store == store)
    )
