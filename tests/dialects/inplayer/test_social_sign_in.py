"""Social sign-in through InPlayer's `getSocialLoginUrls`, against a real OpenID Connect provider on a local port:
the merchant's providers, the addresses the SDK is given, the provider's round trip with PKCE, state and nonce,
and the accounts it signs in to — and every way a sign-in must fail."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from boxoffice.dialects.inplayer.errors import SOCIAL_REFUSALS
from boxoffice.identity.models import Customer, ExternalAccount, IdentityProvider, SocialSignIn
from boxoffice.identity.social_sign_in import SocialRefusal
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import (
    Merchant,
    assert_error,
    bearer,
    count_rows,
    fetch_rows,
    make_merchant,
    sign_up,
)
from tests.identity.oidc_provider import OidcProvider, running_provider

APP = "https://app.example.com"
REDIRECT = f"{APP}/signed-in?from=social"
ID_TOKEN_REFUSED = SOCIAL_REFUSALS[SocialRefusal.ID_TOKEN][0]


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The provider is on this machine, which only the operator's setting lets the server reach."""
    return settings.model_copy(update={"outbound_allow_private": True})


def state(client_id: str, redirect: str = REDIRECT) -> str:
    """As the SDK makes it: standard base64 with its padding, not URL-encoded."""
    return base64.b64encode(json.dumps({"client_id": client_id, "redirect": redirect}).encode()).decode()


async def set_up(server: Server, merchant: Merchant, provider: OidcProvider, name: str = "google") -> dict[str, Any]:
    origins = await server.http.put("/v2/allowed-origins", headers=merchant.auth, data={"origins[0]": APP})
    assert origins.status_code == 200, origins.text
    added = await server.http.put(
        f"/v2/identity-providers/{name}",
        headers=merchant.auth,
        data={"issuer": provider.issuer, "client_id": "boxoffice-client", "client_secret": "provider-secret-123456"},
    )
    assert added.status_code == 200, added.text
    return dict(added.json())


async def social_urls(server: Server, merchant: Merchant, redirect: str = REDIRECT) -> dict[str, str]:
    response = await server.http.get(f"/accounts/social?state={state(merchant.uuid, redirect)}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 200
    return {name: url for entry in body["social_urls"] for name, url in entry.items()}


async def sign_in_through(server: Server, url: str, *, browser: httpx.AsyncClient | None = None) -> httpx.Response:
    """The viewer's browser: opens the address, is sent to the provider (a real server) and back to the
    callback, which answers with where the app is told the outcome."""
    begun = await (browser or server.http).get(url.removeprefix("http://testserver"))
    assert begun.status_code == 302, begun.text
    async with httpx.AsyncClient() as outside:
        at_provider = await outside.get(begun.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    back = at_provider.headers["location"]
    assert back.startswith("http://testserver/accounts/social/callback?")
    return await server.http.get(back.removeprefix("http://testserver"))


def told(response: httpx.Response) -> dict[str, str]:
    """What the app is told in the fragment of its address."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "#"), location
    return {name: values[0] for name, values in parse_qs(urlsplit(location).fragment).items()}


async def test_a_new_viewer_signs_up_through_the_provider_and_then_signs_in_to_the_same_account(
    server: Server, provider: OidcProvider
) -> None:
    merchant = await make_merchant(server)
    shown = await set_up(server, merchant, provider)
    assert shown["client_secret"] == "prov****3456" and shown["redirect_uri"].endswith("/accounts/social/callback")
    urls = await social_urls(server, merchant)
    assert list(urls) == ["google"]

    provider.next(sub="google-sub-1", email="Vera@Example.com", email_verified=True, name="Vera Viewer")
    first = told(await sign_in_through(server, urls["google"]))
    assert set(first) == {"access_token", "refresh_token", "expires"}
    # The code was traded with the PKCE verifier and the client's secret.
    traded = provider.seen()
    assert traded["client_id"] == "boxoffice-client" and traded["client_secret"] == "provider-secret-123456"
    assert len(traded["code_verifier"]) >= 43
    account = await server.http.get("/accounts", headers=bearer(first["access_token"]))
    assert account.status_code == 200, account.text
    assert (account.json()["email"].lower(), account.json()["full_name"]) == ("vera@example.com", "Vera Viewer")
    assert account.json()["social_apps_metadata"] == [{"social_app": "google", "social_app_id": "google-sub-1"}]

    # Again, now with another address at the provider: the subject names the account.
    provider.next(sub="google-sub-1", email="vera.new@example.com", email_verified=True)
    again = told(await sign_in_through(server, urls["google"]))
    assert again["access_token"] != first["access_token"]
    second = await server.http.get("/accounts", headers=bearer(again["access_token"]))
    assert second.json()["id"] == account.json()["id"]
    assert await count_rows(server, Customer, merchant.id) == 1
    # The refresh token handed to the app works as a password sign-in's does.
    refreshed = await server.http.post(
        "/accounts/authenticate",
        data={"grant_type": "refresh_token", "client_id": merchant.uuid, "refresh_token": again["refresh_token"]},
    )
    assert refreshed.status_code == 200, refreshed.text


async def test_an_account_with_the_verified_address_is_linked_and_an_unverified_one_is_not(
    server: Server, provider: OidcProvider
) -> None:
    merchant = await make_merchant(server)
    await set_up(server, merchant, provider)
    viewer = await sign_up(server, merchant, email="kept@example.com")
    urls = await social_urls(server, merchant)

    provider.next(sub="someone", email="kept@example.com", email_verified=False)
    refused = told(await sign_in_through(server, urls["google"]))
    assert refused["error"] == "access_denied" and "verified" in refused["error_description"]
    assert await count_rows(server, ExternalAccount, merchant.id) == 0

    provider.next(sub="the-owner", email="KEPT@example.com", email_verified=True)
    linked = told(await sign_in_through(server, urls["google"]))
    account = await server.http.get("/accounts", headers=bearer(linked["access_token"]))
    assert account.json()["id"] == viewer.id
    # The password still signs in too.
    assert (await server.http.post("/accounts/authenticate", data={
        "client_id": merchant.uuid, "grant_type": "password", "username": viewer.email, "password": viewer.password,
    })).status_code == 200  # fmt: skip


@pytest.mark.parametrize(
    ("made", "why"),
    [
        ({"tamper": True}, "a token changed after it was signed"),
        ({"ttl": -120}, "an expired token"),
        ({"aud": "another-client"}, "a token for another client"),
        ({"iss": "https://accounts.example.org"}, "a token from another issuer"),
        ({"nonce": "another-sign-ins-nonce"}, "a token from another sign-in"),
    ],
)
async def test_an_id_token_that_proves_nothing_signs_no_one_in(
    server: Server, provider: OidcProvider, made: dict[str, Any], why: str
) -> None:
    merchant = await make_merchant(server)
    await set_up(server, merchant, provider)
    urls = await social_urls(server, merchant)
    provider.next(sub="mallory", email="mallory@example.com", email_verified=True, **made)
    refused = told(await sign_in_through(server, urls["google"]))
    assert refused == {"error": "access_denied", "error_description": ID_TOKEN_REFUSED}, why
    assert await count_rows(server, Customer, merchant.id) == 0, why


async def test_a_callback_is_finished_once_only_in_the_browser_that_began_it_and_not_after_ten_minutes(
    server: Server, provider: OidcProvider, frozen: clock.FrozenClock
) -> None:
    merchant = await make_merchant(server)
    await set_up(server, merchant, provider)
    urls = await social_urls(server, merchant)

    async def sent_back() -> str:
        provider.next(sub="s-1", email="one@example.com", email_verified=True)
        begun = await server.http.get(urls["google"].removeprefix("http://testserver"))
        async with httpx.AsyncClient() as outside:
            at_provider = await outside.get(begun.headers["location"])
        return str(at_provider.headers["location"]).removeprefix("http://testserver")

    # Another browser (no state cookie) is sent back to the app with an error; the sign-in is then spent.
    back = await sent_back()
    transport = httpx.ASGITransport(app=server.app, client=("198.51.100.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as elsewhere:
        other = told(await elsewhere.get(back))
    assert other["error"] == "invalid_request" and "another browser" in other["error_description"]
    assert_error(await server.http.get(back), 400)
    assert await count_rows(server, Customer, merchant.id) == 0

    # A sign-in left for more than ten minutes is refused.
    back = await sent_back()
    frozen.advance(minutes=10, seconds=1)
    expired = told(await server.http.get(back))
    assert expired["error"] == "invalid_request" and "too long" in expired["error_description"]
    assert await count_rows(server, Customer, merchant.id) == 0


async def test_a_viewer_who_turns_the_provider_down_is_sent_back_with_access_denied(
    server: Server, provider: OidcProvider
) -> None:
    merchant = await make_merchant(server)
    await set_up(server, merchant, provider)
    urls = await social_urls(server, merchant)
    provider.next(deny=True)
    assert told(await sign_in_through(server, urls["google"]))["error"] == "access_denied"


async def test_bad_states_redirects_and_providers_are_refused_in_inplayers_words(
    server: Server, provider: OidcProvider
) -> None:
    merchant = await make_merchant(server)
    other = await make_merchant(server, "other@publisher.example.com")
    await set_up(server, merchant, provider)
    for bad in ("", "not-base64!", base64.b64encode(b"[1]").decode(), base64.b64encode(b'{"client_id": 1}').decode()):
        assert_error(await server.http.get(f"/accounts/social?state={bad}"), 422, "state")
    # An address off the merchant's allowed origins would hand the tokens to whoever chose it.
    for elsewhere in ("https://evil.example.net/x", "https://app.example.com@evil.example.net/", "javascript:alert(1)"):
        response = await server.http.get(f"/accounts/social?state={state(merchant.uuid, elsewhere)}")
        assert_error(response, 422, "redirect")
    assert_error(await server.http.get(f"/accounts/social?state={state('no-such-merchant')}"), 404)
    # URL-safe base64 without padding is read too; a merchant with no providers offers none.
    safe = base64.urlsafe_b64encode(json.dumps({"uuid": other.uuid, "redirect": REDIRECT}).encode()).decode()
    await server.http.put("/v2/allowed-origins", headers=other.auth, data={"origins[0]": APP})
    listed = await server.http.get(f"/accounts/social?state={safe.rstrip('=')}")
    assert listed.json() == {"social_urls": [], "code": 200}
    # Another merchant's provider cannot be begun through this one.
    begun = await server.http.get(
        "/accounts/social/google/start", params={"client_id": other.uuid, "redirect": REDIRECT}
    )
    assert_error(begun, 404)
    assert await count_rows(server, SocialSignIn, other.id) == 0


async def test_the_merchant_manages_its_providers_with_clear_errors(server: Server, provider: OidcProvider) -> None:
    merchant = await make_merchant(server)
    other = await make_merchant(server, "other@publisher.example.com")
    auth = merchant.auth
    bad = await server.http.put("/v2/identity-providers/Not Valid", headers=auth, data={"client_id": "x"})
    assert_error(bad, 422, "name")
    no_issuer = await server.http.put("/v2/identity-providers/acme", headers=auth, data={"client_id": "x"})
    assert_error(no_issuer, 422, "issuer")
    no_client = await server.http.put("/v2/identity-providers/google", headers=auth, data={})
    assert_error(no_client, 422, "client_id")
    no_openid = await server.http.put(
        "/v2/identity-providers/google", headers=auth, data={"client_id": "x", "scopes": "email"}
    )
    assert_error(no_openid, 422, "scopes")
    assert await count_rows(server, IdentityProvider, merchant.id) == 0

    google = await server.http.put("/v2/identity-providers/google", headers=auth, data={"client_id": "g-client"})
    assert google.status_code == 200, google.text
    assert (google.json()["issuer"], google.json()["scopes"]) == ("https://accounts.google.com", "openid email profile")
    assert google.json()["client_secret"] is None and google.json()["active"] is True
    paused = await server.http.put("/v2/identity-providers/google", headers=auth, data={"active": "false"})
    assert paused.json()["client_id"] == "g-client" and paused.json()["active"] is False
    listed = await server.http.get("/v2/identity-providers", headers=auth)
    assert [row["name"] for row in listed.json()["collection"]] == ["google"]
    assert (await server.http.get("/v2/identity-providers", headers=other.auth)).json() == {"collection": []}
    assert_error(await server.http.delete("/v2/identity-providers/google", headers=other.auth), 404)
    assert (await server.http.delete("/v2/identity-providers/google", headers=auth)).status_code == 200
    assert await count_rows(server, IdentityProvider, merchant.id) == 0
    viewer = await sign_up(server, merchant)
    assert_error(await server.http.get("/v2/identity-providers", headers=viewer.auth), 403)


async def test_a_provider_on_a_private_address_is_refused_unless_the_operator_allows_it(
    server: Server, provider: OidcProvider
) -> None:
    server.app.state.settings = server.settings.model_copy(update={"outbound_allow_private": False})
    merchant = await make_merchant(server)
    for issuer in ("https://127.0.0.1/", "https://10.1.2.3", "https://[::1]:8443", "https://169.254.169.254/"):
        refused = await server.http.put(
            "/v2/identity-providers/acme", headers=merchant.auth, data={"issuer": issuer, "client_id": "x"}
        )
        assert_error(refused, 422, "issuer")
    # Plain http only where private addresses are allowed (a provider on this machine).
    plain = await server.http.put(
        "/v2/identity-providers/acme", headers=merchant.auth, data={"issuer": "http://id.example.org", "client_id": "x"}
    )
    assert_error(plain, 422, "issuer")
    assert await count_rows(server, IdentityProvider, merchant.id) == 0


async def test_an_unverified_address_opens_no_account_and_a_linked_account_is_not_linked_twice(
    server: Server, provider: OidcProvider
) -> None:
    merchant = await make_merchant(server)
    await set_up(server, merchant, provider)
    urls = await social_urls(server, merchant)
    provider.next(sub="unverified", email="new@example.com", email_verified=False)
    refused = told(await sign_in_through(server, urls["google"]))
    assert refused["error"] == "access_denied" and "verified" in refused["error_description"]
    assert await count_rows(server, Customer, merchant.id) == 0

    provider.next(sub="first", email="held@example.com", email_verified=True)
    told(await sign_in_through(server, urls["google"]))
    # Another subject of the same provider claiming the address does not take the account over.
    provider.next(sub="second", email="held@example.com", email_verified=True)
    taken = told(await sign_in_through(server, urls["google"]))
    assert taken["error"] == "access_denied" and "another account" in taken["error_description"]
    links = await fetch_rows(server, ExternalAccount, merchant.id)
    assert [(link.account_id, link.issuer) for link in links] == [("first", provider.issuer)]


async def test_a_provider_pointed_at_another_issuer_forgets_its_secret_and_its_links_keep_their_issuer(
    server: Server, provider: OidcProvider
) -> None:
    merchant = await make_merchant(server)
    await set_up(server, merchant, provider)
    urls = await social_urls(server, merchant)
    provider.next(sub="same-sub", email="first@example.com", email_verified=True)
    first = told(await sign_in_through(server, urls["google"]))
    moved = await server.http.put(
        "/v2/identity-providers/google", headers=merchant.auth, data={"issuer": provider.issuer + "/"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["client_secret"] is None
    back = await server.http.put(
        "/v2/identity-providers/google",
        headers=merchant.auth,
        data={"issuer": provider.issuer, "client_secret": "provider-secret-123456"},
    )
    assert back.json()["client_secret"] == "prov****3456"
    # The same subject again, through the same issuer, is the same account; the link kept its issuer.
    provider.next(sub="same-sub", email="first@example.com", email_verified=True)
    again = told(await sign_in_through(server, urls["google"]))
    first_id = (await server.http.get("/accounts", headers=bearer(first["access_token"]))).json()["id"]
    assert (await server.http.get("/accounts", headers=bearer(again["access_token"]))).json()["id"] == first_id
