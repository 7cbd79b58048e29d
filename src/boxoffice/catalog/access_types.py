"""The fixed menu of access types a price is built on: how long one payment gives access, or how often it recurs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AccessType:
    id: int
    name: str  # ppv | ppv_custom | subscription
    quantity: int
    period: str  # hour | day | week | month | year | custom
    kind: str  # one_time | subscription


ACCESS_TYPES: tuple[AccessType, ...] = (
    AccessType(1, "ppv", 24, "hour", "one_time"),
    AccessType(2, "ppv", 48, "hour", "one_time"),
    AccessType(3, "ppv", 7, "day", "one_time"),
    AccessType(4, "ppv", 30, "day", "one_time"),
    AccessType(5, "ppv_custom", 1, "custom", "one_time"),
    AccessType(6, "subscription", 1, "week", "subscription"),
    AccessType(7, "subscription", 1, "month", "subscription"),
    AccessType(8, "subscription", 3, "month", "subscription"),
    AccessType(9, "subscription", 6, "month", "subscription"),
    AccessType(10, "subscription", 1, "year", "subscription"),
    # Bought once and kept: a century of access stands for "for good" without a period that never ends, which
    # every reader of a price (access, renewals, reports) would otherwise have to learn.
    AccessType(11, "ppv", 100, "year", "one_time"),
)
BY_ID = {access_type.id: access_type for access_type in ACCESS_TYPES}
