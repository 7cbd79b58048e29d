"""Signing up, in and out: `/accounts/authenticate`, `/accounts` sign-up, logout, keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from boxoffice.dialects.inplayer import render
from boxoffice.dialects.inplayer.deps import (
    AppSettings,
    Body,
    Client,
    CurrentMerchant,
    CurrentPrincipal,
    Session,
    bearer_token,
    client_with_referrer,
)
from boxoffice.dialects.inplayer.forms import mapping, strings, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import accounts, authentication, customers, merchants
from boxoffice.identity.tokens import verify_access_token
from boxoffice.kit import throttle
from boxoffice.kit.errors import Forbidden, InvalidInput
from boxoffice.kit.settings import Settings

router = APIRouter(route_class=InPlayerRoute, tags=["accounts"])
GRANT_TYPES = ("password", "refresh_token", "client_credentials")


async def _authenticate(
    request: Request, session: Session, settings: Settings, body: dict[str, Any], client: Client, *, v2: bool
) -> dict[str, Any]:
    grant = text(body, "grant_type") or "password"
    client_id = text(body, "client_id")
    username = authentication.sign_in_name(text(body, "username") or text(body, "email"))
    if grant not in GRANT_TYPES or (v2 and grant != "password"):
        allowed = "password" if v2 else ", ".join(GRANT_TYPES)
        raise InvalidInput({"grant_type": f"The grant type must be one of: {allowed}"})
    if grant == "client_credentials":
        account = f"client:{client_id}" if client_id else None
    else:
        account = f"{client_id}:{username}" if username else None
    await authentication.check_sign_in_rate(request.app.state.sessions, settings, client.ip_address, account)
    client = client_with_referrer(client, body)

    if grant == "refresh_token":
        token = text(body, "refresh_token")
        if not token:
            raise InvalidInput({"refresh_token": "The refresh token is required"})
        merchant = await merchants.find_merchant(session, client_id) if client_id else None
        issued, owner, customer = await authentication.refresh_session(session, settings, token, merchant)
        return render.tokens(issued, owner, customer, v2=v2)

    if grant == "client_credentials":
        secret = text(body, "client_secret")
        missing = {f: f"The {f} is required" for f, v in (("client_id", client_id), ("client_secret", secret)) if not v}
        if missing:
            raise InvalidInput(missing)
        merchant = await merchants.authenticate_client(session, client_id or "", secret or "")
        issued = await authentication.start_session(session, settings, merchant, None, client)
        return render.tokens(issued, merchant, None, v2=v2)

    password = text(body, "password")
    missing = {f: f"The {f} is required" for f, v in (("username", username), ("password", password)) if not v}
    if missing:
        raise InvalidInput(missing)
    if not client_id:
        merchant = await merchants.authenticate_merchant(session, username, password or "")
        issued = await authentication.start_session(session, settings, merchant, None, client)
        return render.tokens(issued, merchant, None, v2=v2)
    merchant = await merchants.find_merchant(session, client_id)
    issued, customer = await authentication.sign_in_to_realm(
        session, settings, merchant, username, password or "", client
    )
    return render.tokens(issued, merchant, customer, v2=v2)


@router.post("/accounts/authenticate")
async def authenticate(
    request: Request, session: Session, settings: AppSettings, body: Body, client: Client
) -> dict[str, Any]:
    return await _authenticate(request, session, settings, body, client, v2=False)


@router.post("/v2/accounts/authenticate")
async def authenticate_v2(
    request: Request, session: Session, settings: AppSettings, body: Body, client: Client
) -> dict[str, Any]:
    return await _authenticate(request, session, settings, body, client, v2=True)


async def _sign_up(
    request: Request, session: Session, settings: Settings, body: dict[str, Any], client: Client, *, v2: bool
) -> dict[str, Any]:
    await throttle.hit(request.app.state.sessions, {f"signup:ip:{client.ip_address}": settings.auth_rate_per_ip})
    client = client_with_referrer(client, body)
    client_id = text(body, "client_id")
    kind = text(body, "type") or "consumer"
    if kind not in ("consumer", "merchant"):
        raise InvalidInput({"type": "The type must be consumer or merchant"})
    email = text(body, "username") or text(body, "email")
    if kind == "merchant" and client_id:
        raise InvalidInput({"client_id": "A merchant account is opened without a client id"})
    if kind == "merchant":
        merchant = await merchants.create_merchant(
            session,
            email=email,
            password=text(body, "password"),
            password_confirmation=text(body, "password_confirmation"),
            full_name=text(body, "full_name"),
        )
        issued = await authentication.start_session(session, settings, merchant, None, client)
        return render.tokens(issued, merchant, None, v2=v2)
    if v2 and request.headers.get("authorization"):
        # A merchant's server opening an account for a customer it authenticates itself.
        principal = await verify_access_token(session, settings, bearer_token(request))
        if not principal.is_merchant:
            raise Forbidden()
        owner = await merchants.merchant_of(session, principal.merchant_id)
        customer = await customers.create_customer(
            session,
            owner,
            email=email,
            full_name=text(body, "full_name"),
            metadata=mapping(body, "metadata"),
            client=client,
        )
        issued = await authentication.start_session(session, settings, owner, customer, client, record_login=False)
        return render.tokens(issued, owner, customer, v2=True)
    if not client_id:
        raise InvalidInput({"client_id": "The client id is required"})
    merchant = await merchants.find_merchant(session, client_id)
    customer = await accounts.register_customer(
        session,
        merchant,
        email=email,
        full_name=text(body, "full_name"),
        password=text(body, "password"),
        password_confirmation=text(body, "password_confirmation"),
        metadata=mapping(body, "metadata"),
        client=client,
    )
    issued = await authentication.start_session(session, settings, merchant, customer, client)
    return render.tokens(issued, merchant, customer, v2=v2)


@router.post("/accounts")
async def sign_up(
    request: Request, session: Session, settings: AppSettings, body: Body, client: Client
) -> dict[str, Any]:
    return await _sign_up(request, session, settings, body, client, v2=False)


@router.post("/v2/accounts")
async def sign_up_v2(
    request: Request, session: Session, settings: AppSettings, body: Body, client: Client
) -> dict[str, Any]:
    return await _sign_up(request, session, settings, body, client, v2=True)


@router.get("/accounts/logout")
async def sign_out(session: Session, principal: CurrentPrincipal) -> dict[str, Any]:
    await authentication.sign_out(session, principal)
    return render.message("Successfully logged out")


@router.get("/accounts/keys")
async def merchant_keys(merchant: CurrentMerchant) -> dict[str, Any]:
    # `publisher_id`: the merchant's number in Cleeng's APIs (MediaStore's `publisherId`).
    return {"uuid": merchant.uuid, "secret": merchant.client_secret, "publisher_id": merchants.public_number(merchant)}


@router.get("/v2/allowed-origins")
async def allowed_origins(merchant: CurrentMerchant) -> dict[str, Any]:
    """The web origins whose pages may call the APIs from a browser (Boxoffice's own route)."""
    return {"origins": merchant.allowed_origins}


@router.put("/v2/allowed-origins")
async def set_allowed_origins(session: Session, merchant: CurrentMerchant, body: Body) -> dict[str, Any]:
    """`origins[i]`: each `scheme://host[:port]`; the list given replaces the one kept."""
    given = strings(body, "origins") or []
    updated = await merchants.set_allowed_origins(session, merchant, given)
    return {"origins": updated.allowed_origins}
