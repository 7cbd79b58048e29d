"""Season groups (a "seasonal schedule" in Cleeng's dashboard) and their seasons, which seasonal subscriptions are
billed by: `GET`/`POST /offers/season-groups`, `GET`/`PATCH`/`DELETE /offers/season-groups/{id}`,
`POST /offers/season-groups/{id}/seasons` and `PATCH`/`DELETE /offers/season-groups/{id}/seasons/{seasonId}`.

Each answer is the group as it now is, its seasons in the order they begin; times are ISO 8601 in UTC (a time given
without an offset is taken as UTC)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from typing_extensions import TypedDict

from boxoffice.catalog import seasons
from boxoffice.catalog.seasons import MAX_NAME, MAX_SEASONS, SeasonDates, SeasonGroupView
from boxoffice.dialects.api31.answers import Answer, Listed, Wrapped, answer, require_match, tagged, wrapped
from boxoffice.dialects.api31.deps import Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.api31.times import iso_moment
from boxoffice.dialects.cleeng.body import BadBody, Fields, Shaped, Text, declare

router = APIRouter(route_class=Api31Route, tags=["api31"])

# Ids in the path: positive whole numbers (anything else is a 400, never a lookup). One declaration per name, as
# FastAPI names a parameter after the first one declared with it.
GROUP_ID = Path(ge=1, le=2**53)
SEASON_ID = Path(ge=1, le=2**53)
PAGE = 20
MAX_PAGE = 100
MAX_MOMENT = 40  # characters of an ISO 8601 date and time
_MOMENT = {"type": "string", "maxLength": MAX_MOMENT, "description": "ISO 8601, such as `2026-08-01T00:00:00Z`"}
_SEASON = {
    "type": "object",
    "properties": {"startDate": _MOMENT, "endDate": _MOMENT},
    "required": ["startDate", "endDate"],
}
NAME = Text("name", "The group's name", max_length=MAX_NAME)
NEW_NAME = Text("name", "The group's name", max_length=MAX_NAME, required=True)
SEASONS = Shaped(
    "seasons",
    "The group's first seasons, none overlapping another, each ending after now",
    {"anyOf": [{"type": "array", "items": _SEASON, "maxItems": MAX_SEASONS}, {"type": "null"}]},
)
START = Text("startDate", "When the season starts (ISO 8601)", max_length=MAX_MOMENT)
END = Text("endDate", "When the season ends, that moment excluded (ISO 8601)", max_length=MAX_MOMENT)
NEW_START = Text("startDate", "When the season starts (ISO 8601)", max_length=MAX_MOMENT, required=True)
NEW_END = Text("endDate", "When the season ends, that moment excluded (ISO 8601)", max_length=MAX_MOMENT, required=True)
CREATE = declare(NEW_NAME, SEASONS)
RENAME = declare(NAME)
ADD_SEASON = declare(NEW_START, NEW_END)
CHANGE_SEASON = declare(START, END)


class SeasonData(TypedDict):
    id: int
    startDate: str
    endDate: str


class SeasonGroupDeleted(TypedDict):
    """The group is gone: there is nothing more to say."""


class SeasonGroupData(TypedDict):
    id: int
    name: str
    seasons: list[SeasonData]


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _render(view: SeasonGroupView) -> SeasonGroupData:
    return {
        "id": view.group.id,
        "name": view.group.name,
        "seasons": [{"id": s.id, "startDate": _when(s.starts_at), "endDate": _when(s.ends_at)} for s in view.seasons],
    }


def _moment(field: Text, body: Mapping[str, Any], label: str | None = None) -> datetime | None:
    """A time in UTC, to the second; 422 for text that is no ISO 8601 date and time."""
    named = Text(field.name, field.description, field.max_length, label=label) if label else field
    return iso_moment(named.read(body), label or field.name)


def _dates(body: Mapping[str, Any], label: str = "") -> SeasonDates:
    start = _moment(NEW_START, body, f"{label}startDate" if label else None)
    end = _moment(NEW_END, body, f"{label}endDate" if label else None)
    if start is None or end is None:
        raise Refused(422, f"{label}startDate and {label}endDate are required")
    return SeasonDates(start, end)


def _first_seasons(body: Fields) -> list[SeasonDates]:
    given = SEASONS.read(body)
    if given is None:
        return []
    if not isinstance(given, list) or not all(isinstance(item, dict) for item in given):
        raise BadBody("Invalid param seasons: a list of objects with startDate and endDate")
    if len(given) > MAX_SEASONS:
        raise Refused(422, f"Invalid param seasons: at most {MAX_SEASONS}")
    return [_dates(item, f"seasons[{i}].") for i, item in enumerate(given)]


@router.get("/offers/season-groups")
async def list_season_groups(
    session: Session,
    publisher: Publisher,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE,
) -> Answer[Listed[SeasonGroupData]]:
    """The publisher's season groups, oldest first, each with its seasons."""
    page = await seasons.list_season_groups(session, publisher.id, offset=offset, limit=limit)
    return answer({"items": [_render(view) for view in page.items], "totalCount": page.total})


@router.post("/offers/season-groups", status_code=201)
async def create_season_group(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(CREATE)]
) -> Answer[SeasonGroupData]:
    """A new season group, named, with its first seasons (or none yet): seasons may not overlap, and each must end
    after now."""
    name, first = NEW_NAME.read(body), _first_seasons(body)
    view = await seasons.create_season_group(session, publisher.id, name or "", first)
    return answer(_render(view), 201)


@router.get("/offers/season-groups/{group_id}")
async def read_season_group(
    request: Request, session: Session, publisher: Publisher, group_id: int = GROUP_ID
) -> Answer[SeasonGroupData]:
    """One of the publisher's season groups with its seasons, and an `ETag` for a conditional `PATCH`."""
    return tagged(request, _render(await seasons.find_season_group(session, publisher.id, group_id)))


@router.patch("/offers/season-groups/{group_id}")
async def update_season_group(
    request: Request,
    session: Session,
    publisher: Publisher,
    body: Annotated[Fields, Depends(RENAME)],
    group_id: int = GROUP_ID,
) -> Answer[SeasonGroupData]:
    """Rename a season group (its seasons change through their own endpoints). With `If-Match`, only if the group
    is as last read (else 412)."""
    name = NAME.read(body)

    async def current() -> SeasonGroupData:
        return _render(await seasons.find_season_group(session, publisher.id, group_id, to_change=True))

    await require_match(request, session, ("season group", group_id), current)
    return tagged(request, _render(await seasons.rename_season_group(session, publisher.id, group_id, name)))


@router.delete("/offers/season-groups/{group_id}")
async def delete_season_group(
    session: Session, publisher: Publisher, group_id: int = GROUP_ID
) -> Answer[Wrapped[SeasonGroupDeleted]]:
    """Delete a season group and its seasons; refused (409) while an offer is billed by it."""
    await seasons.delete_season_group(session, publisher.id, group_id)
    return wrapped(SeasonGroupDeleted(), "Season group deleted")


@router.post("/offers/season-groups/{group_id}/seasons", status_code=201)
async def add_season(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(ADD_SEASON)], group_id: int = GROUP_ID
) -> Answer[SeasonGroupData]:
    """Add a season to a group: it must end after now and overlap none of the group's seasons. The answer is the
    group with its seasons."""
    view = await seasons.add_season(session, publisher.id, group_id, _dates(body))
    return answer(_render(view), 201)


@router.patch("/offers/season-groups/{group_id}/seasons/{season_id}")
async def update_season(
    session: Session,
    publisher: Publisher,
    body: Annotated[Fields, Depends(CHANGE_SEASON)],
    group_id: int = GROUP_ID,
    season_id: int = SEASON_ID,
) -> Answer[SeasonGroupData]:
    """Move a season's start or end (what the body leaves out stays). Neither moves into the past, a season under
    way keeps its start, and one that has ended can't be changed."""
    start, end = _moment(START, body), _moment(END, body)
    if start is None and end is None:
        raise Refused(422, "startDate or endDate is required")
    view = await seasons.change_season(session, publisher.id, group_id, season_id, starts_at=start, ends_at=end)
    return answer(_render(view))


@router.delete("/offers/season-groups/{group_id}/seasons/{season_id}")
async def delete_season(
    session: Session, publisher: Publisher, group_id: int = GROUP_ID, season_id: int = SEASON_ID
) -> Answer[SeasonGroupData]:
    """Take a season that has not begun out of its group; the answer is the group as it is left."""
    return answer(_render(await seasons.delete_season(session, publisher.id, group_id, season_id)))
