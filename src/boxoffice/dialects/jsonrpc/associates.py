"""Associates (Cleeng's distributors) and their coupon campaigns, on the core's vouchers."""

from __future__ import annotations

from boxoffice.dialects.jsonrpc.calls import Methods

METHODS: Methods = {}
