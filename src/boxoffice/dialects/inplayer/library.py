"""Profiles, favorites, watch history and feature flags under `/v2/accounts` and `/v2/features`."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request

from boxoffice.dialects.inplayer import render
from boxoffice.dialects.inplayer.deps import (
    AppSettings,
    Body,
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
) -> dict[str, Any]:
    rows, after = await library.favorites_page(session, customer, _decode_cursor(cursor))
    return {"collection": [render.favorite(f) for f in rows], "cursor": _next_url(settings, request, after)}


@router.post("/v2/accounts/media/favorites")
async def add_favorite(session: Session, customer: CurrentCustomer, body: Body) -> dict[str, Any]:
    return render.favorite(await library.add_favorite(session, customer, text(body, "media_id")))


@router.get("/v2/accounts/media/favorites/{media_id}")
async def get_favorite(session: Session, customer: CurrentCustomer, media_id: str) -> dict[str, Any]:
    return render.favorite(await library.get_favorite(session, customer, media_id))


@router.delete("/v2/accounts/media/favorites/{media_id}")
async def delete_favorite(session: Session, customer: CurrentCustomer, media_id: str) -> dict[str, Any]:
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
) -> dict[str, Any]:
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
async def update_watch_history(session: Session, customer: CurrentCustomer, body: Body) -> dict[str, Any]:
    entry = await library.record_progress(session, customer, text(body, "media_id"), text(body, "progress"))
    return render.watch_progress(entry)


@router.get("/v2/accounts/media/watch-history/{media_id}")
async def get_watch_history(session: Session, customer: CurrentCustomer, media_id: str) -> dict[str, Any]:
    return render.watch_progress(await library.get_progress(session, customer, media_id))


@router.delete("/v2/accounts/media/watch-history/{media_id}")
async def delete_watch_history(session: Session, customer: CurrentCustomer, media_id: str) -> dict[str, Any]:
    await library.forget_progress(session, customer, media_id)
    return render.message("Media removed from watch history")


@router.get("/v2/accounts/profiles")
async def list_profiles(session: Session, customer: CurrentCustomer) -> list[dict[str, Any]]:
    return [render.profile(p) for p in await profiles.list_profiles(session, customer)]


@router.post("/v2/accounts/profiles")
async def create_profile(session: Session, customer: CurrentCustomer, body: Body) -> dict[str, Any]:
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
async def get_profile(session: Session, customer: CurrentCustomer, profile_id: PathId) -> dict[str, Any]:
    return render.profile(await profiles.get_profile(session, customer, profile_id))


@router.put("/v2/accounts/profiles/{profile_id}")
async def update_profile(session: Session, customer: CurrentCustomer, profile_id: PathId, body: Body) -> dict[str, Any]:
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
async def delete_profile(session: Session, customer: CurrentCustomer, profile_id: PathId) -> dict[str, Any]:
    await profiles.delete_profile(session, customer, profile_id)
    return render.message("Profile deleted")


@router.post("/v2/accounts/profiles/{profile_id}/token")
async def enter_profile(
    session: Session,
    settings: AppSettings,
    principal: CurrentPrincipal,
    customer: CurrentCustomer,
    profile_id: PathId,
    body: Body,
) -> dict[str, Any]:
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    profile, token, expires = await profiles.enter_profile(
        session, settings, principal, merchant, customer, profile_id, text(body, "pin")
    )
    return render.profile(profile, (token, expires))


@router.get("/v2/features")
async def list_features(session: Session, merchant: TokenMerchant) -> list[dict[str, Any]]:
    return [render.feature_flag(f) for f in await features.list_feature_flags(session, merchant.id)]
