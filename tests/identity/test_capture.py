"""Capture: what a merchant asks its viewers after they sign up, and what their answers change."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from boxoffice.identity import capture
from boxoffice.identity.capture import MAX_QUESTIONS, MAX_TEXT
from boxoffice.identity.models import Customer
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput
from tests import shop
from tests.identity.conftest import Signups


async def viewer(signups: Signups, **attributes: str) -> Customer:
    customer = await shop.customer(signups.session, signups.merchant.id)
    customer.attributes = dict(attributes)
    await signups.session.flush()
    return customer


async def configure(
    signups: Signups,
    *,
    enabled: bool | None = True,
    fields: dict[str, str] | None = None,
    questions: list[dict[str, Any]] | None = None,
) -> None:
    await capture.configure_capture(
        signups.session, signups.merchant.id, enabled=enabled, fields=fields, questions=questions
    )


async def refused_answers(signups: Signups, customer: Customer, given: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refused:
        await capture.answer_capture(signups.session, customer, given)
    return refused.value.errors


# ----------------------------------------------------------------------------------------------------
# The merchant's form


@pytest.mark.parametrize(
    ("fields", "questions", "errors"),
    [
        ({"shoeSize": "required"}, None, {"fields[shoeSize]": "The fields are " + ", ".join(capture.FIELDS)}),
        ({"email": "always"}, None, {"fields[email]": "A field is off, optional or required"}),
        (None, [{"question": " "}], {"questions[0][question]": f"A question is 1 to {MAX_TEXT} characters"}),
        (
            None,
            [{"question": "x" * (MAX_TEXT + 1)}],
            {"questions[0][question]": f"A question is 1 to {MAX_TEXT} characters"},
        ),
        (None, [{"question": "Why?"}] * (MAX_QUESTIONS + 1), {"questions": f"At most {MAX_QUESTIONS} questions"}),
    ],
)
async def test_a_form_asks_known_fields_and_real_questions(
    signups: Signups, fields: dict[str, str] | None, questions: list[dict[str, Any]] | None, errors: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await configure(signups, fields=fields, questions=questions)
    assert refused.value.errors == errors
    assert await capture.capture_settings_of(signups.session, signups.merchant.id) is None


async def test_a_form_keeps_its_fields_and_numbers_its_questions(signups: Signups) -> None:
    await configure(
        signups,
        fields={"email": "required", "companyName": "optional", "phoneNumber": "off"},
        questions=[
            {"question": "  Where did you hear of us? ", "options": [" Radio ", "", "Friends"], "required": 1},
            {"question": "Anything else?"},
        ],
    )
    settings = await capture.capture_settings_of(signups.session, signups.merchant.id)
    assert settings is not None and settings.enabled
    assert settings.fields == {"email": "required", "companyName": "optional"}
    assert settings.questions == [
        {"id": 1, "question": "Where did you hear of us?", "options": ["Radio", "Friends"], "required": True},
        {"id": 2, "question": "Anything else?", "options": [], "required": False},
    ]
    # What is not named stays as it is.
    await configure(signups, enabled=False)
    assert (settings.enabled, settings.fields["email"], len(settings.questions)) == (False, "required", 2)


# ----------------------------------------------------------------------------------------------------
# What a viewer is asked


async def test_nothing_is_asked_of_a_merchant_with_no_form_and_no_register_fields(signups: Signups) -> None:
    status = await capture.capture_status(signups.session, await viewer(signups))
    assert (status.enabled, status.items, status.should_display) == (False, [], False)


async def test_register_fields_are_asked_even_without_a_form(signups: Signups) -> None:
    await signups.field("terms", "checkbox", required=True, placeholder="I agree")
    await signups.field("size", "select", options={"s": "Small", "l": "Large"})
    customer = await viewer(signups, size="l")
    status = await capture.capture_status(signups.session, customer)
    assert status.enabled and status.should_display
    assert [(i.key, i.required, i.answer, i.options) for i in status.items] == [
        ("custom_terms", True, None, ("I agree",)),
        ("custom_size", False, "Large", ("Small", "Large")),
    ]
    customer.attributes = {"terms": "true", "size": "l"}
    assert not (await capture.capture_status(signups.session, customer)).should_display


async def test_a_form_turned_off_asks_only_the_register_fields(signups: Signups) -> None:
    await configure(
        signups, enabled=False, fields={"email": "required"}, questions=[{"question": "Why?", "required": True}]
    )
    customer = await viewer(signups)
    status = await capture.capture_status(signups.session, customer)
    assert [(i.key, i.enabled) for i in status.items] == [("email", False), ("custom_1", False)]
    assert not status.enabled and not status.should_display
    await capture.answer_capture(signups.session, customer, {"email": "ignored@example.com"})
    await configure(signups, enabled=True)
    assert (await capture.capture_status(signups.session, customer)).should_display


# ----------------------------------------------------------------------------------------------------
# Answering


async def test_what_is_required_must_be_answered(signups: Signups) -> None:
    await configure(
        signups,
        fields={"companyName": "required", "phoneNumber": "optional"},
        questions=[{"question": "Why?", "required": True}],
    )
    customer = await viewer(signups)
    assert await refused_answers(signups, customer, {"phoneNumber": "123"}) == {
        "companyName": "companyName is required",
        "custom_1": "custom_1 is required",
    }


async def test_an_answer_is_text_of_bounded_length_and_one_of_its_options(signups: Signups) -> None:
    await configure(
        signups, fields={"companyName": "optional"}, questions=[{"question": "Size?", "options": ["S", "M"]}]
    )
    customer = await viewer(signups)
    assert await refused_answers(signups, customer, {"companyName": "x" * (MAX_TEXT + 1)}) == {
        "companyName": f"The companyName is text of at most {MAX_TEXT} characters"
    }
    assert await refused_answers(signups, customer, {"companyName": 7}) == {
        "companyName": f"The companyName is text of at most {MAX_TEXT} characters"
    }
    assert await refused_answers(signups, customer, {"custom_1": "XL"}) == {"custom_1": "The answer is one of S, M"}


async def test_answers_are_kept_and_what_was_not_asked_is_ignored(signups: Signups) -> None:
    await configure(
        signups, fields={"companyName": "optional", "address": "optional"}, questions=[{"question": "Why?"}]
    )
    customer = await viewer(signups)
    address = {"address": " 1 Main St ", "city": "Leeds", "country": "GB"}
    await capture.answer_capture(
        signups.session, customer, {"companyName": " Engines ", "address": address, "custom_1": "", "shoe": "9"}
    )
    status = await capture.capture_status(signups.session, customer)
    answers = {item.key: item.answer for item in status.items}
    assert answers["companyName"] == "Engines"
    assert answers["address"] == {
        "address": "1 Main St",
        "address2": "",
        "city": "Leeds",
        "state": "",
        "postCode": "",
        "country": "GB",
    }
    assert answers["custom_1"] is None
    # Answering again replaces the answers: what is left out is no longer answered.
    await capture.answer_capture(signups.session, customer, {"companyName": "Looms"})
    answers = {item.key: item.answer for item in (await capture.capture_status(signups.session, customer)).items}
    assert (answers["companyName"], answers["address"]) == ("Looms", None)


async def test_an_address_is_in_a_real_country(signups: Signups) -> None:
    await configure(signups, fields={"address": "optional"})
    customer = await viewer(signups)
    assert await refused_answers(signups, customer, {"address": {"country": "Narnia"}}) == {
        "country": "The country is an ISO 3166 code such as GB"
    }


async def test_a_name_answered_is_the_accounts_own(signups: Signups) -> None:
    await configure(signups, fields={"firstNameLastName": "required"})
    customer = await viewer(signups)
    await capture.answer_capture(
        signups.session, customer, {"firstNameLastName": {"firstName": " Ada ", "lastName": "Lovelace"}}
    )
    assert customer.full_name == "Ada Lovelace"
    assert await refused_answers(signups, customer, {"firstNameLastName": {"firstName": "", "lastName": ""}}) == {
        "firstNameLastName": "firstNameLastName is required"
    }


async def test_a_birth_date_answered_is_the_accounts_own(signups: Signups, frozen: clock.FrozenClock) -> None:
    await configure(signups, fields={"birthDate": "optional"})
    customer = await viewer(signups)
    today = frozen.now().date()
    for wrong, error in [
        ("01/02/2006", "The birth date is 2006-01-02"),
        ("1899-12-31", "The birth date is in the past"),
        ((today + timedelta(days=1)).isoformat(), "The birth date is in the past"),
    ]:
        assert await refused_answers(signups, customer, {"birthDate": wrong}) == {"birth_date": error}
    assert customer.date_of_birth is None
    await capture.answer_capture(signups.session, customer, {"birthDate": today.isoformat()})
    assert customer.date_of_birth == today
    await capture.answer_capture(signups.session, customer, {"birthDate": "1900-01-01"})
    assert customer.date_of_birth == date(1900, 1, 1)


async def test_register_fields_answered_here_are_the_accounts_metadata(signups: Signups) -> None:
    await signups.field("terms", "checkbox", required=True, placeholder="I agree")
    await signups.field("size", "select", options={"s": "Small", "l": "Large"})
    await signups.field("team")
    customer = await viewer(signups, team="Red")
    # A required register field is required here, where it is asked.
    assert await refused_answers(signups, customer, {"custom_size": "Small"}) == {
        "terms": "The terms field is required"
    }
    assert await refused_answers(signups, customer, {"custom_terms": "Maybe"}) == {
        "terms": "The terms field is ticked or left empty"
    }
    await capture.answer_capture(signups.session, customer, {"custom_terms": "I agree", "custom_size": "Large"})
    # An answer is kept as sign-up keeps it (the option's key, a tick as true); one not given keeps the account's.
    assert customer.attributes == {"terms": "true", "size": "l", "team": "Red"}
    # Left empty, it is unanswered.
    await capture.answer_capture(signups.session, customer, {"custom_terms": "yes", "custom_team": ""})
    assert customer.attributes == {"terms": "true", "size": "l"}


async def test_a_change_of_metadata_is_told_and_the_same_answers_tell_nothing(signups: Signups) -> None:
    await signups.field("team")
    customer = await viewer(signups)
    await capture.answer_capture(signups.session, customer, {"custom_team": "Red"})
    await capture.answer_capture(signups.session, customer, {"custom_team": "Red"})
    events = await shop.events_of(signups.session, signups.merchant.id)
    assert [(kind, resource["changed"], resource["metadata"]) for kind, resource in events] == [
        ("customer.updated", ["metadata"], {"team": "Red"})
    ]
