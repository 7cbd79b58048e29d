"""What an export of transactions or subscriptions is narrowed to besides its days and item: the filters of the
dashboard's lists it was asked from. A refund goes with its payment's country and gateway."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from boxoffice.billing.models import SubscriptionStatus


@dataclass(frozen=True, slots=True)
class Narrowing:
    country_code: str | None = None
    gateway: str | None = None
    statuses: tuple[SubscriptionStatus, ...] = ()  # a subscription's; none: any

    def params(self) -> dict[str, Any]:
        """As the report's params keep it."""
        return {"country": self.country_code, "gateway": self.gateway, "statuses": [s.value for s in self.statuses]}

    @classmethod
    def of(cls, params: dict[str, Any]) -> Narrowing:
        """From a report's params; a report asked for before there was any narrowing is not narrowed."""
        return cls(
            params.get("country"),
            params.get("gateway"),
            tuple(SubscriptionStatus(value) for value in params.get("statuses") or ()),
        )


EVERYTHING = Narrowing()
