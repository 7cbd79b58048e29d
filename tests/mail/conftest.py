"""E-mail's tests drive real flows through the InPlayer dialect, with that dialect's helpers and fixtures."""

from __future__ import annotations

import pytest

from boxoffice.kit.settings import Settings
from tests.dialects.inplayer.conftest import merchant, viewer  # noqa: F401  (fixtures used here too)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Tokens that outlive the months the subscription tests move the clock through."""
    return settings.model_copy(update={"access_token_ttl": 400 * 86400})
