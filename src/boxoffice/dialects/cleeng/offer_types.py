"""Cleeng's six offer types, as both of its publisher APIs (JSON-RPC and 3.1) make them, on the core's menu of
access types: which access types each may be, its periods in Cleeng's words, and the letter its ids carry (the one
MediaStore shows for the same price)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OfferType:
    name: str  # as in the methods' names: getSingleOffer, listPassOffers …
    letter: str
    periods: dict[str, int]  # Cleeng's period (hours for rentals, as text) → access type id
    assets_only: bool = False  # a VOD offer is a rental of a video: it names the video

    @property
    def access_type_ids(self) -> frozenset[int]:
        return frozenset(self.periods.values())

    def period_of(self, access_type_id: int) -> str | None:
        return next((name for name, found in self.periods.items() if found == access_type_id), None)


SUBSCRIPTION = OfferType("Subscription", "S", {"week": 6, "month": 7, "3months": 8, "6months": 9, "year": 10})
PASS = OfferType("Pass", "P", {"week": 3, "month": 4})
EVENT = OfferType("Event", "E", {"": 5})
RENTAL = OfferType("Rental", "R", {"24": 1, "48": 2})
VOD = OfferType("Vod", "R", RENTAL.periods, assets_only=True)
SINGLE = OfferType("Single", "A", {"": 11})
TYPES = (SINGLE, EVENT, RENTAL, SUBSCRIPTION, PASS, VOD)
# A subscription's free period in the trial units the core knows: (quantity per free period, unit).
FREE_PERIODS = {"week": (1, "week"), "month": (1, "month"), "3months": (3, "month"), "6months": (6, "month"),
                "year": (12, "month")}  # fmt: skip
