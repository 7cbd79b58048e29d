"""Capture: `GET /customers/{customerId}/capture/status` (what the merchant asks, and whether to show the form)
and `PUT /customers/{customerId}/capture` (the answers, as the SDK's form sends them)."""

from __future__ import annotations

import re
from typing import Annotated, Any, NotRequired

from fastapi import APIRouter, Depends, Path
from pydantic import with_config
from typing_extensions import TypedDict

from boxoffice.dialects.cleeng.body import Fields, Shaped, declare
from boxoffice.dialects.mediastore.deps import CurrentCustomer, Session, own
from boxoffice.dialects.mediastore.envelope import CLOSED, Answer, Nothing, answer
from boxoffice.dialects.mediastore.errors import MalformedRequest
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.identity import capture

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
# A question's id, or the name of a register field asked as one.
_QUESTION = re.compile(r"[0-9]{1,9}|[a-z][a-z0-9_]{0,63}")
# The form's answers, flat as the SDK sends them (null for one not answered); what each may hold is the core's to
# judge (identity.capture), which refuses a wrong one by name.
ANSWER = {"type": ["string", "null"]}
STANDARD = tuple(
    Shaped(name, f"The answer to `{name}`", ANSWER)
    for name in ("email", "birthDate", "companyName", "phoneNumber", "firstName", "lastName", *capture.ADDRESS_PARTS)
)
CUSTOM_ANSWERS = Shaped(
    "customAnswers",
    "The answers to the publisher's own questions, each by the `key` the status named it (`custom_1`)",
    {
        "type": ["array", "null"],
        "items": {
            "type": "object",
            "properties": {
                "questionId": {"type": ["string", "integer"], "pattern": f"^({capture.CUSTOM})?({_QUESTION.pattern})$"},
                "question": {"type": "string"},
                "value": ANSWER,
            },
            "required": ["questionId"],
        },
    },
)
ANSWERS = declare(*STANDARD, CUSTOM_ANSWERS)


@with_config(CLOSED)
class CaptureItem(TypedDict):
    """A standard field or a question (`custom_<id>`: with its `question` and its options, `values`, also joined by
    `;` as `value`), and the customer's answer: text, an object for `firstNameLastName` and `address`, or null."""

    key: str
    enabled: bool
    required: bool
    answer: Any
    question: NotRequired[str]
    value: NotRequired[str]
    values: NotRequired[list[str]]


@with_config(CLOSED)
class CaptureStatus(TypedDict):
    isCaptureEnabled: bool
    shouldCaptureBeDisplayed: bool
    settings: list[CaptureItem]


def _item(item: capture.Item) -> CaptureItem:
    body: CaptureItem = {"key": item.key, "enabled": item.enabled, "required": item.required, "answer": item.answer}
    if item.question is not None:
        body |= {"question": item.question, "value": ";".join(item.options), "values": list(item.options)}
    return body


@router.get("/customers/{customer_id}/capture/status")
async def capture_status(
    session: Session, customer: CurrentCustomer, customer_id: int = Path(ge=1)
) -> Answer[CaptureStatus]:
    """What the publisher asks of the customer, their answers, and whether the capture form must be shown."""
    own(customer, customer_id)
    status = await capture.capture_status(session, customer)
    return answer(
        {
            "isCaptureEnabled": status.enabled,
            "shouldCaptureBeDisplayed": status.should_display,
            "settings": [_item(item) for item in status.items],
        }
    )


def _answers(body: Fields) -> dict[str, Any]:
    """The SDK's flat form, as the answers are kept: names and the address parts gathered into their objects."""
    answers: dict[str, Any] = {k: body.get(k) for k in ("email", "birthDate", "companyName", "phoneNumber")}
    answers["firstNameLastName"] = {"firstName": body.get("firstName"), "lastName": body.get("lastName")}
    answers["address"] = {part: body.get(part) for part in capture.ADDRESS_PARTS}
    custom = CUSTOM_ANSWERS.read(body) or []
    if not isinstance(custom, list):
        raise MalformedRequest("Invalid param customAnswers")
    for given in custom:
        # The SDK sends back the key the status named the question by (`custom_1`, or a register field's
        # `custom_terms`); a bare number is taken too.
        named = str(given.get("questionId", "")).removeprefix(capture.CUSTOM) if isinstance(given, dict) else ""
        if not _QUESTION.fullmatch(named):
            raise MalformedRequest("Invalid param customAnswers: each is {questionId, question, value}")
        answers[capture.CUSTOM + named] = given.get("value")
    return answers


@router.put("/customers/{customer_id}/capture")
async def answer_capture(
    session: Session,
    customer: CurrentCustomer,
    body: Annotated[Fields, Depends(ANSWERS)],
    customer_id: int = Path(ge=1),
) -> Answer[Nothing]:
    """Record the capture form's answers."""
    own(customer, customer_id)
    await capture.answer_capture(session, customer, _answers(body))
    return answer(Nothing())
