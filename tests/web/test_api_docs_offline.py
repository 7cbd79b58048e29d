"""`/docs` and `/redoc` in Chromium with every request off this machine refused: the pages must come up from the
files Boxoffice serves itself, and must not even try to reach anything else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, sync_playwright

from boxoffice.app import create_app
from boxoffice.kit.settings import Settings
from tests.compat.live_server import serving
from tests.compat.mediastore.harness import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.conftest import free_port

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
# Redoc lays out every operation in the page's script before it shows anything: about 5 s on an idle machine, over
# 20 s when the test run's other worker and the machine's other work hold both cores. A deadline, not a timing.
RENDERED_WITHIN_MS = 120_000
# The pages are the same on either engine: one is enough.
pytestmark = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)


@pytest.fixture
def base(migrated_database_url: str, tmp_path: Path) -> Iterator[str]:
    require_chromium("the API docs browser test")
    port = free_port()
    settings = Settings(database_url=migrated_database_url, mail_dir=tmp_path / "mail")
    with serving(create_app(settings), port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def offline() -> Iterator[tuple[Page, list[str]]]:
    """A page whose every request to another host is aborted, and the list of those requests."""
    refused: list[str] = []

    def route(held: Route) -> None:
        if urlsplit(held.request.url).hostname in LOOPBACK or held.request.url.startswith("data:"):
            held.fallback()
        else:
            refused.append(held.request.url)
            held.abort()

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.route("**/*", route)
        yield context.new_page(), refused
        browser.close()


def test_swagger_ui_lists_the_operations_offline(base: str, offline: tuple[Page, list[str]]) -> None:
    page, refused = offline
    page.goto(f"{base}/docs")
    sign_in = page.locator(".opblock-summary-path", has_text="/accounts/authenticate").first
    sign_in.wait_for(timeout=RENDERED_WITHIN_MS)
    assert page.locator(".opblock").count() > 100  # every operation, not a page that gave up half-way
    assert "Boxoffice" in page.locator(".information-container .title").inner_text()
    assert refused == [], f"the page tried to leave the machine: {refused}"


def test_redoc_renders_the_title_and_operations_offline(base: str, offline: tuple[Page, list[str]]) -> None:
    page, refused = offline
    page.goto(f"{base}/redoc")
    page.get_by_role("heading", name="Boxoffice").first.wait_for(timeout=RENDERED_WITHIN_MS)
    operation = page.locator("[data-section-id^='tag/accounts/operation/']").first
    operation.wait_for(state="attached", timeout=RENDERED_WITHIN_MS)
    assert page.locator("[data-section-id*='/operation/']").count() > 100
    assert refused == [], f"the page tried to leave the machine: {refused}"
