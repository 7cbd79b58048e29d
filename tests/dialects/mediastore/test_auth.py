"""Registering, signing in, refreshing and signing out through MediaStore: RS256 JWTs with the claims clients
decode, single-use refresh tokens, and each refusal in the envelope with the status and code the SDK reads."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from boxoffice.identity.models import Customer as CustomerRow
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import count_rows, make_merchant, sign_in, sign_up
from tests.dialects.mediastore.conftest import (
    PASSWORD,
    Customer,
    Publisher,
    call,
    claims,
    data,
    log_in,
    publisher_of,
    refused,
    register,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_rate_per_account": "5/60"})


async def test_a_registered_customer_gets_an_rs256_jwt_the_published_key_verifies(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    header = jwt.get_unverified_header(customer.jwt)
    assert header["alg"] == "RS256"
    keys = await server.http.get("/mediastore/.well-known/jwks.json")
    assert keys.status_code == 200
    [key] = [k for k in keys.json()["keys"] if k["kid"] == header["kid"]]
    public = jwt.PyJWK.from_dict(key).key
    # Its times are checked against the server's clock below, not this machine's.
    verified = jwt.decode(
        customer.jwt,
        public,
        algorithms=["RS256"],
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    assert verified["nbf"] <= verified["iat"] <= clock.unix(clock.now()) < verified["exp"]
    assert verified["customerId"] == customer.id and isinstance(verified["customerId"], int)
    assert verified["publisherId"] == publisher.id and verified["email"] == "viewer@example.com"
    assert verified["exp"] - clock.unix(clock.now()) <= server.settings.mediastore_token_ttl
    signed_in = data(await log_in(server, publisher, "viewer@example.com"))
    assert signed_in["customerId"] == customer.id and claims(signed_in["jwt"])["customerId"] == customer.id
    assert signed_in["refreshToken"] != customer.refresh_token


async def test_login_refusals_carry_the_status_and_code_the_sdk_branches_on(
    server: Server, publisher: Publisher, customer: Customer, frozen: clock.FrozenClock
) -> None:
    # The clock stands still: the attempts below all fall in one minute's window of the rate limit.
    refused(await log_in(server, publisher, customer.email, "wrong-password"), 401, "USER0001")
    refused(await log_in(server, publisher, "nobody@example.com"), 401, "USER0001")
    unknown = await call(server, "POST", "/auths", {"email": customer.email, "password": PASSWORD, "publisherId": 1})
    refused(unknown, 422, "REQ0001", "Invalid param publisherId")
    refused(await call(server, "POST", "/auths", {"publisherId": publisher.id}), 400, "REQ0001")
    typed = await call(server, "POST", "/auths", {"email": 42, "password": PASSWORD, "publisherId": publisher.id})
    refused(typed, 400, "REQ0001", "email")
    garbled = await server.http.post(
        "/mediastore/auths", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    refused(garbled, 400, "REQ0001")
    refused(await call(server, "POST", "/auths", ["not", "an", "object"]), 400, "REQ0001")
    for _ in range(4):  # five attempts a minute for one account: one above, four here, then refused
        await log_in(server, publisher, customer.email, "wrong-password")
    throttled = await log_in(server, publisher, customer.email)
    refused(throttled, 429)
    assert int(throttled.headers["Retry-After"]) > 0


async def test_registration_refusals_write_nothing(server: Server, publisher: Publisher, customer: Customer) -> None:
    merchant_id = publisher.merchant.id
    before = await count_rows(server, CustomerRow, merchant_id)
    again = await call(
        server, "POST", "/customers", {"email": customer.email, "password": PASSWORD, "publisherId": publisher.id}
    )
    refused(again, 422, "USER0002")
    bad_email = await call(
        server, "POST", "/customers", {"email": "not-an-address", "password": PASSWORD, "publisherId": publisher.id}
    )
    refused(bad_email, 422, "REQ0001", "Email verification failed.")
    short = await call(
        server, "POST", "/customers", {"email": "new@example.com", "password": "short", "publisherId": publisher.id}
    )
    refused(short, 422, "REQ0001", "password")
    huge = {
        "email": "new@example.com",
        "password": PASSWORD,
        "publisherId": publisher.id,
        "externalData": {"h": "x" * 4000},
    }
    refused(await call(server, "POST", "/customers", huge), 422, "REQ0001", "4000")
    assert await count_rows(server, CustomerRow, merchant_id) == before


async def test_a_refresh_token_works_once_and_a_replay_ends_the_session(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    first = data(await call(server, "POST", "/auths/refresh_token", {"refreshToken": customer.refresh_token}))
    assert set(first) == {"jwt", "refreshToken"} and first["refreshToken"] != customer.refresh_token
    assert claims(first["jwt"])["customerId"] == customer.id
    replay = await call(server, "POST", "/auths/refresh_token", {"refreshToken": customer.refresh_token})
    refused(replay, 401, text="Refresh token is expired or does not exist")
    # The replay ended the session: the tokens the first refresh gave are no good either.
    fresh = await call(server, "POST", "/auths/refresh_token", {"refreshToken": first["refreshToken"]})
    refused(fresh, 401, text="Refresh token is expired or does not exist")
    refused(
        await call(server, "GET", f"/customers/{customer.id}", headers={"Authorization": f"Bearer {first['jwt']}"}),
        401,
        "AUTH0002",
    )
    refused(await call(server, "POST", "/auths/refresh_token", {}), 422, text="Missing or invalid parameter")


async def test_jwt_refusals_name_missing_invalid_and_expired(
    server: Server, publisher: Publisher, customer: Customer, frozen: clock.FrozenClock
) -> None:
    path = f"/customers/{customer.id}"
    refused(await call(server, "GET", path), 401, "AUTH0001")
    refused(await call(server, "GET", path, headers={"Authorization": "Bearer not.a.jwt"}), 401, "AUTH0002")
    # Signed with another key: a token this server did not make.
    forged = jwt.encode(claims(customer.jwt), "a key of thirty-two bytes or more, not ours", algorithm="HS256")
    refused(await call(server, "GET", path, headers={"Authorization": f"Bearer {forged}"}), 401, "AUTH0002")
    fresh = data(await log_in(server, publisher, customer.email))
    headers = {"Authorization": f"Bearer {fresh['jwt']}"}
    assert (await call(server, "GET", path, headers=headers)).status_code == 200
    frozen.advance(seconds=server.settings.mediastore_token_ttl + 1)
    refused(await call(server, "GET", path, headers=headers), 401, "AUTH0003")
    renewed = data(await call(server, "POST", "/auths/refresh_token", {"refreshToken": fresh["refreshToken"]}))
    assert (await call(server, "GET", path, headers={"Authorization": f"Bearer {renewed['jwt']}"})).status_code == 200
    assert timedelta(seconds=server.settings.mediastore_token_ttl) < timedelta(days=1)


async def test_a_token_lives_as_long_as_a_short_setting_says(
    server: Server, publisher: Publisher, frozen: clock.FrozenClock
) -> None:
    # Built as the environment builds it, so the setting's own bounds are checked.
    server.app.state.settings = Settings(**server.settings.model_dump() | {"mediastore_token_ttl": 30})
    fresh = await register(server, publisher)
    assert claims(fresh.jwt)["exp"] == clock.unix(frozen.now()) + 30
    path = f"/customers/{fresh.id}"
    frozen.advance(seconds=30)
    assert (await call(server, "GET", path, headers=fresh.auth)).status_code == 200
    frozen.advance(seconds=1)
    refused(await call(server, "GET", path, headers=fresh.auth), 401, "AUTH0003")


async def test_revoking_refresh_tokens_signs_out_everywhere(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    other = data(await log_in(server, publisher, customer.email))
    data(await call(server, "DELETE", "/refresh_tokens", headers=customer.auth))
    for token in (customer.refresh_token, other["refreshToken"]):
        refused(await call(server, "POST", "/auths/refresh_token", {"refreshToken": token}), 401)
    refused(await call(server, "GET", f"/customers/{customer.id}", headers=customer.auth), 401)
    assert (await log_in(server, publisher, customer.email)).status_code == 200


async def test_one_core_a_customer_signs_in_through_either_dialect(server: Server, publisher: Publisher) -> None:
    merchant = publisher.merchant
    made_here = await register(server, publisher, "cleeng-side@example.com")
    through_inplayer = await sign_in(server, merchant, "cleeng-side@example.com", PASSWORD)
    assert through_inplayer.status_code == 200, through_inplayer.text
    assert through_inplayer.json()["account"]["id"] == made_here.id
    made_there = await sign_up(server, merchant, "inplayer-side@example.com", PASSWORD)
    through_mediastore = data(await log_in(server, publisher, "inplayer-side@example.com"))
    assert through_mediastore["customerId"] == made_there.id
    # Another merchant's publisher id doesn't know either of them.
    stranger = await publisher_of(server, await make_merchant(server, "other@publisher.example.com"))
    refused(await log_in(server, stranger, "cleeng-side@example.com"), 401, "USER0001")


async def test_unknown_paths_answer_in_the_envelope(server: Server) -> None:
    refused(await call(server, "GET", "/no-such-thing"), 404)
