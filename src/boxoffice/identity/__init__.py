"""Merchants, customers, credentials, sessions and tokens, login records, profiles and account data."""
