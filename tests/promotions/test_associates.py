"""Associates: who a token names, and what the merchant and an associate may do with associates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.identity.models import Merchant
from boxoffice.identity.publisher_tokens import rotate_publisher_token
from boxoffice.kit.errors import Credential, Forbidden, InvalidInput, Missing, NotFound, Unauthenticated
from boxoffice.kit.sealing import Sealer, new_key
from boxoffice.promotions import associates
from boxoffice.promotions.associates import AssociateFields, Issuer
from boxoffice.promotions.refusals import AssociateExists
from tests import shop


@dataclass
class Desk:
    session: AsyncSession
    merchant: Merchant
    publisher_token: str
    sealer: Sealer

    @property
    def as_merchant(self) -> Issuer:
        return Issuer(self.merchant)


@pytest.fixture
async def desk(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Desk]:
    sealer = Sealer([new_key()])
    async with sessions() as session:
        merchant = await shop.merchant(session)
        yield Desk(session, merchant, await rotate_publisher_token(session, merchant, sealer), sealer)


def partner(**given: Any) -> AssociateFields:
    return replace(AssociateFields(email="Partner@Example.com", first_name="Ann", last_name="Lee"), **given)


async def test_an_associate_is_made_with_a_token_of_its_own_that_names_it(desk: Desk) -> None:
    associate, token = await associates.create_associate(desk.session, desk.as_merchant, partner(), desk.sealer)
    assert associate.email == "partner@example.com" and associate.merchant_id == desk.merchant.id
    assert token not in associate.token and associates.associate_token(associate, desk.sealer) == token
    found = await associates.issuer_by_token(desk.session, token)
    assert found.merchant.id == desk.merchant.id and found.associate is not None and found.associate.id == associate.id
    merchant = await associates.issuer_by_token(desk.session, desk.publisher_token)
    assert merchant.merchant.id == desk.merchant.id and merchant.associate is None


@pytest.mark.parametrize("token", [None, "", 42, "x" * 201, "not-a-token"])
async def test_any_other_token_is_refused_as_a_publisher_token(desk: Desk, token: object) -> None:
    with pytest.raises(Unauthenticated) as refused:
        await associates.issuer_by_token(desk.session, token)
    assert refused.value.credential == Credential.PUBLISHER_TOKEN


async def test_a_deactivated_merchants_associates_are_refused(desk: Desk) -> None:
    _, token = await associates.create_associate(desk.session, desk.as_merchant, partner(), desk.sealer)
    desk.merchant.active = False
    with pytest.raises(Unauthenticated):
        await associates.issuer_by_token(desk.session, token)


async def test_an_email_is_one_associates_in_any_case(desk: Desk) -> None:
    await associates.create_associate(desk.session, desk.as_merchant, partner(), desk.sealer)
    with pytest.raises(AssociateExists):
        await associates.create_associate(
            desk.session, desk.as_merchant, partner(email="PARTNER@example.com"), desk.sealer
        )
    other, _ = await associates.create_associate(
        desk.session, desk.as_merchant, partner(email="b@example.com"), desk.sealer
    )
    with pytest.raises(AssociateExists):
        await associates.update_associate(
            desk.session, desk.as_merchant, other.email, partner(email="partner@example.com")
        )


async def test_another_merchant_may_use_the_same_email(desk: Desk) -> None:
    await associates.create_associate(desk.session, desk.as_merchant, partner(), desk.sealer)
    elsewhere = Issuer(await shop.merchant(desk.session, "Elsewhere"))
    associate, _ = await associates.create_associate(desk.session, elsewhere, partner(), desk.sealer)
    assert associate.merchant_id == elsewhere.merchant.id
    with pytest.raises(NotFound):
        await associates.get_associate(desk.session, desk.as_merchant, "nobody@example.com")


async def test_bad_fields_are_named_together(desk: Desk) -> None:
    with pytest.raises(InvalidInput) as refused:
        await associates.create_associate(
            desk.session,
            desk.as_merchant,
            partner(
                email="nope",
                commission_percent=101,
                currency="XYZ",
                locale="??",
                country_code="QQ",
                first_name="x" * 101,
            ),
            desk.sealer,
        )
    assert set(refused.value.errors) == {"email", "commission", "currency", "locale", "country", "first_name"}


async def test_the_merchant_updates_an_associate_and_an_associate_reads_only_itself(desk: Desk) -> None:
    first, token = await associates.create_associate(desk.session, desk.as_merchant, partner(), desk.sealer)
    await associates.create_associate(desk.session, desk.as_merchant, partner(email="b@example.com"), desk.sealer)
    changed = await associates.update_associate(
        desk.session, desk.as_merchant, "PARTNER@example.com", AssociateFields(site_name="Blog", commission_percent=15)
    )
    assert (changed.id, changed.site_name, changed.commission_percent, changed.first_name) == (
        first.id,
        "Blog",
        15,
        "Ann",
    )
    itself = await associates.issuer_by_token(desk.session, token)
    assert (await associates.get_associate(desk.session, itself, first.email)).id == first.id
    with pytest.raises(NotFound) as hidden:
        await associates.get_associate(desk.session, itself, "b@example.com")
    assert hidden.value.what == Missing.ASSOCIATE
    with pytest.raises(Forbidden):
        await associates.create_associate(desk.session, itself, partner(email="c@example.com"), desk.sealer)
    with pytest.raises(Forbidden):
        await associates.update_associate(desk.session, itself, first.email, AssociateFields(commission_percent=90))
