"""In-app purchases as InPlayer's SDKs report them (`validateReceipt`): `POST
/v2/external-payments/{apple|google-play|amazon|roku}/validate` with the store's `receipt` and what it bought —
the store's `product_name`, or `item_id` and `access_fee_id`. The merchant sets each store up and maps its
products to access fees (the contract's additions, `/v2/external-payments/...`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from typing_extensions import TypedDict

from boxoffice.billing import store_purchases, store_settings
from boxoffice.billing.store_purchases import StorePurchase
from boxoffice.billing.store_settings import StoreAppChange, StoreAppShown, StoreProductShown
from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import AppSettings, CurrentCustomer, CurrentMerchant, Sealing, Session
from boxoffice.dialects.inplayer.forms import integer, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.dialects.inplayer.transactions import GATEWAY_SUFFIX
from boxoffice.gateways.stores import Store
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.requests import OwnTransactions

router = APIRouter(route_class=InPlayerRoute, tags=["payments"])
# The stores as InPlayer's paths name them.
STORES = {"apple": Store.APPLE, "google-play": Store.GOOGLE_PLAY, "amazon": Store.AMAZON, "roku": Store.ROKU}
NAMES = {store: name for name, store in STORES.items()}
StoreName = Annotated[str, Path(description="`apple`, `google-play`, `amazon` or `roku`", max_length=16)]
RECEIPT = bodies.form(
    bodies.text(
        "receipt",
        "The store's receipt: Apple's signed transaction, Google's purchase token, Amazon's receipt id, Roku's "
        "transaction id",
        required=True,
    ),
    bodies.text("product_name", "The store's product id (SKU) bought"),
    bodies.integer("item_id", "The item bought, with `access_fee_id`"),
    bodies.integer("access_fee_id", "The access fee bought, when `product_name` is not sent"),
    bodies.text("amazon_user_id", "The buyer's Amazon user id (Amazon only)"),
)
STORE_APP = bodies.form(
    bodies.text("app_id", "Apple's bundle id, Google's package name, Amazon's app id, Roku's channel id"),
    bodies.integer("apple_app_id", "Apple's numeric app id (required in Apple's production environment)"),
    bodies.text("environment", "`production` (the default) or `sandbox`", enum=("production", "sandbox")),
    bodies.text(
        "credentials",
        "Google's service-account key (JSON), Amazon's shared secret, Roku's partner API key; sealed at rest and "
        "never shown again",
    ),
    bodies.integer("fee_rate", "What the store keeps of a sale, in basis points (default 1500: 15 %)"),
    bodies.text("notification_account", "Google Play: the service account Pub/Sub signs its pushes as"),
)
STORE_PRODUCT = bodies.form(bodies.integer("access_fee_id", "The access fee the store's product buys", required=True))


class StoreAppBody(TypedDict):
    store: str
    app_id: str
    apple_app_id: int | None
    environment: str
    credentials_set: bool
    fee_rate: int
    notification_account: str | None


class StoreApps(TypedDict):
    collection: list[StoreAppBody]


class StoreProductBody(TypedDict):
    store: str
    product_name: str
    item_id: int
    access_fee_id: int


class StoreProducts(TypedDict):
    collection: list[StoreProductBody]


class Validated(TypedDict):
    code: int
    message: str
    transaction_token: str


def _store(name: str) -> Store:
    if name not in STORES:
        raise InvalidInput({"store": f"The store is one of {', '.join(STORES)}"})
    return STORES[name]


def _app(found: StoreAppShown) -> StoreAppBody:
    return {
        "store": NAMES[found.store],
        "app_id": found.app_id,
        "apple_app_id": found.apple_app_id,
        "environment": found.environment.value,
        "credentials_set": found.secret_set,
        "fee_rate": found.fee_rate,
        "notification_account": found.notification_account,
    }


def _product(found: StoreProductShown) -> StoreProductBody:
    return {
        "store": NAMES[found.store],
        "product_name": found.product_id,
        "item_id": found.product,
        "access_fee_id": found.price_id,
    }


@router.post("/v2/external-payments/{store}/validate")
async def validate_receipt(
    request: Request,
    store: StoreName,
    customer: CurrentCustomer,
    sealer: Sealing,
    body: Annotated[Fields, Depends(RECEIPT)],
    sessions: OwnTransactions,
) -> Validated:
    """Verify a store's receipt and grant what it paid for (a one-time purchase, or a subscription the store
    renews). The same receipt again grants nothing more; another account's receipt is refused."""
    asked = StorePurchase(
        store=_store(store),
        receipt=text(body, "receipt") or "",
        sku=text(body, "product_name"),
        price_id=integer(body, "access_fee_id"),
        product_id=integer(body, "item_id"),
        store_user_id=text(body, "amazon_user_id"),
    )
    recorded = await store_purchases.record_store_purchase(
        sessions, sealer, request.app.state.store_verifiers, customer.merchant_id, customer.id, asked
    )
    message = "The receipt was validated" if recorded.new else "The receipt was validated before"
    token = f"C-{recorded.payment_id}-{GATEWAY_SUFFIX[asked.store.value]}"  # as its transactions name it
    return {"code": 200, "message": message, "transaction_token": token}


@router.get("/v2/external-payments/settings")
async def list_store_apps(session: Session, merchant: CurrentMerchant) -> StoreApps:
    """The merchant's apps in the app stores, credentials masked."""
    return {"collection": [_app(row) for row in await store_settings.store_apps(session, merchant.id)]}


@router.put("/v2/external-payments/{store}/settings")
async def set_store_app(
    session: Session,
    settings: AppSettings,
    merchant: CurrentMerchant,
    sealer: Sealing,
    store: StoreName,
    body: Annotated[Fields, Depends(STORE_APP)],
) -> StoreAppBody:
    """Set the merchant's app up in a store; fields not sent stay as they are."""
    change = StoreAppChange(
        app_id=text(body, "app_id"),
        apple_app_id=integer(body, "apple_app_id"),
        environment=text(body, "environment"),
        secret=text(body, "credentials"),
        fee_rate=integer(body, "fee_rate"),
        notification_account=text(body, "notification_account"),
    )
    found = await store_settings.set_store_app(
        session, merchant.id, _store(store), change, sealer=sealer, allow_private=settings.outbound_allow_private
    )
    return _app(found)


@router.get("/v2/external-payments/products")
async def list_store_products(session: Session, merchant: CurrentMerchant) -> StoreProducts:
    """The store products the merchant has mapped to its access fees."""
    return {"collection": [_product(row) for row in await store_settings.store_products(session, merchant.id)]}


@router.put("/v2/external-payments/{store}/products/{product_name}")
async def map_store_product(
    session: Session,
    merchant: CurrentMerchant,
    store: StoreName,
    product_name: Annotated[str, Path(max_length=255)],
    body: Annotated[Fields, Depends(STORE_PRODUCT)],
) -> StoreProductBody:
    """The store's product `product_name` buys the access fee `access_fee_id` from now on."""
    found = await store_settings.map_store_product(
        session, merchant.id, _store(store), product_name, integer(body, "access_fee_id")
    )
    return _product(found)


@router.delete("/v2/external-payments/{store}/products/{product_name}")
async def unmap_store_product(
    session: Session,
    merchant: CurrentMerchant,
    store: StoreName,
    product_name: Annotated[str, Path(max_length=255)],
) -> render.Message:
    """The store's product buys nothing any more (what was bought with it stays)."""
    await store_settings.unmap_store_product(session, merchant.id, _store(store), product_name)
    return render.message("Store product removed")
