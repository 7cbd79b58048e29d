"""Merchant-token routes for identity: register fields, customers, impersonation, features, restrictions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import AppSettings, Client, CurrentMerchant, PageOf, PathId, Session
from boxoffice.dialects.inplayer.forms import flag, integer, mapping, strings, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import customers, features, register_fields
from boxoffice.kit.errors import InvalidInput
from boxoffice.restrictions import service as restrictions

router = APIRouter(route_class=InPlayerRoute, tags=["merchant"])

REGISTER_FIELD = (
    bodies.text("label", "What the sign-up form shows"),
    bodies.text("type", "The kind of input (`input` unless told)"),
    bodies.flag("required", "Whether sign-up needs it"),
    bodies.text("default_value", "The value it starts with"),
    bodies.text("placeholder", "The hint shown while it is empty"),
    bodies.mapping("options", "For a choice: each value and its label"),
    bodies.integer("position", "Where it comes among the fields"),
)
NEW_REGISTER_FIELD = bodies.form(
    bodies.text("name", "The key its value is kept under in an account's `metadata`", required=True),
    *REGISTER_FIELD,
)
CHANGED_REGISTER_FIELD = bodies.form(bodies.text("name", "The key its value is kept under"), *REGISTER_FIELD)
NEW_CUSTOMER = bodies.form(
    bodies.text("email", "The customer's e-mail", required=True),
    bodies.text("full_name", "The customer's name"),
    bodies.mapping("metadata", "Values of the register fields, by field name"),
)
IMPERSONATE = bodies.form(bodies.integer("customer_id", "The customer to act as", required=True))
FEATURE = bodies.form(bodies.flag("enabled", "Whether the feature is on", required=True))
RESTRICTIONS = bodies.form(
    bodies.flag("age_verification_enabled", "Whether viewers must verify their age"),
    bodies.text("age_verification_type", "How they verify it (`pin_code`)"),
    bodies.strings("domains", "The domains whose pages may embed the merchant's players"),
    bodies.integer("max_concurrent_sessions", "Sessions a viewer may hold at once; empty removes the limit"),
)


def _options(body: dict[str, Any]) -> dict[str, str]:
    options = mapping(body, "options") or {}
    if not all(isinstance(v, str) for v in options.values()):
        raise InvalidInput({"options": "Options map values to labels"})
    return {str(k): str(v) for k, v in options.items()}


@router.get("/accounts/register-fields")
async def list_register_fields(
    session: Session, merchant: CurrentMerchant
) -> render.Collection[render.RegisterFieldBody]:
    """The merchant's register fields, which its sign-up form asks for."""
    fields = await register_fields.list_register_fields(session, merchant.id)
    return {"collection": [render.register_field(f) for f in fields]}


@router.post("/accounts/register-fields", status_code=201)
async def create_register_field(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(NEW_REGISTER_FIELD)]
) -> render.RegisterFieldBody:
    """Add a register field to the merchant's sign-up form."""
    field = await register_fields.create_register_field(
        session,
        merchant.id,
        name=text(body, "name") or "",
        label=text(body, "label") or "",
        type_=text(body, "type") or "input",
        required=bool(flag(body, "required")),
        default_value=text(body, "default_value") or "",
        placeholder=text(body, "placeholder") or "",
        options=_options(body),
        position=integer(body, "position") or 0,
    )
    return render.register_field(field)


@router.put("/accounts/register-fields/{field_id}")
async def update_register_field(
    session: Session,
    merchant: CurrentMerchant,
    field_id: PathId,
    body: Annotated[Fields, Depends(CHANGED_REGISTER_FIELD)],
) -> render.RegisterFieldBody:
    """Change a register field; fields not sent are left as they are."""
    changes: dict[str, object] = {}
    for name in ("name", "label", "default_value", "placeholder"):
        if (value := text(body, name)) is not None:
            changes[name] = value
    if (kind := text(body, "type")) is not None:
        changes["type_"] = kind
    if (required := flag(body, "required")) is not None:
        changes["required"] = required
    if (position := integer(body, "position")) is not None:
        changes["position"] = position
    if "options" in body:
        changes["options"] = _options(body)
    return render.register_field(await register_fields.update_register_field(session, merchant.id, field_id, changes))


@router.delete("/accounts/register-fields/{field_id}")
async def delete_register_field(session: Session, merchant: CurrentMerchant, field_id: PathId) -> render.Message:
    """Remove a register field from the sign-up form."""
    await register_fields.delete_register_field(session, merchant.id, field_id)
    return render.message("Register field deleted")


@router.get("/accounts/customers")
async def list_customers(
    session: Session,
    merchant: CurrentMerchant,
    paging: PageOf,
    search: str | None = None,
) -> render.Page[render.Account]:
    """The merchant's customers, a page at a time.

    `search` narrows them by e-mail or name."""
    page, per_page = paging.page, paging.per_page
    total, rows = await customers.list_customers(session, merchant, search=search, page=page, limit=per_page)
    return render.page(total, page, per_page, [render.customer_account(c, merchant) for c in rows])


@router.get("/accounts/customers/{customer_id}")
async def get_customer(session: Session, merchant: CurrentMerchant, customer_id: PathId) -> render.Account:
    """One of the merchant's customers."""
    return render.customer_account(await customers.get_customer(session, merchant, customer_id), merchant)


@router.post("/v2/accounts/customers", status_code=201)
async def create_customer(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(NEW_CUSTOMER)], client: Client
) -> render.Account:
    """Open an account for a customer, without a password (they sign in through the merchant)."""
    customer = await customers.create_customer(
        session,
        merchant,
        email=text(body, "email"),
        full_name=text(body, "full_name"),
        metadata=mapping(body, "metadata"),
        client=client,
    )
    return render.customer_account(customer, merchant)


@router.post("/v2/accounts/impersonate")
async def impersonate(
    session: Session,
    settings: AppSettings,
    merchant: CurrentMerchant,
    body: Annotated[Fields, Depends(IMPERSONATE)],
    client: Client,
) -> render.Tokens:
    """A session of one of the merchant's customers, for acting on their behalf."""
    customer_id = integer(body, "customer_id")
    if customer_id is None:
        raise InvalidInput({"customer_id": "The customer id is required"})
    issued, customer = await customers.impersonate(session, settings, merchant, customer_id, client)
    return render.tokens(issued, merchant, customer, v2=True)


@router.put("/v2/features/{name}")
async def set_feature(
    session: Session, merchant: CurrentMerchant, name: str, body: Annotated[Fields, Depends(FEATURE)]
) -> render.FeatureFlagBody:
    """Turn one of the merchant's feature flags on or off."""
    return render.feature_flag(await features.set_feature_flag(session, merchant.id, name, flag(body, "enabled")))


@router.get("/restrictions/settings")
async def get_restriction_settings(session: Session, merchant: CurrentMerchant) -> render.RestrictionSettingsBody:
    """The merchant's restriction settings."""
    return render.restriction_settings(await restrictions.restriction_settings(session, merchant.id), merchant)


@router.put("/restrictions/settings")
async def update_restriction_settings(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(RESTRICTIONS)]
) -> render.RestrictionSettingsBody:
    """Change the merchant's restriction settings; fields not sent are left as they are."""
    limit_text = text(body, "max_concurrent_sessions")
    updated = await restrictions.update_restriction_settings(
        session,
        merchant.id,
        age_verification_enabled=flag(body, "age_verification_enabled"),
        age_verification_type=text(body, "age_verification_type"),
        allowed_domains=strings(body, "domains"),
        max_concurrent_sessions=integer(body, "max_concurrent_sessions"),
        clear_session_limit=limit_text == "",
    )
    return render.restriction_settings(updated, merchant)
