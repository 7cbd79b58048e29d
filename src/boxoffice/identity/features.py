"""Per-merchant feature flags that apps read to switch behaviour on and off."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import repository as repo
from boxoffice.identity.models import FeatureFlag
from boxoffice.kit.errors import InvalidInput

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


async def list_feature_flags(session: AsyncSession, merchant_id: int) -> Sequence[FeatureFlag]:
    return await repo.feature_flags(session, merchant_id)


async def set_feature_flag(session: AsyncSession, merchant_id: int, name: str, enabled: bool | None) -> FeatureFlag:
    errors = {}
    if not _NAME.match(name):
        errors["name"] = "The feature name must be 1-100 letters, digits, dots, dashes or underscores"
    if enabled is None:
        errors["enabled"] = "enabled must be true or false"
    if errors:
        raise InvalidInput(errors)
    flag = await repo.feature_flag(session, merchant_id, name)
    if flag is None:
        flag = FeatureFlag(merchant_id=merchant_id, name=name, enabled=bool(enabled))
        session.add(flag)
    else:
        flag.enabled = bool(enabled)
    await session.flush()
    return flag
