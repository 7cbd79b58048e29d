"""Access: whether a customer may watch an offer now (`getAccessStatus`, per device), their tags, trials, and
access granted from outside (`registerSubscription`, `grantAccessWithCoupon`)."""

from __future__ import annotations

from boxoffice.dialects.jsonrpc.calls import Methods

METHODS: Methods = {}
