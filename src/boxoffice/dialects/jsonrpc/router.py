"""Every JSON-RPC method, by Cleeng's name, and the routes answering them."""

from __future__ import annotations

from boxoffice.dialects.jsonrpc import (
    access,
    associates,
    capture,
    coupon_campaigns,
    customers,
    offers,
    payment_details,
    publisher,
    subscriptions,
    webhook_aliases,
)
from boxoffice.dialects.jsonrpc.calls import Methods
from boxoffice.dialects.jsonrpc.transport import json_rpc_router

METHODS: Methods = (
    customers.METHODS
    | access.METHODS
    | subscriptions.METHODS
    | offers.METHODS
    | publisher.METHODS
    | associates.METHODS
    | coupon_campaigns.METHODS
    | payment_details.METHODS
    | capture.METHODS
    | webhook_aliases.METHODS
)
router = json_rpc_router(METHODS)
