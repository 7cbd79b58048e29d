"""Which events an endpoint takes: its types, and the conditions its `filters` set on what each event is about.

An endpoint naming no types takes every type a webhook may carry (`WEBHOOK_TYPES`), and never one of the
`NAMED_ONLY_TYPES`, which go only to endpoints that name them. An endpoint naming types takes exactly those.

`filters` maps a fact's name to the value it must have; an event that doesn't tell that fact is filtered out.
The facts an event tells are read from its resource, here and nowhere else:

- `payment_method_id`: the merchant's payment method (a connector's) the event is about — a whole number in
  the resource's `payment_method_id`;
- `payment_kind`: for an event about a payment, what the payment was for (`purchase`, `subscription`, `renewal`,
  `plan_switch` …), the resource's `kind`;
- `switch_status`: for an event about a plan switch, the switch's status (`pending`, `cancelled` …).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from boxoffice.events.event_types import NAMED_ONLY_TYPES, WEBHOOK_TYPES

_WEBHOOK_TYPES = frozenset(WEBHOOK_TYPES)
NAMEABLE_TYPES = frozenset(WEBHOOK_TYPES) | frozenset(NAMED_ONLY_TYPES)
PAYMENT_METHOD_ID = "payment_method_id"
PAYMENT_KIND = "payment_kind"
SWITCH_STATUS = "switch_status"
FACTS = (PAYMENT_METHOD_ID, PAYMENT_KIND, SWITCH_STATUS)


def takes_type(events: Sequence[str], event_type: str) -> bool:
    """Whether an endpoint naming `events` (none: every webhook type) takes events of `event_type`."""
    return event_type in events if events else event_type in _WEBHOOK_TYPES


def facts(resource: Mapping[str, Any]) -> dict[str, Any]:
    """What an event tells of itself that a filter may ask about (only the facts it has)."""
    told: dict[str, Any] = {}
    method = resource.get("payment_method_id")
    if isinstance(method, int) and not isinstance(method, bool):
        told[PAYMENT_METHOD_ID] = method
    if "payment_id" in resource and isinstance(resource.get("kind"), str):
        told[PAYMENT_KIND] = resource["kind"]
    switch = resource.get("switch")
    if isinstance(switch, Mapping) and isinstance(switch.get("status"), str):
        told[SWITCH_STATUS] = switch["status"]
    return told


def passes(filters: Mapping[str, Any], resource: Mapping[str, Any]) -> bool:
    """Every condition of `filters` holds of the event; one it tells nothing about doesn't."""
    if not filters:
        return True
    told = facts(resource)
    return all(name in told and told[name] == value for name, value in filters.items())
