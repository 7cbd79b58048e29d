"""Signing a viewer up with a merchant: what an account needs, what its sign-up writes, and the merchant's own
register fields."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from boxoffice.identity.accounts import register_customer
from boxoffice.identity.models import Customer, Profile, RegistrationRecord
from boxoffice.kit import clock, passwords
from boxoffice.kit.client_info import ClientInfo, Device
from boxoffice.kit.errors import Conflict, InvalidInput
from tests import shop
from tests.identity.conftest import Signups

CLIENT = ClientInfo("203.0.113.7", "GB", Device("mobile", "iOS", "iPhone", "Safari"), "Safari", "https://news.example/")
PASSWORD = "correct horse"


async def register(signups: Signups, **given: Any) -> Customer:
    terms: dict[str, Any] = {
        "email": "ada@example.com",
        "full_name": "Ada Lovelace",
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
        "metadata": None,
        "client": CLIENT,
    } | given
    return await register_customer(signups.session, signups.merchant, **terms)


async def refusal(signups: Signups, **given: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refused:
        await register(signups, **given)
    return refused.value.errors


# ----------------------------------------------------------------------------------------------------
# What an account needs


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        ({"email": None}, {"email": "The email is required"}),
        ({"email": "  "}, {"email": "The email is required"}),
        ({"email": "ada@"}, {"email": "The email must be a valid email address"}),
        ({"full_name": " "}, {"full_name": "The full name is required"}),
        ({"full_name": "x" * 251}, {"full_name": "The full name may not be longer than 250 characters"}),
        ({"password": None}, {"password": "The password is required"}),
        (
            {"password": "short", "password_confirmation": "short"},
            {"password": "The password must be at least 8 characters"},
        ),
        (
            {"password_confirmation": "another one"},
            {"password_confirmation": "The password confirmation does not match"},
        ),
        ({"metadata": {"team": ["a", "b"]}}, {"metadata.team": "Metadata values must be plain strings"}),
    ],
)
async def test_each_thing_an_account_needs_is_checked(
    signups: Signups, given: dict[str, Any], errors: dict[str, str]
) -> None:
    assert await refusal(signups, **given) == errors


async def test_every_problem_is_named_at_once(signups: Signups) -> None:
    errors = await refusal(signups, email="", full_name="", password="")
    assert set(errors) == {"email", "full_name", "password"}


async def test_a_name_may_be_left_out_where_an_api_signs_up_by_email_alone(signups: Signups) -> None:
    customer = await register(signups, full_name=None, require_name=False)
    assert customer.full_name == ""


async def test_an_account_the_merchant_makes_has_no_password_unless_one_is_given(signups: Signups) -> None:
    made = await register(signups, password=None, password_confirmation=None, source="merchant")
    assert (made.password_hash, made.register_source) == (None, "merchant")
    # A password given is checked all the same.
    assert await refusal(signups, email="bob@example.com", password="short", source="merchant") == {
        "password": "The password must be at least 8 characters",
        "password_confirmation": "The password confirmation does not match",
    }


async def test_an_address_signs_up_once_per_merchant(signups: Signups) -> None:
    await register(signups)
    with pytest.raises(Conflict):
        await register(signups, full_name="Someone Else")
    elsewhere = await shop.merchant(signups.session, "Elsewhere")
    other = await register_customer(
        signups.session,
        elsewhere,
        email="ada@example.com",
        full_name="Ada",
        password=PASSWORD,
        password_confirmation=PASSWORD,
        metadata=None,
        client=CLIENT,
    )
    assert other.merchant_id == elsewhere.id


# ----------------------------------------------------------------------------------------------------
# What a sign-up writes


async def test_a_sign_up_writes_the_account_its_record_and_its_first_profile(
    signups: Signups, frozen: clock.FrozenClock
) -> None:
    customer = await register(signups, email=" Ada@Example.COM ", full_name="  Ada Lovelace ", metadata={"team": 7})
    assert (customer.email, customer.full_name, customer.attributes) == (
        "Ada@example.com",
        "Ada Lovelace",
        {"team": "7"},
    )
    assert await passwords.verify(customer.password_hash, PASSWORD)
    assert (customer.referrer, customer.register_source, len(customer.uuid)) == ("https://news.example/", "signup", 36)
    session = signups.session
    record = await session.scalar(
        select(RegistrationRecord).where(RegistrationRecord.merchant_id == signups.merchant.id)
    )
    assert record is not None
    assert (record.customer_id, record.registered_at, record.source) == (customer.id, frozen.now(), "signup")
    assert (record.ip_address, record.country_code, record.referrer) == ("203.0.113.7", "GB", "https://news.example/")
    assert (record.device_type, record.device_os, record.device_model) == ("mobile", "iOS", "iPhone")
    profiles = (await session.scalars(select(Profile).where(Profile.merchant_id == signups.merchant.id))).all()
    assert [(p.customer_id, p.name, p.is_default, p.adult) for p in profiles] == [
        (customer.id, "Ada Lovelace", True, True)
    ]


async def test_a_sign_up_is_told_to_the_merchant_and_welcomed_by_e_mail(signups: Signups) -> None:
    customer = await register(signups)
    events = await shop.events_of(signups.session, signups.merchant.id)
    assert [(kind, resource["customer_id"], resource["email"]) for kind, resource in events] == [
        ("customer.registered", customer.id, "ada@example.com")
    ]
    [welcome] = await shop.mails_to(signups.session, "ada@example.com")
    assert "Cinema" in welcome["subject"] + welcome["text"]


async def test_a_long_referrer_is_cut_and_none_is_kept_as_none(signups: Signups) -> None:
    far = ClientInfo(None, None, Device("desktop", None, None, None), None, "https://x.example/" + "a" * 3000)
    cut = await register(signups, client=far)
    assert cut.referrer is not None and len(cut.referrer) == 2000
    bare = ClientInfo(None, None, Device("desktop", None, None, None), None, "")
    assert (await register(signups, email="bob@example.com", client=bare)).referrer is None


# ----------------------------------------------------------------------------------------------------
# The merchant's register fields


async def test_a_required_register_field_must_be_answered_unless_it_is_asked_later(signups: Signups) -> None:
    await signups.field("company", required=True)
    assert await refusal(signups) == {"company": "The company field is required"}
    later = await register(signups, register_fields_later=True)
    assert later.attributes == {}
    answered = await register(signups, email="bob@example.com", metadata={"company": "Analytical Engines"})
    assert answered.attributes == {"company": "Analytical Engines"}


async def test_a_field_left_empty_takes_its_default(signups: Signups) -> None:
    await signups.field("plan", default_value="basic", required=True)
    assert (await register(signups)).attributes == {"plan": "basic"}


@pytest.mark.parametrize(
    ("type_", "terms", "answer", "error"),
    [
        (
            "select",
            {"options": {"s": "Small", "l": "Large"}},
            "Medium",
            "The size field must be one of the offered options",
        ),
        ("radio", {"options": {"s": "Small"}}, "Small", "The size field must be one of the offered options"),
        ("country", {}, "XX", "The size field must be an ISO 3166 country code"),
        ("checkbox", {"required": True}, "no", "The size field must be accepted"),
        ("datepicker", {}, "31/12/2026", "The size field must be a date in the form YYYY-MM-DD"),
    ],
)
async def test_an_answer_fits_its_fields_type(
    signups: Signups, type_: str, terms: dict[str, Any], answer: str, error: str
) -> None:
    await signups.field("size", type_, **terms)
    assert await refusal(signups, metadata={"size": answer}) == {"size": error}


@pytest.mark.parametrize(
    ("type_", "terms", "answer", "kept"),
    [
        ("select", {"options": {"s": "Small", "l": "Large"}}, "l", "l"),
        ("country", {}, "gb", "GB"),
        ("checkbox", {"required": True}, "on", "on"),
        ("datepicker", {}, "2026-12-31", "2026-12-31"),
    ],
)
async def test_a_fitting_answer_is_kept(
    signups: Signups, type_: str, terms: dict[str, Any], answer: str, kept: str
) -> None:
    await signups.field("size", type_, **terms)
    assert (await register(signups, metadata={"size": answer})).attributes == {"size": kept}
