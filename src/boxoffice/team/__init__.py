"""A merchant's team: the people who sign in to the dashboard, their roles, their sessions and second factors, and
the audit log of what every one of them (and the merchant API) changed."""
