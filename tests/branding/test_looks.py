"""A merchant's looks: what a look may hold, the one default every merchant with looks has, which look a page or
an e-mail wears, and the images: told by their bytes, never by what an upload claims."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.branding import images, looks
from boxoffice.branding.images import Upload
from boxoffice.branding.looks import LookChanges, Owner
from boxoffice.branding.models import Branding
from boxoffice.identity.models import Merchant
from boxoffice.kit.errors import InvalidInput, NotFound
from boxoffice.kit.settings import Settings
from tests import shop

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
GIF = b"GIF89a" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest.fixture
async def merchant(session: AsyncSession) -> Merchant:
    return await shop.merchant(session)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, reports_dir=tmp_path / "files")


def owner_of(merchant: Merchant) -> Owner:
    return Owner(merchant.id, merchant.uuid, "https://box.example.com")


async def make(session: AsyncSession, settings: Settings, merchant: Merchant, **given: object) -> Branding:
    changes = LookChanges(**({"brand_name": "Acme"} | given))  # type: ignore[arg-type]
    return await looks.create_look(session, settings, owner_of(merchant), changes)


async def test_colours_are_kept_in_one_spelling_and_texts_trimmed(
    session: AsyncSession, settings: Settings, merchant: Merchant
) -> None:
    look = await make(
        session, settings, merchant, brand_name="  Acme  ", primary_color="#ABC", button_color=" #00FF7f ", footer=" "
    )
    assert (look.brand_name, look.primary_color, look.button_color, look.footer) == (
        "Acme",
        "#aabbcc",
        "#00ff7f",
        None,
    )


async def test_every_bad_field_is_named_at_once_and_nothing_is_written(
    session: AsyncSession, settings: Settings, merchant: Merchant
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await make(
            session,
            settings,
            merchant,
            brand_name="",
            secondary_color="red",
            logo="ftp://example.com/a.png",
            cover_image=Upload(b"<svg/>"),
            terms_url="https://" + "a" * 1000 + ".com",
            footer="x" * 5001,
            template_id=-3,
        )
    assert set(refused.value.errors) == {
        "brand_name",
        "secondary_color",
        "logo",
        "cover_image",
        "terms_url",
        "footer",
        "template_id",
    }
    assert await looks.list_looks(session, merchant.id) == []
    assert not settings.reports_dir.exists()  # no image kept for a refused look


async def test_a_merchant_with_looks_has_exactly_one_default(
    session: AsyncSession, settings: Settings, merchant: Merchant
) -> None:
    first = await make(session, settings, merchant, is_default=False)
    assert first.is_default  # the first one is, whatever it asked
    second = await make(session, settings, merchant)
    assert not second.is_default
    third = await make(session, settings, merchant, is_default=True)
    assert [look.is_default for look in await looks.list_looks(session, merchant.id)] == [False, False, True]

    await looks.change_look(session, settings, owner_of(merchant), first.id, LookChanges(is_default=True))
    assert [look.is_default for look in await looks.list_looks(session, merchant.id)] == [True, False, False]
    await looks.remove_look(session, merchant.id, first.id)
    assert [(look.id, look.is_default) for look in await looks.list_looks(session, merchant.id)] == [
        (second.id, True),
        (third.id, False),
    ]
    await looks.remove_look(session, merchant.id, third.id)  # not the default: nothing else changes
    assert [(look.id, look.is_default) for look in await looks.list_looks(session, merchant.id)] == [(second.id, True)]


async def test_the_database_refuses_a_second_default(session: AsyncSession, merchant: Merchant) -> None:
    session.add(Branding(merchant_id=merchant.id, brand_name="A", is_default=True))
    await session.flush()
    session.add(Branding(merchant_id=merchant.id, brand_name="B", is_default=True))
    with pytest.raises(IntegrityError):
        await session.flush()


async def test_a_page_wears_the_look_it_names_or_the_default(
    session: AsyncSession, settings: Settings, merchant: Merchant
) -> None:
    assert await looks.look_to_wear(session, merchant.id) is None
    default = await make(session, settings, merchant)
    named = await make(session, settings, merchant, brand_name="Acme Sports")
    other = await make(session, settings, await shop.merchant(session, "Other"))
    assert await looks.look_to_wear(session, merchant.id) is default
    assert await looks.look_to_wear(session, merchant.id, named.id) is named
    assert await looks.look_to_wear(session, merchant.id, 987_654) is default
    assert await looks.look_to_wear(session, merchant.id, other.id) is default  # another merchant's is not worn
    with pytest.raises(NotFound):
        await looks.get_look(session, merchant.id, other.id)


async def test_an_uploaded_image_is_kept_once_under_its_content_and_linked(
    session: AsyncSession, settings: Settings, merchant: Merchant
) -> None:
    look = await make(session, settings, merchant, logo=Upload(PNG), cover_image=Upload(PNG))
    name = images.name_of(PNG)
    assert look.logo == look.cover_image == f"https://box.example.com/branding/images/{merchant.uuid}/{name}"
    assert await images.read(settings, merchant.id, name) == PNG
    assert await images.read(settings, merchant.id + 1, name) is None
    assert await images.read(settings, merchant.id, "../" + name) is None
    assert await images.read(settings, merchant.id, name.replace(".png", ".svg")) is None


@pytest.mark.parametrize(
    ("content", "kind"),
    [(PNG, "png"), (JPEG, "jpg"), (GIF, "gif"), (WEBP, "webp"), (b"xxxxxxxxWEBP", None), (b"<svg>", None)],
)
def test_an_image_is_told_by_its_first_bytes(content: bytes, kind: str | None) -> None:
    found = images.kind_of(content)
    assert (found[0] if found else None) == kind
    assert (images.problem_with(content) is None) == (kind is not None)


def test_an_image_over_the_limit_is_refused() -> None:
    assert images.problem_with(PNG + b"\x00" * images.MAX_BYTES) is not None
    assert images.problem_with(PNG) is None


async def test_with_a_bucket_images_are_kept_beside_the_reports_and_read_back(s3_settings: Settings) -> None:
    name = await images.keep(s3_settings, 42, PNG)
    files = images.files(s3_settings)
    client = await files.client()  # type: ignore[attr-defined]
    head = client.head_object(Bucket=s3_settings.reports_s3_bucket, Key=f"reports/branding/42/{name}")
    assert head["ContentType"] == "image/png"
    assert await images.read(s3_settings, 42, name) == PNG
    assert await images.read(s3_settings, 43, name) is None
