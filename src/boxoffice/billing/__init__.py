"""Billing: the ledger, and later orders, payments, subscriptions and refunds."""
