"""Sign-in links: one opening within their lifetime starts the customer's session and names the page; a second
opening, a late one, an altered token, another merchant's or a deactivated account's is refused. A link's token is
no customer token."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.identity import repository as repo
from boxoffice.identity.sign_in_links import LIFETIME, open_sign_in_link, sign_in_link_token
from boxoffice.identity.tokens import verify_access_token, verify_rs256
from boxoffice.kit.client_info import ClientInfo, Device
from boxoffice.kit.clock import FrozenClock
from boxoffice.kit.errors import Unauthenticated
from boxoffice.kit.settings import Settings
from tests import shop

CLIENT = ClientInfo("203.0.113.7", "GB", Device("desktop", None, None, None), None, "")


async def test_a_link_signs_its_customer_in_once(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: FrozenClock
) -> None:
    async with sessions() as session:
        merchant = await shop.merchant(session)
        customer = await shop.customer(session, merchant.id)
        token = await sign_in_link_token(session, settings, merchant, customer, "checkout/42")
        assert await repo.live_sessions(session, merchant.id, customer.id, frozen.now()) == []
        with pytest.raises(Unauthenticated):
            await verify_rs256(session, settings, token)  # no API takes it for a customer's token
        opened = await open_sign_in_link(session, settings, merchant, token, CLIENT)
        assert (opened.customer.id, opened.page) == (customer.id, "checkout/42")
        principal = await verify_access_token(session, settings, opened.tokens.access_token)
        assert principal.customer_id == customer.id
        with pytest.raises(Unauthenticated):
            await open_sign_in_link(session, settings, merchant, token, CLIENT)


async def test_a_late_altered_or_foreign_link_is_refused(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: FrozenClock
) -> None:
    async with sessions() as session:
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        customer = await shop.customer(session, merchant.id)
        late = await sign_in_link_token(session, settings, merchant, customer, "account")
        frozen.advance(seconds=LIFETIME.total_seconds() + 1)
        fresh = await sign_in_link_token(session, settings, merchant, customer, "account")
        head, body, signature = fresh.split(".")
        altered = f"{head}.{body}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
        for token, merchant_asked in ((late, merchant), (altered, merchant), (fresh, other), ("", merchant)):
            with pytest.raises(Unauthenticated):
                await open_sign_in_link(session, settings, merchant_asked, token, CLIENT)
        customer.active = False
        with pytest.raises(Unauthenticated):
            await open_sign_in_link(session, settings, merchant, fresh, CLIENT)
