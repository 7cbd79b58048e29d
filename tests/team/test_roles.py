"""What each role may do is decided in one table: an owner everything, an admin all but the team, support the
customers (and reading the catalog), an analyst the figures (and reading the catalog)."""

from __future__ import annotations

import pytest

from boxoffice.team import roles
from boxoffice.team.models import Role
from boxoffice.team.roles import Permission


def test_each_role_holds_its_own_permissions() -> None:
    assert all(roles.can(Role.OWNER, permission) for permission in Permission)
    assert not roles.can(Role.ADMIN, Permission.TEAM) and roles.can(Role.ADMIN, Permission.SETTINGS)
    assert {p for p in Permission if roles.can(Role.SUPPORT, p)} == {
        Permission.READ_CATALOG,
        Permission.READ_CUSTOMERS,
        Permission.SERVE_CUSTOMERS,
    }
    assert {p for p in Permission if roles.can(Role.ANALYST, p)} == {Permission.READ_FIGURES, Permission.READ_CATALOG}


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.ANALYST])
def test_no_role_but_owner_and_admin_touches_settings_the_catalog_or_exports(role: Role) -> None:
    for permission in (
        Permission.SETTINGS,
        Permission.EDIT_CATALOG,
        Permission.TEAM,
        Permission.READ_AUDIT,
        Permission.EXPORT,
    ):
        assert not roles.can(role, permission)
