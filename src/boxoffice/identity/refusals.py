"""The identity context's own refusals, typed so that each dialect tells them apart in its own words."""

from __future__ import annotations

from boxoffice.kit.errors import Conflict, DomainError


class AccountExists(Conflict):
    """Another of the merchant's accounts already has this e-mail address (or outside identity)."""

    default_message = "Account already exists"


class AccountDeactivated(DomainError):
    """The account exists, but its merchant (or the customer) deactivated it: nobody signs in to it."""

    default_message = "Account is deactivated"


class ResetTokenRefused(DomainError):
    """A password-reset token that is unknown, used, expired, or not for this account."""

    default_message = "The reset token is invalid or has expired"
