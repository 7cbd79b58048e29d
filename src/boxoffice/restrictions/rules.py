"""The merchant's rules, as plain decisions the access check asks in turn. Each refusal names its reason."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from boxoffice.kit.errors import Restricted
from boxoffice.restrictions.models import CountrySet, RestrictionSettings


def check_domain(settings: RestrictionSettings, referrer: str | None) -> None:
    """Allowed hosts match exactly or, written `*.example.com`, any subdomain. No list means any page."""
    if not settings.allowed_domains:
        return
    host = (urlsplit(referrer).hostname or "").lower() if referrer else ""
    for allowed in settings.allowed_domains:
        if host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:])):
            return
    raise Restricted("domain", "This content may not be played on this site")


def check_geo(country_set: CountrySet | None, country_code: str | None) -> None:
    if country_set is not None and not country_set.allows(country_code):
        raise Restricted("geo", "This content is not available in your country")


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def check_age(
    min_age: int | None,
    settings: RestrictionSettings,
    *,
    date_of_birth: date | None,
    pin_verified: bool,
    today: date,
) -> None:
    """With PIN verification on, a validated PIN proves age; otherwise the account's date of birth must."""
    if not min_age:
        return
    if settings.age_verification_enabled and settings.age_verification_type == "pin_code":
        if not pin_verified:
            raise Restricted("age", "Age verification required: validate the PIN code sent to your e-mail")
        return
    if date_of_birth is None or age_on(date_of_birth, today) < min_age:
        raise Restricted("age", f"This content is restricted to viewers aged {min_age} or older")
