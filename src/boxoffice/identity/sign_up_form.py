"""What a merchant's sign-up form asks of a new customer, as the merchant manages it: the register fields in their
order and every consent term, active or not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import consents, register_fields
from boxoffice.identity.models import ConsentTerm, RegisterField


@dataclass(frozen=True, slots=True)
class SignUpForm:
    fields: Sequence[RegisterField]
    terms: Sequence[ConsentTerm]


async def sign_up_form(session: AsyncSession, merchant_id: int) -> SignUpForm:
    return SignUpForm(
        await register_fields.list_register_fields(session, merchant_id),
        await consents.list_terms(session, merchant_id, active_only=False),
    )
