"""Donations: the SDK's `GET /v2/items/{id}/donations`, and the merchant's donation amounts and custom-amount
switch (our contract)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends
from typing_extensions import TypedDict

from boxoffice.catalog import donations
from boxoffice.catalog.models import DonationOption, Product
from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.amounts import amount
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import CurrentMerchant, PathId, Session, TokenMerchant
from boxoffice.dialects.inplayer.forms import flag, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute

router = APIRouter(route_class=InPlayerRoute, tags=["donations"])

NEW_DONATION = bodies.form(
    bodies.amount("amount", "The amount offered, such as 5", required=True),
    bodies.text("currency", "ISO 4217 code", required=True),
    bodies.text("description", "What the viewer is told it is"),
)
DONATION_OPTIONS = bodies.form(
    bodies.flag("custom_price_enabled", "Whether viewers may give an amount of their own", required=True),
)


class Donation(TypedDict):
    id: int
    item_id: int
    amount: int | float
    currency: str
    description: str


class DonationOptions(TypedDict):
    id: int
    item_id: int
    custom_price_enabled: bool


class DonationDetails(TypedDict):
    """An item's donation amounts (null when it has none) and whether a viewer may give their own."""

    donations: list[Donation] | None
    donation_options: DonationOptions


def donation(option: DonationOption) -> Donation:
    return {
        "id": option.id,
        "item_id": option.product_id,
        "amount": amount(option.amount, option.currency),
        "currency": option.currency,
        "description": option.description,
    }


def donation_details(product: Product, options: Sequence[DonationOption]) -> DonationDetails:
    return {
        # InPlayer sends null, not an empty list, when an item has no donation amounts.
        "donations": [donation(option) for option in options] or None,
        # The item's own switch; there is one per item, so it goes by the item's id.
        "donation_options": {
            "id": product.id,
            "item_id": product.id,
            "custom_price_enabled": product.custom_price_enabled,
        },
    }


@router.get("/v2/items/{item_id}/donations")
async def get_donation_options(session: Session, merchant: TokenMerchant, item_id: PathId) -> DonationDetails:
    """An item's donation amounts, and whether a viewer may give their own.

    A viewer's token (or the merchant's own) reads its merchant's item."""
    product, options = await donations.donations_for(session, merchant.id, item_id)
    return donation_details(product, options)


@router.post("/v2/items/{item_id}/donations", status_code=201)
async def add_donation(
    session: Session, merchant: CurrentMerchant, item_id: PathId, body: Annotated[Fields, Depends(NEW_DONATION)]
) -> Donation:
    """Offer an amount viewers may donate for an item."""
    option = await donations.add_donation(
        session,
        merchant.id,
        item_id,
        amount=text(body, "amount"),
        currency=text(body, "currency"),
        description=text(body, "description"),
    )
    return donation(option)


@router.delete("/v2/items/{item_id}/donations/{donation_id}")
async def delete_donation(
    session: Session, merchant: CurrentMerchant, item_id: PathId, donation_id: PathId
) -> render.Message:
    """Withdraw one of an item's donation amounts."""
    await donations.remove_donation(session, merchant.id, item_id, donation_id)
    return render.message("Donation deleted")


@router.put("/v2/items/{item_id}/donation-options")
async def set_donation_options(
    session: Session, merchant: CurrentMerchant, item_id: PathId, body: Annotated[Fields, Depends(DONATION_OPTIONS)]
) -> DonationDetails:
    """Let viewers give an amount of their own for an item, or not."""
    product, options = await donations.set_custom_donations(
        session, merchant.id, item_id, flag(body, "custom_price_enabled")
    )
    return donation_details(product, options)
