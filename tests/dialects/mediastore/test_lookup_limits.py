"""Per-account limits on what can be guessed through MediaStore: a password, however the address is typed, and a
gift code."""

from __future__ import annotations

import pytest

from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.mediastore.conftest import Customer, Publisher, call, data, log_in, refused, register


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_rate_per_account": "3/60"})


async def test_blanks_and_case_around_the_email_are_the_same_account_to_the_limit_and_the_look_up(
    server: Server, publisher: Publisher, customer: Customer, frozen: clock.FrozenClock
) -> None:
    frozen.advance(seconds=-(clock.unix(frozen.now()) % 60))  # the attempts below fall in one window
    for _ in range(3):
        refused(await log_in(server, publisher, customer.email, "wrong-password"), 401, "USER0001")
    for typed in (f" {customer.email}", f"{customer.email}\t", f"\t{customer.email.upper()} "):
        refused(await log_in(server, publisher, typed), 429)
    frozen.advance(seconds=60)
    assert data(await log_in(server, publisher, f" {customer.email.upper()}\t"))["customerId"] == customer.id


async def test_gift_codes_are_checked_a_limited_number_of_times_per_customer(
    server: Server, publisher: Publisher, customer: Customer, frozen: clock.FrozenClock
) -> None:
    frozen.advance(seconds=-(clock.unix(frozen.now()) % 60))
    other = await register(server, publisher, "other@example.com")
    refused(await call(server, "GET", "/gifts/verification/GUESS1", headers=customer.auth), 404)
    refused(await call(server, "POST", "/gifts/redeem/GUESS2", headers=customer.auth), 404)
    refused(await call(server, "GET", "/gifts/verification/GUESS3", headers=customer.auth), 404)
    refused(await call(server, "GET", "/gifts/verification/GUESS4", headers=customer.auth), 429)
    refused(await call(server, "POST", "/gifts/redeem/GUESS4", headers=customer.auth), 429)
    # The customer is what is limited: another one, from the same address, is not held back.
    refused(await call(server, "GET", "/gifts/verification/GUESS4", headers=other.auth), 404)
    frozen.advance(seconds=60)
    refused(await call(server, "GET", "/gifts/verification/GUESS4", headers=customer.auth), 404)
