"""Links between a customer and an outside integration, with the data synced to it."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import repository as repo
from boxoffice.identity.models import Customer, ExternalAccount
from boxoffice.kit import validation
from boxoffice.kit.errors import InvalidInput, NotFound
from boxoffice.kit.passwords import new_token

_INTEGRATION = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# ASCII digits only (str.isdigit also passes "²"), and few enough to fit a 64-bit id.
_ITEM_ID = re.compile(r"[0-9]{1,18}")


def _integration(name: str) -> str:
    if not _INTEGRATION.match(name):
        raise InvalidInput({"integration": "Unknown integration name"})
    return name


async def sync_external_account(
    session: AsyncSession, customer: Customer, integration: str, item_id: str | None
) -> ExternalAccount:
    """Create (or return) the customer's link to `integration`, with a token the integration can present."""
    name = _integration(integration)
    item: int | None = None
    if item_id not in (None, ""):
        if not _ITEM_ID.fullmatch(str(item_id)):
            raise InvalidInput({"product_id": "The item id must be a number"})
        item = int(str(item_id))
    link = await repo.external_account(session, customer.merchant_id, customer.id, name)
    if link is None:
        link = ExternalAccount(
            merchant_id=customer.merchant_id,
            customer_id=customer.id,
            integration=name,
            item_id=item,
            token=new_token(),
            data={},
        )
        session.add(link)
    elif item is not None:
        link.item_id = item
    await session.flush()
    return link


async def update_external_account(
    session: AsyncSession, customer: Customer, integration: str, data: dict[str, object]
) -> ExternalAccount:
    problems = validation.Problems()
    cleaned = validation.metadata(data, problems)
    problems.raise_any()
    link = await repo.external_account(session, customer.merchant_id, customer.id, _integration(integration))
    if link is None:
        raise NotFound("External account not found")
    link.data = link.data | cleaned
    await session.flush()
    return link
