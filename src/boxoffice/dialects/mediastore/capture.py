"""Capture: `GET /customers/{customerId}/capture/status` (what the merchant asks, and whether to show the form)
and `PUT /customers/{customerId}/capture` (the answers, as the SDK's form sends them)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Path

from boxoffice.dialects.mediastore.deps import Body, CurrentCustomer, Session, own
from boxoffice.dialects.mediastore.envelope import answer
from boxoffice.dialects.mediastore.errors import MalformedRequest
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.identity import capture

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
# A question's id, or the name of a register field asked as one.
_QUESTION = re.compile(r"[0-9]{1,9}|[a-z][a-z0-9_]{0,63}")


def _item(item: capture.Item) -> dict[str, Any]:
    body: dict[str, Any] = {"key": item.key, "enabled": item.enabled, "required": item.required, "answer": item.answer}
    if item.question is not None:
        body |= {"question": item.question, "value": ";".join(item.options), "values": list(item.options)}
    return body


@router.get("/customers/{customer_id}/capture/status")
async def capture_status(session: Session, customer: CurrentCustomer, customer_id: int = Path(ge=1)) -> Any:
    own(customer, customer_id)
    status = await capture.capture_status(session, customer)
    return answer(
        {
            "isCaptureEnabled": status.enabled,
            "shouldCaptureBeDisplayed": status.should_display,
            "settings": [_item(item) for item in status.items],
        }
    )


def _answers(body: dict[str, Any]) -> dict[str, Any]:
    """The SDK's flat form, as the answers are kept: names and the address parts gathered into their objects."""
    answers: dict[str, Any] = {k: body.get(k) for k in ("email", "birthDate", "companyName", "phoneNumber")}
    answers["firstNameLastName"] = {"firstName": body.get("firstName"), "lastName": body.get("lastName")}
    answers["address"] = {part: body.get(part) for part in capture.ADDRESS_PARTS}
    custom = body.get("customAnswers") or []
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
async def answer_capture(session: Session, customer: CurrentCustomer, body: Body, customer_id: int = Path(ge=1)) -> Any:
    own(customer, customer_id)
    await capture.answer_capture(session, customer, _answers(body))
    return answer({})
