"""The capture questions a publisher asks its customers, and each customer's answers with their personal data."""

from __future__ import annotations

from boxoffice.dialects.jsonrpc.calls import Methods

METHODS: Methods = {}
