"""Capture: the merchant chooses what to ask after sign-up; the SDK reads whether to show the form, and the
customer's answers are kept (a name and a birth date become the account's own)."""

from __future__ import annotations

from boxoffice.identity.models import CaptureAnswers
from boxoffice.identity.models import Customer as CustomerRow
from tests.conftest import Server
from tests.dialects.inplayer.conftest import add_register_field, assert_error, count_rows, fetch_rows, sign_in
from tests.dialects.mediastore.conftest import PASSWORD, Customer, Publisher, call, data, refused, register

SETTINGS = {
    "enabled": "true",
    "fields[firstNameLastName]": "required",
    "fields[birthDate]": "optional",
    "fields[address]": "optional",
    "questions[0][question]": "How did you hear of us?",
    "questions[0][required]": "true",
    "questions[0][options][0]": "Friends",
    "questions[0][options][1]": "Television",
}


async def status(server: Server, customer: Customer) -> dict[str, object]:
    found: dict[str, object] = data(
        await call(server, "GET", f"/customers/{customer.id}/capture/status", headers=customer.auth)
    )
    return found


async def test_capture_is_asked_until_what_is_required_is_answered(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    assert await status(server, customer) == {
        "isCaptureEnabled": False,
        "shouldCaptureBeDisplayed": False,
        "settings": [],
    }
    configured = await server.http.put("/v2/capture-settings", headers=publisher.merchant.auth, data=SETTINGS)
    assert configured.status_code == 200, configured.text
    before = await status(server, customer)
    assert (before["isCaptureEnabled"], before["shouldCaptureBeDisplayed"]) == (True, True)
    settings = {s["key"]: s for s in before["settings"]}  # type: ignore[attr-defined]
    assert set(settings) == {"firstNameLastName", "birthDate", "address", "custom_1"}
    assert (settings["custom_1"]["question"], settings["custom_1"]["values"]) == (
        "How did you hear of us?",
        ["Friends", "Television"],
    )
    form = {
        "firstName": "Vera",
        "lastName": "Viewer",
        "birthDate": "1990-04-01",
        "address": "1 High Street",
        "city": "Leeds",
        "country": "GB",
        "customAnswers": [{"questionId": "custom_1", "question": "How did you hear of us?", "value": "Friends"}],
    }
    data(await call(server, "PUT", f"/customers/{customer.id}/capture", form, headers=customer.auth))
    after = await status(server, customer)
    assert after["shouldCaptureBeDisplayed"] is False
    answers = {s["key"]: s["answer"] for s in after["settings"]}  # type: ignore[attr-defined]
    assert answers["firstNameLastName"] == {"firstName": "Vera", "lastName": "Viewer"}
    assert answers["address"]["city"] == "Leeds" and answers["custom_1"] == "Friends"
    [row] = await fetch_rows(server, CustomerRow, publisher.merchant.id)
    assert (row.full_name, str(row.date_of_birth)) == ("Vera Viewer", "1990-04-01")
    profile = data(await call(server, "GET", f"/customers/{customer.id}", headers=customer.auth))
    assert (profile["firstName"], profile["lastName"]) == ("Vera", "Viewer")


async def test_bad_capture_answers_are_refused_and_write_nothing(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    await server.http.put("/v2/capture-settings", headers=publisher.merchant.auth, data=SETTINGS)
    path = f"/customers/{customer.id}/capture"
    good = {"firstName": "Vera", "customAnswers": [{"questionId": 1, "value": "Friends"}]}
    for body, status_code in (
        ({"customAnswers": [{"questionId": 1, "value": "Friends"}]}, 422),  # the name is required
        (good | {"customAnswers": [{"questionId": 1, "value": "Radio"}]}, 422),  # not an option
        (good | {"birthDate": "yesterday"}, 422),
        (good | {"birthDate": "2999-01-01"}, 422),
        (good | {"country": "Atlantis"}, 422),
        (good | {"customAnswers": "Friends"}, 400),
        (good | {"customAnswers": [{"questionId": "custom_X!", "value": "Friends"}]}, 400),
        (good | {"customAnswers": [{"value": "Friends"}]}, 400),
        (good | {"firstName": 7}, 422),
    ):
        refused(await call(server, "PUT", path, body, headers=customer.auth), status_code)
    other = await register(server, publisher, "other@example.com")
    refused(await call(server, "PUT", f"/customers/{other.id}/capture", good, headers=customer.auth), 403)
    assert await count_rows(server, CaptureAnswers, publisher.merchant.id) == 0
    bad = await server.http.put(
        "/v2/capture-settings", headers=publisher.merchant.auth, data={"fields[shoeSize]": "required"}
    )
    assert_error(bad, 422, "fields[shoeSize]")


TERMS = "https://publisher.example.com/terms"


async def test_a_register_field_the_sign_up_cannot_send_is_asked_in_capture(
    server: Server, publisher: Publisher
) -> None:
    merchant = publisher.merchant
    await add_register_field(
        server, merchant, name="terms", label=TERMS, type="checkbox", required="true", placeholder="I accept"
    )
    await add_register_field(
        server,
        merchant,
        name="plan",
        label="Your plan",
        type="radio",
        **{"options[a]": "Annual", "options[m]": "Monthly"},
    )
    customer = await register(server, publisher)  # MediaStore's sign-up has no way to send them
    before = await status(server, customer)
    assert (before["isCaptureEnabled"], before["shouldCaptureBeDisplayed"]) == (True, True)
    settings = {s["key"]: s for s in before["settings"]}  # type: ignore[attr-defined]
    assert settings["custom_terms"] == {
        "key": "custom_terms",
        "enabled": True,
        "required": True,
        "answer": None,
        "question": TERMS,
        "value": "I accept",
        "values": ["I accept"],
    }
    assert (settings["custom_plan"]["required"], settings["custom_plan"]["values"]) == (False, ["Annual", "Monthly"])
    path = f"/customers/{customer.id}/capture"
    left_out = await call(server, "PUT", path, {"customAnswers": []}, headers=customer.auth)
    message = refused(left_out, 422, "REQ0001", "terms")
    assert TERMS not in message
    answered = [
        {"questionId": "custom_terms", "question": TERMS, "value": "I accept"},
        {"questionId": "custom_plan", "question": "Your plan", "value": "Monthly"},
    ]
    data(await call(server, "PUT", path, {"customAnswers": answered}, headers=customer.auth))
    after = await status(server, customer)
    assert after["shouldCaptureBeDisplayed"] is False
    answers = {s["key"]: s["answer"] for s in after["settings"]}  # type: ignore[attr-defined]
    assert answers == {"custom_terms": "I accept", "custom_plan": "Monthly"}
    # The answers are the account's metadata, as InPlayer's sign-up would have kept them.
    signed_in = await sign_in(server, merchant, customer.email, PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["account"]["metadata"] == {"terms": "true", "plan": "m"}
    assert await count_rows(server, CaptureAnswers, merchant.id) == 0  # no capture form of the merchant's was asked


async def test_an_account_update_answers_what_the_sign_up_left(server: Server, publisher: Publisher) -> None:
    merchant = publisher.merchant
    await add_register_field(server, merchant, name="terms", label=TERMS, type="checkbox", required="true")
    customer = await register(server, publisher)
    token = (await sign_in(server, merchant, customer.email, PASSWORD)).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    refusal = await server.http.put("/accounts", headers=auth, data={"metadata[nickname]": "Vee"})
    assert assert_error(refusal, 422, "terms")["errors"]["terms"] == "The terms field is required"
    updated = await server.http.put(
        "/accounts", headers=auth, data={"metadata[nickname]": "Vee", "metadata[terms]": "true"}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["metadata"] == {"nickname": "Vee", "terms": "true"}
    assert (await status(server, customer))["shouldCaptureBeDisplayed"] is False
