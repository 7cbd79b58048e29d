"""Associates (the partners Cleeng calls distributors): `getAssociate`, `createAssociate`, `updateAssociate`.

Each method takes a `distributorToken`: the merchant's publisher token, which manages every associate, or an
associate's own, which reads only itself. Cleeng's PHP SDK sends the same token in the `publisherToken` slot for
some calls, so that name is read too."""

from __future__ import annotations

from typing import Any

from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.dialects.jsonrpc.params import Params
from boxoffice.promotions import associates
from boxoffice.promotions.associates import AssociateFields, Issuer
from boxoffice.promotions.models import Associate

MAX_EMAIL = 320


async def distributor(call: Call) -> Issuer:
    """Who the call's distributor token names (code 3 for no known token)."""
    values = call.params.values
    token = values.get("distributorToken", values.get("publisherToken"))
    return await associates.issuer_by_token(call.session, token)


def _fields(data: Params) -> AssociateFields:
    """`associateData`: every member optional here; the core says which a new associate needs."""
    return AssociateFields(
        email=data.optional_text("email", max_length=MAX_EMAIL),
        first_name=data.optional_text("firstName", max_length=200),
        last_name=data.optional_text("lastName", max_length=200),
        site_name=data.optional_text("siteName", max_length=500),
        commission_percent=data.optional_integer("commission", maximum=100),
        currency=data.optional_text("currency", max_length=3),
        locale=data.optional_text("locale", max_length=35),
        country_code=data.optional_text("country", max_length=3),
    )


def associate_object(call: Call, associate: Associate) -> dict[str, Any]:
    """An associate as Cleeng shows one, with the token it acts by: only its merchant or itself see it."""
    return {
        "id": str(associate.id),
        "email": associate.email,
        "currency": associate.currency,
        "locale": associate.locale,
        "country": associate.country_code,
        "firstName": associate.first_name,
        "lastName": associate.last_name,
        "siteName": associate.site_name,
        "commission": associate.commission_percent,
        "publisherData": {},
        "licenseType": None,  # an associate holds no licence of its own
        "distributorToken": associates.associate_token(associate, call.sealer),
    }


async def get_associate(call: Call) -> dict[str, Any]:
    who = await distributor(call)
    email = call.params.text("associateEmail", max_length=MAX_EMAIL)
    return associate_object(call, await associates.get_associate(call.session, who, email))


async def create_associate(call: Call) -> dict[str, Any]:
    who = await distributor(call)
    fields = _fields(call.params.object("associateData"))
    associate, _ = await associates.create_associate(call.session, who, fields, call.sealer)
    return associate_object(call, associate)


async def update_associate(call: Call) -> dict[str, Any]:
    who = await distributor(call)
    email = call.params.text("associateEmail", max_length=MAX_EMAIL)
    fields = _fields(call.params.object("associateData"))
    return associate_object(call, await associates.update_associate(call.session, who, email, fields))


METHODS: Methods = {
    "getAssociate": get_associate,
    "createAssociate": create_associate,
    "updateAssociate": update_associate,
}
