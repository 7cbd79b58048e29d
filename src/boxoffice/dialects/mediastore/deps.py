"""What a MediaStore endpoint needs from its request: the session, the body, the customer its JWT names and their
merchant."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.dialects.cleeng.publisher_token import get_publisher
from boxoffice.dialects.mediastore.errors import Refused
from boxoffice.dialects.mediastore.tokens import CUSTOMER_JWT, bearer
from boxoffice.identity.accounts import customer_of
from boxoffice.identity.merchants import merchant_of
from boxoffice.identity.models import Customer, Merchant
from boxoffice.identity.tokens import Principal
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.requests import get_client, get_session, get_settings, session_of
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings


async def get_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(CUSTOMER_JWT)]
) -> Principal:
    return await bearer(request, session_of(request), credentials)


async def get_customer(principal: Annotated[Principal, Depends(get_principal)], request: Request) -> Customer:
    return await customer_of(session_of(request), principal)


async def get_merchant(customer: Annotated[Customer, Depends(get_customer)], request: Request) -> Merchant:
    return await merchant_of(session_of(request), customer.merchant_id)


def own(customer: Customer, customer_id: int) -> Customer:
    """A `/customers/{customerId}/…` path must name the customer the JWT is for."""
    if customer.id != customer_id:
        raise Refused(403, "Customer id does not match the JWT")
    return customer


Session = Annotated[AsyncSession, Depends(get_session)]
AppSettings = Annotated[Settings, Depends(get_settings)]
Client = Annotated[ClientInfo, Depends(get_client)]
CurrentCustomer = Annotated[Customer, Depends(get_customer)]
# The customer's merchant, read before an `OwnTransactions` ends the request's transaction.
CurrentMerchant = Annotated[Merchant, Depends(get_merchant)]
# The merchant an `X-Publisher-Token` names (the SSO login's caller, the publisher's back end).
Publisher = Annotated[Merchant, Depends(get_publisher)]


async def get_sealer(request: Request) -> Sealer:
    sealer: Sealer = request.app.state.sealer
    return sealer


Sealing = Annotated[Sealer, Depends(get_sealer)]
