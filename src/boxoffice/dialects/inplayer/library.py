"""Profiles, favorites, watch history and feature flags under `/v2/accounts` and `/v2/features`."""

from __future__ import annotations

import base64
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from typing_extensions import TypedDict

from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import (
    AppSettings,
    CurrentCustomer,
    CurrentPrincipal,
    PathId,
    Session,
    TokenMerchant,
)
from boxoffice.dialects.inplayer.forms import MAX_INTEGER, flag, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import features, library, merchants, profiles
from boxoffice.kit import base_url
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.settings import Settings

router = APIRouter(route_class=InPlayerRoute, tags=["profiles and media"])

MEDIA = bodies.text("media_id", "The media's id in the merchant's video platform", required=True)
FAVORITE = bodies.form(MEDIA)
PROGRESS = bodies.form(MEDIA, bodies.number("progress", "Seconds watched", required=True))
PROFILE = bodies.form(
    bodies.text("name", "The profile's name"),
    bodies.text("avatar_url", "An image for the profile"),
    bodies.flag("adult", "Whether the profile may watch content for adults (default true)"),
)
NEW_PROFILE = bodies.form(*PROFILE.fields, bodies.text("pin", "A PIN the profile is entered with"))
ENTER_PROFILE = bodies.form(bodies.text("pin", "The profile's PIN, when it has one"))


class Favorites(TypedDict):
    """A page of favorites, and the address of the next (empty on the last)."""

    collection: list[render.FavoriteBody]
    cursor: str


class WatchHistory(TypedDict):
    collection: list[render.WatchProgressBody]
    cursor: str


def _decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        after_id = int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
    except ValueError:
        after_id = None
    if after_id is None or not 0 < after_id <= MAX_INTEGER:
        raise InvalidInput({"cursor": "The cursor is not one this server gave out"})
    return after_id


def _next_url(settings: Settings, request: Request, after_id: int | None, **query: str) -> str:
    """InPlayer's cursor is the absolute URL of the next page; empty on the last one."""
    if after_id is None:
        return ""
    token = base64.urlsafe_b64encode(str(after_id).encode()).decode().rstrip("=")
    return f"{base_url.of(settings.public_url)}{request.url.path}?{urlencode(query | {'cursor': token})}"


@router.get("/v2/accounts/media/favorites")
async def list_favorites(
    request: Request,
    session: Session,
    settings: AppSettings,
    customer: CurrentCustomer,
    cursor: str | None = None,
) -> Favorites:
    """The viewer's favorite media, newest first, a page at a time.

    `cursor` is the address of the next page."""
    rows, after = await library.favorites_page(session, customer, _decode_cursor(cursor))
    return {"collection": [render.favorite(f) for f in rows], "cursor": _next_url(settings, request, after)}


@router.post("/v2/accounts/media/favorites")
async def add_favorite(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(FAVORITE)]
) -> render.FavoriteBody:
    """Add a media to the viewer's favorites."""
    return render.favorite(await library.add_favorite(session, customer, text(body, "media_id")))


@router.get("/v2/accounts/media/favorites/{media_id}")
async def get_favorite(session: Session, customer: CurrentCustomer, media_id: str) -> render.FavoriteBody:
    """One of the viewer's favorites."""
    return render.favorite(await library.get_favorite(session, customer, media_id))


@router.delete("/v2/accounts/media/favorites/{media_id}")
async def delete_favorite(session: Session, customer: CurrentCustomer, media_id: str) -> render.Message:
    """Remove a media from the viewer's favorites."""
    await library.remove_favorite(session, customer, media_id)
    return render.message("Media removed from favorites")


@router.get("/v2/accounts/media/watch-history")
async def list_watch_history(
    request: Request,
    session: Session,
    settings: AppSettings,
    customer: CurrentCustomer,
    filter: str = "currently_watching",
    cursor: str | None = None,
) -> WatchHistory:
    """How far the viewer watched each media, a page at a time.

    `filter=currently_watching` or `watched` narrows it; `cursor` is the address of the next page."""
    try:
        which = library.HistoryFilter(filter or "currently_watching")
    except ValueError:
        raise InvalidInput({"filter": "The filter must be all, watched or currently_watching"}) from None
    rows, after = await library.watch_history_page(session, customer, which, _decode_cursor(cursor))
    return {
        "collection": [render.watch_progress(w) for w in rows],
        "cursor": _next_url(settings, request, after, filter=which.value),
    }


@router.patch("/v2/accounts/media/watch-history")
async def update_watch_history(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(PROGRESS)]
) -> render.WatchProgressBody:
    """Record how far the viewer has watched a media."""
    entry = await library.record_progress(session, customer, text(body, "media_id"), text(body, "progress"))
    return render.watch_progress(entry)


@router.get("/v2/accounts/media/watch-history/{media_id}")
async def get_watch_history(session: Session, customer: CurrentCustomer, media_id: str) -> render.WatchProgressBody:
    """How far the viewer watched one media."""
    return render.watch_progress(await library.get_progress(session, customer, media_id))


@router.delete("/v2/accounts/media/watch-history/{media_id}")
async def delete_watch_history(session: Session, customer: CurrentCustomer, media_id: str) -> render.Message:
    """Forget how far the viewer watched a media."""
    await library.forget_progress(session, customer, media_id)
    return render.message("Media removed from watch history")


@router.get("/v2/accounts/profiles")
async def list_profiles(session: Session, customer: CurrentCustomer) -> list[render.ProfileBody]:
    """The viewer's profiles."""
    return [render.profile(p) for p in await profiles.list_profiles(session, customer)]


@router.post("/v2/accounts/profiles")
async def create_profile(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(NEW_PROFILE)]
) -> render.ProfileBody:
    """Add a profile to the viewer's account, optionally behind a PIN."""
    created = await profiles.create_profile(
        session,
        customer,
        name=text(body, "name"),
        adult=flag(body, "adult") is not False,
        avatar_url=text(body, "avatar_url"),
        pin=text(body, "pin"),
    )
    return render.profile(created)


@router.get("/v2/accounts/profiles/{profile_id}")
async def get_profile(session: Session, customer: CurrentCustomer, profile_id: PathId) -> render.ProfileBody:
    """One of the viewer's profiles."""
    return render.profile(await profiles.get_profile(session, customer, profile_id))


@router.put("/v2/accounts/profiles/{profile_id}")
async def update_profile(
    session: Session, customer: CurrentCustomer, profile_id: PathId, body: Annotated[Fields, Depends(PROFILE)]
) -> render.ProfileBody:
    """Change a profile's name, avatar or adult flag."""
    updated = await profiles.update_profile(
        session,
        customer,
        profile_id,
        name=text(body, "name"),
        avatar_url=text(body, "avatar_url"),
        adult=flag(body, "adult"),
    )
    return render.profile(updated)


@router.delete("/v2/accounts/profiles/{profile_id}")
async def delete_profile(session: Session, customer: CurrentCustomer, profile_id: PathId) -> render.Message:
    """Delete one of the viewer's profiles (never the default one)."""
    await profiles.delete_profile(session, customer, profile_id)
    return render.message("Profile deleted")


@router.post("/v2/accounts/profiles/{profile_id}/token")
async def enter_profile(
    session: Session,
    settings: AppSettings,
    principal: CurrentPrincipal,
    customer: CurrentCustomer,
    profile_id: PathId,
    body: Annotated[Fields, Depends(ENTER_PROFILE)],
) -> render.ProfileBody:
    """Enter a profile: its token acts for the viewer within that profile.

    A profile with a PIN needs it."""
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    profile, token, expires = await profiles.enter_profile(
        session, settings, principal, merchant, customer, profile_id, text(body, "pin")
    )
    return render.profile(profile, (token, expires))


@router.get("/v2/features")
async def list_features(session: Session, merchant: TokenMerchant) -> list[render.FeatureFlagBody]:
    """The merchant's feature flags."""
    return [render.feature_flag(f) for f in await features.list_feature_flags(session, merchant.id)]
