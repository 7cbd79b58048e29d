"""A draft of a template previewed on its sample values, wearing the merchant's look: rendered as its message would
read, or refused naming each part that doesn't render; nothing written either way."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.branding.models import Branding
from boxoffice.kit.errors import InvalidInput, NotFound
from boxoffice.mail import overrides
from boxoffice.mail.previews import preview_template
from boxoffice.mail.rendering import builtin_sources
from tests import shop


async def test_a_draft_renders_on_the_samples_in_the_merchants_look(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        session.add(Branding(merchant_id=merchant.id, brand_name="Cinema Nova", is_default=True, footer="Nova, Rome"))
    async with sessions() as session:
        shown = await preview_template(
            session,
            merchant.id,
            "pin_code",
            subject="PIN {{ pin }} from {{ brand_name }}\n",
            text="{{ pin }} for {{ minutes }}",
            html="<b>{{ pin }}</b>",
        )
        assert (shown.subject, shown.text, shown.html) == (
            "PIN 042917 from Cinema Nova",
            "042917 for 10",
            "<b>042917</b>",
        )
        builtin = builtin_sources("welcome")
        parts = {"subject": builtin.subject, "text": builtin.text, "html": builtin.html}
        welcome = await preview_template(session, merchant.id, "welcome", **parts)
        assert "Nova, Rome" in welcome.html and "Vera Viewer" in welcome.text
        theirs = await preview_template(session, other.id, "welcome", **parts)  # no look: the sample's
        assert "Acme Video" in theirs.subject
        assert not (await overrides.template_state(session, merchant.id, "pin_code")).customized


async def test_a_draft_that_does_not_render_is_refused_part_by_part(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        merchant = await shop.merchant(session)
        with pytest.raises(InvalidInput) as refused:
            await preview_template(session, merchant.id, "pin_code", subject="{{ nickname }}", text="", html="{% if %}")
        assert set(refused.value.errors) == {"subject", "text", "html"}
        with pytest.raises(NotFound):
            await preview_template(session, merchant.id, "no_such_template", subject="x", text="x", html="x")
        await session.rollback()
