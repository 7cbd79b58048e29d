"""A sign-in link from the publisher's back end, opened in a browser: it signs the customer in to the pages and goes
on to the page it names, once. Opened again, late, altered or at another merchant's pages, it is refused with the
pages' problem page, in the viewer's language."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import httpx

from boxoffice.identity.sign_in_links import LIFETIME
from boxoffice.kit.clock import FrozenClock
from boxoffice.web.pages.remote_sign_in import REFUSED
from tests.conftest import Server
from tests.dialects.inplayer.conftest import make_merchant, sign_up
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher, publisher_of

FRENCH = "Ce lien de connexion n'est pas valide"


async def account_link(server: Server, publisher: Publisher, email: str) -> str:
    """The path and query of an account link, as the publisher's back end gets it."""
    result = await JsonRpc(server.http).call(
        "generateMyAccountUrl", publisherToken=publisher.token, customerEmail=email
    )
    parts = urlsplit(result["url"])
    return f"{parts.path}?{parts.query}"


def refused(response: httpx.Response, text: str = REFUSED) -> None:
    assert response.status_code == 401
    assert text in html.unescape(response.text)
    assert "bo_viewer" not in response.headers.get("set-cookie", "")


async def test_a_link_signs_in_once_and_goes_on_to_the_account(server: Server) -> None:
    publisher = await publisher_of(server, await make_merchant(server))
    viewer = await sign_up(server, publisher.merchant)
    link = await account_link(server, publisher, viewer.email)
    opened = await server.http.get(link)
    assert opened.status_code == 303 and opened.headers["location"] == f"/pages/{publisher.merchant.uuid}/account"
    assert "bo_viewer=" in opened.headers["set-cookie"]
    account = await server.http.get(opened.headers["location"])
    assert account.status_code == 200 and viewer.email in account.text
    server.http.cookies.clear()
    refused(await server.http.get(link))
    signed_out = await server.http.get(f"/pages/{publisher.merchant.uuid}/account")
    assert viewer.email not in signed_out.text


async def test_a_late_altered_or_foreign_link_is_refused(server: Server, frozen: FrozenClock) -> None:
    publisher = await publisher_of(server, await make_merchant(server))
    other = await make_merchant(server, "owner@other.example.com")
    viewer = await sign_up(server, publisher.merchant)
    late = await account_link(server, publisher, viewer.email)
    frozen.advance(seconds=LIFETIME.total_seconds() + 1)
    refused(await server.http.get(late))
    refused(await server.http.get(f"{late}&lang=fr"), FRENCH)
    fresh = await account_link(server, publisher, viewer.email)
    path, _, query = fresh.partition("?")
    refused(await server.http.get(f"{path}?{query[:-3]}{'AAA' if not query.endswith('AAA') else 'BBB'}"))
    refused(await server.http.get(path))
    refused(await server.http.get(f"/pages/{other.uuid}/remote-sign-in?{query}"))
    opened = await server.http.get(fresh, follow_redirects=True)  # none of those spent it
    assert opened.status_code == 200 and viewer.email in opened.text
