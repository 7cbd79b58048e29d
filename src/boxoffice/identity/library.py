"""A viewer's favorites and watch progress, read in cursor pages."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import repository as repo
from boxoffice.identity.models import Customer, Favorite, WatchProgress
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput, NotFound

PAGE = 20
# Players report progress as a fraction; past this a video counts as watched (the OTT web app's own threshold).
WATCHED_FROM = 0.95


class HistoryFilter(StrEnum):
    ALL = "all"
    WATCHED = "watched"
    CURRENTLY_WATCHING = "currently_watching"


def _media_id(media_id: str | None) -> str:
    if not media_id or not media_id.strip() or len(media_id) > 100:
        raise InvalidInput({"media_id": "The media id is required (at most 100 characters)"})
    return media_id.strip()


async def add_favorite(session: AsyncSession, customer: Customer, media_id: str | None) -> Favorite:
    media = _media_id(media_id)
    existing = await repo.favorite(session, customer.merchant_id, customer.id, media)
    if existing is not None:
        return existing
    favorite = Favorite(merchant_id=customer.merchant_id, customer_id=customer.id, media_id=media)
    session.add(favorite)
    await session.flush()
    return favorite


async def get_favorite(session: AsyncSession, customer: Customer, media_id: str) -> Favorite:
    favorite = await repo.favorite(session, customer.merchant_id, customer.id, _media_id(media_id))
    if favorite is None:
        raise NotFound("Favorite not found")
    return favorite


async def remove_favorite(session: AsyncSession, customer: Customer, media_id: str) -> None:
    await session.delete(await get_favorite(session, customer, media_id))
    await session.flush()


async def favorites_page(
    session: AsyncSession, customer: Customer, after_id: int | None
) -> tuple[Sequence[Favorite], int | None]:
    """A page, newest first, and the id to continue after (None on the last page)."""
    rows = await repo.favorites_after(session, customer.merchant_id, customer.id, after_id, PAGE + 1)
    return rows[:PAGE], rows[PAGE - 1].id if len(rows) > PAGE else None


def _progress(value: str | float | None) -> float:
    try:
        progress = float(value) if value is not None and value != "" else None
    except ValueError:
        progress = None
    if progress is None or not 0 <= progress <= 1:
        raise InvalidInput({"progress": "The progress must be a number from 0 to 1"})
    return progress


async def record_progress(
    session: AsyncSession, customer: Customer, media_id: str | None, progress: str | float | None
) -> WatchProgress:
    media, fraction = _media_id(media_id), _progress(progress)
    entry = await repo.watch_progress(session, customer.merchant_id, customer.id, media)
    if entry is None:
        entry = WatchProgress(
            merchant_id=customer.merchant_id, customer_id=customer.id, media_id=media, progress=fraction
        )
        session.add(entry)
    else:
        entry.progress, entry.updated_at = fraction, clock.now()
    await session.flush()
    return entry


async def get_progress(session: AsyncSession, customer: Customer, media_id: str) -> WatchProgress:
    entry = await repo.watch_progress(session, customer.merchant_id, customer.id, _media_id(media_id))
    if entry is None:
        raise NotFound("Watch history not found")
    return entry


async def forget_progress(session: AsyncSession, customer: Customer, media_id: str) -> None:
    await session.delete(await get_progress(session, customer, media_id))
    await session.flush()


async def watch_history_page(
    session: AsyncSession, customer: Customer, which: HistoryFilter, after_id: int | None
) -> tuple[Sequence[WatchProgress], int | None]:
    rows = await repo.watch_history_after(
        session,
        customer.merchant_id,
        customer.id,
        finished_from=WATCHED_FROM if which is HistoryFilter.WATCHED else None,
        finished_below=WATCHED_FROM if which is HistoryFilter.CURRENTLY_WATCHING else None,
        after_id=after_id,
        limit=PAGE + 1,
    )
    return rows[:PAGE], rows[PAGE - 1].id if len(rows) > PAGE else None
