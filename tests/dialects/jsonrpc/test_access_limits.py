"""The limits on `getAccessStatus`: four addresses per customer within three hours, and on
`getAccessStatusForDevice`: three devices; the one beyond is refused with code 14 until three hours pass."""

from __future__ import annotations

from boxoffice.access.models import AccessSighting
from boxoffice.access.sightings import MAX_DEVICES, MAX_IP_ADDRESSES
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import count_rows, sign_up
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import customer_token
from tests.dialects.jsonrpc.test_access import Shop, buy_pass, shop

__all__ = ["shop"]  # the shop fixture, used here too
ADDRESSES = ["81.2.69.160", "81.2.69.161", "2001:db8::1", "81.2.69.163", "81.2.69.164"]


async def test_a_fifth_address_within_three_hours_is_refused(
    server: Server, rpc: JsonRpc, shop: Shop, frozen: clock.FrozenClock
) -> None:
    await buy_pass(server, shop)
    token = await customer_token(rpc, shop.publisher, shop.viewer.email)
    merchant_id = shop.publisher.merchant.id

    async def status(address: str) -> dict[str, object]:
        return await rpc.call("getAccessStatus", customerToken=token, offerId=shop.pass_id, ipAddress=address)

    for address in ADDRESSES[:MAX_IP_ADDRESSES]:
        assert (await status(address))["accessGranted"] is True
        frozen.advance(minutes=30)
    message = await rpc.refused(
        14, "getAccessStatus", customerToken=token, offerId=shop.pass_id, ipAddress=ADDRESSES[4]
    )
    assert "4" in message
    assert await count_rows(server, AccessSighting, merchant_id) == MAX_IP_ADDRESSES
    # The addresses already seen still answer; another customer of the publisher has limits of their own.
    assert (await status(ADDRESSES[1]))["accessGranted"] is True
    other = await sign_up(server, shop.publisher.merchant, "other@example.com")
    other_token = await customer_token(rpc, shop.publisher, other.email)
    answered = await rpc.call(
        "getAccessStatus", customerToken=other_token, offerId=shop.pass_id, ipAddress=ADDRESSES[4]
    )
    assert answered["accessGranted"] is False
    # Three hours after the first address was seen, the fifth takes its place; a sixth is refused again.
    frozen.advance(minutes=59)
    await rpc.refused(14, "getAccessStatus", customerToken=token, offerId=shop.pass_id, ipAddress=ADDRESSES[4])
    frozen.advance(minutes=1)
    assert (await status(ADDRESSES[4]))["accessGranted"] is True
    await rpc.refused(14, "getAccessStatus", customerToken=token, offerId=shop.pass_id, ipAddress="81.2.69.200")


async def test_a_fourth_device_within_three_hours_is_refused(
    server: Server, rpc: JsonRpc, shop: Shop, frozen: clock.FrozenClock
) -> None:
    token = await customer_token(rpc, shop.publisher, shop.viewer.email)

    async def status(device: str) -> dict[str, object]:
        return await rpc.call(
            "getAccessStatusForDevice", customerToken=token, offerId=shop.pass_id, deviceId=device, deviceType="tv"
        )

    for number in range(MAX_DEVICES):
        assert (await status(f"device-{number}"))["accessGranted"] is False
    await rpc.refused(14, "getAccessStatusForDevice", customerToken=token, offerId=shop.pass_id, deviceId="device-3")
    assert (await status("device-0"))["accessGranted"] is False
    # Devices and addresses are counted apart.
    for address in ("81.2.69.160", "81.2.69.161"):
        await rpc.call("getAccessStatus", customerToken=token, offerId=shop.pass_id, ipAddress=address)
    frozen.advance(hours=3)
    assert (await status("device-3"))["accessGranted"] is False
    await status("device-4")
    await status("device-5")
    await rpc.refused(14, "getAccessStatusForDevice", customerToken=token, offerId=shop.pass_id, deviceId="device-6")
