"""The team's rules: the merchant account is its first owner (made when first needed, its password the account's),
only an owner makes or unmakes an owner, nobody removes the holder or themselves, an address is on one team, and a
removed member's sessions end."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.kit import passwords
from boxoffice.kit.client_info import describe
from boxoffice.kit.errors import Conflict, Forbidden, InvalidCredentials
from boxoffice.team import members
from boxoffice.team import sessions as dashboard_sessions
from boxoffice.team.models import MemberStatus, Role
from tests import shop

PASSWORD = "holder-pass-1"


def link(token: str) -> str:
    return f"http://testserver/dashboard/join?token={token}"


async def test_the_holder_is_the_first_owner_and_stays_one(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        merchant = await shop.merchant(session, "Cinema")
        merchant.password_hash = await passwords.hash(PASSWORD)
        holder = await members.authenticate_member(session, merchant.email.upper(), PASSWORD)
        assert holder.holder and holder.role is Role.OWNER and holder.password_hash is None
        assert (await members.authenticate_member(session, merchant.email, PASSWORD)).id == holder.id
        with pytest.raises(InvalidCredentials):
            await members.authenticate_member(session, merchant.email, "not the password")

        admin = await members.invite_member(session, merchant, holder, email="ada@example.com", role="admin", link=link)
        with pytest.raises(Forbidden):
            await members.invite_member(session, merchant, admin, email="eve@example.com", role="owner", link=link)
        with pytest.raises(Forbidden):
            await members.change_role(session, admin, holder.id, "support")
        with pytest.raises(Forbidden):
            await members.remove_member(session, holder, holder.id)
        with pytest.raises(Conflict):
            await members.invite_member(session, merchant, holder, email="ADA@example.com", role="analyst", link=link)
        other = await shop.merchant(session, "Other")
        with pytest.raises(Conflict):  # another merchant account's address is that team's holder
            await members.invite_member(session, merchant, holder, email=other.email, role="analyst", link=link)
        await session.rollback()


async def test_a_removed_member_is_signed_out_and_can_be_invited_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        merchant = await shop.merchant(session, "Cinema")
        holder = await members.holder_of(session, merchant)
        tokens: list[str] = []
        invited = await members.invite_member(
            session, merchant, holder, email="sam@example.com", role="support", link=lambda t: tokens.append(t) or t
        )
        joined = await members.accept_invitation(
            session, tokens[0], full_name="Sam", password="sam-pass-12", confirmation="sam-pass-12"
        )
        assert joined.id == invited.id and joined.status is MemberStatus.ACTIVE
        started = dashboard_sessions.start_session(
            session, joined, describe(peer="192.0.2.1", forwarded_for=None, user_agent=None, referrer=None, trusted=[])
        )
        await session.flush()
        assert await dashboard_sessions.signed_in(session, started.token) is not None
        await members.remove_member(session, holder, joined.id)
        await session.flush()
        assert await dashboard_sessions.signed_in(session, started.token) is None
        with pytest.raises(InvalidCredentials):
            await members.authenticate_member(session, "sam@example.com", "sam-pass-12")
        again = await members.invite_member(
            session, merchant, holder, email="sam@example.com", role="analyst", link=link
        )
        assert again.id == joined.id and again.status is MemberStatus.INVITED and again.password_hash is None
        await session.rollback()
