"""A look previewed: the draft checked as saving checks it, shown on a look of its own, and nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.branding import looks
from boxoffice.branding.images import Upload
from boxoffice.branding.looks import LookChanges
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.settings import Settings
from tests import shop


async def test_a_draft_is_shown_on_a_look_of_its_own(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        owner = looks.Owner(merchant.id, merchant.uuid, "http://testserver")
        made = LookChanges(brand_name="Acme", primary_color="#111111", logo="https://x.example/l.png")
        saved = await looks.create_look(session, settings, owner, made)
        draft = looks.preview_look(
            LookChanges(primary_color="#ABC", logo=Upload(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)), saved
        )
        assert (draft.brand_name, draft.primary_color, draft.logo) == ("Acme", "#aabbcc", None)
        assert draft is not saved and draft not in session and saved.primary_color == "#111111"
        assert not session.dirty
        with pytest.raises(InvalidInput) as refused:
            looks.preview_look(LookChanges(primary_color="red", terms_url="ftp://x"), saved)
        assert set(refused.value.errors) == {"primary_color", "terms_url"}
        with pytest.raises(InvalidInput):
            looks.preview_look(LookChanges(primary_color="#000"), None)  # a new look needs its name
