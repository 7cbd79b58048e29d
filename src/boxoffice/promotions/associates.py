"""Associates: the merchant's partners, who make and hand out vouchers for its prices with a token of their own.

Whoever acts on associates and their campaigns is an `Issuer` of vouchers: the merchant itself (by its publisher token),
which sees and changes every one, or one associate (by its own token), which sees itself and its own campaigns.
An associate's token is sealed at rest, so the merchant can read it again, and found by its digest, so no look-up
opens a seal."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity.merchants import merchant_of
from boxoffice.identity.models import Merchant
from boxoffice.identity.publisher_tokens import merchant_by_publisher_token
from boxoffice.kit import currencies, geography, locales, validation
from boxoffice.kit.errors import Credential, Forbidden, Missing, NotFound, Unauthenticated
from boxoffice.kit.sealing import Sealer
from boxoffice.promotions import associates_repository as repo
from boxoffice.promotions.models import Associate
from boxoffice.promotions.refusals import AssociateExists

# As long as a publisher token, so clients keep either in the same field.
TOKEN_BYTES = 24
MAX_TOKEN = 200
MAX_NAME, MAX_SITE = 100, 250


@dataclass(frozen=True, slots=True)
class Issuer:
    """Who acts: the merchant, or one of its associates (`associate` set)."""

    merchant: Merchant
    associate: Associate | None = None


@dataclass(slots=True)
class AssociateFields:
    """What is set on an associate; on an update, None leaves a field as it is."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    site_name: str | None = None
    commission_percent: int | None = None
    currency: str | None = None
    locale: str | None = None
    country_code: str | None = None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issuer_by_token(session: AsyncSession, token: object) -> Issuer:
    """The merchant a publisher token names, or the associate its own token names; Unauthenticated otherwise."""
    try:
        return Issuer(await merchant_by_publisher_token(session, token))
    except Unauthenticated:
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
            raise
    associate = await repo.associate_by_token_digest(session, _digest(token))
    if associate is None:
        raise Unauthenticated("Invalid issuer token", credential=Credential.PUBLISHER_TOKEN)
    merchant = await merchant_of(session, associate.merchant_id)
    if not merchant.active:
        raise Unauthenticated("Invalid issuer token", credential=Credential.PUBLISHER_TOKEN)
    return Issuer(merchant, associate)


def _merchant_only(issuer: Issuer) -> None:
    if issuer.associate is not None:
        raise Forbidden("Only the merchant manages its associates")


def _check(fields: AssociateFields, creating: bool, problems: validation.Problems) -> dict[str, object]:
    """The columns `fields` set, checked; a problem goes to `problems`."""
    cleaned: dict[str, object] = {}
    if fields.email is not None or creating:
        cleaned["email"] = validation.email(fields.email, problems).lower()
    for name, limit in (("first_name", MAX_NAME), ("last_name", MAX_NAME), ("site_name", MAX_SITE)):
        value = getattr(fields, name)
        if value is not None:
            if len(value.strip()) > limit:
                problems.add(name, f"The {name.replace('_', ' ')} may not be longer than {limit} characters")
            cleaned[name] = value.strip()
    if fields.commission_percent is not None:
        if not 0 <= fields.commission_percent <= 100:
            problems.add("commission", "The commission is a percentage from 0 to 100")
        cleaned["commission_percent"] = fields.commission_percent
    if fields.currency is not None:
        if not currencies.in_use(fields.currency.upper()):
            problems.add("currency", "The currency is not a currency in use")
        cleaned["currency"] = fields.currency.upper()
    if fields.locale is not None:
        if locales.locale_of(fields.locale) is None:
            problems.add("locale", "The locale is not a known locale")
        cleaned["locale"] = fields.locale
    if fields.country_code is not None:
        country = geography.alpha2_of(fields.country_code)
        if country is None:
            problems.add("country", "The country is not a known country")
        cleaned["country_code"] = country
    return cleaned


async def _email_free(session: AsyncSession, merchant_id: int, email: object, associate_id: int | None) -> None:
    if isinstance(email, str) and email:
        taken = await repo.associate_by_email(session, merchant_id, email)
        if taken is not None and taken.id != associate_id:
            raise AssociateExists


async def create_associate(
    session: AsyncSession, issuer: Issuer, fields: AssociateFields, sealer: Sealer
) -> tuple[Associate, str]:
    """A new associate of the merchant, and its token."""
    _merchant_only(issuer)
    problems = validation.Problems()
    cleaned = _check(fields, True, problems)
    problems.raise_any()
    merchant_id = issuer.merchant.id
    await _email_free(session, merchant_id, cleaned["email"], None)
    token = secrets.token_hex(TOKEN_BYTES)
    associate = Associate(merchant_id=merchant_id, token=sealer.seal(token), token_digest=_digest(token), **cleaned)
    session.add(associate)
    await session.flush()
    return associate, token


async def get_associate(session: AsyncSession, issuer: Issuer, email: str) -> Associate:
    """The merchant's associate with this e-mail; an associate finds only itself."""
    found = await repo.associate_by_email(session, issuer.merchant.id, email.strip())
    mine = issuer.associate is None or (found is not None and found.id == issuer.associate.id)
    if found is None or not mine:
        raise NotFound(what=Missing.ASSOCIATE)
    return found


async def update_associate(session: AsyncSession, issuer: Issuer, email: str, fields: AssociateFields) -> Associate:
    _merchant_only(issuer)
    associate = await get_associate(session, issuer, email)
    problems = validation.Problems()
    cleaned = _check(fields, False, problems)
    problems.raise_any()
    await _email_free(session, associate.merchant_id, cleaned.get("email"), associate.id)
    for name, value in cleaned.items():
        setattr(associate, name, value)
    await session.flush()
    return associate


def associate_token(associate: Associate, sealer: Sealer) -> str:
    """The associate's token, which the merchant may read again."""
    return sealer.open(associate.token)
