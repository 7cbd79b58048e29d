"""Catalog objects in InPlayer's JSON shapes (§5.2): the Item and the AccessFee."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NotRequired

from typing_extensions import TypedDict

from boxoffice.catalog.access_types import BY_ID as ACCESS_TYPES
from boxoffice.catalog.asset_types import asset_type_of
from boxoffice.catalog.models import Price, Product
from boxoffice.dialects.inplayer.amounts import amount
from boxoffice.dialects.inplayer.dates import ts
from boxoffice.identity.models import Merchant

# InPlayer's access-control types: (id, name, whether the viewer must be signed in), by core name.
ACCESS_CONTROL_TYPES: dict[str, tuple[int, str, bool]] = {
    "paid": (1, "Paid", True),
    "code": (2, "Code", False),
    "auth": (3, "Auth", True),
    "data_capture": (4, "Data capture", False),
}
ACCESS_CONTROL_BY_ID = {entry[0]: name for name, entry in ACCESS_CONTROL_TYPES.items()}


class AccessControlType(TypedDict):
    id: int
    name: str
    auth: bool


class ItemType(TypedDict):
    id: int
    name: str
    content_type: str
    host: str
    description: str


class ItemMetadata(TypedDict):
    id: int
    name: str
    value: str


class AgeRestriction(TypedDict):
    min_age: int


class Item(TypedDict):
    """An asset or a package; `content` where the caller may see it, `access_fees` where they were asked for."""

    id: int
    merchant_id: int
    merchant_uuid: str
    is_active: bool
    active: bool
    title: str
    access_control_type: AccessControlType
    item_type: ItemType
    age_restriction: AgeRestriction | None
    metadata: list[ItemMetadata]
    metahash: dict[str, str]
    external_asset_id: str | None
    country_set_id: int | None
    template_id: None
    created_at: int | None
    updated_at: int | None
    plan_switch_enabled: bool
    is_giftable: bool
    gift_metadata: None
    content: NotRequired[str]
    playback_url_prefix: NotRequired[str | None]
    access_fees: NotRequired[list[AccessFee]]


class AccessType(TypedDict):
    id: int
    account_id: int
    name: str
    quantity: int
    period: str
    created_at: int | None
    updated_at: int | None


class TrialPeriod(TypedDict):
    quantity: int
    period: str
    description: str


class SetupFee(TypedDict):
    id: int
    fee_amount: int | float
    description: str


class GeoRestriction(TypedDict):
    id: int
    country_iso: str
    country_set_id: int
    type: str


class AccessFee(TypedDict):
    """A price of an item: `amount` in the currency's major unit (4.99), `access_type` its period."""

    id: int
    merchant_id: int
    amount: int | float
    currency: str
    description: str
    starts_at: int | None
    expires_at: int | None
    created_at: int | None
    updated_at: int | None
    access_type: AccessType
    item: Item
    item_id: int
    trial_period: TrialPeriod | None
    setup_fee: SetupFee | None
    seasonal_fee: None
    external_fees: None
    geo_restriction: GeoRestriction | None
    current_phase: None
    item_type: ItemType


def access_control_type(product: Product) -> AccessControlType:
    type_id, name, auth = ACCESS_CONTROL_TYPES.get(product.access_control, ACCESS_CONTROL_TYPES["paid"])
    return {"id": type_id, "name": name, "auth": auth}


def item_type(product: Product) -> ItemType:
    kind = asset_type_of(product.asset_type)
    return {
        "id": kind.id,
        "name": kind.name,
        "content_type": kind.content_type,
        "host": kind.host,
        "description": kind.description,
    }


def _metahash(product: Product) -> dict[str, str]:
    return {str(k): str(v) for k, v in (product.attributes or {}).items()}


def item_metadata(product: Product) -> list[ItemMetadata]:
    return [{"id": n, "name": k, "value": v} for n, (k, v) in enumerate(_metahash(product).items(), start=1)]


def item(
    product: Product,
    merchant: Merchant,
    *,
    fees: Sequence[Price] | None = None,
    with_content: bool = False,
    for_merchant: bool = False,
) -> Item:
    body: Item = {
        "id": product.id,
        "merchant_id": merchant.id,
        "merchant_uuid": merchant.uuid,
        "is_active": product.active,
        "active": product.active,
        "title": product.title,
        "access_control_type": access_control_type(product),
        "item_type": item_type(product),
        "age_restriction": {"min_age": product.min_age} if product.min_age is not None else None,
        "metadata": item_metadata(product),
        "metahash": _metahash(product),
        "external_asset_id": product.external_asset_id,
        "country_set_id": product.country_set_id,
        "template_id": None,
        "created_at": ts(product.created_at),
        "updated_at": ts(product.updated_at),
        "plan_switch_enabled": product.plan_switch_enabled,
        "is_giftable": True,  # any one-time access fee can be bought as a gift
        "gift_metadata": None,
    }
    if with_content:
        body["content"] = product.content
    if for_merchant:
        body["playback_url_prefix"] = product.playback_url_prefix
    if fees is not None:
        body["access_fees"] = [access_fee(price, product, merchant) for price in fees]
    return body


def access_fee(price: Price, product: Product, merchant: Merchant) -> AccessFee:
    kind = ACCESS_TYPES.get(price.access_type_id)
    country_set = price.country_set
    return {
        "id": price.id,
        "merchant_id": merchant.id,
        "amount": amount(price.amount, price.currency),
        "currency": price.currency,
        "description": price.description,
        "starts_at": ts(price.starts_at),
        "expires_at": ts(price.expires_at),
        "created_at": ts(price.created_at),
        "updated_at": ts(price.updated_at),
        "access_type": {
            "id": price.access_type_id,
            "account_id": merchant.id,
            "name": kind.name if kind else price.kind,
            "quantity": price.period_quantity,
            "period": price.period_unit,
            # The menu of access types has been the merchant's since it signed up.
            "created_at": ts(merchant.created_at),
            "updated_at": ts(merchant.created_at),
        },
        "item": item(product, merchant),
        "item_id": product.id,
        "trial_period": (
            {
                "quantity": price.trial_period_quantity,
                "period": price.trial_period_unit,
                "description": price.trial_description,
            }
            if price.trial_period_quantity and price.trial_period_unit
            else None
        ),
        "setup_fee": (
            {
                "id": price.id,
                "fee_amount": amount(price.setup_fee_amount, price.currency),
                "description": price.setup_fee_description,
            }
            if price.setup_fee_amount
            else None
        ),
        "seasonal_fee": None,
        "external_fees": None,
        "geo_restriction": (
            {
                "id": country_set.id,
                "country_iso": ",".join(country_set.countries),
                "country_set_id": country_set.id,
                "type": country_set.type,
            }
            if country_set is not None
            else None
        ),
        "current_phase": None,
        "item_type": item_type(product),
    }
