"""Signing up: register fields, each way a sign-up form can be wrong, and what a good one leaves."""

from __future__ import annotations

import pytest

from boxoffice.identity.models import Customer, RegistrationRecord
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import (
    Merchant,
    add_register_field,
    assert_error,
    count_rows,
    fetch_rows,
    sign_up,
    sign_up_form,
)

GENDER = {
    "name": "gender",
    "label": "Gender",
    "type": "select",
    "required": "true",
    "options[f]": "Female",
    "options[m]": "Male",
    "options[x]": "Other",
}


async def test_register_fields_are_managed_by_the_merchant_and_read_publicly(
    server: Server, merchant: Merchant
) -> None:
    created = await add_register_field(server, merchant, **GENDER, placeholder="Pick one", position="2")
    assert created["name"] == "gender" and created["type"] == "select" and created["required"] is True
    assert created["options"] == {"f": "Female", "m": "Male", "x": "Other"}
    assert created["placeholder"] == "Pick one"
    country = await add_register_field(server, merchant, name="country", label="Country", type="country", position="1")

    public = await server.http.get(f"/accounts/register-fields/{merchant.uuid}")
    assert public.status_code == 200
    # Ordered by position, then id.
    assert [f["name"] for f in public.json()["collection"]] == ["country", "gender"]
    mine = await server.http.get("/accounts/register-fields", headers=merchant.auth)
    assert mine.json() == public.json()

    changed = await server.http.put(
        f"/accounts/register-fields/{created['id']}",
        headers=merchant.auth,
        data={"label": "Gender identity", "required": "false"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["label"] == "Gender identity" and changed.json()["required"] is False
    assert changed.json()["options"] == created["options"]  # untouched fields stay

    deleted = await server.http.delete(f"/accounts/register-fields/{country['id']}", headers=merchant.auth)
    assert deleted.status_code == 200
    again = await server.http.delete(f"/accounts/register-fields/{country['id']}", headers=merchant.auth)
    assert_error(again, 404)
    after = await server.http.get(f"/accounts/register-fields/{merchant.uuid}")
    assert [(f["name"], f["label"]) for f in after.json()["collection"]] == [("gender", "Gender identity")]


async def test_bad_register_field_definitions_are_refused(server: Server, merchant: Merchant) -> None:
    cases = [
        ({"name": "Bad Name", "label": "X", "type": "input"}, "name"),
        ({"name": "password", "label": "X", "type": "input"}, "name"),
        ({"name": "nick", "label": " ", "type": "input"}, "label"),
        ({"name": "nick", "label": "Nick", "type": "textarea"}, "type"),
        ({"name": "tier", "label": "Tier", "type": "select"}, "options"),
        ({"name": "nick", "label": "Nick", "type": "input", "required": "maybe"}, "required"),
    ]
    for form, field in cases:
        response = await server.http.post("/accounts/register-fields", headers=merchant.auth, data=form)
        assert_error(response, 422, field)
    listed = await server.http.get("/accounts/register-fields", headers=merchant.auth)
    assert listed.json()["collection"] == []

    nick = await add_register_field(server, merchant, name="nick", label="Nick", type="input")
    await add_register_field(server, merchant, name="club", label="Club", type="input")
    duplicate = await server.http.post(
        "/accounts/register-fields",
        headers=merchant.auth,
        data={"name": "nick", "label": "Again", "type": "input"},
    )
    assert_error(duplicate, 409)
    renamed_onto_other = await server.http.put(
        f"/accounts/register-fields/{nick['id']}", headers=merchant.auth, data={"name": "club"}
    )
    assert_error(renamed_onto_other, 409)
    select_without_options = await server.http.put(
        f"/accounts/register-fields/{nick['id']}", headers=merchant.auth, data={"type": "select"}
    )
    assert_error(select_without_options, 422, "options")
    unchanged = await server.http.get("/accounts/register-fields", headers=merchant.auth)
    kept = [(f["name"], f["type"]) for f in unchanged.json()["collection"]]
    assert kept == [("nick", "input"), ("club", "input")]


async def test_register_fields_of_an_unknown_merchant_are_404(server: Server) -> None:
    response = await server.http.get("/accounts/register-fields/00000000-0000-0000-0000-000000000000")
    assert_error(response, 404)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": ""}, "email"),
        ({"username": "not-an-email"}, "email"),
        ({"password": "short", "password_confirmation": "short"}, "password"),
        ({"password_confirmation": "something-else-1"}, "password_confirmation"),
        ({"full_name": "  "}, "full_name"),
        ({"metadata[gender]": ""}, "gender"),  # the required select is left empty
        ({"metadata[gender]": "q", "metadata[country]": "MK"}, "gender"),  # not one of the options
        ({"metadata[gender]": "f", "metadata[country]": "XX"}, "country"),  # not an ISO 3166 code
    ],
    ids=[
        "missing-email",
        "invalid-email",
        "short-password",
        "mismatched-confirmation",
        "missing-name",
        "missing-required-field",
        "invalid-option",
        "invalid-country",
    ],
)
async def test_invalid_sign_up_is_422_naming_the_field_and_writes_nothing(
    server: Server, merchant: Merchant, mailbox: Mailbox, changes: dict[str, str], field: str
) -> None:
    await add_register_field(server, merchant, **GENDER)
    await add_register_field(server, merchant, name="country", label="Country", type="country")
    form = sign_up_form(merchant, **{"metadata[gender]": "f", "metadata[country]": "MK"}) | changes
    response = await server.http.post("/accounts", data=form)
    body = assert_error(response, 422, field)
    assert body["message"] == body["errors"][field]
    assert await count_rows(server, Customer, merchant.id) == 0
    assert await server.run_jobs() == 0 and mailbox.messages == []


async def test_every_bad_field_is_named_at_once(server: Server, merchant: Merchant) -> None:
    response = await server.http.post(
        "/accounts",
        data=sign_up_form(merchant, email="nope", password="short", password_confirmation="other"),
    )
    assert_error(response, 422, "email", "password", "password_confirmation")


async def test_a_required_field_left_out_entirely_is_422(server: Server, merchant: Merchant) -> None:
    await add_register_field(server, merchant, **GENDER)
    response = await server.http.post("/accounts", data=sign_up_form(merchant))
    assert_error(response, 422, "gender")
    assert await count_rows(server, Customer, merchant.id) == 0


async def test_a_register_field_is_named_by_its_name_not_its_label(server: Server, merchant: Merchant) -> None:
    terms = "https://publisher.example.com/terms"
    await add_register_field(server, merchant, name="terms", label=terms, type="checkbox", required="true")
    response = await server.http.post("/accounts", data=sign_up_form(merchant))
    body = assert_error(response, 422, "terms")
    assert "terms" in body["errors"]["terms"] and terms not in response.text
    refused = await server.http.post("/accounts", data=sign_up_form(merchant, **{"metadata[terms]": "no"}))
    assert terms not in assert_error(refused, 422, "terms")["errors"]["terms"]


async def test_a_valid_sign_up_keeps_the_register_answers(server: Server, merchant: Merchant) -> None:
    await add_register_field(server, merchant, **GENDER)
    await add_register_field(server, merchant, name="newsletter", label="News", type="checkbox", default_value="false")
    viewer = await sign_up(server, merchant, **{"metadata[gender]": "x", "metadata[first_name]": "Vera"})
    assert viewer.account["metadata"] == {"gender": "x", "first_name": "Vera", "newsletter": "false"}


async def test_duplicate_email_is_409_whatever_its_case(server: Server, merchant: Merchant) -> None:
    await sign_up(server, merchant, email="dup@example.com")
    for address in ("dup@example.com", "DUP@example.com", " dup@EXAMPLE.com "):
        response = await server.http.post("/accounts", data=sign_up_form(merchant, email=address))
        assert_error(response, 409)
    assert await count_rows(server, Customer, merchant.id) == 1


async def test_v2_sign_up_has_no_refresh_token(server: Server, merchant: Merchant) -> None:
    response = await server.http.post("/v2/accounts", data=sign_up_form(merchant, email="v2@example.com"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "expires", "account"}
    me = await server.http.get("/accounts", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["email"] == "v2@example.com"


async def test_sign_up_needs_a_known_client_id(server: Server, merchant: Merchant) -> None:
    missing = await server.http.post("/accounts", data=sign_up_form(merchant) | {"client_id": ""})
    assert_error(missing, 422, "client_id")
    unknown = await server.http.post(
        "/accounts", data=sign_up_form(merchant) | {"client_id": "00000000-0000-0000-0000-000000000000"}
    )
    assert_error(unknown, 404)
    bad_type = await server.http.post("/accounts", data=sign_up_form(merchant) | {"type": "admin"})
    assert_error(bad_type, 422, "type")
    assert await count_rows(server, Customer, merchant.id) == 0


async def test_merchant_sign_up(server: Server) -> None:
    form = {
        "type": "merchant",
        "full_name": "Studio",
        "email": "studio@example.com",
        "password": "studio-pass-1",
        "password_confirmation": "studio-pass-1",
    }
    response = await server.http.post("/accounts", data=form)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["account"]["roles"] == ["merchant"]
    assert body["account"]["uuid"] == body["account"]["merchant_uuid"]
    assert body["refresh_token"]
    # Its uuid is the client_id its viewers sign up with.
    fields = await server.http.get(f"/accounts/register-fields/{body['account']['uuid']}")
    assert fields.status_code == 200
    again = await server.http.post("/accounts", data=form | {"email": "STUDIO@example.com"})
    assert_error(again, 409)
    weak = await server.http.post(
        "/accounts", data=form | {"email": "other@example.com", "password": "x", "password_confirmation": "x"}
    )
    assert_error(weak, 422, "password")


async def test_registration_is_recorded_and_welcomed(server: Server, merchant: Merchant, mailbox: Mailbox) -> None:
    viewer = await sign_up(server, merchant, email="new@example.com")
    records = await fetch_rows(server, RegistrationRecord, merchant.id)
    assert len(records) == 1
    record = records[0]
    assert record.customer_id == viewer.id
    assert record.source == "signup"
    assert record.referrer == "https://app.test/"
    assert record.ip_address == "203.0.113.7"

    assert await server.run_jobs() == 1
    welcome = mailbox.last("new@example.com")
    assert welcome["Subject"] == "Welcome to Publisher"
    assert "new@example.com" in welcome.get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_a_merchant_sign_up_with_a_client_id_is_refused(server: Server, merchant: Merchant) -> None:
    response = await server.http.post(
        "/accounts",
        data={
            "type": "merchant",
            "client_id": merchant.uuid,
            "email": "second@example.com",
            "full_name": "Second",
            "password": "second-pass-1",
            "password_confirmation": "second-pass-1",
        },
    )
    assert response.status_code == 422
    assert "client_id" in response.json()["errors"]


async def test_a_country_answer_is_stored_as_its_iso_code(server: Server, merchant: Merchant) -> None:
    await add_register_field(server, merchant, name="country", label="Country", type="country")
    viewer = await sign_up(server, merchant, **{"metadata[country]": "mk"})
    assert viewer.account["metadata"]["country"] == "MK"
