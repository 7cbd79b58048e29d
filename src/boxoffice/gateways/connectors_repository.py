"""Every query of the merchants' payment connectors: payment-method settings, dunning schedules and the payment
details customers hold with external connectors."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.gateways.models import DunningAction, DunningCycle, ExternalPaymentDetails, PaymentMethodSetting


async def method_setting(session: AsyncSession, merchant_id: int, setting_id: int) -> PaymentMethodSetting | None:
    return await session.scalar(
        select(PaymentMethodSetting).where(
            PaymentMethodSetting.merchant_id == merchant_id, PaymentMethodSetting.id == setting_id
        )
    )


async def dunning_action(session: AsyncSession, merchant_id: int, cycle: DunningCycle) -> DunningAction | None:
    return await session.scalar(
        select(DunningAction).where(DunningAction.merchant_id == merchant_id, DunningAction.cycle == cycle)
    )


async def dunning_actions(session: AsyncSession, merchant_id: int) -> Sequence[DunningAction]:
    return (await session.scalars(select(DunningAction).where(DunningAction.merchant_id == merchant_id))).all()


async def payment_details(session: AsyncSession, merchant_id: int, details_id: int) -> ExternalPaymentDetails | None:
    return await session.scalar(
        select(ExternalPaymentDetails).where(
            ExternalPaymentDetails.merchant_id == merchant_id, ExternalPaymentDetails.id == details_id
        )
    )


async def active_payment_details(
    session: AsyncSession, merchant_id: int, customer_id: int, setting_id: int
) -> ExternalPaymentDetails | None:
    """The customer's newest active payment details with a method."""
    return await session.scalar(
        select(ExternalPaymentDetails)
        .where(
            ExternalPaymentDetails.merchant_id == merchant_id,
            ExternalPaymentDetails.customer_id == customer_id,
            ExternalPaymentDetails.payment_method_setting_id == setting_id,
            ExternalPaymentDetails.active.is_(True),
        )
        .order_by(ExternalPaymentDetails.id.desc())
        .limit(1)
    )


async def other_active_details(
    session: AsyncSession, merchant_id: int, customer_id: int, keep_id: int
) -> Sequence[ExternalPaymentDetails]:
    return (
        await session.scalars(
            select(ExternalPaymentDetails).where(
                ExternalPaymentDetails.merchant_id == merchant_id,
                ExternalPaymentDetails.customer_id == customer_id,
                ExternalPaymentDetails.active.is_(True),
                ExternalPaymentDetails.id != keep_id,
            )
        )
    ).all()
