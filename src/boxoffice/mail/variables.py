"""What each built-in template is given: the names of its variables, with a sample of each.

The samples are what a merchant's own version of a template is tried on before it is saved, so they hold a value
of the same kind as a real message would (a name that may be empty, an amount already formatted, None where the
value may be missing).
"""

from __future__ import annotations

from typing import Any

# The merchant's look (boxoffice.branding), on every message; absent when the merchant has none.
_BRAND = {
    "brand": {
        "logo": "https://watch.example.com/logo.png",
        "primary_color": "#1a73e8",
        "footer": "Acme Video, 1 Main Street, Springfield",
        "terms_url": "https://watch.example.com/terms",
        "dark_mode": False,
    }
}
_VIEWER = _BRAND | {"brand_name": "Acme Video", "full_name": "Vera Viewer", "email": "vera@example.com"}
_PAID = _VIEWER | {"item_title": "Cup final", "access": "Seven days", "amount": "4.99 EUR", "date": "30 May 2026"}

SAMPLES: dict[str, dict[str, Any]] = {
    "welcome": _VIEWER,
    # link: the page of the merchant's where a new password is chosen, or None (the token is typed in).
    "password_reset": _VIEWER
    | {"token": "0f3c9d1e8b7a4c2f", "minutes": 60, "link": "https://watch.example.com/reset?token=0f3c9d1e8b7a4c2f"},
    "pin_code": _VIEWER | {"pin": "042917", "minutes": 10},
    "data_export": _VIEWER,
    "gift": _BRAND
    | {
        "brand_name": "Acme Video",
        "from_name": "Vera Viewer",
        "item_title": "Cup final",
        "access": "Seven days",
        "code": "K7PQ2MXR9TWZ",
        # The buyer's own words, or None.
        "personal_note": "Happy birthday! Enjoy the match.",
    },
    # kind: purchase | gift | donation | subscription | plan_switch
    "purchase_receipt": _PAID | {"kind": "purchase", "discount": None},
    "renewal": _PAID | {"access": "Monthly", "amount": "9.99 EUR"},
    # renewal: the declined charge was a subscription's renewal, which is tried again.
    "payment_failed": _PAID | {"reason": "Your card has insufficient funds", "renewal": False},
    # access_until: None when the access ended with the cancellation.
    "cancellation": _VIEWER | {"item_title": "Cup final", "access": "Monthly", "access_until": "30 June 2026"},
    # To the merchant, from the webhook engine: one of its endpoints stopped being sent to.
    "webhook_disabled": _BRAND
    | {
        "brand_name": "Acme Video",
        "url": "https://hooks.example.com/boxoffice",
        "failures": 20,
        "last_error": "HTTP 503",
        "endpoint_id": 7,
    },
    # To a merchant's team, from the dashboard: an invitation, and a forgotten password.
    "team_invitation": _BRAND
    | {
        "brand_name": "Acme Video",
        "inviter": "Olive Owner",
        "role": "support",
        "link": "https://boxoffice.example.com/dashboard/join?token=0f3c9d1e8b7a4c2f",
        "days": 7,
    },
    "team_password_reset": _BRAND
    | {
        "brand_name": "Acme Video",
        "link": "https://boxoffice.example.com/dashboard/reset?token=0f3c9d1e8b7a4c2f",
        "minutes": 60,
    },
}

NAMES: tuple[str, ...] = tuple(SAMPLES)
# Boxoffice's own messages to a merchant's team, never replaced by a version of the merchant's: an admin who could
# edit them could send an owner's reset link, or an invitation as owner, to themselves.
OWN = frozenset({"team_invitation", "team_password_reset"})
EDITABLE: tuple[str, ...] = tuple(name for name in NAMES if name not in OWN)


def variables_of(name: str) -> list[str]:
    return sorted(SAMPLES[name])
