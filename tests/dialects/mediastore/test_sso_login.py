"""MediaStore's SSO login: the publisher's back end, with its publisher token, signs its customer in by e-mail
address and gets a day-long JWT and a refresh token that work as a sign-in's do."""

from __future__ import annotations

import httpx

from boxoffice.identity.models import LoginRecord
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import count_rows, make_merchant
from tests.dialects.mediastore.conftest import Customer, Publisher, call, claims, data, publisher_of, refused


async def sso_log_in(server: Server, token: str | None, body: object) -> httpx.Response:
    headers = {"X-Publisher-Token": token} if token is not None else {}
    return await call(server, "POST", "/sso/auths", body, headers=headers)


async def publisher_token(server: Server, publisher: Publisher) -> str:
    keys = await server.http.get("/accounts/keys", headers=publisher.merchant.auth)
    return str(keys.json()["publisher_token"])


async def test_the_publishers_back_end_signs_its_customer_in_for_a_day(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    token = await publisher_token(server, publisher)
    signed_in = data(
        await sso_log_in(server, token, {"customerEmail": "VIEWER@example.com", "customerIP": "192.0.2.4"})
    )
    assert set(signed_in) == {"jwt", "refreshToken"}
    read = claims(signed_in["jwt"])
    assert (read["customerId"], read["publisherId"]) == (customer.id, publisher.id)
    assert read["exp"] - clock.unix(clock.now()) in range(24 * 3600 - 60, 24 * 3600 + 1)
    mine = await call(
        server, "GET", f"/customers/{customer.id}", headers={"Authorization": f"Bearer {signed_in['jwt']}"}
    )
    assert data(mine)["email"] == customer.email
    refreshed = await call(server, "POST", "/auths/refresh_token", {"refreshToken": signed_in["refreshToken"]})
    assert set(data(refreshed)) == {"jwt", "refreshToken"}
    assert await count_rows(server, LoginRecord, publisher.merchant.id, LoginRecord.ip_address == "192.0.2.4") == 1


async def test_sso_login_is_refused_without_the_publishers_token_or_for_a_stranger(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    other = await publisher_of(server, await make_merchant(server, "other@publisher.example.com"))
    token, others = await publisher_token(server, publisher), await publisher_token(server, other)
    refused(await sso_log_in(server, None, {"customerEmail": customer.email}), 401)
    refused(await sso_log_in(server, "not-a-token", {"customerEmail": customer.email}), 401)
    # Another publisher's token does not reach this publisher's customer.
    refused(await sso_log_in(server, others, {"customerEmail": customer.email}), 404)
    refused(await sso_log_in(server, token, {"customerEmail": "nobody@example.com"}), 404)
    for bad in ({}, {"customerEmail": 12}, {"customerEmail": "  "}):
        refused(await sso_log_in(server, token, bad), 400, "REQ0001")
    assert await count_rows(server, LoginRecord, publisher.merchant.id) == 1  # the registration's own
