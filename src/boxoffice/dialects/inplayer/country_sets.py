"""Country sets: the countries an item or access fee may (whitelist) or may not (blacklist) be sold in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from typing_extensions import TypedDict

from boxoffice.catalog import country_sets
from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import CurrentMerchant, PageOf, PathId, Session
from boxoffice.dialects.inplayer.forms import strings, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity.models import Merchant
from boxoffice.restrictions import service as restrictions
from boxoffice.restrictions.models import CountrySet

router = APIRouter(route_class=InPlayerRoute, tags=["restrictions"])

KINDS = ("whitelist", "blacklist")
NEW_SET = bodies.form(
    bodies.text("name", "The merchant's name for it", required=True),
    bodies.text(
        "type", "`whitelist` (sold only there) or `blacklist` (sold everywhere else)", required=True, enum=KINDS
    ),
    bodies.strings("countries", "ISO 3166 alpha-2 codes; or one comma-separated value", required=True),
)
CHANGED_SET = bodies.form(
    bodies.text("name", "The merchant's name for it"),
    bodies.text("type", "`whitelist` or `blacklist`", enum=KINDS),
    bodies.strings("countries", "ISO 3166 alpha-2 codes; the list replaces the one kept"),
)


class CountrySetBody(TypedDict):
    id: int
    merchant_id: int
    merchant_uuid: str
    name: str
    type: str
    countries: list[str]
    created_at: int | None
    updated_at: int | None


def _country_set(found: CountrySet, merchant: Merchant) -> CountrySetBody:
    return {
        "id": found.id,
        "merchant_id": merchant.id,
        "merchant_uuid": merchant.uuid,
        "name": found.name,
        "type": found.type,
        "countries": list(found.countries),
        "created_at": render.ts(found.created_at),
        "updated_at": render.ts(found.updated_at),
    }


def _countries(body: dict[str, Any]) -> list[str] | None:
    """`countries[]=US&countries[]=GB`, or one comma-separated value `countries=US,GB`."""
    values = strings(body, "countries")
    if values is None:
        return None
    return [part for value in values for part in value.split(",") if part.strip()]


@router.post("/restrictions/country-sets", status_code=201)
async def create_country_set(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(NEW_SET)]
) -> CountrySetBody:
    """Create a country set, for restricting where items and access fees are sold."""
    created = await restrictions.create_country_set(
        session, merchant.id, name=text(body, "name"), type_=text(body, "type"), countries=_countries(body)
    )
    return _country_set(created, merchant)


@router.get("/restrictions/country-sets")
async def list_country_sets(
    session: Session,
    merchant: CurrentMerchant,
    paging: PageOf,
) -> render.Page[CountrySetBody]:
    """The merchant's country sets, a page at a time."""
    page, per_page = paging.page, paging.per_page
    total, rows = await restrictions.list_country_sets(session, merchant.id, page=page, limit=per_page)
    return render.page(total, page, per_page, [_country_set(row, merchant) for row in rows])


@router.get("/restrictions/country-sets/{set_id}")
async def get_country_set(session: Session, merchant: CurrentMerchant, set_id: PathId) -> CountrySetBody:
    """One of the merchant's country sets."""
    return _country_set(await restrictions.get_country_set(session, merchant.id, set_id), merchant)


@router.put("/restrictions/country-sets/{set_id}")
async def update_country_set(
    session: Session, merchant: CurrentMerchant, set_id: PathId, body: Annotated[Fields, Depends(CHANGED_SET)]
) -> CountrySetBody:
    """Change a country set; fields not sent are left as they are."""
    updated = await restrictions.update_country_set(
        session, merchant.id, set_id, name=text(body, "name"), type_=text(body, "type"), countries=_countries(body)
    )
    return _country_set(updated, merchant)


@router.delete("/restrictions/country-sets/{set_id}")
async def delete_country_set(session: Session, merchant: CurrentMerchant, set_id: PathId) -> render.Message:
    """Delete a country set; what it restricted is sold everywhere again."""
    await country_sets.delete_country_set(session, merchant.id, set_id)
    return render.message("Country set deleted")
