"""Two-factor sign-in: the secret sealed at rest, on only once the app's first code is confirmed; a code of the
current step or either neighbour accepted once; recovery codes each good once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from boxoffice.kit import clock
from boxoffice.kit.errors import Conflict, InvalidInput
from boxoffice.kit.sealing import Sealer, new_key
from boxoffice.team import two_factor
from boxoffice.team.models import Member, MemberStatus, Role

SEALER = Sealer([new_key()])


def member() -> Member:
    return Member(
        merchant_id=1, email="olive@example.com", role=Role.OWNER, status=MemberStatus.ACTIVE, recovery_codes=[]
    )


def code(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at.replace(tzinfo=UTC))


@pytest.fixture
def frozen_at_year_end() -> Iterator[clock.FrozenClock]:
    moving = clock.FrozenClock(datetime(2026, 12, 31, 23, 59, 50))
    previous = clock.set_clock(moving)
    yield moving
    clock.set_clock(previous)


def test_enrolment_seals_the_secret_and_needs_the_apps_code(frozen_at_year_end: clock.FrozenClock) -> None:
    olive = member()
    enrolment = two_factor.begin_enrolment(olive, SEALER)
    assert olive.totp_secret and enrolment.secret not in olive.totp_secret  # sealed, not the secret itself
    assert enrolment.uri.startswith("otpauth://totp/Boxoffice:olive%40example.com?secret=")
    assert enrolment.qr_svg.startswith("<svg")
    right = code(enrolment.secret, clock.now())
    with pytest.raises(InvalidInput):
        two_factor.confirm_enrolment(olive, SEALER, f"{(int(right) + 1) % 1_000_000:06d}")
    assert not olive.totp_enabled
    codes = two_factor.confirm_enrolment(olive, SEALER, code(enrolment.secret, clock.now()))
    assert olive.totp_enabled and len(set(codes)) == two_factor.RECOVERY_CODES
    with pytest.raises(Conflict):
        two_factor.begin_enrolment(olive, SEALER)


def test_a_code_is_good_once_and_a_step_either_side(frozen_at_year_end: clock.FrozenClock) -> None:
    olive = member()
    secret = two_factor.begin_enrolment(olive, SEALER).secret
    two_factor.confirm_enrolment(olive, SEALER, code(secret, clock.now()))
    frozen_at_year_end.advance(seconds=30)  # into the new year
    before = code(secret, clock.now() - timedelta(seconds=30))
    with pytest.raises(InvalidInput):
        two_factor.check_second_factor(olive, SEALER, before)  # the step already used to confirm
    frozen_at_year_end.advance(seconds=30)
    two_factor.check_second_factor(olive, SEALER, code(secret, clock.now() + timedelta(seconds=30)))  # a phone ahead
    with pytest.raises(InvalidInput):
        two_factor.check_second_factor(olive, SEALER, code(secret, clock.now()))  # older than the one taken
    frozen_at_year_end.advance(seconds=120)
    with pytest.raises(InvalidInput):
        two_factor.check_second_factor(olive, SEALER, code(secret, clock.now() - timedelta(seconds=90)))  # too old


def test_recovery_codes_are_each_good_once_and_survive_turning_the_app_off() -> None:
    olive = member()
    secret = two_factor.begin_enrolment(olive, SEALER).secret
    codes = two_factor.confirm_enrolment(olive, SEALER, code(secret, clock.now()))
    two_factor.check_second_factor(olive, SEALER, f"  {codes[3].upper()} ")
    assert len(olive.recovery_codes) == two_factor.RECOVERY_CODES - 1
    with pytest.raises(InvalidInput):
        two_factor.check_second_factor(olive, SEALER, codes[3])
    fresh = two_factor.new_recovery_codes(olive)
    with pytest.raises(InvalidInput):
        two_factor.check_second_factor(olive, SEALER, codes[0])  # the old set is gone
    two_factor.check_second_factor(olive, SEALER, fresh[0])
    two_factor.turn_off(olive)
    assert olive.totp_secret is None and olive.recovery_codes == []
