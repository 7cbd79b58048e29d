"""Age-verification PIN codes: e-mailed, checked, used once, and not guessable by retrying."""

from __future__ import annotations

import asyncio
import re

from boxoffice.identity.models import PinCode
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, fetch_rows, plain_text


async def send_pin(server: Server, viewer: Viewer, mailbox: Mailbox) -> str:
    sent = await server.http.post("/v2/accounts/pin-codes/send", headers=viewer.auth, data={"branding_id": "1"})
    assert sent.status_code == 200, sent.text
    await server.run_jobs()
    message = mailbox.last(viewer.email)
    assert message["Subject"] == "Your Publisher PIN code"
    found = re.search(r"PIN code is (\d{6})\b", plain_text(message))
    assert found, plain_text(message)
    return found.group(1)


def other_than(pin: str) -> str:
    return f"{(int(pin) + 1) % 1_000_000:06d}"


async def validate(server: Server, viewer: Viewer, pin: str) -> int:
    response = await server.http.post("/v2/accounts/pin-codes/validate", headers=viewer.auth, data={"pin_code": pin})
    if response.status_code != 200:
        assert_error(response, 422, "pin_code")
    return response.status_code


async def test_pin_code_is_mailed_and_valid_once(server: Server, viewer: Viewer, mailbox: Mailbox) -> None:
    pin = await send_pin(server, viewer, mailbox)
    assert await validate(server, viewer, other_than(pin)) == 422
    assert await validate(server, viewer, pin) == 200
    assert await validate(server, viewer, pin) == 422


async def test_validating_before_any_pin_was_sent_is_422(server: Server, viewer: Viewer) -> None:
    assert await validate(server, viewer, "123456") == 422
    assert await validate(server, viewer, "") == 422
    assert await validate(server, viewer, "12ab56") == 422


async def test_wrong_guesses_are_counted_and_lock_the_pin(server: Server, viewer: Viewer, mailbox: Mailbox) -> None:
    pin = await send_pin(server, viewer, mailbox)
    for _ in range(5):
        assert await validate(server, viewer, other_than(pin)) == 422
    # Five failures used the PIN up: even the right one no longer passes.
    assert await validate(server, viewer, pin) == 422
    fresh = await send_pin(server, viewer, mailbox)
    assert await validate(server, viewer, fresh) == 200


async def test_wrong_guesses_made_at_once_lock_the_pin_all_the_same(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    pin = await send_pin(server, viewer, mailbox)
    guesses = [
        server.http.post("/v2/accounts/pin-codes/validate", headers=viewer.auth, data={"pin_code": other_than(pin)})
        for _ in range(50)
    ]
    answers = await asyncio.gather(*guesses)
    messages = [assert_error(answer, 422, "pin_code")["errors"]["pin_code"] for answer in answers]
    assert messages.count("The PIN code is incorrect") == 5
    assert messages.count("Too many wrong attempts; ask for a new PIN code") == 45
    [sent] = await fetch_rows(server, PinCode, merchant.id)
    assert sent.attempts == 5 and sent.validated_at is None
    assert await validate(server, viewer, pin) == 422  # the limit held: the right PIN no longer passes


async def test_a_new_pin_replaces_the_old_one(server: Server, viewer: Viewer, mailbox: Mailbox) -> None:
    first = await send_pin(server, viewer, mailbox)
    second = await send_pin(server, viewer, mailbox)
    if first != second:
        assert await validate(server, viewer, first) == 422
    assert await validate(server, viewer, second) == 200


async def test_pin_routes_are_for_customers(server: Server, merchant: Merchant) -> None:
    response = await server.http.post("/v2/accounts/pin-codes/send", headers=merchant.auth)
    assert_error(response, 403)
    assert_error(await server.http.post("/v2/accounts/pin-codes/send"), 401)
