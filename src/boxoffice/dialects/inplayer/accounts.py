"""A customer's own account: read, update, password, reset, erase, export, PIN codes, external links."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from boxoffice.dialects.inplayer import render
from boxoffice.dialects.inplayer.deps import (
    AppSettings,
    Body,
    Client,
    CurrentCustomer,
    CurrentPrincipal,
    Session,
)
from boxoffice.dialects.inplayer.forms import mapping, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import accounts, external_accounts, merchants, pins, recovery, register_fields
from boxoffice.identity.accounts import UNSET
from boxoffice.kit import throttle
from boxoffice.kit.errors import InvalidInput
from boxoffice.restrictions.service import restriction_settings

router = APIRouter(route_class=InPlayerRoute, tags=["accounts"])


@router.get("/accounts")
async def get_account(session: Session, principal: CurrentPrincipal) -> dict[str, Any]:
    merchant = await merchants.merchant_of(session, principal.merchant_id)
    if principal.is_merchant:
        return render.merchant_account(merchant)
    return render.customer_account(await accounts.customer_of(session, principal), merchant)


@router.put("/accounts")
async def update_account(session: Session, customer: CurrentCustomer, body: Body) -> dict[str, Any]:
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
async def change_password(session: Session, customer: CurrentCustomer, body: Body) -> dict[str, Any]:
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
    request: Request, session: Session, settings: AppSettings, body: Body, client: Client
) -> dict[str, Any]:
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
    request: Request, session: Session, settings: AppSettings, token: str, body: Body, client: Client
) -> dict[str, Any]:
    await throttle.hit(request.app.state.sessions, {f"reset:ip:{client.ip_address}": settings.reset_rate_per_ip})
    await recovery.reset_password(
        session,
        token,
        password=text(body, "password"),
        password_confirmation=text(body, "password_confirmation"),
    )
    return render.message("Password has been reset")


@router.get("/accounts/register-fields/{merchant_uuid}")
async def public_register_fields(session: Session, merchant_uuid: str) -> dict[str, Any]:
    merchant = await merchants.find_merchant(session, merchant_uuid)
    fields = await register_fields.list_register_fields(session, merchant.id)
    return {"collection": [render.register_field(f) for f in fields]}


@router.delete("/accounts/erase")
async def erase_account(session: Session, customer: CurrentCustomer, body: Body) -> dict[str, Any]:
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    await accounts.erase_account(session, merchant, customer, text(body, "password"))
    return render.message("Account has been erased")


@router.post("/accounts/export")
async def export_account(session: Session, customer: CurrentCustomer, body: Body) -> dict[str, Any]:
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    await accounts.export_account_data(session, merchant, customer, text(body, "password"))
    return render.message("Your data will be sent to your email")


@router.post("/v2/accounts/pin-codes/send")
async def send_pin_code(session: Session, settings: AppSettings, customer: CurrentCustomer) -> dict[str, Any]:
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    await pins.send_pin_code(session, settings, merchant, customer)
    return render.message("Pin code has been sent")


@router.post("/v2/accounts/pin-codes/validate")
async def validate_pin_code(session: Session, customer: CurrentCustomer, body: Body) -> dict[str, Any]:
    await pins.validate_pin_code(session, customer, text(body, "pin_code"))
    return render.message("Pin code is valid")


@router.get("/restrictions/settings/{merchant_uuid}")
async def public_restriction_settings(session: Session, merchant_uuid: str) -> dict[str, Any]:
    merchant = await merchants.find_merchant(session, merchant_uuid)
    return render.restriction_settings(await restriction_settings(session, merchant.id), merchant)


@router.post("/v2/accounts/external/{integration}")
async def sync_external_account(
    session: Session, customer: CurrentCustomer, integration: str, body: Body
) -> dict[str, Any]:
    link = await external_accounts.sync_external_account(session, customer, integration, text(body, "item_id"))
    return {"id": link.id, "account_id": link.customer_id, "token": link.token}


@router.patch("/v2/accounts/external/{integration}")
async def update_external_account(
    session: Session, customer: CurrentCustomer, integration: str, body: Body
) -> dict[str, Any]:
    link = await external_accounts.update_external_account(session, customer, integration, body)
    return render.external_account(link)
