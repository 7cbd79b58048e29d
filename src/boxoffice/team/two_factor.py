"""A member's second factor: a TOTP authenticator app (RFC 6238), with single-use recovery codes for a lost phone."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC

import pyotp
import segno

from boxoffice.kit import clock
from boxoffice.kit.errors import Conflict, InvalidInput
from boxoffice.kit.passwords import digest
from boxoffice.kit.sealing import Sealer
from boxoffice.team.models import Member

ISSUER = "Boxoffice"
RECOVERY_CODES = 10
WRONG_CODE = "The code is wrong or was already used"
# A phone's clock may be a step behind or ahead.
DRIFT_STEPS = 1


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What the member's authenticator app is given: the secret as text, as an otpauth URI, and that as a QR code."""

    secret: str
    uri: str
    qr_svg: str


def begin_enrolment(member: Member, sealer: Sealer) -> Enrolment:
    """A new secret for the member, not yet in force: it is once the app's first code is confirmed."""
    if member.totp_enabled:
        raise Conflict("Two-factor sign-in is already on")
    secret = pyotp.random_base32()
    member.totp_secret = sealer.seal(secret)
    return enrolment_of(member, sealer)


def enrolment_of(member: Member, sealer: Sealer) -> Enrolment:
    if member.totp_secret is None:
        raise Conflict("Two-factor sign-in is not being set up")
    secret = sealer.open(member.totp_secret)
    uri = pyotp.TOTP(secret).provisioning_uri(name=member.email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(scale=4, title="QR code for the authenticator app")
    return Enrolment(secret, uri, svg)


def confirm_enrolment(member: Member, sealer: Sealer, code: str) -> list[str]:
    """Two-factor sign-in on, once the app shows it has the secret; the recovery codes, shown this once."""
    if member.totp_enabled or member.totp_secret is None:
        raise Conflict("Two-factor sign-in is not being set up")
    if not _accept_code(member, sealer, code):
        raise InvalidInput({"code": WRONG_CODE})
    member.totp_enabled = True
    return new_recovery_codes(member)


def new_recovery_codes(member: Member) -> list[str]:
    """A new set, the old one void; only for a member whose second factor is on (the codes stand in for it)."""
    if not member.totp_enabled:
        raise Conflict("Two-factor sign-in is off")
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    member.recovery_codes = [digest(code) for code in codes]
    return codes


def turn_off(member: Member) -> None:
    member.totp_enabled, member.totp_secret, member.totp_last_step, member.recovery_codes = False, None, None, []


def check_second_factor(member: Member, sealer: Sealer, code: str) -> None:
    """A code of the member's app, or one of their recovery codes (used up by this)."""
    typed = code.strip().lower()
    if member.totp_enabled and _accept_code(member, sealer, typed):
        return
    if digest(typed) in member.recovery_codes:
        member.recovery_codes = [kept for kept in member.recovery_codes if kept != digest(typed)]
        return
    raise InvalidInput({"code": WRONG_CODE})


def _accept_code(member: Member, sealer: Sealer, code: str) -> bool:
    """Whether `code` is the app's for now (give or take a step), and newer than the last one taken."""
    if member.totp_secret is None or not code.strip().isdigit():
        return False
    totp = pyotp.TOTP(sealer.open(member.totp_secret))
    step = totp.timecode(clock.now().replace(tzinfo=UTC))  # a naive time pyotp would read as local
    for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        at = step + offset
        if (member.totp_last_step is None or at > member.totp_last_step) and secrets.compare_digest(
            totp.generate_otp(at), code.strip()
        ):
            member.totp_last_step = at
            return True
    return False
