"""The browser tests' fixtures: Boxoffice served for real with a merchant's shop open, and Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from boxoffice.app import create_app
from boxoffice.kit.settings import Settings
from tests.compat.live_server import empty_database, serving
from tests.compat.mediastore.harness import require_chromium
from tests.conftest import free_port
from tests.web.pages.browser import Shop, launch, open_shop


@pytest.fixture
def shop(migrated_database_url: str, tmp_path: Path) -> Iterator[Shop]:
    require_chromium("the hosted pages' browser tests")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=migrated_database_url,
        mail_dir=tmp_path / "mail",
        reports_dir=tmp_path / "files",
        public_url=base,
        secret_key="browser-test-signing-key-" + "x" * 32,
    )
    try:
        with serving(create_app(settings), port):
            yield open_shop(base)
    finally:
        empty_database(migrated_database_url)


@pytest.fixture
def browser(shop: Shop) -> Iterator[Browser]:
    with sync_playwright() as driver:
        opened = launch(driver)
        yield opened
        opened.close()
