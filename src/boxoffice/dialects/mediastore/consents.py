"""Consents: the publisher's terms (`GET /publishers/{publisherId}/consents`, no JWT) and the customer's answers
(`GET`/`PUT /customers/{customerId}/consents`). Versions are strings, as Cleeng sends them; the SDK asks again
when `needsUpdate` or `newestVersion > version`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import with_config
from typing_extensions import TypedDict

from boxoffice.dialects.cleeng.body import Fields, Shaped, declare
from boxoffice.dialects.mediastore.deps import CurrentCustomer, Session, own
from boxoffice.dialects.mediastore.envelope import CLOSED, Answer, Nothing, answer
from boxoffice.dialects.mediastore.errors import MalformedRequest
from boxoffice.dialects.mediastore.publishers import merchant_of_publisher, publisher_id
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.identity import consents
from boxoffice.kit import clock

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
STATES = {"accepted": True, "declined": False}
ANSWERS = Shaped(
    "consents",
    "The customer's answer to each term (a version, when given, is the one answered)",
    {
        "type": "array",
        "maxItems": consents.MAX_TERMS,
        "items": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "version": {
                    "anyOf": [
                        {"type": "integer", "minimum": 0},
                        {"type": "string", "pattern": "^[0-9]+$"},
                        {"type": "null"},
                    ]
                },
                "state": {"enum": list(STATES)},
            },
            "required": ["name", "state"],
        },
    },
    required=True,
)
ANSWER = declare(ANSWERS)


@with_config(CLOSED)
class PublisherConsent(TypedDict):
    name: str
    label: str
    placeholder: str
    version: str
    required: bool
    value: str
    enabledByDefault: bool
    broadcasterId: int


@with_config(CLOSED)
class PublisherConsents(TypedDict):
    consents: list[PublisherConsent]


@with_config(CLOSED)
class CustomerConsent(TypedDict):
    customerId: int
    name: str
    label: str
    required: bool
    state: Literal["accepted", "declined"]
    version: str
    newestVersion: str
    needsUpdate: bool
    value: str
    date: int | None  # Unix seconds of the answer; null before any


@with_config(CLOSED)
class CustomerConsents(TypedDict):
    consents: list[CustomerConsent]


@router.get("/publishers/{publisher}/consents")
async def publisher_consents(session: Session, publisher: int = Path(ge=0, le=2**53)) -> Answer[PublisherConsents]:
    """The publisher's terms a customer is asked to accept."""
    merchant = await merchant_of_publisher(session, publisher)
    terms = await consents.list_terms(session, merchant.id)
    return answer(
        {
            "consents": [
                {
                    "name": term.name,
                    "label": term.label,
                    "placeholder": "",
                    "version": str(term.version),
                    "required": term.required,
                    "value": "",
                    "enabledByDefault": term.enabled_by_default,
                    "broadcasterId": publisher_id(merchant),
                }
                for term in terms
            ]
        }
    )


@router.get("/customers/{customer_id}/consents")
async def customer_consents(
    session: Session, customer: CurrentCustomer, customer_id: int = Path(ge=1)
) -> Answer[CustomerConsents]:
    """The customer's answer to each of the publisher's terms, and whether a newer version must be asked."""
    own(customer, customer_id)
    found = await consents.standings(session, customer)
    return answer(
        {
            "consents": [
                {
                    "customerId": customer.id,
                    "name": s.term.name,
                    "label": s.term.label,
                    "required": s.term.required,
                    "state": "accepted" if s.answer is not None and s.answer.accepted else "declined",
                    "version": str(s.answer.version) if s.answer is not None else "0",
                    "newestVersion": str(s.term.version),
                    "needsUpdate": s.needs_update,
                    "value": "",
                    "date": clock.unix(s.answer.decided_at) if s.answer is not None else None,
                }
                for s in found
            ]
        }
    )


def _answers(body: Fields) -> list[consents.Answer]:
    given = ANSWERS.read(body)
    if not isinstance(given, list) or len(given) > consents.MAX_TERMS:
        raise MalformedRequest("Invalid param consents")
    answers = []
    for item in given:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or item.get("state") not in STATES:
            raise MalformedRequest("Invalid param consents: each is {name, version, state: accepted|declined}")
        version = item.get("version")
        if version is not None and not (isinstance(version, int | str) and str(version).isdigit()):
            raise MalformedRequest("Invalid param consents: a version is a number")
        answers.append(
            consents.Answer(item["name"], int(version) if version is not None else None, STATES[item["state"]])
        )
    return answers


@router.put("/customers/{customer_id}/consents")
async def answer_consents(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(ANSWER)], customer_id: int = Path(ge=1)
) -> Answer[Nothing]:
    """Record the customer's answers to the publisher's terms."""
    own(customer, customer_id)
    await consents.record_answers(session, customer, _answers(body))
    return answer(Nothing())
