"""A real Boxoffice under Uvicorn on loopback, with the HTTP protocol `boxoffice serve` uses, on each engine's
database, with its callers signed up; what the tests wrote is deleted when each module ends, as every other test
leaves the shared database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from boxoffice.app import create_app
from boxoffice.kit.settings import Settings
from boxoffice.web.connections import BoundedHeadProtocol
from tests.compat.live_server import empty_database, serving
from tests.conftest import free_port
from tests.openapi.callers import Callers

# Nothing listens on the discard port: a Stripe call the fuzzer provokes fails at once, on this machine.
NO_STRIPE = "http://127.0.0.1:9"


@dataclass
class LiveApi:
    base_url: str
    callers: Callers


@pytest.fixture(scope="module")
def live_api(migrated_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=migrated_database_url,
        public_url=base_url,
        mail_dir=tmp_path_factory.mktemp("mail"),
        reports_dir=tmp_path_factory.mktemp("reports"),
        secret_key="openapi-signing-key-" + "x" * 32,
        stripe_api_base=NO_STRIPE,
        # The fuzzer signs in and asks for resets far faster than a person: no limit may turn its calls into 429s.
        auth_rate_per_ip="1000000/60",
        auth_rate_per_account="1000000/60",
        reset_rate_per_ip="1000000/60",
        reset_rate_per_account="1000000/60",
        mediastore_token_ttl=24 * 3600,
    )
    try:
        with (
            serving(create_app(settings), port, http=BoundedHeadProtocol),
            httpx.Client(base_url=base_url, timeout=60) as http,
        ):
            yield LiveApi(base_url, Callers.signed_up(http))
    finally:
        empty_database(migrated_database_url)
