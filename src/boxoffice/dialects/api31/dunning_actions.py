"""Dunning actions: `PUT /dunning_actions/{cycle}` sets when a declined renewal of a billing cycle is tried again
(hours after its due date) and whether an external connector is asked to authorise it before it captures; the
renewal engine uses it instead of the global schedule, whatever the gateway."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from typing_extensions import TypedDict

from boxoffice.dialects.api31.answers import Answer, answer
from boxoffice.dialects.api31.deps import Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.body import Fields, Flag, Shaped, Whole, declare
from boxoffice.gateways import connectors
from boxoffice.gateways.models import DunningAction, DunningCycle

router = APIRouter(route_class=Api31Route, tags=["api31"])

AUTHORIZATION = Flag("paymentAuthorization", "Whether the connector is asked to authorise before it captures")
ATTEMPTS = Shaped(
    "paymentAttempts",
    "Hours after the due date at which a declined renewal is tried again (those at or before it are the renewal)",
    {"type": "array", "items": {"type": "integer"}, "maxItems": connectors.MAX_ATTEMPTS},
    required=True,
)
METHOD_ID = Whole("paymentMethodSettingsId", "The payment-method settings the schedule was set for")
SET = declare(AUTHORIZATION, ATTEMPTS, METHOD_ID)


class DunningActionData(TypedDict):
    id: int
    cycle: str
    paymentAuthorization: bool
    paymentAttempts: list[int]
    paymentMethodSettingsId: int | None


def _render(action: DunningAction) -> DunningActionData:
    return {
        "id": action.id,
        "cycle": action.cycle.value,
        "paymentAuthorization": action.payment_authorization,
        "paymentAttempts": list(action.payment_attempts),
        "paymentMethodSettingsId": action.payment_method_setting_id,
    }


def _attempts(body: Fields) -> list[int]:
    value = ATTEMPTS.read(body)
    if value is None:
        raise Refused(422, "paymentAttempts is required")
    if not isinstance(value, list) or any(isinstance(h, bool) or not isinstance(h, int) for h in value):
        raise Refused(400, "Invalid param paymentAttempts: a list of whole numbers of hours")
    return value


@router.put("/dunning_actions/{cycle}")
async def set_dunning_action(
    session: Session, publisher: Publisher, cycle: DunningCycle, body: Annotated[Fields, Depends(SET)]
) -> Answer[DunningActionData]:
    """Set the retry schedule of a billing cycle (`weekly`, `monthly`, `3-months`, `6-months`, `annual`,
    `seasonal`), replacing the one it had."""
    action = await connectors.set_dunning_action(
        session,
        publisher.id,
        cycle,
        payment_authorization=bool(AUTHORIZATION.read(body)),
        payment_attempts=_attempts(body),
        payment_method_setting_id=METHOD_ID.read(body),
    )
    return answer(_render(action))
