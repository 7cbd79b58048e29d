"""Entitlements, the access check, access codes and the content-request log."""
