"""Catalog use cases: products (assets and packages), what a package holds, and the prices they sell at."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import repository as repo
from boxoffice.catalog.access_types import BY_ID as ACCESS_TYPES
from boxoffice.catalog.access_types import AccessType
from boxoffice.catalog.asset_types import ACCESS_CONTROLS, BY_NAME, BY_PLATFORM, PACKAGE
from boxoffice.catalog.currencies import is_currency, refusal
from boxoffice.catalog.models import PackageMember, Price, Product
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock, validation
from boxoffice.kit.errors import Conflict, InvalidInput, Missing, NotFound
from boxoffice.kit.money import Money
from boxoffice.restrictions import repository as restrictions_repo
from boxoffice.restrictions.models import CountrySet

MAX_TITLE = 500
MAX_TEXT = 500
MAX_EXTERNAL_ID = 200
MAX_CONTENT = 200_000
MAX_AGE = 99
MAX_URL = 2048
MAX_DESCRIPTION = 4000  # as any metadata value
DESCRIPTION = "description"  # the metadata key of what viewers read of a product before buying it
_URL_TEXT = re.compile(r"^[!-~]+$")  # printable ASCII, no spaces: a URL as it goes on the wire
# The largest price, in minor units (ten million in a two-decimal currency): amounts are 32-bit columns.
MAX_AMOUNT = 1_000_000_000
TRIAL_UNITS = ("day", "week", "month")
MAX_TRIAL = 365
ONE_TIME, SUBSCRIPTION = "one_time", "subscription"
CUSTOM_PERIOD = "custom"


# ----------------------------------------------------------------------------------------------------
# Products


@dataclass(slots=True)
class ProductChanges:
    """What a merchant changes on a product; None leaves a field as it is, a `clear_…` flag empties it."""

    title: str | None = None
    asset_type: str | None = None
    access_control: str | None = None
    content: str | None = None
    external_asset_id: str | None = None  # "" removes it
    playback_url_prefix: str | None = None  # "" removes it
    attributes: dict[str, Any] | None = None
    min_age: int | None = None
    clear_min_age: bool = False
    country_set_id: int | None = None
    clear_country_set: bool = False
    plan_switch_enabled: bool | None = None  # whether its subscribers may switch between its recurring fees
    active: bool | None = None
    description: str | None = None  # its metadata's description, kept beside the other keys; "" removes it


async def _own_country_set(
    session: AsyncSession, merchant_id: int, set_id: int, problems: validation.Problems
) -> CountrySet | None:
    found = await restrictions_repo.country_set(session, merchant_id, set_id)
    if found is None:
        problems.add("country_set_id", "No country set of yours has this id")
    return found


def _check_product_fields(changes: ProductChanges, problems: validation.Problems) -> dict[str, Any]:
    """The fields `changes` sets, checked and cleaned; the title is checked by the caller."""
    cleaned: dict[str, Any] = {}
    if changes.asset_type is not None:
        if changes.asset_type not in BY_NAME:
            problems.add("asset_type", "Unknown asset type")
        cleaned["asset_type"] = changes.asset_type
    if changes.access_control is not None:
        if changes.access_control not in ACCESS_CONTROLS:
            problems.add("access_control", "Unknown access control type")
        cleaned["access_control"] = changes.access_control
    if changes.content is not None:
        if len(changes.content) > MAX_CONTENT:
            problems.add("content", f"The content may not be longer than {MAX_CONTENT} characters")
        cleaned["content"] = changes.content
    if changes.external_asset_id is not None:
        external = changes.external_asset_id.strip()
        if len(external) > MAX_EXTERNAL_ID:
            problems.add("external_asset_id", f"The external id may not be longer than {MAX_EXTERNAL_ID} characters")
        cleaned["external_asset_id"] = external or None
    if changes.playback_url_prefix is not None:
        cleaned["playback_url_prefix"] = _playback_url_prefix(changes.playback_url_prefix, problems)
    if changes.attributes is not None:
        cleaned["attributes"] = validation.metadata(changes.attributes, problems)
    if changes.min_age is not None:
        if not 0 <= changes.min_age <= MAX_AGE:
            problems.add("min_age", f"The minimum age must be from 0 to {MAX_AGE}")
        cleaned["min_age"] = changes.min_age
    elif changes.clear_min_age:
        cleaned["min_age"] = None
    if changes.clear_country_set and changes.country_set_id is None:
        cleaned["country_set_id"] = None
    if changes.plan_switch_enabled is not None:
        cleaned["plan_switch_enabled"] = changes.plan_switch_enabled
    if changes.active is not None:
        cleaned["active"] = changes.active
    return cleaned


def _described(attributes: dict[str, Any], description: str | None, problems: validation.Problems) -> dict[str, Any]:
    """`attributes` with the description set (or removed, when empty); as they are when none is given."""
    if description is None:
        return attributes
    text = description.strip()
    if len(text) > MAX_DESCRIPTION:
        problems.add("description", f"The description may not be longer than {MAX_DESCRIPTION} characters")
    rest = {key: value for key, value in attributes.items() if key != DESCRIPTION}
    return rest | {DESCRIPTION: text} if text else rest


def _playback_url_prefix(value: str, problems: validation.Problems) -> str | None:
    prefix = value.strip()
    if not prefix:
        return None
    parts = urlsplit(prefix) if len(prefix) <= MAX_URL and _URL_TEXT.match(prefix) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
        or not parts.path.endswith("/")
    ):
        problems.add(
            "playback_url_prefix",
            "The playback URL prefix is an absolute http(s) URL of a folder, ending with /, without a query",
        )
    return prefix


async def _check_external_id_free(
    session: AsyncSession,
    merchant_id: int,
    asset_type: str,
    external_id: str | None,
    product_id: int | None,
) -> None:
    """A hosting platform's id names one asset of that type per merchant, so it can be looked up by it."""
    if not external_id:
        return
    taken = await repo.products_by_external_id(session, merchant_id, asset_type, external_id)
    if any(p.id != product_id for p in taken):
        raise Conflict("Another asset of this type already has this external id")


async def create_product(
    session: AsyncSession,
    merchant_id: int,
    *,
    title: str,
    asset_type: str,
    content: str = "",
    attributes: dict[str, Any] | None = None,
    access_control: str = "paid",
    external_asset_id: str | None = None,
    playback_url_prefix: str | None = None,
    min_age: int | None = None,
    country_set_id: int | None = None,
    plan_switch_enabled: bool = False,
    description: str | None = None,
) -> Product:
    problems = validation.Problems()
    changes = ProductChanges(
        asset_type=asset_type,
        access_control=access_control,
        content=content,
        external_asset_id=external_asset_id,
        playback_url_prefix=playback_url_prefix,
        attributes=_described(attributes or {}, description, problems),
        min_age=min_age,
        plan_switch_enabled=plan_switch_enabled,
    )
    clean_title = validation.required_text(title, "title", problems, max_length=MAX_TITLE)
    cleaned = _check_product_fields(changes, problems)
    if country_set_id is not None:
        await _own_country_set(session, merchant_id, country_set_id, problems)
    problems.raise_any()
    await _check_external_id_free(session, merchant_id, asset_type, cleaned.get("external_asset_id"), None)
    product = Product(
        merchant_id=merchant_id,
        kind=PACKAGE if asset_type == PACKAGE else "asset",
        title=clean_title,
        country_set_id=country_set_id,
        active=True,
        **cleaned,
    )
    session.add(product)
    await session.flush()
    return product


async def get_product(session: AsyncSession, merchant_id: int, product_id: int) -> Product:
    product = await repo.product_by_id(session, merchant_id, product_id)
    if product is None:
        raise NotFound(what=Missing.PRODUCT)
    return product


async def list_products(
    session: AsyncSession,
    merchant_id: int,
    *,
    search: str | None = None,
    asset_type: str | None = None,
    active: bool | None = None,
    page: int = 0,
    limit: int = 15,
) -> tuple[int, Sequence[Product]]:
    if asset_type is not None and asset_type not in BY_NAME:
        raise InvalidInput({"asset_type": "Unknown asset type"})
    return await repo.products_page(
        session,
        merchant_id,
        search=search.strip() if search else None,
        asset_type=asset_type,
        active=active,
        offset=page * limit,
        limit=limit,
    )


async def update_product(session: AsyncSession, merchant_id: int, product_id: int, changes: ProductChanges) -> Product:
    product = await get_product(session, merchant_id, product_id)
    problems = validation.Problems()
    title = (
        validation.required_text(changes.title, "title", problems, max_length=MAX_TITLE)
        if changes.title is not None
        else product.title
    )
    cleaned = _check_product_fields(changes, problems)
    if changes.description is not None:
        cleaned["attributes"] = _described(cleaned.get("attributes", product.attributes), changes.description, problems)
    new_type = cleaned.get("asset_type", product.asset_type)
    if (new_type == PACKAGE) != (product.kind == PACKAGE):
        problems.add("asset_type", "An asset can't become a package, nor a package an asset")
    if changes.country_set_id is not None:
        await _own_country_set(session, merchant_id, changes.country_set_id, problems)
        cleaned["country_set_id"] = changes.country_set_id
    problems.raise_any()
    await _check_external_id_free(
        session, merchant_id, new_type, cleaned.get("external_asset_id", product.external_asset_id), product.id
    )
    product.title = title
    for name, value in cleaned.items():
        setattr(product, name, value)
    product.updated_at = clock.now()
    await session.flush()
    return product


async def deactivate_product(session: AsyncSession, merchant_id: int, product_id: int) -> Product:
    """Takes the product off sale and out of the public catalog; every entitlement to it stays."""
    return await update_product(session, merchant_id, product_id, ProductChanges(active=False))


async def find_product(session: AsyncSession, merchant_id: int, title: str) -> Product | None:
    return await repo.product_by_title(session, merchant_id, title)


# ----------------------------------------------------------------------------------------------------
# Packages


async def get_package(session: AsyncSession, merchant_id: int, package_id: int) -> Product:
    product = await repo.product_by_id(session, merchant_id, package_id)
    if product is None or product.kind != PACKAGE:
        raise NotFound(what=Missing.PACKAGE)
    return product


async def change_package_members(
    session: AsyncSession,
    merchant_id: int,
    package_id: int,
    *,
    add: Sequence[int] = (),
    remove: Sequence[int] = (),
) -> Product:
    """Puts assets into a package and takes others out. Only the merchant's own assets, never a package."""
    package = await get_package(session, merchant_id, package_id)
    problems = validation.Problems()
    if set(add) & set(remove):
        problems.add("add", "An asset can't be both added to and removed from a package")
    found = await repo.products_by_ids(session, merchant_id, [*add, *remove])
    for field, ids in (("add", add), ("remove", remove)):
        for product_id in ids:
            product = found.get(product_id)
            if product is None:
                problems.add(field, f"No asset of yours has the id {product_id}")
            elif product.kind == PACKAGE:
                problems.add(field, f"{product_id} is a package, and a package can't hold another package")
    problems.raise_any()
    present = set(await repo.member_ids(session, merchant_id, package.id))
    for product_id in dict.fromkeys(add):
        if product_id not in present:
            session.add(PackageMember(merchant_id=merchant_id, package_id=package.id, product_id=product_id))
    leaving = [product_id for product_id in dict.fromkeys(remove) if product_id in present]
    if leaving:
        await repo.remove_members(session, merchant_id, package.id, leaving)
    package.updated_at = clock.now()
    await session.flush()
    return package


async def package_members(
    session: AsyncSession, package: Product, *, active_only: bool, page: int = 0, limit: int = 100
) -> tuple[int, Sequence[Product]]:
    return await repo.members_page(
        session, package.merchant_id, package.id, active_only=active_only, offset=page * limit, limit=limit
    )


# ----------------------------------------------------------------------------------------------------
# The public catalog: what a viewer's app may read without signing in


async def public_product(
    session: AsyncSession, product_id: int, *, merchant_id: int | None = None
) -> tuple[Product, Merchant]:
    """An active product of an active merchant, by its id (and its merchant's, when the caller names one)."""
    if merchant_id is None:
        product = await repo.product_anywhere(session, product_id)
    else:
        product = await repo.product_by_id(session, merchant_id, product_id)
    merchant = await identity_repo.merchant_by_id(session, product.merchant_id) if product else None
    if product is None or not product.active or merchant is None or not merchant.active:
        raise NotFound(what=Missing.PRODUCT)
    return product, merchant


async def public_package(
    session: AsyncSession, package_id: int, *, merchant_id: int | None = None
) -> tuple[Product, Merchant]:
    try:
        package, merchant = await public_product(session, package_id, merchant_id=merchant_id)
    except NotFound:
        raise NotFound(what=Missing.PACKAGE) from None
    if package.kind != PACKAGE:
        raise NotFound(what=Missing.PACKAGE)
    return package, merchant


async def product_by_external_id(
    session: AsyncSession, platform: str, external_id: str, *, merchant_id: int | None = None
) -> tuple[Product, Merchant]:
    """The active asset a hosting platform's id names; without a merchant, it must name just one."""
    asset_type = BY_PLATFORM.get(platform)
    if asset_type is None or asset_type.name == PACKAGE:
        raise NotFound(what=Missing.PRODUCT)
    found = [
        product
        for product in await repo.products_by_external_id(session, merchant_id, asset_type.name, external_id)
        if product.active
    ]
    if len(found) > 1:
        raise InvalidInput({"merchant": "Several publishers have an asset with this id; name the publisher"})
    if not found:
        raise NotFound(what=Missing.PRODUCT)
    return await public_product(session, found[0].id, merchant_id=found[0].merchant_id)


async def prices_on_sale(session: AsyncSession, product: Product) -> Sequence[Price]:
    """The prices a viewer may buy the product at now: active, and inside their sale window."""
    return await repo.prices_on_sale(session, product.merchant_id, product.id, clock.now())


async def active_prices(session: AsyncSession, product: Product) -> Sequence[Price]:
    """Every price not taken off sale, including those whose sale window hasn't opened yet."""
    return await repo.active_prices_of(session, product.merchant_id, product.id)


async def prices_of(session: AsyncSession, product: Product) -> Sequence[Price]:
    return await repo.prices_of(session, product.merchant_id, product.id)


# ----------------------------------------------------------------------------------------------------
# Prices


@dataclass(slots=True)
class PriceChanges:
    """A price's terms. On create, None means "none"; on update, None leaves a field as it is."""

    access_type_id: int | None = None
    money: Money | None = None
    description: str | None = None
    starts_at: datetime | None = None
    clear_starts_at: bool = False
    expires_at: datetime | None = None
    clear_expires_at: bool = False
    trial_quantity: int | None = None
    trial_unit: str | None = None
    trial_description: str | None = None
    clear_trial: bool = False
    setup_fee: Money | None = None
    setup_fee_description: str | None = None
    clear_setup_fee: bool = False
    country_set_id: int | None = None
    clear_country_set: bool = False
    active: bool | None = None


def check_money(
    money: Money, problems: validation.Problems, field: str = "amount", *, free_allowed: bool = False
) -> None:
    """A price is positive (or zero, where something may be given away), in a currency in use, and below a sane
    ceiling."""
    if not is_currency(money.currency):
        problems.add("currency", refusal(money.currency))
    if money.amount < 0 or (money.amount == 0 and not free_allowed):
        problems.add(field, "The amount must be greater than zero")
    elif money.amount > MAX_AMOUNT:
        problems.add(field, "The amount is too large")


def _check_text(value: str | None, field: str, problems: validation.Problems) -> None:
    if value is not None and len(value) > MAX_TEXT:
        problems.add(field, f"The {field} may not be longer than {MAX_TEXT} characters")


@dataclass(frozen=True, slots=True)
class _PriceTerms:
    """A price's terms as a change would make them, checked: what `_write_price_terms` writes."""

    access_type: AccessType | None
    money: Money | None
    starts: datetime | None
    expires: datetime | None
    trial_quantity: int | None
    trial_unit: str | None
    setup_fee: Money | None
    country_set: CountrySet | None


async def _apply_price_changes(session: AsyncSession, price: Price, changes: PriceChanges, *, creating: bool) -> None:
    """Checks `changes` against the price as it would become, then writes them; refuses all on any problem."""
    now = clock.now()
    terms = await _checked_price_terms(session, price, changes, creating=creating, now=now)
    _write_price_terms(price, changes, terms, now)


async def _checked_price_terms(
    session: AsyncSession, price: Price, changes: PriceChanges, *, creating: bool, now: datetime
) -> _PriceTerms:
    """The terms `changes` give `price`, every rule checked; InvalidInput naming each field with a problem."""
    problems = validation.Problems()
    access_type = _check_access_type(price, changes, problems, creating=creating)
    recurring = access_type is not None and access_type.kind == SUBSCRIPTION
    _check_amount(price, changes, problems, creating=creating, recurring=recurring)
    _check_text(changes.description, "description", problems)
    _check_text(changes.trial_description, "trial_description", problems)
    _check_text(changes.setup_fee_description, "setup_fee_description", problems)
    starts, expires = _check_sale_window(price, changes, access_type, problems, now)
    trial_quantity, trial_unit = _check_trial(price, changes, problems, recurring=recurring)
    setup_fee = _check_setup_fee(price, changes, problems, recurring=recurring)
    country_set = None
    if changes.country_set_id is not None:
        country_set = await _own_country_set(session, price.merchant_id, changes.country_set_id, problems)
    problems.raise_any()
    return _PriceTerms(access_type, changes.money, starts, expires, trial_quantity, trial_unit, setup_fee, country_set)


def _check_access_type(
    price: Price, changes: PriceChanges, problems: validation.Problems, *, creating: bool
) -> AccessType | None:
    """The access type the price would have: the one named, or its own."""
    access_type: AccessType | None = ACCESS_TYPES.get(price.access_type_id)
    if changes.access_type_id is not None:
        access_type = ACCESS_TYPES.get(changes.access_type_id)
        if access_type is None:
            problems.add("access_type_id", "Unknown access type")
    elif creating:
        problems.add("access_type_id", "The access type is required")
    return access_type


def _check_amount(
    price: Price, changes: PriceChanges, problems: validation.Problems, *, creating: bool, recurring: bool
) -> None:
    money = changes.money
    if money is not None:
        # Access sold once may be free (bought with no payment details); a subscription renews by charging, so it
        # has something to charge.
        check_money(money, problems, free_allowed=not recurring)
    elif creating:
        problems.add("amount", "The amount is required")
    elif recurring and price.amount == 0:
        problems.add("amount", "A subscription needs an amount greater than zero")


def _check_sale_window(
    price: Price,
    changes: PriceChanges,
    access_type: AccessType | None,
    problems: validation.Problems,
    now: datetime,
) -> tuple[datetime | None, datetime | None]:
    """When the price would go on sale and come off it."""
    starts = None if changes.clear_starts_at else changes.starts_at or price.starts_at
    expires = None if changes.clear_expires_at else changes.expires_at or price.expires_at
    if starts and expires and expires <= starts:
        problems.add("expires_at", "The end of sale must come after its start")
    if changes.expires_at is not None and changes.expires_at <= now:
        problems.add("expires_at", "The end of sale must be in the future")
    if access_type is not None and access_type.period == CUSTOM_PERIOD and expires is None:
        problems.add("expires_at", f"A {access_type.name} price needs the date its access ends")
    return starts, expires


def _check_trial(
    price: Price, changes: PriceChanges, problems: validation.Problems, *, recurring: bool
) -> tuple[int | None, str | None]:
    """The trial the price would have: its length and its period, or neither."""
    trial_quantity = None if changes.clear_trial else changes.trial_quantity or price.trial_period_quantity
    trial_unit = None if changes.clear_trial else changes.trial_unit or price.trial_period_unit
    if changes.trial_quantity is not None and not 1 <= changes.trial_quantity <= MAX_TRIAL:
        problems.add("trial_quantity", f"The trial length must be from 1 to {MAX_TRIAL}")
    if changes.trial_unit is not None and changes.trial_unit not in TRIAL_UNITS:
        problems.add("trial_unit", "The trial period must be day, week or month")
    if (trial_quantity is None) != (trial_unit is None):
        problems.add(
            "trial_quantity" if trial_quantity is None else "trial_unit",
            "A trial needs both its length and its period",
        )
    if trial_quantity is not None and not recurring:
        problems.add("trial_quantity", "Only a subscription can have a trial")
    return trial_quantity, trial_unit


def _check_setup_fee(
    price: Price, changes: PriceChanges, problems: validation.Problems, *, recurring: bool
) -> Money | None:
    """The setup fee `changes` sets, if it sets one."""
    money = changes.money
    currency = money.currency if money else price.currency
    setup_fee = None if changes.clear_setup_fee else changes.setup_fee
    if setup_fee is not None:
        check_money(setup_fee, problems, "setup_fee_amount")
        if setup_fee.currency != currency:
            problems.add("setup_fee_amount", "The setup fee is charged in the price's currency")
    elif not changes.clear_setup_fee and price.setup_fee_amount and money and money.currency != price.currency:
        problems.add("currency", "Change the setup fee along with the currency")
    if (setup_fee is not None or (price.setup_fee_amount and not changes.clear_setup_fee)) and not recurring:
        problems.add("setup_fee_amount", "Only a subscription can have a setup fee")
    return setup_fee


def _write_price_terms(price: Price, changes: PriceChanges, terms: _PriceTerms, now: datetime) -> None:
    access_type, money = terms.access_type, terms.money
    if access_type is not None and changes.access_type_id is not None:
        price.access_type_id = access_type.id
        price.kind = access_type.kind
        price.period_unit = access_type.period
        price.period_quantity = access_type.quantity
    if money is not None:
        price.amount, price.currency = money.amount, money.currency
    if changes.description is not None:
        price.description = changes.description.strip()
    price.starts_at, price.expires_at = terms.starts, terms.expires
    price.trial_period_quantity, price.trial_period_unit = terms.trial_quantity, terms.trial_unit
    if changes.trial_description is not None:
        price.trial_description = changes.trial_description.strip()
    if terms.setup_fee is not None:
        price.setup_fee_amount = terms.setup_fee.amount
    elif changes.clear_setup_fee:
        price.setup_fee_amount = None
    if changes.setup_fee_description is not None:
        price.setup_fee_description = changes.setup_fee_description.strip()
    if terms.country_set is not None:
        price.country_set_id, price.country_set = terms.country_set.id, terms.country_set
    elif changes.clear_country_set:
        price.country_set_id, price.country_set = None, None
    if changes.active is not None:
        price.active = changes.active
    price.updated_at = now


async def create_price(session: AsyncSession, merchant_id: int, product_id: int, changes: PriceChanges) -> Price:
    """A new way to buy an active product."""
    product = await get_product(session, merchant_id, product_id)
    if not product.active:
        raise Conflict("The item is not active: activate it before putting a price on it")
    price = Price(
        merchant_id=merchant_id,
        product_id=product.id,
        access_type_id=0,
        kind=ONE_TIME,
        amount=0,
        currency="",
        description="",
        period_unit="",
        period_quantity=1,
        trial_description="",
        setup_fee_description="",
        country_set=None,
        active=True if changes.active is None else changes.active,
    )
    await _apply_price_changes(session, price, changes, creating=True)
    session.add(price)
    await session.flush()
    return price


async def get_price(session: AsyncSession, merchant_id: int, product_id: int, price_id: int) -> Price:
    price = await repo.price_by_id(session, merchant_id, price_id)
    if price is None or price.product_id != product_id:
        raise NotFound(what=Missing.PRICE)
    return price


async def update_price(
    session: AsyncSession, merchant_id: int, product_id: int, price_id: int, changes: PriceChanges
) -> Price:
    await get_product(session, merchant_id, product_id)
    price = await get_price(session, merchant_id, product_id, price_id)
    await _apply_price_changes(session, price, changes, creating=False)
    await session.flush()
    return price


async def deactivate_price(session: AsyncSession, merchant_id: int, product_id: int, price_id: int) -> Price:
    """Stops new sales at this price; purchases and subscriptions made at it go on."""
    return await update_price(session, merchant_id, product_id, price_id, PriceChanges(active=False))


async def add_price(
    session: AsyncSession,
    product: Product,
    *,
    access_type: AccessType,
    money: Money,
    description: str,
    trial_days: int | None = None,
) -> Price:
    """A price on the menu's terms, unchecked: for seeding (the demo), where the input is the program's own."""
    price = Price(
        merchant_id=product.merchant_id,
        product_id=product.id,
        access_type_id=access_type.id,
        kind=access_type.kind,
        amount=money.amount,
        currency=money.currency,
        period_unit=access_type.period,
        period_quantity=access_type.quantity,
        description=description,
        trial_period_unit="day" if trial_days else None,
        trial_period_quantity=trial_days,
        country_set=None,
    )
    session.add(price)
    await session.flush()
    return price
