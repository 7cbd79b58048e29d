"""Offers of every type (single, event, rental, subscription, pass, VOD): the core's products and prices in
Cleeng's offer objects, with the ids MediaStore shows for the same price."""

from __future__ import annotations

from boxoffice.dialects.jsonrpc.calls import Methods

METHODS: Methods = {}
