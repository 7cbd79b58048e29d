"""The capture questions a publisher asks its customers (`fetchCaptureQuestions`, `saveCaptureQuestions`), and
each customer's personal data with their answers (`fetch…` and `updateBroadcasterSpecificPersonalDataWithCapture
Answers`). A question is a standard field by its name (`email`, `birthDate`, `companyName`, `phoneNumber`,
`firstNameLastName`, `address`) or one of the publisher's own, `custom_<n>`, whose options `value` joins by `;`."""

from __future__ import annotations

import re
from typing import Any

from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.dialects.jsonrpc.errors import InvalidParams
from boxoffice.dialects.jsonrpc.params import Params
from boxoffice.identity import capture, customers
from boxoffice.identity.merchants import public_number
from boxoffice.identity.models import CaptureSettings, Customer

MAX_ID = 2**53
# A question's id, or the name of a register field asked as one.
_QUESTION = re.compile(r"[0-9]{1,9}|[a-z][a-z0-9_]{0,63}")
# The personal data's own fields, kept as the answers to the standard questions.
SINGLE = ("email", "birthDate", "companyName", "phoneNumber")
NAMES = ("firstName", "lastName")


def _questions(settings: CaptureSettings | None) -> list[dict[str, Any]]:
    on = settings is not None and settings.enabled
    fields = settings.fields if settings is not None else {}
    shown = [
        {
            "key": name,
            "enabled": on and name in fields,
            "required": fields.get(name) == "required",
            "question": None,
            "value": "",
        }
        for name in capture.FIELDS
    ]
    for asked in settings.questions if settings is not None else []:
        shown.append(
            {
                "key": f"{capture.CUSTOM}{asked['id']}",
                "enabled": on,
                "required": bool(asked["required"]),
                "question": asked["question"],
                "value": ";".join(asked["options"]),
            }
        )
    return shown


async def fetch_capture_questions(call: Call) -> dict[str, Any]:
    """Every standard field (enabled when asked) and the publisher's own questions."""
    merchant = await call.publisher()
    return {"questions": _questions(await capture.capture_settings_of(call.session, merchant.id))}


def _object(item: object, where: str) -> Params:
    """One object of a list param."""
    if not isinstance(item, dict):
        raise InvalidParams(where, f"Invalid arguments: {where} must be an object")
    return Params(item, where)


async def save_capture_questions(call: Call) -> dict[str, Any]:
    """The questions given replace those asked: a standard field is off unless enabled, optional or required; the
    publisher's own questions are asked as enabled, in order (one not enabled is dropped). The form is on while it
    asks anything."""
    merchant = await call.publisher()
    fields: dict[str, str] = {}
    questions: list[dict[str, Any]] = []
    for n, item in enumerate(call.params.items("questions", max_items=capture.MAX_QUESTIONS + len(capture.FIELDS))):
        given = _object(item, f"questions[{n}]")
        key = given.text("key", max_length=100)
        enabled, required = given.boolean("enabled", default=True), given.boolean("required", default=False)
        if key in capture.FIELDS:
            fields[key] = ("required" if required else "optional") if enabled else "off"
        elif key.startswith(capture.CUSTOM):
            if enabled:
                options = given.optional_text("value", max_length=capture.MAX_TEXT) or ""
                question = given.text("question", max_length=capture.MAX_TEXT)
                questions.append({"question": question, "options": options.split(";"), "required": required})
        else:
            raise InvalidParams(f"questions[{n}].key", f"Invalid arguments: questions[{n}].key is not a question")
    asks = any(level != "off" for level in fields.values()) or bool(questions)
    await capture.configure_capture(call.session, merchant.id, enabled=asks, fields=fields, questions=questions)
    return {"success": True}


async def _customer(call: Call) -> tuple[int, Customer]:
    merchant = await call.publisher()
    customer_id = call.params.integer("userId", minimum=1, maximum=MAX_ID)
    return public_number(merchant), await customers.get_customer(call.session, merchant, customer_id)


async def fetch_personal_data(call: Call) -> dict[str, Any]:
    """The customer's account with their answers: the answers where given, the account's own name, e-mail and birth
    date otherwise."""
    publisher_id, customer = await _customer(call)
    status = await capture.capture_status(call.session, customer)
    answers = {item.key: item for item in status.items}

    def answer(key: str) -> Any:
        found = answers.get(key)
        return found.answer if found is not None else None

    first, _, last = customer.full_name.partition(" ")
    names = answer("firstNameLastName") or {"firstName": first, "lastName": last}
    address = answer("address") or {}
    born = customer.date_of_birth.isoformat() if customer.date_of_birth else None
    return {
        "email": answer("email") or customer.email,
        "firstName": names.get("firstName") or None,
        "lastName": names.get("lastName") or None,
        "birthDate": answer("birthDate") or born,
        "companyName": answer("companyName"),
        "phoneNumber": answer("phoneNumber"),
        **{part: address.get(part) or None for part in capture.ADDRESS_PARTS},
        "broadcasterId": publisher_id,
        "customAnswers": [
            {"questionId": item.key, "question": item.question, "value": item.answer}
            for item in status.items
            if item.key.startswith(capture.CUSTOM)
        ],
    }


def _changes(data: Params) -> dict[str, Any]:
    """The personal data given, as the answers are kept: only the fields given, and of a name or an address only
    the parts given. What each may hold is the core's to judge."""
    changes: dict[str, Any] = {key: data.values[key] for key in SINGLE if key in data.values}
    names = {part: data.values[part] for part in NAMES if part in data.values}
    if names:
        changes["firstNameLastName"] = names
    address = {part: data.values[part] for part in capture.ADDRESS_PARTS if part in data.values}
    if address:
        changes["address"] = address
    for n, item in enumerate(data.items("customAnswers", required=False, max_items=capture.MAX_QUESTIONS * 2)):
        where = f"{data.where}.customAnswers[{n}]"
        given = _object(item, where)
        named = given.text("questionId", max_length=100).removeprefix(capture.CUSTOM)
        if not _QUESTION.fullmatch(named):
            raise InvalidParams(f"{where}.questionId", f"Invalid arguments: {where}.questionId is custom_<id>")
        changes[capture.CUSTOM + named] = given.values.get("value")
    return changes


async def update_personal_data(call: Call) -> dict[str, Any]:
    """Change the customer's answers given in `newPersonalData`; the others stay as they are."""
    _, customer = await _customer(call)
    changes = _changes(call.params.object("newPersonalData"))
    await capture.change_capture_answers(call.session, customer, changes)
    return {"success": True}


METHODS: Methods = {
    "fetchCaptureQuestions": fetch_capture_questions,
    "saveCaptureQuestions": save_capture_questions,
    "fetchBroadcasterSpecificPersonalDataWithCaptureAnswers": fetch_personal_data,
    "updateBroadcasterSpecificPersonalDataWithCaptureAnswers": update_personal_data,
}
