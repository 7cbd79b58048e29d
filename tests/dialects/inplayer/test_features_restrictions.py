"""Feature flags the merchant sets and its apps read, and the merchant's restriction settings."""

from __future__ import annotations

from boxoffice.identity.models import FeatureFlag
from boxoffice.restrictions.models import RestrictionSettings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import (
    Merchant,
    Viewer,
    assert_error,
    count_rows,
    make_merchant,
    sign_up,
)


async def test_merchant_sets_features_and_customers_read_them(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    on = await server.http.put("/v2/features/TermsAndConditions", headers=merchant.auth, data={"enabled": "true"})
    assert on.status_code == 200, on.text
    assert on.json() == {"name": "TermsAndConditions", "enabled": True}
    await server.http.put("/v2/features/external.paypal", headers=merchant.auth, data={"enabled": "false"})

    read = await server.http.get("/v2/features", headers=viewer.auth)
    assert read.status_code == 200
    assert read.json() == [
        {"name": "TermsAndConditions", "enabled": True},
        {"name": "external.paypal", "enabled": False},
    ]
    off = await server.http.put("/v2/features/TermsAndConditions", headers=merchant.auth, data={"enabled": "0"})
    assert off.json()["enabled"] is False
    flags = (await server.http.get("/v2/features", headers=viewer.auth)).json()
    names = {f["name"]: f["enabled"] for f in flags}
    assert names == {"TermsAndConditions": False, "external.paypal": False}
    # The merchant's own token reads them too.
    assert len((await server.http.get("/v2/features", headers=merchant.auth)).json()) == 2


async def test_features_belong_to_their_merchant(server: Server, merchant: Merchant) -> None:
    await server.http.put("/v2/features/Organization", headers=merchant.auth, data={"enabled": "true"})
    other = await make_merchant(server, "other@publisher.example.com")
    outsider = await sign_up(server, other, email="outsider@example.com")
    assert (await server.http.get("/v2/features", headers=outsider.auth)).json() == []


async def test_bad_feature_is_422_and_writes_nothing(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    cases = [
        ("bad%20name", {"enabled": "true"}, "name"),
        ("x" * 101, {"enabled": "true"}, "name"),
        ("Good", {}, "enabled"),
        ("Good", {"enabled": ""}, "enabled"),
        ("Good", {"enabled": "maybe"}, "enabled"),
    ]
    for name, form, field in cases:
        response = await server.http.put(f"/v2/features/{name}", headers=merchant.auth, data=form)
        assert_error(response, 422, field)
    assert (await server.http.get("/v2/features", headers=viewer.auth)).json() == []
    assert await count_rows(server, FeatureFlag, merchant.id) == 0


async def test_restriction_settings_round_trip_and_are_public(server: Server, merchant: Merchant) -> None:
    public = await server.http.get(f"/restrictions/settings/{merchant.uuid}")
    assert public.status_code == 200
    assert public.json()["age_verification_enabled"] is False
    assert public.json()["age_verification_type"] == "pin_code"
    assert public.json()["merchant_uuid"] == merchant.uuid

    response = await server.http.put(
        "/restrictions/settings",
        headers=merchant.auth,
        data={
            "age_verification_enabled": "true",
            "age_verification_type": "pin_code",
            "domains[0]": "Watch.Example.com",
            "domains[1]": "*.example.org",
            "max_concurrent_sessions": "3",
        },
    )
    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["age_verification_enabled"] is True
    assert saved["domains"] == ["watch.example.com", "*.example.org"]
    assert saved["max_concurrent_sessions"] == 3
    assert isinstance(saved["created_at"], int) and isinstance(saved["updated_at"], int)
    assert (await server.http.get(f"/restrictions/settings/{merchant.uuid}")).json() == saved
    assert (await server.http.get("/restrictions/settings", headers=merchant.auth)).json() == saved

    # Only what is sent changes; an empty limit clears it.
    cleared = await server.http.put(
        "/restrictions/settings", headers=merchant.auth, data={"max_concurrent_sessions": ""}
    )
    assert cleared.json()["max_concurrent_sessions"] is None
    assert cleared.json()["age_verification_enabled"] is True
    assert cleared.json()["domains"] == ["watch.example.com", "*.example.org"]
    assert await count_rows(server, RestrictionSettings, merchant.id) == 1


async def test_bad_restriction_settings_are_422_and_write_nothing(server: Server, merchant: Merchant) -> None:
    await server.http.put("/restrictions/settings", headers=merchant.auth, data={"max_concurrent_sessions": "2"})
    before = (await server.http.get(f"/restrictions/settings/{merchant.uuid}")).json()
    # Each bad value comes with a good one, which must not be saved either.
    enable = {"age_verification_enabled": "true"}
    cases = [
        (enable | {"age_verification_type": "sms"}, "age_verification_type"),
        (
            {"age_verification_enabled": "sometimes", "max_concurrent_sessions": "5"},
            "age_verification_enabled",
        ),
        (enable | {"domains[0]": "not a host"}, "domains"),
        (enable | {"max_concurrent_sessions": "0"}, "max_concurrent_sessions"),
        (enable | {"max_concurrent_sessions": "many"}, "max_concurrent_sessions"),
    ]
    for form, field in cases:
        response = await server.http.put("/restrictions/settings", headers=merchant.auth, data=form)
        assert_error(response, 422, field)
    assert (await server.http.get(f"/restrictions/settings/{merchant.uuid}")).json() == before


async def test_restriction_settings_of_an_unknown_merchant_are_404(server: Server) -> None:
    assert_error(await server.http.get("/restrictions/settings/00000000-0000-0000-0000-000000000000"), 404)
