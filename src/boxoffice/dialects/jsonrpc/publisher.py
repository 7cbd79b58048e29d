"""The publisher: its account (`getPublisher`), transactions and cancellations."""

from __future__ import annotations

from boxoffice.dialects.jsonrpc.calls import Methods

METHODS: Methods = {}
