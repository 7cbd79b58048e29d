"""Capture answers changed by the merchant's back end: only what is given changes, down to a part of an address."""

from __future__ import annotations

import pytest

from boxoffice.identity import capture
from boxoffice.kit.errors import InvalidInput
from tests import shop
from tests.identity.conftest import Signups

ADDRESS = {"address": "1 Main St", "address2": "", "city": "Leeds", "state": "", "postCode": "LS1", "country": "GB"}


async def test_only_the_answers_given_change(signups: Signups) -> None:
    await capture.configure_capture(
        signups.session,
        signups.merchant.id,
        enabled=True,
        fields={"firstNameLastName": "optional", "address": "optional", "phoneNumber": "required"},
        questions=[{"question": "Colour?", "options": ["Red", "Blue"]}],
    )
    customer = await shop.customer(signups.session, signups.merchant.id)
    names = {"firstName": "Vera", "lastName": "Viewer"}
    await capture.answer_capture(
        signups.session,
        customer,
        {"firstNameLastName": names, "address": ADDRESS, "phoneNumber": "123", "custom_1": "Red"},
    )

    await capture.change_capture_answers(
        signups.session, customer, {"address": {"city": "Paris", "country": "FR"}, "custom_1": "Blue"}
    )
    status = await capture.capture_status(signups.session, customer)
    answers = {item.key: item.answer for item in status.items}
    assert answers == {
        "firstNameLastName": names,
        "address": ADDRESS | {"city": "Paris", "country": "FR"},
        "phoneNumber": "123",
        "custom_1": "Blue",
    }
    await capture.change_capture_answers(signups.session, customer, {"firstNameLastName": {"lastName": "Vue"}})
    assert customer.full_name == "Vera Vue"

    with pytest.raises(InvalidInput) as refused:
        await capture.change_capture_answers(signups.session, customer, {"phoneNumber": ""})
    assert set(refused.value.errors) == {"phoneNumber"}


async def test_a_name_not_answered_yet_is_the_accounts(signups: Signups) -> None:
    await capture.configure_capture(
        signups.session, signups.merchant.id, enabled=True, fields={"firstNameLastName": "required"}, questions=None
    )
    customer = await shop.customer(signups.session, signups.merchant.id)
    customer.full_name = "Ned Nobody"
    await capture.change_capture_answers(signups.session, customer, {"firstNameLastName": {"firstName": "Ed"}})
    assert customer.full_name == "Ed Nobody"
