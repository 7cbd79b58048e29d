"""A merchant's apps in the app stores (`gateways.stores`): which app a store's receipts must be of, the
credentials to ask the store (sealed at rest, never shown again), what the store keeps of a sale, and which of
the merchant's prices each store product buys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing import repository as repo
from boxoffice.billing.models import StoreProduct
from boxoffice.catalog import repository as catalog_repo
from boxoffice.gateways import repository as gateways_repo
from boxoffice.gateways.google_play import service_account_problem
from boxoffice.gateways.models import StoreAppSettings
from boxoffice.gateways.stores import Environment, Store, StoreApp
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput, Missing, NotFound
from boxoffice.kit.sealing import Sealer

MAX_ID = 255
MAX_SECRET = 10_000
# The share a store keeps unless the merchant says otherwise: the stores' standard commission.
DEFAULT_FEE_RATE = 1500


@dataclass(frozen=True, slots=True)
class StoreAppShown:
    store: Store
    app_id: str
    apple_app_id: int | None
    environment: Environment
    secret_set: bool
    fee_rate: int  # basis points
    notification_account: str | None


@dataclass(frozen=True, slots=True)
class StoreAppChange:
    """What a merchant sends; None leaves a value as it is."""

    app_id: str | None = None
    apple_app_id: int | None = None
    environment: str | None = None
    secret: str | None = None
    fee_rate: int | None = None
    notification_account: str | None = None


@dataclass(frozen=True, slots=True)
class StoreProductShown:
    store: Store
    product_id: str
    price_id: int
    product: int  # the catalogue's product the price is of


def _shown(row: StoreAppSettings) -> StoreAppShown:
    return StoreAppShown(
        Store(row.store),
        row.app_id,
        row.apple_app_id,
        Environment(row.environment),
        bool(row.secret),
        row.fee_rate,
        row.notification_account,
    )


def store_app_of(row: StoreAppSettings, sealer: Sealer) -> StoreApp:
    return StoreApp(
        Store(row.store),
        row.app_id,
        row.apple_app_id,
        Environment(row.environment),
        sealer.open(row.secret) if row.secret else None,
    )


async def store_apps(session: AsyncSession, merchant_id: int) -> list[StoreAppShown]:
    return [_shown(row) for row in await gateways_repo.store_apps(session, merchant_id)]


def _checked(
    store: Store, change: StoreAppChange, row: StoreAppSettings | None, *, allow_private: bool
) -> tuple[str, Environment, str]:
    problems: dict[str, str] = {}
    app_id = (change.app_id if change.app_id is not None else row.app_id if row else "").strip()
    if not app_id or len(app_id) > MAX_ID or not app_id.isprintable():
        problems["app_id"] = "The app's id in the store is required (Apple's bundle id, Google's package name)"
    environment = change.environment if change.environment is not None else row.environment if row else "production"
    if environment not in tuple(Environment):
        problems["environment"] = "The environment is production or sandbox"
    secret = (change.secret or "").strip()
    if len(secret) > MAX_SECRET:
        problems["credentials"] = f"The credentials are at most {MAX_SECRET} characters"
    elif (
        secret
        and store is Store.GOOGLE_PLAY
        and (problem := service_account_problem(secret, allow_private=allow_private))
    ):
        problems["credentials"] = problem
    apple_app_id = change.apple_app_id if change.apple_app_id is not None else row.apple_app_id if row else None
    if apple_app_id is not None and not 0 < apple_app_id < 2**53:
        problems["apple_app_id"] = "Apple's app id is a positive number"
    if store is Store.APPLE and environment == Environment.PRODUCTION and apple_app_id is None:
        problems["apple_app_id"] = "An app in Apple's production environment needs its Apple id"
    if change.fee_rate is not None and not 0 <= change.fee_rate <= 10_000:
        problems["fee_rate"] = "The fee rate is in basis points, from 0 to 10000"
    account = change.notification_account
    if account is not None and account.strip() and ("@" not in account or len(account) > 320):
        problems["notification_account"] = "The account Pub/Sub pushes as is an e-mail address"
    if problems:
        raise InvalidInput(problems)
    return app_id, Environment(environment), secret


async def set_store_app(
    session: AsyncSession,
    merchant_id: int,
    store: Store,
    change: StoreAppChange,
    *,
    sealer: Sealer,
    allow_private: bool,
) -> StoreAppShown:
    row = await gateways_repo.store_app(session, merchant_id, store)
    app_id, environment, secret = _checked(store, change, row, allow_private=allow_private)
    if await gateways_repo.store_app_elsewhere(session, merchant_id, store, app_id):
        raise InvalidInput({"app_id": "This app is set up by another merchant"})
    if row is None:
        row = StoreAppSettings(merchant_id=merchant_id, store=store.value, fee_rate=DEFAULT_FEE_RATE)
        session.add(row)
    row.app_id, row.environment = app_id, environment.value
    if change.apple_app_id is not None:
        row.apple_app_id = change.apple_app_id
    if secret:
        row.secret = sealer.seal(secret)
    if change.fee_rate is not None:
        row.fee_rate = change.fee_rate
    if change.notification_account is not None:
        row.notification_account = change.notification_account.strip().lower() or None
    row.updated_at = clock.now()
    await session.flush()
    return _shown(row)


async def store_products(session: AsyncSession, merchant_id: int) -> list[StoreProductShown]:
    found = await repo.store_products(session, merchant_id)
    prices = await catalog_repo.prices_by_ids(session, merchant_id, [row.price_id for row in found])
    return [
        StoreProductShown(Store(row.store), row.product_id, row.price_id, prices[row.price_id].product_id)
        for row in found
        if row.price_id in prices
    ]


async def map_store_product(
    session: AsyncSession, merchant_id: int, store: Store, product_id: str, price_id: int | None
) -> StoreProductShown:
    """The store's product `product_id` buys the merchant's price `price_id` from now on."""
    cleaned = product_id.strip()
    if not cleaned or len(cleaned) > MAX_ID or not cleaned.isprintable():
        raise InvalidInput({"store_product_id": "The store's product id is required (at most 255 characters)"})
    if price_id is None:
        raise InvalidInput({"price_id": "The price the store's product buys is required"})
    price = await catalog_repo.price_by_id(session, merchant_id, price_id)
    if price is None:
        raise NotFound(what=Missing.PRICE)
    row = await repo.store_product(session, merchant_id, store, cleaned)
    if row is None:
        row = StoreProduct(merchant_id=merchant_id, store=store.value, product_id=cleaned, price_id=price.id)
        session.add(row)
    row.price_id = price.id
    await session.flush()
    return StoreProductShown(store, cleaned, price.id, price.product_id)


async def unmap_store_product(session: AsyncSession, merchant_id: int, store: Store, product_id: str) -> None:
    row = await repo.store_product(session, merchant_id, store, product_id.strip())
    if row is None:
        raise NotFound("Store product not found")
    await repo.delete_store_product(session, row)
