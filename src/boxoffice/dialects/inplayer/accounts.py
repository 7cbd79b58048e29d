"""A customer's own account: read, update, password, reset, erase, export, PIN codes, external links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from typing_extensions import TypedDict

from boxoffice.billing import erasure
from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import (
    AppSettings,
    Client,
    CurrentCustomer,
    CurrentPrincipal,
    Session,
)
from boxoffice.dialects.inplayer.forms import mapping, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import (
    accounts,
    external_accounts,
    merchants,
    outside_identities,
    pins,
    recovery,
    register_fields,
)
from boxoffice.identity.accounts import UNSET
from boxoffice.kit import throttle
from boxoffice.kit.errors import InvalidInput
from boxoffice.restrictions.service import restriction_settings

router = APIRouter(route_class=InPlayerRoute, tags=["accounts"])

PASSWORD = bodies.text("password", "The new password", required=True)
CONFIRMATION = bodies.text("password_confirmation", "The new password again", required=True)
UPDATE_ACCOUNT = bodies.form(
    bodies.text("full_name", "The viewer's name"),
    bodies.mapping("metadata", "Values of the merchant's register fields, by field name"),
    bodies.text("date_of_birth", "`YYYY-MM-DD`; empty removes it"),
)
CHANGE_PASSWORD = bodies.form(
    bodies.text("old_password", "The current password", required=True), PASSWORD, CONFIRMATION
)
FORGOT_PASSWORD = bodies.form(
    bodies.text("email", "The account's e-mail", required=True),
    bodies.text("merchant_uuid", "The merchant's uuid (client id)"),
    bodies.text("client_id", "The merchant's uuid, when `merchant_uuid` is not sent"),
)
NEW_PASSWORD = bodies.form(PASSWORD, CONFIRMATION)
WITH_PASSWORD = bodies.form(bodies.text("password", "The account's password, to confirm", required=True))
PIN_CODE = bodies.form(bodies.text("pin_code", "The code e-mailed by `/v2/accounts/pin-codes/send`", required=True))
EXTERNAL_SYNC = bodies.form(bodies.text("item_id", "The item the external account is linked through"))
EXTERNAL_DATA = bodies.form(open=True, description="The integration's own fields, kept as they are sent")


class ExternalLink(TypedDict):
    id: int
    account_id: int
    token: str


@router.get("/accounts")
async def get_account(session: Session, principal: CurrentPrincipal) -> render.Account:
    """The caller's account.

    A viewer's token reads the viewer's account, a merchant's token the merchant's own."""
    merchant = await merchants.merchant_of(session, principal.merchant_id)
    if principal.is_merchant:
        return render.merchant_account(merchant)
    customer = await accounts.customer_of(session, principal)
    return render.customer_account(
        customer, merchant, await outside_identities.outside_identities_of(session, customer)
    )


@router.put("/accounts")
async def update_account(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(UPDATE_ACCOUNT)]
) -> render.Account:
    """Change the viewer's name, register-field values or date of birth.

    Fields not sent are left as they are."""
    birth = text(body, "date_of_birth") if "date_of_birth" in body else UNSET
    updated = await accounts.update_account(
        session,
        customer,
        full_name=text(body, "full_name"),
        metadata=mapping(body, "metadata"),
        date_of_birth=birth,
    )
    return render.customer_account(updated, await merchants.merchant_of(session, customer.merchant_id))


@router.post("/accounts/change-password")
async def change_password(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(CHANGE_PASSWORD)]
) -> render.Message:
    """Change the viewer's password, given the current one."""
    await accounts.change_password(
        session,
        customer,
        old_password=text(body, "old_password"),
        password=text(body, "password"),
        password_confirmation=text(body, "password_confirmation"),
    )
    return render.message("Password changed")


@router.post("/accounts/forgot-password")
async def forgot_password(
    request: Request,
    session: Session,
    settings: AppSettings,
    body: Annotated[Fields, Depends(FORGOT_PASSWORD)],
    client: Client,
) -> render.Message:
    """E-mail a password-reset token.

    Answered alike whether or not the account exists; attempts are limited per address and per account."""
    email = text(body, "email") or ""
    merchant_uuid = text(body, "merchant_uuid") or text(body, "client_id")
    await throttle.hit(
        request.app.state.sessions,
        {
            f"reset:ip:{client.ip_address}": settings.reset_rate_per_ip,
            f"reset:account:{merchant_uuid}:{email.lower()}": settings.reset_rate_per_account,
        },
    )
    if not merchant_uuid:
        raise InvalidInput({"merchant_uuid": "The merchant uuid is required"})
    merchant = await merchants.find_merchant(session, merchant_uuid)
    await recovery.request_password_reset(session, settings, merchant, email)
    return render.message("Email with reset password token has been sent")


@router.put("/accounts/forgot-password/{token}")
async def set_new_password(
    request: Request,
    session: Session,
    settings: AppSettings,
    token: str,
    body: Annotated[Fields, Depends(NEW_PASSWORD)],
    client: Client,
) -> render.Message:
    """Set a new password with the token of a reset e-mail."""
    await throttle.hit(request.app.state.sessions, {f"reset:ip:{client.ip_address}": settings.reset_rate_per_ip})
    await recovery.reset_password(
        session,
        token,
        password=text(body, "password"),
        password_confirmation=text(body, "password_confirmation"),
    )
    return render.message("Password has been reset")


@router.get("/accounts/register-fields/{merchant_uuid}")
async def public_register_fields(session: Session, merchant_uuid: str) -> render.Collection[render.RegisterFieldBody]:
    """The merchant's register fields, which its sign-up form asks for."""
    merchant = await merchants.find_merchant(session, merchant_uuid)
    fields = await register_fields.list_register_fields(session, merchant.id)
    return {"collection": [render.register_field(f) for f in fields]}


@router.delete("/accounts/erase")
async def erase_account(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(WITH_PASSWORD)]
) -> render.Message:
    """Erase the viewer's account and personal data, given the password."""
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    await erasure.erase_account(session, merchant, customer, text(body, "password"))
    return render.message("Account has been erased")


@router.post("/accounts/export")
async def export_account(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(WITH_PASSWORD)]
) -> render.Message:
    """E-mail the viewer the data kept about them, given the password."""
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    await accounts.export_account_data(session, merchant, customer, text(body, "password"))
    return render.message("Your data will be sent to your email")


@router.post("/v2/accounts/pin-codes/send")
async def send_pin_code(session: Session, settings: AppSettings, customer: CurrentCustomer) -> render.Message:
    """E-mail the viewer a PIN code, for age verification by PIN."""
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    await pins.send_pin_code(session, settings, merchant, customer)
    return render.message("Pin code has been sent")


@router.post("/v2/accounts/pin-codes/validate")
async def validate_pin_code(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(PIN_CODE)]
) -> render.Message:
    """Check a PIN code the viewer was e-mailed."""
    await pins.validate_pin_code(session, customer, text(body, "pin_code"))
    return render.message("Pin code is valid")


@router.get("/restrictions/settings/{merchant_uuid}")
async def public_restriction_settings(session: Session, merchant_uuid: str) -> render.RestrictionSettingsBody:
    """The merchant's restriction settings: age verification, allowed domains, concurrent sessions."""
    merchant = await merchants.find_merchant(session, merchant_uuid)
    return render.restriction_settings(await restriction_settings(session, merchant.id), merchant)


@router.post("/v2/accounts/external/{integration}")
async def sync_external_account(
    session: Session, customer: CurrentCustomer, integration: str, body: Annotated[Fields, Depends(EXTERNAL_SYNC)]
) -> ExternalLink:
    """Link the viewer to an account of an external integration, and hand out its token."""
    link = await external_accounts.sync_external_account(session, customer, integration, text(body, "item_id"))
    return {"id": link.id, "account_id": link.customer_id, "token": link.token}


@router.patch("/v2/accounts/external/{integration}")
async def update_external_account(
    session: Session, customer: CurrentCustomer, integration: str, body: Annotated[Fields, Depends(EXTERNAL_DATA)]
) -> render.ExternalAccountBody:
    """Store the integration's data for the viewer's external account.

    The body's fields are kept as sent."""
    link = await external_accounts.update_external_account(session, customer, integration, body)
    return render.external_account(link)
