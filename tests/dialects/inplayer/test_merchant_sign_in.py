"""A merchant signs in as its viewers do, through the SDK's `signIn` with its own `client_id`."""

from __future__ import annotations

import pytest

from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, assert_error, bearer, make_merchant, sign_up

MERCHANT_PASSWORD = "merchant-pass-1"


def password_form(merchant: Merchant, username: str, password: str) -> dict[str, str]:
    return {"client_id": merchant.uuid, "grant_type": "password", "username": username, "password": password}


@pytest.mark.parametrize("path", ["/accounts/authenticate", "/v2/accounts/authenticate"])
async def test_a_merchant_signing_in_with_its_own_client_id_gets_its_merchant_token(
    server: Server, merchant: Merchant, path: str
) -> None:
    signed_in = await server.http.post(path, data=password_form(merchant, merchant.email.upper(), MERCHANT_PASSWORD))
    assert signed_in.status_code == 200, signed_in.text
    account = signed_in.json()["account"]
    assert (account["uuid"], account["roles"]) == (merchant.uuid, ["merchant"])
    keys = await server.http.get("/accounts/keys", headers=bearer(signed_in.json()["access_token"]))
    assert keys.status_code == 200 and keys.json()["secret"] == merchant.secret
    wrong = await server.http.post(path, data=password_form(merchant, merchant.email, "not-the-password"))
    assert_error(wrong, 403)


async def test_a_merchant_is_not_signed_in_through_another_merchants_client_id(
    server: Server, merchant: Merchant
) -> None:
    other = await make_merchant(server, "someone@else.example.com")
    refused = await server.http.post(
        "/accounts/authenticate", data=password_form(other, merchant.email, MERCHANT_PASSWORD)
    )
    assert_error(refused, 403)


async def test_a_viewer_with_the_merchants_address_keeps_signing_in_as_the_viewer(
    server: Server, merchant: Merchant
) -> None:
    viewer = await sign_up(server, merchant, merchant.email, "viewer-pass-1")
    as_viewer = await server.http.post(
        "/accounts/authenticate", data=password_form(merchant, merchant.email, viewer.password)
    )
    assert as_viewer.status_code == 200 and as_viewer.json()["account"]["id"] == viewer.id, as_viewer.text
    as_merchant = await server.http.post(
        "/accounts/authenticate", data=password_form(merchant, merchant.email, MERCHANT_PASSWORD)
    )
    assert as_merchant.status_code == 200 and as_merchant.json()["account"]["roles"] == ["merchant"]
