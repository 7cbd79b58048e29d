"""Season groups and their seasons through API 3.1: made, read (with an ETag), listed, renamed (conditionally with
`If-Match`) and deleted; seasons added, moved and deleted. Bad input is a 400 or 422 `{message}` that writes nothing,
another publisher's groups are 404, and a group an offer is billed by stays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from boxoffice.catalog import seasons
from boxoffice.catalog.models import Season, SeasonGroup
from boxoffice.kit import clock
from tests import shop
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.inplayer.conftest import count_rows, fetch_rows

GROUPS = "/offers/season-groups"


def at(days: float) -> str:
    """A moment `days` from now, as API 3.1 writes it."""
    return (clock.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def season(start: float, end: float) -> dict[str, str]:
    return {"startDate": at(start), "endDate": at(end)}


async def make_group(api: Api31, name: str = "League", *spans: tuple[float, float]) -> dict[str, Any]:
    return ok(await api.post(GROUPS, {"name": name, "seasons": [season(*span) for span in spans]}), 201)


async def season_rows(server: Server, api: Api31) -> list[tuple[int, str, str]]:
    rows = await fetch_rows(server, Season, api.publisher.merchant.id)
    return [(r.season_group_id, f"{r.starts_at:%Y-%m-%dT%H:%M:%SZ}", f"{r.ends_at:%Y-%m-%dT%H:%M:%SZ}") for r in rows]


async def test_a_season_group_is_made_read_listed_and_renamed(
    server: Server, api: Api31, frozen: clock.FrozenClock
) -> None:
    made = await make_group(api, "League", (40, 80), (-5, 30))
    assert made["name"] == "League"
    assert [(s["startDate"], s["endDate"]) for s in made["seasons"]] == [(at(-5), at(30)), (at(40), at(80))]
    path = f"{GROUPS}/{made['id']}"
    read = await api.get(path)
    assert ok(read) == made
    etag = read.headers["ETag"]
    assert (await api.get(path, If_None_Match=etag)).status_code == 304
    cup = ok(await api.post(GROUPS, {"name": "Cup", "seasons": None}), 201)
    assert cup["seasons"] == []
    listed = ok(await api.get(GROUPS))
    assert (listed["totalCount"], [g["name"] for g in listed["items"]]) == (2, ["League", "Cup"])
    assert [g["name"] for g in ok(await api.get(f"{GROUPS}?offset=1&limit=1"))["items"]] == ["Cup"]
    renamed = ok(await api.patch(path, {"name": "Premier League"}, If_Match=etag))
    assert (renamed["name"], renamed["seasons"]) == ("Premier League", made["seasons"])
    assert "changed" in refused(await api.patch(path, {"name": "Stale"}, If_Match=etag), 412)
    assert ok(await api.patch(path, {"name": None}))["name"] == "Premier League"
    rows = await fetch_rows(server, SeasonGroup, api.publisher.merchant.id)
    assert [r.name for r in rows] == ["Premier League", "Cup"]


async def test_seasons_are_added_moved_and_deleted(server: Server, api: Api31, frozen: clock.FrozenClock) -> None:
    group = await make_group(api, "League", (1, 10))
    path = f"{GROUPS}/{group['id']}/seasons"
    added = ok(await api.post(path, {"startDate": at(20), "endDate": at(30)}), 201)
    assert [(s["startDate"], s["endDate"]) for s in added["seasons"]] == [(at(1), at(10)), (at(20), at(30))]
    second = added["seasons"][1]["id"]
    # A time with an offset is kept in UTC; the end left out stays as it was.
    local = (clock.now() + timedelta(days=15, hours=2)).strftime("%Y-%m-%dT%H:%M:%S+02:00")
    moved = ok(await api.patch(f"{path}/{second}", {"startDate": local, "endDate": None}))
    assert (moved["seasons"][1]["startDate"], moved["seasons"][1]["endDate"]) == (at(15), at(30))
    left = ok(await api.delete(f"{path}/{second}"))
    assert [s["endDate"] for s in left["seasons"]] == [at(10)]
    assert await season_rows(server, api) == [(group["id"], at(1), at(10))]


async def test_bad_season_groups_write_nothing(server: Server, api: Api31, frozen: clock.FrozenClock) -> None:
    refused(await api.post(GROUPS, {"name": 7}), 400)
    refused(await api.post(GROUPS, {"name": "x" * 251}), 400)
    assert refused(await api.post(GROUPS, {"name": "  "}), 422) == "name is required"
    refused(await api.post(GROUPS, {}), 422)
    refused(await api.post(GROUPS, {"name": "League", "seasons": "soon"}), 400)
    refused(await api.post(GROUPS, {"name": "League", "seasons": [1]}), 400)
    refused(await api.post(GROUPS, {"name": "League", "seasons": [{"startDate": 5, "endDate": at(9)}]}), 400)
    bad = {"name": "League", "seasons": [{"startDate": "next monday", "endDate": at(9)}]}
    assert "seasons[0].startDate" in refused(await api.post(GROUPS, bad), 422)
    refused(await api.post(GROUPS, {"name": "League", "seasons": [{"startDate": at(1)}]}), 422)
    far = {"name": "League", "seasons": [{"startDate": at(1), "endDate": "9999-12-31T23:59:59-05:00"}]}
    refused(await api.post(GROUPS, far), 422)
    overlapping = {"name": "League", "seasons": [season(1, 10), season(9, 20)]}
    assert "overlap" in refused(await api.post(GROUPS, overlapping), 422)
    refused(await api.post(GROUPS, {"name": "League", "seasons": [season(10, 5)]}), 422)
    assert "past" in refused(await api.post(GROUPS, {"name": "League", "seasons": [season(-10, -5)]}), 422)
    too_many = {"name": "League", "seasons": [season(n + 1, n + 2) for n in range(seasons.MAX_SEASONS + 1)]}
    refused(await api.post(GROUPS, too_many), 422)
    garbled = await api.http.post(
        f"/3.1{GROUPS}", content=b"{", headers=api.headers | {"Content-Type": "application/json"}
    )
    refused(garbled, 400)
    refused(await api.http.post(f"/3.1{GROUPS}", json={"name": "League"}), 401)
    refused(await api.http.get(f"/3.1{GROUPS}", headers={"X-Publisher-Token": "guess"}), 401)
    refused(await api.get(f"{GROUPS}?limit=0"), 400)
    assert await count_rows(server, SeasonGroup, api.publisher.merchant.id) == 0
    assert await count_rows(server, Season, api.publisher.merchant.id) == 0


async def test_bad_season_changes_write_nothing(
    server: Server, api: Api31, other: Api31, frozen: clock.FrozenClock
) -> None:
    group = await make_group(api, "League", (1, 10), (20, 30))
    first, second = (s["id"] for s in group["seasons"])
    path, seasons_path = f"{GROUPS}/{group['id']}", f"{GROUPS}/{group['id']}/seasons"
    before = await season_rows(server, api)
    assert "overlap" in refused(await api.post(seasons_path, season(5, 25)), 422)
    refused(await api.post(seasons_path, {"startDate": at(40)}), 422)
    refused(await api.post(seasons_path, {"startDate": at(40), "endDate": 12}), 400)
    assert "startDate or endDate" in refused(await api.patch(f"{seasons_path}/{second}", {}), 422)
    assert "past" in refused(await api.patch(f"{seasons_path}/{second}", {"startDate": at(-1)}), 422)
    refused(await api.patch(f"{seasons_path}/{second}", {"endDate": at(15)}), 422)
    refused(await api.patch(f"{seasons_path}/{second}", {"endDate": "30/01/2027"}), 422)
    refused(await api.patch(path, {"name": ""}), 422)
    frozen.advance(days=5)  # the first season is under way
    refused(await api.patch(f"{seasons_path}/{first}", {"startDate": at(1)}), 422)
    assert "started" in refused(await api.delete(f"{seasons_path}/{first}"), 422)
    frozen.advance(days=10)  # and now over
    assert "ended" in refused(await api.patch(f"{seasons_path}/{first}", {"endDate": at(2)}), 422)
    refused(await api.delete(f"{seasons_path}/{first}"), 422)
    # Unknown ids, another group's seasons and another publisher's groups are not found.
    other_group = await make_group(api, "Cup", (40, 50))
    assert refused(await api.delete(f"{seasons_path}/{other_group['seasons'][0]['id']}"), 404) == "Season not found"
    assert refused(await api.get(f"{GROUPS}/999999"), 404) == "Season group not found"
    refused(await api.patch(f"{GROUPS}/abc", {"name": "A"}), 400)
    refused(await api.get(f"{GROUPS}/0"), 400)
    refused(await api.delete(f"{seasons_path}/0"), 400)
    refused(await other.get(path), 404)
    refused(await other.patch(path, {"name": "Mallory"}), 404)
    refused(await other.delete(path), 404)
    refused(await other.post(seasons_path, season(60, 70)), 404)
    refused(await other.patch(f"{seasons_path}/{second}", {"endDate": at(35)}), 404)
    refused(await other.delete(f"{seasons_path}/{second}"), 404)
    refused(await api.http.delete(f"/3.1{seasons_path}/{second}"), 401)
    assert ok(await other.get(GROUPS)) == {"items": [], "totalCount": 0}
    assert await season_rows(server, api) == [*before, (other_group["id"], at(40), at(50))]
    rows = await fetch_rows(server, SeasonGroup, api.publisher.merchant.id)
    assert [r.name for r in rows] == ["League", "Cup"]


async def test_a_group_an_offer_is_billed_by_is_not_deleted(server: Server, api: Api31) -> None:
    group = await make_group(api, "League", (1, 10))
    merchant_id = api.publisher.merchant.id
    async with server.app.state.sessions() as session:
        price = await shop.monthly_price(session, await shop.product(session, merchant_id))
        await seasons.attach_season_group(session, merchant_id, price.id, group["id"])
        await session.commit()
    path = f"{GROUPS}/{group['id']}"
    assert "used" in refused(await api.delete(path), 409)
    assert await count_rows(server, Season, merchant_id) == 1
    async with server.app.state.sessions() as session:
        await seasons.attach_season_group(session, merchant_id, price.id, None)
        await session.commit()
    assert ok(await api.delete(path))["success"] is True
    refused(await api.get(path), 404)
    assert await count_rows(server, SeasonGroup, merchant_id) == 0
    assert await count_rows(server, Season, merchant_id) == 0
