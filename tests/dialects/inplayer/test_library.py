"""Favorites and watch history under /v2/accounts/media, read in cursor pages."""

from __future__ import annotations

from typing import Any

from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, sign_up

FAVORITES = "/v2/accounts/media/favorites"
HISTORY = "/v2/accounts/media/watch-history"


async def walk(server: Server, viewer: Viewer, first_url: str) -> list[list[dict[str, Any]]]:
    """Every page, following the absolute `cursor` URL the server hands out until it is empty."""
    pages, url = [], first_url
    while url:
        response = await server.http.get(url, headers=viewer.auth)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["collection"])
        url = body["cursor"]
        if url:
            assert url.startswith(f"{server.settings.public_url}{first_url.split('?')[0]}?"), url
        assert len(pages) <= 10, "the cursor never ran out"
    return pages


async def test_favorites_add_get_list_delete(server: Server, viewer: Viewer) -> None:
    added = await server.http.post(FAVORITES, headers=viewer.auth, data={"media_id": "Ab12Cd34"})
    assert added.status_code == 200, added.text
    assert added.json()["media_id"] == "Ab12Cd34" and isinstance(added.json()["created_at"], int)
    # Adding it again is harmless and doesn't duplicate it.
    again = await server.http.post(FAVORITES, headers=viewer.auth, data={"media_id": "Ab12Cd34"})
    assert again.json() == added.json()

    one = await server.http.get(f"{FAVORITES}/Ab12Cd34", headers=viewer.auth)
    assert one.json() == added.json()
    listed = await server.http.get(FAVORITES, headers=viewer.auth)
    assert listed.json() == {"collection": [added.json()], "cursor": ""}

    removed = await server.http.delete(f"{FAVORITES}/Ab12Cd34", headers=viewer.auth)
    assert removed.status_code == 200 and removed.json()["code"] == 200
    assert_error(await server.http.get(f"{FAVORITES}/Ab12Cd34", headers=viewer.auth), 404)
    assert_error(await server.http.delete(f"{FAVORITES}/Ab12Cd34", headers=viewer.auth), 404)
    assert (await server.http.get(FAVORITES, headers=viewer.auth)).json() == {"collection": [], "cursor": ""}


async def test_favorites_page_by_cursor_without_duplicates(server: Server, viewer: Viewer) -> None:
    media = [f"media-{n:02d}" for n in range(25)]
    for media_id in media:
        response = await server.http.post(FAVORITES, headers=viewer.auth, data={"media_id": media_id})
        assert response.status_code == 200, response.text
    pages = await walk(server, viewer, FAVORITES)
    assert len(pages) == 2 and all(pages)
    seen = [f["media_id"] for page in pages for f in page]
    assert len(seen) == len(set(seen)) == 25
    assert seen == list(reversed(media))  # newest first


async def test_favorite_needs_a_media_id(server: Server, viewer: Viewer) -> None:
    assert_error(await server.http.post(FAVORITES, headers=viewer.auth, data={}), 422, "media_id")
    assert_error(await server.http.post(FAVORITES, headers=viewer.auth, data={"media_id": "x" * 101}), 422, "media_id")
    assert (await server.http.get(FAVORITES, headers=viewer.auth)).json()["collection"] == []


async def test_a_cursor_the_server_never_gave_is_422(server: Server, viewer: Viewer) -> None:
    response = await server.http.get(f"{FAVORITES}?cursor=%%%not-base64", headers=viewer.auth)
    assert_error(response, 422, "cursor")


async def record(server: Server, viewer: Viewer, media_id: str, progress: str) -> dict[str, Any]:
    response = await server.http.patch(HISTORY, headers=viewer.auth, data={"media_id": media_id, "progress": progress})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def history(server: Server, viewer: Viewer, query: str) -> list[tuple[str, float]]:
    response = await server.http.get(f"{HISTORY}{query}", headers=viewer.auth)
    assert response.status_code == 200, response.text
    return [(w["media_id"], w["progress"]) for w in response.json()["collection"]]


async def test_watch_history_filters(server: Server, viewer: Viewer) -> None:
    halfway = await record(server, viewer, "halfway", "0.5")
    assert halfway["progress"] == 0.5 and halfway["media_id"] == "halfway"
    await record(server, viewer, "nearly-done", "0.97")

    assert await history(server, viewer, "?filter=all") == [("nearly-done", 0.97), ("halfway", 0.5)]
    assert await history(server, viewer, "?filter=watched") == [("nearly-done", 0.97)]
    assert await history(server, viewer, "?filter=currently_watching") == [("halfway", 0.5)]
    # The SDK's default filter, and its empty `cursor=`.
    assert await history(server, viewer, "") == [("halfway", 0.5)]
    assert await history(server, viewer, "?filter=currently_watching&cursor=") == [("halfway", 0.5)]

    one = await server.http.get(f"{HISTORY}/nearly-done", headers=viewer.auth)
    assert one.json()["progress"] == 0.97
    # Progress moves an entry between filters.
    await record(server, viewer, "halfway", "1")
    assert await history(server, viewer, "?filter=watched") == [("nearly-done", 0.97), ("halfway", 1.0)]
    assert await history(server, viewer, "?filter=currently_watching") == []

    assert_error(await server.http.get(f"{HISTORY}?filter=finished", headers=viewer.auth), 422, "filter")


async def test_watch_history_pages_keep_their_filter(server: Server, viewer: Viewer) -> None:
    for n in range(22):
        await record(server, viewer, f"done-{n:02d}", "0.99")
        await record(server, viewer, f"busy-{n:02d}", "0.1")
    pages = await walk(server, viewer, f"{HISTORY}?filter=watched")
    seen = [w["media_id"] for page in pages for w in page]
    assert len(seen) == len(set(seen)) == 22
    assert all(m.startswith("done-") for m in seen)


async def test_bad_progress_is_422_and_writes_nothing(server: Server, viewer: Viewer) -> None:
    await record(server, viewer, "movie", "0.25")
    for bad in ("1.01", "-0.1", "abc", "", "nan", "inf"):
        for media_id in ("movie", "new"):  # an update, and a first entry
            response = await server.http.patch(
                HISTORY, headers=viewer.auth, data={"media_id": media_id, "progress": bad}
            )
            assert_error(response, 422, "progress")
    assert await history(server, viewer, "?filter=all") == [("movie", 0.25)]


async def test_unknown_media_is_404(server: Server, viewer: Viewer) -> None:
    assert_error(await server.http.get(f"{HISTORY}/never-watched", headers=viewer.auth), 404)
    assert_error(await server.http.delete(f"{HISTORY}/never-watched", headers=viewer.auth), 404)
    await record(server, viewer, "watched-once", "0.3")
    removed = await server.http.delete(f"{HISTORY}/watched-once", headers=viewer.auth)
    assert removed.status_code == 200
    assert_error(await server.http.get(f"{HISTORY}/watched-once", headers=viewer.auth), 404)


async def test_one_viewers_library_is_not_anothers(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    await server.http.post(FAVORITES, headers=viewer.auth, data={"media_id": "private"})
    await record(server, viewer, "private", "0.4")
    other = await sign_up(server, merchant, email="otto@example.com")
    assert_error(await server.http.get(f"{FAVORITES}/private", headers=other.auth), 404)
    assert_error(await server.http.delete(f"{FAVORITES}/private", headers=other.auth), 404)
    assert_error(await server.http.get(f"{HISTORY}/private", headers=other.auth), 404)
    assert (await server.http.get(FAVORITES, headers=other.auth)).json()["collection"] == []
    assert await history(server, other, "?filter=all") == []
    assert (await server.http.get(f"{FAVORITES}/private", headers=viewer.auth)).status_code == 200
