"""`GET /`: the page a newcomer opens first. Read as a parser reads it, since that is how assistive technology
sees it too: its language, its headings and landmarks, and links that all lead somewhere on this server."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from boxoffice import demo
from boxoffice.kit.sealing import Sealer
from tests.conftest import Server


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.lang: str | None = None
        self.links: list[str] = []
        self.loads: list[str] = []  # what a browser would fetch to show the page
        self.headings: list[tuple[str, str]] = []
        self._heading: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = given.get("lang")
        if tag == "a" and given.get("href"):
            self.links.append(str(given["href"]))
        if tag in ("script", "img", "link", "iframe", "object") or given.get("src"):
            self.loads.append(f"<{tag}> {given}")
        if tag in ("h1", "h2", "h3"):
            self._heading = tag
            self.headings.append((tag, ""))

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            tag, text = self.headings[-1]
            self.headings[-1] = (tag, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self._heading = None


async def test_the_landing_page_is_outlined_and_links_what_there_is(server: Server) -> None:
    answer = await server.http.get("/")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = Outline()
    page.feed(answer.text)
    assert page.lang == "en"
    assert {"header", "main", "footer"} <= set(page.tags)
    assert [tag for tag, _ in page.headings].count("h1") == 1 and page.headings[0] == ("h1", "Boxoffice")
    sections = [text for tag, text in page.headings if tag == "h2"]
    assert sections == ["API reference", "Try the demo", "Operations"]
    assert page.loads == [], "the page loads nothing besides itself"
    for wanted in ("/docs", "/redoc", "/openapi.json", "/healthz", "/readyz"):
        assert wanted in page.links
    for link in page.links:
        assert link.startswith("/"), f"{link} leaves this server"
        reached = await server.http.get(link.split("#")[0])
        assert reached.status_code == 200, f"{link} answers {reached.status_code}"


async def test_the_demo_sign_ins_the_page_shows_work(server: Server) -> None:
    async with server.app.state.sessions.begin() as session:
        seeded = await demo.seed_demo(session, Sealer([]))
    commands = re.findall(r"<pre><code>(curl [^<]*)</code></pre>", (await server.http.get("/")).text)
    assert len(commands) == 2, commands
    signed_in = []
    for command in commands:  # the merchant's, then the viewer's
        *options, url = unescape(command).replace("CLIENT_ID", seeded.merchant.uuid).split()
        assert url == "http://testserver/accounts/authenticate"
        form = dict(option.split("=", 1) for option in options if "=" in option)
        answer = await server.http.post(url, data=form)
        assert answer.status_code == 200, answer.text
        token = answer.json()["access_token"]
        account = await server.http.get("/accounts", headers={"Authorization": f"Bearer {token}"})
        signed_in.append(account.json()["email"])
    assert signed_in == [demo.MERCHANT_EMAIL, demo.VIEWER_EMAIL]
