"""Capture over JSON-RPC: the publisher's questions saved and read back, and a customer's personal data with their
answers read and changed in part by the publisher's back end; never another publisher's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Server
from tests.dialects.inplayer.conftest import make_merchant, sign_up
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher, publisher_of

STANDARD = ("email", "birthDate", "companyName", "phoneNumber", "firstNameLastName", "address")
QUESTIONS = [
    {"key": "phoneNumber", "enabled": True, "required": True},
    {"key": "address", "enabled": True, "required": False},
    {"key": "birthDate", "enabled": True},
    {"key": "firstNameLastName", "enabled": "1"},
    {"key": "companyName", "enabled": False, "required": True},
    {"key": "custom_1", "enabled": True, "required": False, "question": "Colour?", "value": "Red;Blue"},
    {"key": "custom_new", "enabled": False, "question": "Dropped"},
]
PERSONAL = "fetchBroadcasterSpecificPersonalDataWithCaptureAnswers"
UPDATE = "updateBroadcasterSpecificPersonalDataWithCaptureAnswers"


@pytest.fixture
async def rival(server: Server) -> Publisher:
    return await publisher_of(server, await make_merchant(server, "rival@publisher.example.com"))


async def questions_of(rpc: JsonRpc, publisher: Publisher) -> dict[str, dict[str, Any]]:
    shown = (await rpc.call("fetchCaptureQuestions", publisherToken=publisher.token))["questions"]
    return {question["key"]: question for question in shown}


async def test_questions_are_saved_and_read_back(rpc: JsonRpc, publisher: Publisher, rival: Publisher) -> None:
    asked = await questions_of(rpc, publisher)
    assert tuple(asked) == STANDARD and not any(q["enabled"] for q in asked.values())

    saved = await rpc.call("saveCaptureQuestions", publisherToken=publisher.token, questions=QUESTIONS)
    assert saved == {"success": True}
    asked = await questions_of(rpc, publisher)
    assert {key: (q["enabled"], q["required"]) for key, q in asked.items() if key in STANDARD} == {
        "email": (False, False),
        "birthDate": (True, False),
        "companyName": (False, False),
        "phoneNumber": (True, True),
        "firstNameLastName": (True, False),
        "address": (True, False),
    }
    custom = [q for key, q in asked.items() if key not in STANDARD]
    assert [(q["key"], q["question"], q["value"], q["enabled"]) for q in custom] == [
        ("custom_1", "Colour?", "Red;Blue", True)
    ]
    assert not any(q["enabled"] for q in (await questions_of(rpc, rival)).values())

    # Asking nothing turns the form off.
    off = [{"key": "phoneNumber", "enabled": False}]
    assert (await rpc.call("saveCaptureQuestions", publisherToken=publisher.token, questions=off))["success"]
    assert not any(q["enabled"] for q in (await questions_of(rpc, publisher)).values())


@pytest.mark.parametrize(
    "questions",
    [
        None,
        "phoneNumber",
        [["phoneNumber"]],
        [{"enabled": True}],
        [{"key": "shoeSize", "enabled": True}],
        [{"key": "phoneNumber", "enabled": "maybe"}],
        [{"key": "custom_1", "enabled": True}],
        [{"key": "custom_1", "question": "x" * 501}],
        [{"key": "custom_1", "question": f"Q{n}?"} for n in range(21)],
    ],
)
async def test_bad_questions_are_invalid_arguments_and_change_nothing(
    rpc: JsonRpc, publisher: Publisher, questions: Any
) -> None:
    await rpc.call("saveCaptureQuestions", publisherToken=publisher.token, questions=QUESTIONS)
    before = await questions_of(rpc, publisher)
    await rpc.refused(11, "saveCaptureQuestions", publisherToken=publisher.token, questions=questions)
    assert await questions_of(rpc, publisher) == before


async def test_personal_data_is_read_and_changed_in_part(
    server: Server, rpc: JsonRpc, publisher: Publisher, rival: Publisher
) -> None:
    await rpc.call("saveCaptureQuestions", publisherToken=publisher.token, questions=QUESTIONS)
    vera = await sign_up(server, publisher.merchant)
    given = {"publisherToken": publisher.token, "userId": vera.id}
    shown = await rpc.call(PERSONAL, **given)
    assert (shown["email"], shown["firstName"], shown["lastName"], shown["phoneNumber"], shown["city"]) == (
        vera.email,
        "Vera",
        "Viewer",
        None,
        None,
    )
    assert shown["broadcasterId"] == publisher.id
    assert shown["customAnswers"] == [{"questionId": "custom_1", "question": "Colour?", "value": None}]

    # The phone number is required, and not answered yet.
    await rpc.refused(11, UPDATE, **given, newPersonalData={"city": "Leeds"})
    changes = {
        "phoneNumber": "+44 113 000",
        "city": "Leeds",
        "country": "GB",
        "customAnswers": [{"questionId": "custom_1", "value": "Red"}],
    }
    assert await rpc.call(UPDATE, **given, newPersonalData=changes) == {"success": True}
    assert await rpc.call(UPDATE, **(given | {"userId": str(vera.id)}), newPersonalData={"lastName": "Vue"})
    shown = await rpc.call(PERSONAL, **given)
    assert {k: shown[k] for k in ("firstName", "lastName", "phoneNumber", "city", "country", "address")} == {
        "firstName": "Vera",
        "lastName": "Vue",
        "phoneNumber": "+44 113 000",
        "city": "Leeds",
        "country": "GB",
        "address": None,
    }
    assert shown["customAnswers"] == [{"questionId": "custom_1", "question": "Colour?", "value": "Red"}]
    account = await server.http.get("/accounts", headers=vera.auth)
    assert account.json()["full_name"] == "Vera Vue"  # a name answered is the account's

    # Another publisher knows no such customer, and changes nothing.
    await rpc.refused(10, PERSONAL, publisherToken=rival.token, userId=vera.id)
    await rpc.refused(10, UPDATE, publisherToken=rival.token, userId=vera.id, newPersonalData={"city": "Paris"})
    assert (await rpc.call(PERSONAL, **given))["city"] == "Leeds"
    await rpc.refused(10, PERSONAL, publisherToken=publisher.token, userId=vera.id + 10_000)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"userId": "vera"},
        {"userId": 0},
        {"userId": 1, "newPersonalData": "Leeds"},
        {"userId": 1, "newPersonalData": {"phoneNumber": 441130}},
        {"userId": 1, "newPersonalData": {"birthDate": "yesterday"}},
        {"userId": 1, "newPersonalData": {"country": "Yorkshire"}},
        {"userId": 1, "newPersonalData": {"customAnswers": "Red"}},
        {"userId": 1, "newPersonalData": {"customAnswers": [{"value": "Red"}]}},
        {"userId": 1, "newPersonalData": {"customAnswers": [{"questionId": "Colour?", "value": "Red"}]}},
        {"userId": 1, "newPersonalData": {"customAnswers": [{"questionId": "custom_1", "value": "Green"}]}},
    ],
)
async def test_bad_personal_data_is_invalid_arguments_and_changes_nothing(
    server: Server, rpc: JsonRpc, publisher: Publisher, params: dict[str, Any]
) -> None:
    await rpc.call("saveCaptureQuestions", publisherToken=publisher.token, questions=QUESTIONS)
    vera = await sign_up(server, publisher.merchant)
    given = {"publisherToken": publisher.token, "userId": vera.id}
    await rpc.call(UPDATE, **given, newPersonalData={"phoneNumber": "1", "city": "Leeds"})
    before = await rpc.call(PERSONAL, **given)
    if params.get("userId") == 1:
        params = params | {"userId": vera.id}
    await rpc.refused(11, UPDATE if "newPersonalData" in params else PERSONAL, publisherToken=publisher.token, **params)
    assert await rpc.call(PERSONAL, **given) == before


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("fetchCaptureQuestions", {}),
        ("saveCaptureQuestions", {"questions": QUESTIONS}),
        (PERSONAL, {"userId": 1}),
        (UPDATE, {"userId": 1, "newPersonalData": {"city": "Leeds"}}),
    ],
)
async def test_capture_asks_for_a_publisher_token(rpc: JsonRpc, method: str, params: dict[str, Any]) -> None:
    await rpc.refused(3, method, **params)
    await rpc.refused(3, method, publisherToken="not-a-token", **params)
