"""Every method, given valid tokens and garbage for each parameter any method reads (wrong types, nulls, empty and
over-long values, objects where strings belong), answers with one of Cleeng's refusals or a result: never the
server's own failure (999, which the transport gives an unexpected exception)."""

from __future__ import annotations

from typing import Any

from boxoffice.dialects.jsonrpc.router import METHODS
from tests.conftest import Server
from tests.dialects.inplayer.conftest import sign_up
from tests.dialects.jsonrpc.client import JsonRpc, RpcError
from tests.dialects.jsonrpc.conftest import Publisher, customer_token

NAMES = (
    "associateData",
    "associateEmail",
    "campaignData",
    "campaignId",
    "couponCode",
    "couponOptions",
    "coupons",
    "criteria",
    "customerData",
    "customerEmail",
    "deviceId",
    "deviceType",
    "expirationDate",
    "facebookId",
    "flowDescription",
    "ipAddress",
    "limit",
    "modules",
    "newEmail",
    "newPassword",
    "newPersonalData",
    "offerId",
    "offset",
    "password",
    "paymentDetailsId",
    "paymentMethodSpecificParams",
    "questions",
    "rentalData",
    "resetPasswordToken",
    "subscriptionData",
    "transactionId",
    "userEmail",
    "userId",
    "videoId",
    "offerData",
    "localizedData",
    "multiCurrencyOfferId",
    "distributorToken",
)
GARBAGE: tuple[Any, ...] = (
    None,
    True,
    -1,
    12.5,
    "",
    "x" * 5000,
    "\x00",
    [],
    [None, {"a": []}],
    {},
    {"nested": {"deeper": [1, "two"]}, "offset": "NaN", "expiresAt": 1e300},
    2**80,
    10**400,  # no float holds it
    "--1",
    "²",
    "9" * 5000,  # more digits than Python turns into a number
    253_402_300_799,  # the last second of the year 9999: a period ending there can't be moved on
)


async def test_no_method_fails_on_the_server_whatever_its_params(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    viewer = await sign_up(server, publisher.merchant)
    tokens = {"publisherToken": publisher.token, "customerToken": await customer_token(rpc, publisher, viewer.email)}
    calls = [(method, {name: value for name in NAMES} | tokens) for method in sorted(METHODS) for value in GARBAGE]
    failed = {
        (method, repr(params["offerId"])[:20]): answer.message
        for (method, params), answer in zip(calls, await rpc.batch(*calls), strict=True)
        if isinstance(answer, RpcError) and answer.code == 999
    }
    assert failed == {}
