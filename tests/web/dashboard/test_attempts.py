"""Every way the dashboard checks a secret counts as a sign-in attempt, under the same limits: the password form,
the sign-in code, turning two-factor sign-in off. A stolen session can't be used to guess the password."""

from __future__ import annotations

import pytest

from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.web.dashboard.desk import owner


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_rate_per_account": "3/60"})


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def test_guessing_the_password_from_a_session_is_rate_limited(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)  # the sign-in counts for its own account, not for this one
    wrong = {"current_password": "a guess", "password": "new-pass-123", "password_confirmation": "new-pass-123"}
    answers = [(await boss.post("/dashboard/account/password", wrong)).status_code for _ in range(3)]
    assert answers == [422, 422, 422]
    limited = await boss.post("/dashboard/account/password", wrong)
    assert limited.status_code == 429 and "Too many attempts" in limited.text
    off = await boss.post("/dashboard/account/two-factor/off", {"off_password": "another guess"})
    assert off.status_code == 429  # the same count: one secret, however it is asked for
