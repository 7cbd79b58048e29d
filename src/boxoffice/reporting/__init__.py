"""Report files: CSV exports of a merchant's transactions, subscriptions and customers, and the analytics
content-request files, built by the worker and downloaded through signed, expiring links."""
