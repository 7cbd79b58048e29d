"""Sign-ins begun and never finished are forgotten by the worker's chore a day after they expired."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.identity.models import IdentityProvider, SocialSignIn
from boxoffice.identity.social_sign_in import forget_social_sign_ins
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests import shop


async def test_sign_ins_expired_over_a_day_ago_are_forgotten_and_the_others_kept(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: clock.FrozenClock
) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session, "Cinema")
        provider = IdentityProvider(
            merchant_id=merchant.id, name="google", issuer="https://accounts.google.com", client_id="c", scopes="openid"
        )
        session.add(provider)
        await session.flush()
        now = clock.now()
        for state, expired in (
            ("old", timedelta(days=1, seconds=1)),
            ("recent", timedelta(hours=23)),
            ("open", -timedelta(minutes=5)),
        ):
            session.add(
                SocialSignIn(
                    merchant_id=merchant.id, state_hash=state, provider_id=provider.id, nonce="n", code_verifier="v",
                    redirect="https://app.example.com/", created_at=now, expires_at=now - expired,
                )
            )  # fmt: skip
    await forget_social_sign_ins(sessions, settings)
    async with sessions() as session:
        kept = await session.scalars(select(SocialSignIn.state_hash).where(SocialSignIn.merchant_id == merchant.id))
        assert sorted(kept) == ["open", "recent"]
