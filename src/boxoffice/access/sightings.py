"""How many places a customer's access is asked from at once: at most `LIMITS[kind]` distinct addresses, or
devices, within `WINDOW`. An address or device already seen within the window is always let in again; a new one
beyond the limit is refused until an old one has gone unseen for the window's length."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import service
from boxoffice.access import sightings_repository as repo
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import InvalidInput, LimitReached

MAX_VALUE = 200
MAX_DEVICE_TYPE = 50


class Place(StrEnum):
    """What a customer's access is asked from."""

    IP_ADDRESS = "ip"
    DEVICE = "device"


WINDOW = timedelta(hours=3)
# A place seen again this soon is not written again: a batch of checks from one address writes it once. The window
# may so close on a place up to this much early.
REFRESH = timedelta(minutes=1)
MAX_IP_ADDRESSES = 4
MAX_DEVICES = 3
LIMITS = {Place.IP_ADDRESS: MAX_IP_ADDRESSES, Place.DEVICE: MAX_DEVICES}


class TooManyPlaces(LimitReached):
    """A new address or device beyond the customer's limit within the window; `place` says which."""

    def __init__(self, place: Place) -> None:
        self.place = place
        noun = "addresses" if place is Place.IP_ADDRESS else "devices"
        super().__init__(
            f"Access was asked from more than {LIMITS[place]} {noun} within {WINDOW.seconds // 3600} hours"
        )


@dataclass(frozen=True, slots=True)
class Sighting:
    place: Place
    value: str
    device_type: str | None = None


async def note_sighting(session: AsyncSession, merchant_id: int, customer_id: int, seen: Sighting) -> None:
    """Record that the customer asked from `seen` now; TooManyPlaces (nothing recorded) when it is one more than
    their limit allows."""
    if not seen.value or len(seen.value) > MAX_VALUE or len(seen.device_type or "") > MAX_DEVICE_TYPE:
        raise InvalidInput({seen.place.value: "Not a valid address or device"})
    now = clock.now()
    kind = seen.place.value
    found = await repo.sighting(session, merchant_id, customer_id, kind, seen.value)
    if found is not None and found.last_seen_at > now - REFRESH and seen.device_type in (None, found.device_type):
        return
    if found is None or found.last_seen_at <= now - WINDOW:
        others = await repo.others_seen_since(session, merchant_id, customer_id, kind, seen.value, now - WINDOW)
        if others >= LIMITS[seen.place]:
            raise TooManyPlaces(seen.place)
    await repo.record_sighting(session, merchant_id, customer_id, kind, seen.value, seen.device_type or None, now)


async def offer_access_from(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    price_id: int,
    client: ClientInfo,
    seen: Sighting | None,
) -> service.OfferAccess:
    """`service.offer_access`, asked from an address or a device that counts towards the customer's limit."""
    found = await service.offer_access(session, merchant, customer, price_id, client)
    if seen is not None:
        await note_sighting(session, merchant.id, customer.id, seen)
    return found
