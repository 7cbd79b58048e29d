"""A customer's subscriptions, rentals and library as the publisher's back end reads and changes them."""

from __future__ import annotations

from boxoffice.dialects.jsonrpc.calls import Methods

METHODS: Methods = {}
