"""Items (assets and packages) and their access fees: the merchant's catalog, and what viewers' apps read of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from typing_extensions import TypedDict

from boxoffice.catalog import service as catalog
from boxoffice.catalog.access_types import ACCESS_TYPES
from boxoffice.catalog.models import Price
from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.amounts import decimal_field, money_of
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.catalog_render import ACCESS_CONTROL_BY_ID, AccessFee, Item, access_fee, item
from boxoffice.dialects.inplayer.deps import CurrentMerchant, PathId, Session
from boxoffice.dialects.inplayer.forms import date_time, flag, integer, mapping, strings, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import merchants
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.money import Money

router = APIRouter(route_class=InPlayerRoute, tags=["items"])

ITEM = (
    bodies.text("title", "The item's title"),
    bodies.text("item_type", "The kind of asset (`html_asset` unless told), or `package`"),
    bodies.integer("access_control_type_id", "1 paid, 2 code, 3 auth (signed in), 4 data capture"),
    bodies.text("content", "What a viewer with access gets: HTML, or the video's id at its platform"),
    bodies.text("external_asset_id", "The item's id at the merchant's video platform"),
    bodies.text("playback_url_prefix", "Where signed playback links point"),
    bodies.mapping("metadata", "The merchant's own keys and values"),
    bodies.nested(
        "age_restriction",
        {"anyOf": [{"type": "integer"}, {"type": "object", "properties": {"min_age": {"type": "integer"}}}]},
        "The viewer's minimum age, or `age_restriction[min_age]`; empty removes it",
    ),
    bodies.integer("country_set_id", "The country set the item is restricted to; empty removes it"),
    bodies.flag("plan_switch_enabled", "Whether subscribers may switch between its access fees"),
    bodies.flag("active", "Whether it is on sale"),
    bodies.flag("is_active", "Whether it is on sale, when `active` is not sent"),
)
NEW_ITEM = bodies.form(*ITEM)
CHANGED_ITEM = bodies.form(*ITEM, description="Fields not sent are left as they are")
PACKAGE_MEMBERS = bodies.form(
    bodies.strings("add_asset_ids", "Items to add to the package", numbers=True),
    bodies.strings("remove_asset_ids", "Items to take out of the package", numbers=True),
)
FEE = (
    bodies.integer("access_type_id", "The period it buys (`GET /v2/access-types`)"),
    bodies.text("currency", "ISO 4217 code"),
    bodies.text("description", "What the viewer is told it is"),
    bodies.moment("starts_at", "When it goes on sale; empty removes it"),
    bodies.moment("expires_at", "When it comes off sale; empty removes it"),
    bodies.integer("trial_period_quantity", "The free trial's length, in `trial_period_period`s"),
    bodies.text("trial_period_period", "`day`, `week` or `month`"),
    bodies.text("trial_period_description", "What the viewer is told of the trial"),
    bodies.amount("setup_fee_amount", "A first payment's extra fee; empty removes it"),
    bodies.text("setup_fee_description", "What the viewer is told of the setup fee"),
    bodies.integer("country_set_id", "The country set it is restricted to; empty removes it"),
    bodies.flag("active", "Whether it is on sale"),
)
NEW_FEE = bodies.form(bodies.amount("amount", "The price, such as 4.99", required=True), *FEE)
CHANGED_FEE = bodies.form(
    bodies.amount("amount", "The price, such as 4.99"), *FEE, description="Fields not sent are left as they are"
)


class AccessTypeBody(TypedDict):
    id: int
    name: str
    quantity: int
    period: str


class Package(Item):
    """A package and every item in it."""

    items: list[Item]


MAX_PAGE = 100
MAX_PAGE_NUMBER = 1_000_000
# The core's names for the fields whose InPlayer names differ, so a refusal names what the client sent.
FIELD_NAMES = {
    "asset_type": "item_type",
    "access_control": "access_control_type_id",
    "min_age": "age_restriction",
    "attributes": "metadata",
    "trial_quantity": "trial_period_quantity",
    "trial_unit": "trial_period_period",
    "trial_description": "trial_period_description",
    "add": "add_asset_ids",
    "remove": "remove_asset_ids",
    "merchant": "merchant_uuid",
}

PageNumber = Annotated[int, Query(ge=0, le=MAX_PAGE_NUMBER)]
PageLimit = Annotated[int | None, Query(ge=1, le=MAX_PAGE)]


@contextmanager
def inplayer_fields() -> Iterator[None]:
    """Field errors from the core, renamed to the fields the InPlayer client sent."""
    try:
        yield
    except InvalidInput as error:
        error.errors = {FIELD_NAMES.get(name, name): message for name, message in error.errors.items()}
        raise


# ----------------------------------------------------------------------------------------------------
# Reading the forms


def _cleared(body: dict[str, Any], name: str) -> bool:
    """An empty value sent for an optional field removes it."""
    return body.get(name) == ""


def _access_control(body: dict[str, Any]) -> str | None:
    type_id = integer(body, "access_control_type_id")
    if type_id is None:
        return None
    if type_id not in ACCESS_CONTROL_BY_ID:
        raise InvalidInput({"access_control_type_id": "The access control type must be 1, 2, 3 or 4"})
    return ACCESS_CONTROL_BY_ID[type_id]


def _min_age(body: dict[str, Any]) -> int | None:
    """`age_restriction=18`, or the item's own shape `age_restriction[min_age]=18`."""
    nested = body.get("age_restriction")
    if isinstance(nested, dict):
        return integer(nested, "min_age")
    return integer(body, "age_restriction")


def _product_changes(body: dict[str, Any]) -> catalog.ProductChanges:
    active = flag(body, "active")
    return catalog.ProductChanges(
        title=text(body, "title"),
        asset_type=text(body, "item_type") or None,
        access_control=_access_control(body),
        content=text(body, "content"),
        external_asset_id=text(body, "external_asset_id"),
        playback_url_prefix=text(body, "playback_url_prefix"),
        attributes=mapping(body, "metadata"),
        min_age=_min_age(body),
        clear_min_age=_cleared(body, "age_restriction"),
        country_set_id=integer(body, "country_set_id"),
        clear_country_set=_cleared(body, "country_set_id"),
        plan_switch_enabled=flag(body, "plan_switch_enabled"),
        active=active if active is not None else flag(body, "is_active"),
    )


def _price_changes(body: dict[str, Any], current: Price | None) -> catalog.PriceChanges:
    """The fee's fields; `current` is the fee being changed (None when creating)."""
    currency = text(body, "currency")
    if currency is None and current is not None:
        currency = current.currency
    amount = decimal_field(body, "amount")
    if amount is None and current is not None and currency != current.currency:
        amount = Money(current.amount, current.currency).as_decimal()
    if amount is None and current is None:
        raise InvalidInput({"amount": "The amount is required"})
    setup_amount = decimal_field(body, "setup_fee_amount")
    active = flag(body, "active")
    return catalog.PriceChanges(
        access_type_id=integer(body, "access_type_id"),
        money=money_of(amount, currency, "amount") if amount is not None else None,
        description=text(body, "description"),
        starts_at=date_time(body, "starts_at"),
        clear_starts_at=_cleared(body, "starts_at"),
        expires_at=date_time(body, "expires_at"),
        clear_expires_at=_cleared(body, "expires_at"),
        trial_quantity=integer(body, "trial_period_quantity"),
        trial_unit=text(body, "trial_period_period") or None,
        trial_description=text(body, "trial_period_description"),
        clear_trial=_cleared(body, "trial_period_quantity") and _cleared(body, "trial_period_period"),
        setup_fee=money_of(setup_amount, currency, "setup_fee_amount") if setup_amount is not None else None,
        setup_fee_description=text(body, "setup_fee_description"),
        clear_setup_fee=_cleared(body, "setup_fee_amount"),
        country_set_id=integer(body, "country_set_id"),
        clear_country_set=_cleared(body, "country_set_id"),
        active=active,
    )


def _asset_ids(body: dict[str, Any], name: str) -> list[int]:
    ids = []
    for value in strings(body, name) or []:
        if not value.isdigit() or not 0 < int(value) < 2**63:
            raise InvalidInput({name: f"{value!r} is not an item id"})
        ids.append(int(value))
    return ids


# ----------------------------------------------------------------------------------------------------
# Merchant routes


@router.get("/v2/access-types")
async def list_access_types(merchant: CurrentMerchant) -> list[AccessTypeBody]:
    """The periods an access fee can buy."""
    return [{"id": t.id, "name": t.name, "quantity": t.quantity, "period": t.period} for t in ACCESS_TYPES]


@router.post("/v2/items", status_code=201)
async def create_item(session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(NEW_ITEM)]) -> Item:
    """Add an item (an asset or a package) to the merchant's catalog."""
    with inplayer_fields():
        changes = _product_changes(body)
        product = await catalog.create_product(
            session,
            merchant.id,
            title=changes.title or "",
            asset_type=changes.asset_type or "html_asset",
            access_control=changes.access_control or "paid",
            content=changes.content or "",
            external_asset_id=changes.external_asset_id,
            playback_url_prefix=changes.playback_url_prefix,
            attributes=changes.attributes,
            min_age=changes.min_age,
            country_set_id=changes.country_set_id,
            plan_switch_enabled=bool(changes.plan_switch_enabled),
        )
    return item(product, merchant, fees=[], with_content=True, for_merchant=True)


@router.get("/v2/items")
async def list_items(
    session: Session,
    merchant: CurrentMerchant,
    page: PageNumber = 0,
    limit: PageLimit = None,
    size: PageLimit = None,
    search: str | None = Query(None, max_length=200),
    item_type: str | None = Query(None, max_length=50),
    active: bool | None = None,
) -> render.Page[Item]:
    """The merchant's items, a page at a time.

    `search` narrows them by title, `item_type` and `active` by kind and state."""
    per_page = limit or size or 15
    with inplayer_fields():
        total, rows = await catalog.list_products(
            session, merchant.id, search=search, asset_type=item_type or None, active=active, page=page, limit=per_page
        )
    return render.page(total, page, per_page, [item(p, merchant, with_content=True, for_merchant=True) for p in rows])


@router.get("/v2/items/{item_id}")
async def get_item(session: Session, merchant: CurrentMerchant, item_id: PathId) -> Item:
    """One of the merchant's items, with its access fees on sale."""
    product = await catalog.get_product(session, merchant.id, item_id)
    fees = await catalog.active_prices(session, product)
    return item(product, merchant, fees=fees, with_content=True, for_merchant=True)


@router.put("/v2/items/{item_id}")
async def update_item(
    session: Session, merchant: CurrentMerchant, item_id: PathId, body: Annotated[Fields, Depends(CHANGED_ITEM)]
) -> Item:
    """Change one of the merchant's items."""
    with inplayer_fields():
        product = await catalog.update_product(session, merchant.id, item_id, _product_changes(body))
    fees = await catalog.active_prices(session, product)
    return item(product, merchant, fees=fees, with_content=True, for_merchant=True)


@router.delete("/v2/items/{item_id}")
async def deactivate_item(session: Session, merchant: CurrentMerchant, item_id: PathId) -> Item:
    """Take an item off sale (it is kept, inactive)."""
    product = await catalog.deactivate_product(session, merchant.id, item_id)
    fees = await catalog.active_prices(session, product)
    return item(product, merchant, fees=fees, with_content=True, for_merchant=True)


@router.patch("/v2/items/packages/{package_id}/bulk")
async def change_package(
    session: Session, merchant: CurrentMerchant, package_id: PathId, body: Annotated[Fields, Depends(PACKAGE_MEMBERS)]
) -> Package:
    """Add items to a package and take others out."""
    with inplayer_fields():
        package = await catalog.change_package_members(
            session,
            merchant.id,
            package_id,
            add=_asset_ids(body, "add_asset_ids"),
            remove=_asset_ids(body, "remove_asset_ids"),
        )
    _, members = await catalog.package_members(session, package, active_only=False, limit=MAX_PAGE_NUMBER)
    fees = await catalog.active_prices(session, package)
    return {
        **item(package, merchant, fees=fees, with_content=True, for_merchant=True),
        "items": [item(member, merchant, with_content=True, for_merchant=True) for member in members],
    }


@router.post("/v2/items/{item_id}/access-fees", status_code=201)
async def create_access_fee(
    session: Session, merchant: CurrentMerchant, item_id: PathId, body: Annotated[Fields, Depends(NEW_FEE)]
) -> AccessFee:
    """Put a price on an item: a one-time purchase or a subscription."""
    product = await catalog.get_product(session, merchant.id, item_id)
    with inplayer_fields():
        price = await catalog.create_price(session, merchant.id, product.id, _price_changes(body, None))
    return access_fee(price, product, merchant)


@router.put("/v2/items/{item_id}/access-fees/{fee_id}")
async def update_access_fee(
    session: Session,
    merchant: CurrentMerchant,
    item_id: PathId,
    fee_id: PathId,
    body: Annotated[Fields, Depends(CHANGED_FEE)],
) -> AccessFee:
    """Change an item's access fee."""
    product = await catalog.get_product(session, merchant.id, item_id)
    current = await catalog.get_price(session, merchant.id, product.id, fee_id)
    with inplayer_fields():
        price = await catalog.update_price(session, merchant.id, product.id, fee_id, _price_changes(body, current))
    return access_fee(price, product, merchant)


@router.delete("/v2/items/{item_id}/access-fees/{fee_id}")
async def deactivate_access_fee(
    session: Session, merchant: CurrentMerchant, item_id: PathId, fee_id: PathId
) -> AccessFee:
    """Take an access fee off sale."""
    product = await catalog.get_product(session, merchant.id, item_id)
    price = await catalog.deactivate_price(session, merchant.id, product.id, fee_id)
    return access_fee(price, product, merchant)


# ----------------------------------------------------------------------------------------------------
# Public routes: no token, never the content. Paths under /items take typed parameters (`:int`, `:uuid`)
# so that they never claim another router's fixed path (`/items/used-trial-period/{id}` and the like).


@router.get("/items/packages/{package_id:int}")
async def get_package(session: Session, package_id: PathId) -> render.Page[Item]:
    """A package and its access fees on sale, as a one-row page."""
    package, merchant = await catalog.public_package(session, package_id)
    fees = await catalog.prices_on_sale(session, package)
    return render.page(1, 0, 1, [item(package, merchant, fees=fees)])


@router.get("/items/packages/{package_id:int}/items")
async def list_package_items(
    session: Session,
    package_id: PathId,
    page: PageNumber = 0,
    limit: PageLimit = None,
    size: PageLimit = None,
) -> render.Page[Item]:
    """The active items of a package, a page at a time."""
    per_page = limit or size or 15
    package, merchant = await catalog.public_package(session, package_id)
    total, members = await catalog.package_members(session, package, active_only=True, page=page, limit=per_page)
    return render.page(total, page, per_page, [item(member, merchant) for member in members])


@router.get("/items/assets/external/{platform}/{external_id}")
async def get_external_item(
    session: Session,
    platform: str,
    external_id: str,
    merchant_uuid: str | None = Query(None, max_length=36),
) -> Item:
    """The item behind a video platform's id, with its access fees on sale.

    `merchant_uuid` narrows the look-up to one merchant."""
    merchant_id = (await merchants.find_merchant(session, merchant_uuid)).id if merchant_uuid else None
    with inplayer_fields():
        product, merchant = await catalog.product_by_external_id(
            session, platform, external_id, merchant_id=merchant_id
        )
    return item(product, merchant, fees=await catalog.prices_on_sale(session, product))


@router.get("/items/{item_id:int}")
async def get_public_item(session: Session, item_id: PathId) -> Item:
    """An item and its access fees on sale, without its content."""
    product, merchant = await catalog.public_product(session, item_id)
    return item(product, merchant, fees=await catalog.prices_on_sale(session, product))


@router.get("/items/{merchant_uuid:uuid}/{item_id:int}")
async def get_merchant_item(session: Session, merchant_uuid: UUID, item_id: PathId) -> Item:
    """One merchant's item and its access fees on sale, without its content."""
    owner = await merchants.find_merchant(session, str(merchant_uuid))
    product, merchant = await catalog.public_product(session, item_id, merchant_id=owner.id)
    return item(product, merchant, fees=await catalog.prices_on_sale(session, product))


async def _fees_on_sale(session: Session, item_id: int) -> list[AccessFee]:
    product, merchant = await catalog.public_product(session, item_id)
    return [access_fee(price, product, merchant) for price in await catalog.prices_on_sale(session, product)]


@router.get("/v2/items/{item_id}/access-fees")
async def list_access_fees(session: Session, item_id: PathId) -> list[AccessFee]:
    """An item's access fees on sale."""
    return await _fees_on_sale(session, item_id)


@router.get("/items/{item_id:int}/access-fees")
async def list_access_fees_v1(session: Session, item_id: PathId) -> list[AccessFee]:
    """An item's access fees on sale (v1 path)."""
    return await _fees_on_sale(session, item_id)
