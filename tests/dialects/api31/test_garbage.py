"""What no API 3.1 route may take, whichever it is: a NUL character in a path or query value (PostgreSQL can't store
one) is a 400, and a time that can't be brought to UTC a 422 — never a failure, and nothing written."""

from __future__ import annotations

import pytest

from boxoffice.catalog.models import SeasonGroup
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, refused
from tests.dialects.inplayer.conftest import count_rows

# The first hour of year 1 east of UTC, and the last of 9999 west of it: no datetime holds them in UTC.
BEYOND_UTC = ("0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-02:00")


@pytest.mark.parametrize(
    "path",
    [
        "/entitlements?customerEmail=a%00b@example.com",
        "/subscriptions?externalId=crm%00-1",
        "/subscriptions?offerId=S1%00_US",
        "/offers/S000000001%00_US",
        "/gifts/AB%00CD/verification",
    ],
)
async def test_a_nul_in_the_url_is_malformed(api: Api31, path: str) -> None:
    assert "NUL" in refused(await api.get(path), 400)


async def test_a_nul_in_a_path_of_a_write_is_malformed(api: Api31) -> None:
    refused(await api.post("/offers/S000000001_US/localizations/P%00L/activate"), 400)


@pytest.mark.parametrize("moment", BEYOND_UTC)
async def test_a_time_beyond_utcs_range_is_refused(server: Server, api: Api31, moment: str) -> None:
    restrictions = {"attemptRestrictedTo": moment}
    refused(await api.patch("/payment_details/1/attemptRestrictions", restrictions), 422)
    season = {"startDate": moment, "endDate": "2040-01-01T00:00:00Z"}
    refused(await api.post("/offers/season-groups", {"name": "League", "seasons": [season]}), 422)
    assert await count_rows(server, SeasonGroup, api.publisher.merchant.id) == 0
