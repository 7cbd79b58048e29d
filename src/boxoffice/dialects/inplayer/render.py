"""Core objects in InPlayer's JSON shapes: Unix-second times, InPlayer's field names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any, Generic, NotRequired, TypeVar

from typing_extensions import TypedDict

from boxoffice.access.models import Entitlement
from boxoffice.access.service import Purchase
from boxoffice.catalog.access_types import BY_ID as ACCESS_TYPES
from boxoffice.dialects.inplayer.catalog_render import Item
from boxoffice.dialects.inplayer.dates import ts as ts  # the one Unix-seconds rendering, used by every renderer
from boxoffice.identity.models import (
    Customer,
    ExternalAccount,
    Favorite,
    FeatureFlag,
    Merchant,
    Profile,
    RegisterField,
    WatchProgress,
)
from boxoffice.identity.tokens import IssuedTokens
from boxoffice.kit.money import Money
from boxoffice.restrictions.models import RestrictionSettings

Row = TypeVar("Row")


class Account(TypedDict):
    """A customer's account (roles `consumer`) or a merchant's own (roles `merchant`)."""

    id: int
    uuid: str
    email: str
    username: str
    full_name: str
    referrer: str
    metadata: dict[str, Any]
    social_apps_metadata: list[Any]
    roles: list[str]
    completed: bool
    active: bool
    date_of_birth: int | None
    merchant_id: int
    merchant_uuid: str
    created_at: int | None
    updated_at: int | None


class Tokens(TypedDict):
    """A session: its bearer token, when it expires (Unix seconds), the refresh token (v1 only), the account."""

    access_token: str
    expires: int
    refresh_token: NotRequired[str]
    account: Account


class Message(TypedDict):
    code: int
    message: str


class Page(TypedDict, Generic[Row]):
    """A v1 list page: `page` counted from 0, `limit` rows from `offset`, of `total`."""

    total: int
    page: int
    offset: int
    limit: int
    collection: list[Row]


class Collection(TypedDict, Generic[Row]):
    collection: list[Row]


class RegisterFieldBody(TypedDict):
    id: int
    name: str
    label: str
    type: str
    required: bool
    default_value: str
    placeholder: str
    options: dict[str, str]


class ProfileCredentials(TypedDict):
    access_token: str
    expires: int


class ProfileBody(TypedDict):
    id: int
    account_id: int
    name: str
    avatar_url: str
    default: bool
    adult: bool
    pin_required: bool
    created_at: int | None
    updated_at: int | None
    credentials: NotRequired[ProfileCredentials]


class FavoriteBody(TypedDict):
    media_id: str
    created_at: int | None


class WatchProgressBody(TypedDict):
    media_id: str
    progress: float
    created_at: int | None
    updated_at: int | None


class FeatureFlagBody(TypedDict):
    name: str
    enabled: bool


class ExternalAccountBody(TypedDict):
    id: int
    account_id: int
    integration: str
    item_id: int | None
    token: str
    data: dict[str, Any]


class RestrictionSettingsBody(TypedDict):
    age_verification_type: str | None
    age_verification_enabled: bool
    domains: list[str]
    max_concurrent_sessions: int | None
    merchant_uuid: str
    created_at: int | None
    updated_at: int | None


def customer_account(
    customer: Customer, merchant: Merchant, outside_identities: Sequence[tuple[str, str]] = ()
) -> Account:
    """The customer's account; `outside_identities` (provider, account id) are the social sign-ins linked to it,
    where the caller read them."""
    birth = customer.date_of_birth
    return {
        "id": customer.id,
        "uuid": customer.uuid,
        "email": customer.email,
        "username": customer.email,
        "full_name": customer.full_name,
        "referrer": customer.referrer or "",
        "metadata": dict(customer.attributes),
        "social_apps_metadata": [
            {"social_app": provider, "social_app_id": account_id} for provider, account_id in outside_identities
        ],
        "roles": ["consumer"],
        "completed": True,
        "active": customer.active,
        "date_of_birth": int(datetime.combine(birth, time(), UTC).timestamp()) if birth else None,
        "merchant_id": merchant.id,
        "merchant_uuid": merchant.uuid,
        "created_at": ts(customer.created_at),
        "updated_at": ts(customer.updated_at),
    }


def merchant_account(merchant: Merchant) -> Account:
    return {
        "id": merchant.id,
        "uuid": merchant.uuid,
        "email": merchant.email,
        "username": merchant.email,
        "full_name": merchant.full_name,
        "referrer": "",
        "metadata": {},
        "social_apps_metadata": [],
        "roles": ["merchant"],
        "completed": True,
        "active": merchant.active,
        "date_of_birth": None,
        "merchant_id": merchant.id,
        "merchant_uuid": merchant.uuid,
        "created_at": ts(merchant.created_at),
        "updated_at": ts(merchant.updated_at),
    }


def account(merchant: Merchant, customer: Customer | None) -> Account:
    return customer_account(customer, merchant) if customer else merchant_account(merchant)


def tokens(issued: IssuedTokens, merchant: Merchant, customer: Customer | None, *, v2: bool = False) -> Tokens:
    owner = account(merchant, customer)
    if v2:
        return {"access_token": issued.access_token, "expires": issued.expires, "account": owner}
    return {
        "access_token": issued.access_token,
        "expires": issued.expires,
        "refresh_token": issued.refresh_token,
        "account": owner,
    }


def register_field(field: RegisterField) -> RegisterFieldBody:
    return {
        "id": field.id,
        "name": field.name,
        "label": field.label,
        "type": field.type,
        "required": field.required,
        "default_value": field.default_value,
        "placeholder": field.placeholder,
        "options": dict(field.options),
    }


def profile(item: Profile, credentials: tuple[str, int] | None = None) -> ProfileBody:
    body: ProfileBody = {
        "id": item.id,
        "account_id": item.customer_id,
        "name": item.name,
        "avatar_url": item.avatar_url,
        "default": item.is_default,
        "adult": item.adult,
        "pin_required": item.pin_hash is not None,
        "created_at": ts(item.created_at),
        "updated_at": ts(item.updated_at),
    }
    if credentials:
        body["credentials"] = {"access_token": credentials[0], "expires": credentials[1]}
    return body


def favorite(item: Favorite) -> FavoriteBody:
    return {"media_id": item.media_id, "created_at": ts(item.created_at)}


def watch_progress(item: WatchProgress) -> WatchProgressBody:
    return {
        "media_id": item.media_id,
        "progress": item.progress,
        "created_at": ts(item.created_at),
        "updated_at": ts(item.updated_at),
    }


def feature_flag(flag: FeatureFlag) -> FeatureFlagBody:
    return {"name": flag.name, "enabled": flag.enabled}


def external_account(link: ExternalAccount) -> ExternalAccountBody:
    return {
        "id": link.id,
        "account_id": link.customer_id,
        "integration": link.integration,
        "item_id": link.item_id,
        "token": link.token,
        "data": dict(link.data),
    }


def restriction_settings(settings: RestrictionSettings, merchant: Merchant) -> RestrictionSettingsBody:
    return {
        "age_verification_type": settings.age_verification_type,
        "age_verification_enabled": settings.age_verification_enabled,
        "domains": list(settings.allowed_domains),
        "max_concurrent_sessions": settings.max_concurrent_sessions,
        "merchant_uuid": merchant.uuid,
        # Settings never saved are the defaults the merchant has had since it signed up.
        "created_at": ts(settings.created_at or merchant.created_at),
        "updated_at": ts(settings.updated_at or merchant.created_at),
    }


def message(text: str, code: int = 200) -> Message:
    return {"code": code, "message": text}


def page(total: int, page_number: int, limit: int, collection: list[Row]) -> Page[Row]:
    return {
        "total": total,
        "page": page_number,
        "offset": page_number * limit,
        "limit": limit,
        "collection": collection,
    }


class ItemAccess(TypedDict):
    """Access to an item; `id` and the times are null for an item open to any signed-in viewer."""

    id: int | None
    account_id: int
    customer_id: int
    customer_uuid: str
    item_id: int
    ip_address: str | None
    country_code: str | None
    created_at: int | None
    starts_at: int | None
    expires_at: int | None
    item: Item


class PurchaseBody(TypedDict):
    item_access_id: int
    item_id: int
    item_title: str
    customer_id: int
    consumer_email: str
    merchant_id: int
    created_at: int | None
    starts_at: int | None
    expires_at: int | None
    is_trial: bool
    parent_resource_id: str | None
    payment_method: None
    payment_tool: None
    purchased_access_fee_id: int | None
    purchased_access_fee_description: str | None
    purchased_access_fee_type: str | None
    purchased_amount: float | None
    purchased_currency: str | None
    revoked: int
    type: str
    active: bool


def item_access(
    entitlement: Entitlement | None, product_id: int, customer: Customer, merchant: Merchant, item: Item
) -> ItemAccess:
    """InPlayer's item access; for items open to any signed-in viewer there is no entitlement behind it."""
    return {
        "id": entitlement.id if entitlement else None,
        "account_id": merchant.id,
        "customer_id": customer.id,
        "customer_uuid": customer.uuid,
        "item_id": product_id,
        "ip_address": entitlement.ip_address if entitlement else None,
        "country_code": entitlement.country_code if entitlement else None,
        "created_at": ts(entitlement.created_at) if entitlement else None,
        "starts_at": ts(entitlement.starts_at) if entitlement else None,
        "expires_at": ts(entitlement.expires_at) if entitlement else None,
        "item": item,
    }


# Transaction-token prefixes by source: C- one-time charges, S- subscriptions (§5.4).
_PARENT_PREFIX = {"purchase": "C", "subscription": "S", "gift": "C", "voucher": "C"}


def purchase(row: Purchase, customer: Customer, now: datetime) -> PurchaseBody:
    entitlement, product, price = row.entitlement, row.product, row.price
    revoked = entitlement.revoked_at is not None
    prefix = _PARENT_PREFIX.get(entitlement.source)
    return {
        "item_access_id": entitlement.id,
        "item_id": product.id,
        "item_title": product.title,
        "customer_id": customer.id,
        "consumer_email": customer.email,
        "merchant_id": entitlement.merchant_id,
        "created_at": ts(entitlement.created_at),
        "starts_at": ts(entitlement.starts_at),
        "expires_at": ts(entitlement.expires_at),
        "is_trial": entitlement.is_trial,
        "parent_resource_id": f"{prefix}-{entitlement.source_ref}" if prefix and entitlement.source_ref else None,
        "payment_method": None,
        "payment_tool": None,
        "purchased_access_fee_id": price.id if price else None,
        "purchased_access_fee_description": price.description if price else None,
        "purchased_access_fee_type": ACCESS_TYPES[price.access_type_id].name
        if price and price.access_type_id in ACCESS_TYPES
        else None,
        "purchased_amount": float(Money(price.amount, price.currency).as_decimal()) if price else None,
        "purchased_currency": price.currency if price else None,
        "revoked": 1 if revoked else 0,
        "type": "revoked" if revoked else ("purchased" if entitlement.source == "purchase" else entitlement.source),
        "active": not revoked and entitlement.starts_at <= now < entitlement.expires_at,
    }
