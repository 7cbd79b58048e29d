"""A test event sent by hand: delivered to the one endpoint it was sent to, never dispatched to the merchant's
others, refused for a disabled endpoint, and only ever the merchant's own endpoint."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.events.event_types import TEST_TYPE
from boxoffice.kit.errors import Conflict, NotFound
from boxoffice.webhooks import deliveries, endpoints
from boxoffice.webhooks.dispatch import dispatch_events
from boxoffice.webhooks.endpoints import EndpointChange
from boxoffice.webhooks.models import DeliveryStatus
from tests import shop


async def test_a_test_event_goes_to_its_endpoint_alone(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        other = await shop.merchant(session, "Other")
        tested, bystander = [
            await endpoints.create_endpoint(
                session, merchant.id, EndpointChange(url=f"https://{name}.example.com"), allow_private=False
            )
            for name in ("tested", "bystander")
        ]
        tested.retry_at = tested.created_at  # backing off after failures: a test is sent all the same
        sent = await deliveries.send_test_event(session, merchant.id, tested.id)
        assert (sent.status, sent.endpoint_id, tested.retry_at) == (DeliveryStatus.PENDING, tested.id, None)
        with pytest.raises(NotFound):
            await deliveries.send_test_event(session, other.id, tested.id)
        await endpoints.update_endpoint(
            session, merchant.id, bystander.id, EndpointChange(enabled=False), allow_private=False
        )
        with pytest.raises(Conflict):
            await deliveries.send_test_event(session, merchant.id, bystander.id)

    assert await dispatch_events(sessions) == 0  # written dispatched: no other endpoint is given it
    async with sessions() as session:
        total, shown = await deliveries.list_deliveries(session, merchant.id, tested.id, None, 0, 10)
        assert total == 1 and shown[0][1].type == TEST_TYPE
        assert (await deliveries.list_deliveries(session, merchant.id, bystander.id, None, 0, 10))[0] == 0
