"""One call of a request: its parameters, and the merchant and customer its tokens name. A method handler takes a
`Call`, calls one use case and returns its `result` object."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.dialects.jsonrpc.errors import Code, Refused
from boxoffice.dialects.jsonrpc.params import Params
from boxoffice.identity.accounts import customer_of
from boxoffice.identity.merchants import merchant_of
from boxoffice.identity.models import Customer, Merchant
from boxoffice.identity.publisher_tokens import merchant_by_publisher_token
from boxoffice.identity.tokens import verify_rs256
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import Unauthenticated
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings

# Where Cleeng's JavaScript API keeps the customer's token, which `getAccessStatus` may read instead of a param.
TOKEN_COOKIE = "CleengClientAccessToken"  # noqa: S105 (a cookie's name)
MAX_TOKEN = 4000


@dataclass
class Call:
    request: Request
    session: AsyncSession
    params: Params
    client: ClientInfo
    # Apart: a customer token names its merchant, but never proves to be the publisher.
    _publisher: Merchant | None = field(default=None, init=False)
    _customers_merchant: Merchant | None = field(default=None, init=False)

    @property
    def settings(self) -> Settings:
        settings: Settings = self.request.app.state.settings
        return settings

    @property
    def sealer(self) -> Sealer:
        sealer: Sealer = self.request.app.state.sealer
        return sealer

    async def publisher(self, name: str = "publisherToken") -> Merchant:
        """The merchant the call's publisher token names (code 3 otherwise)."""
        if name != "publisherToken":
            return await merchant_by_publisher_token(self.session, self.params.values.get(name))
        if self._publisher is None:
            self._publisher = await merchant_by_publisher_token(self.session, self.params.values.get(name))
        return self._publisher

    async def customer(self, *, cookie: bool = False) -> Customer:
        """The customer the call's `customerToken` names (or, where `cookie`, the one Cleeng's JavaScript API keeps),
        of the publisher token's merchant when the call has one too (code 1 otherwise)."""
        token = self.params.values.get("customerToken")
        if token is None and cookie:
            token = self.request.cookies.get(TOKEN_COOKIE)
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
            raise Refused(Code.CUSTOMER_TOKEN, "Invalid or expired customer token")
        try:
            principal, _ = await verify_rs256(self.session, self.settings, token)
        except Unauthenticated:
            raise Refused(Code.CUSTOMER_TOKEN, "Invalid or expired customer token") from None
        if principal.customer_id is None:
            raise Refused(Code.CUSTOMER_TOKEN, "Invalid or expired customer token")
        if self.params.has("publisherToken") and (await self.publisher()).id != principal.merchant_id:
            raise Refused(Code.CUSTOMER_TOKEN, "Invalid or expired customer token")
        customer = await customer_of(self.session, principal)
        if self._customers_merchant is None:
            self._customers_merchant = await merchant_of(self.session, customer.merchant_id)
        return customer

    async def merchant(self) -> Merchant:
        """The merchant of the call: the publisher token's, or the customer token's once `customer` has run."""
        if self._customers_merchant is not None:
            return self._customers_merchant
        return await self.publisher()


# A method: a call in, its `result` object out.
Method = Callable[[Call], Awaitable[dict[str, Any]]]
Methods = dict[str, Method]
