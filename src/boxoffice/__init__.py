"""Boxoffice: identity, entitlements and billing for premium video, on one engine with several API dialects."""

__version__ = "0.1.0"
