"""What each role may do. The dashboard asks before it shows or does anything; the answer is decided here alone."""

from __future__ import annotations

from enum import StrEnum

from boxoffice.team.models import Role


class Permission(StrEnum):
    READ_FIGURES = "read_figures"  # the overview, analytics, reports
    READ_CATALOG = "read_catalog"
    EDIT_CATALOG = "edit_catalog"  # items, prices, vouchers, packages, register fields, terms
    READ_CUSTOMERS = "read_customers"  # customers, their subscriptions and payments
    SERVE_CUSTOMERS = "serve_customers"  # grant and revoke access, refund, cancel or switch, resend, erase
    EXPORT = "export"  # CSV exports of customers, subscriptions and transactions
    SETTINGS = "settings"  # developers: keys, webhooks, origins, e-mails, branding, gateway, clocks, restrictions
    TEAM = "team"  # invite, change roles, remove members
    READ_AUDIT = "read_audit"  # the audit log


_ANALYST = frozenset({Permission.READ_FIGURES, Permission.READ_CATALOG})
_SUPPORT = frozenset({Permission.READ_CATALOG, Permission.READ_CUSTOMERS, Permission.SERVE_CUSTOMERS})
_ADMIN = frozenset(Permission) - {Permission.TEAM}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: _ADMIN,
    Role.SUPPORT: _SUPPORT,
    Role.ANALYST: _ANALYST,
}


def can(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]
