"""What a merchant's back end does for its customers: opens their accounts (passwordless unless a password is
given, with an outside identity to sign in by), changes their address, checks their password telling a deactivated
account apart, and resets it with a token of their own only. Another merchant's customers are never found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.identity import customers
from boxoffice.identity.customer_credentials import reset_password_of, sign_in_by_password
from boxoffice.identity.customers import NewAccount
from boxoffice.identity.models import PasswordReset
from boxoffice.identity.outside_identities import customer_by_outside_identity
from boxoffice.identity.refusals import AccountDeactivated, AccountExists, ResetTokenRefused
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo, Device
from boxoffice.kit.errors import InvalidCredentials, InvalidInput, NotFound
from boxoffice.kit.passwords import digest
from boxoffice.kit.settings import Settings
from tests import shop

CLIENT = ClientInfo("203.0.113.7", "GB", Device("desktop", None, None, None), None, "")


async def test_an_account_opened_with_an_outside_identity_is_found_by_it_at_its_merchant_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        account = NewAccount("Vera@Example.com", country_code="GB", locale="en_GB", outside_identity=("facebook", "77"))
        customer = await customers.open_account(session, merchant, account, CLIENT)
        assert (customer.password_hash, customer.country_code, customer.locale) == (None, "GB", "en_GB")
        assert (await customer_by_outside_identity(session, merchant, "facebook", "77")).id == customer.id
        for asked, account_id in ((other, "77"), (merchant, "78")):
            with pytest.raises(NotFound):
                await customer_by_outside_identity(session, asked, "facebook", account_id)
        with pytest.raises(AccountExists):
            await customers.open_account(session, merchant, NewAccount("vera@example.com"), CLIENT)
        with pytest.raises(AccountExists):
            taken = NewAccount("other@example.com", outside_identity=("facebook", "77"))
            await customers.open_account(session, merchant, taken, CLIENT)
        with pytest.raises(InvalidInput):
            await customers.open_account(session, merchant, NewAccount("nobody", country_code="XX"), CLIENT)
        assert (await customers.open_account(session, other, NewAccount("vera@example.com"), CLIENT)).id != customer.id
        customer.active = False
        with pytest.raises(AccountDeactivated):
            await customer_by_outside_identity(session, merchant, "facebook", "77")


async def test_the_merchant_changes_an_address_unless_another_account_has_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        merchant = await shop.merchant(session)
        vera = await shop.customer(session, merchant.id, "vera@example.com")
        await shop.customer(session, merchant.id, "taken@example.com")
        await customers.change_customer_email(session, merchant, "VERA@example.com", "vera@new.example")
        assert vera.email == "vera@new.example"
        with pytest.raises(AccountExists):
            await customers.change_customer_email(session, merchant, "vera@new.example", "Taken@example.com")
        with pytest.raises(InvalidInput):
            await customers.change_customer_email(session, merchant, "vera@new.example", "not an address")


async def test_a_deactivated_account_is_told_apart_only_behind_its_right_password(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with sessions() as session:
        merchant = await shop.merchant(session)
        opened = NewAccount("vera@example.com", password="vera-pass-1")
        customer = await customers.open_account(session, merchant, opened, CLIENT)
        _, signed = await sign_in_by_password(session, settings, merchant, " Vera@example.com", "vera-pass-1", CLIENT)
        assert signed.id == customer.id
        customer.active = False
        with pytest.raises(AccountDeactivated):
            await sign_in_by_password(session, settings, merchant, "vera@example.com", "vera-pass-1", CLIENT)
        with pytest.raises(InvalidCredentials):
            await sign_in_by_password(session, settings, merchant, "vera@example.com", "wrong-pass-1", CLIENT)


async def test_a_reset_token_works_for_its_own_account_and_merchant_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        vera = await shop.customer(session, merchant.id, "vera@example.com")
        await shop.customer(session, merchant.id, "ann@example.com")
        await shop.customer(session, other.id, "vera@example.com")
        expires = clock.now() + timedelta(hours=1)
        session.add(
            PasswordReset(merchant_id=merchant.id, customer_id=vera.id, token_hash=digest("t1"), expires_at=expires)
        )
        await session.flush()
        for asked, email, token in (
            (other, "vera@example.com", "t1"),
            (merchant, "ann@example.com", "t1"),
            (merchant, "vera@example.com", "t2"),
        ):
            with pytest.raises(ResetTokenRefused):
                await reset_password_of(session, asked, email, token, "a-new-pass-1")
        with pytest.raises(InvalidInput):
            await reset_password_of(session, merchant, "vera@example.com", "t1", "short")
        await reset_password_of(session, merchant, "vera@example.com", "t1", "a-new-pass-1")
        assert vera.password_hash
        with pytest.raises(ResetTokenRefused):
            await reset_password_of(session, merchant, "vera@example.com", "t1", "a-new-pass-2")
