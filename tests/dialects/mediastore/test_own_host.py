"""MediaStore at the root of a host of its own (`BOXOFFICE_MEDIASTORE_HOST`), where Cleeng's SDK in its
`development` environment sends `POST /auths` and the rest relative to its page."""

from __future__ import annotations

import pytest

from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.mediastore.conftest import PASSWORD, Publisher, data, refused

HOST = "mediastore.test"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"mediastore_host": HOST, "cors_cache_seconds": 0.0})


async def test_the_mediastore_host_serves_it_at_the_root(server: Server, publisher: Publisher) -> None:
    on_host = {"Host": f"{HOST}:8443"}
    made = data(
        await server.http.post(
            "/customers",
            json={"email": "vera@example.com", "password": PASSWORD, "publisherId": publisher.id},
            headers=on_host,
        )
    )
    signed = data(
        await server.http.post(
            "/auths",
            json={"email": "vera@example.com", "password": PASSWORD, "publisherId": publisher.id},
            headers=on_host,
        )
    )
    assert signed["customerId"] == made["customerId"]
    profile = await server.http.get(
        f"/customers/{made['customerId']}", headers=on_host | {"Authorization": f"Bearer {signed['jwt']}"}
    )
    assert data(profile)["email"] == "vera@example.com"
    refused(await server.http.get("/no-such-thing", headers=on_host), 404)  # the envelope, not InPlayer's shape
    # The prefixed paths still work there, and elsewhere the root is the InPlayer API's.
    assert (
        await server.http.post("/mediastore/auths", json={"publisherId": publisher.id}, headers=on_host)
    ).status_code == 400
    elsewhere = await server.http.get(f"/customers/{made['customerId']}")
    assert elsewhere.status_code == 404 and "responseData" not in elsewhere.json()
    # CORS for a page on another origin calling the host at its root.
    await server.http.put(
        "/v2/allowed-origins", headers=publisher.merchant.auth, data={"origins[0]": "https://app.example.com"}
    )
    preflight = await server.http.options(
        "/auths",
        headers=on_host | {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert (
        preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "https://app.example.com"
    )
