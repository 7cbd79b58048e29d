"""Customers' payment details and the capture questions with their answers."""

from __future__ import annotations

from boxoffice.dialects.jsonrpc.calls import Methods

METHODS: Methods = {}
