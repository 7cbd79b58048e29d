"""The sign-up form as the merchant manages it: its register fields in order and every consent term, the inactive
ones too, never another merchant's; and a register field's texts are refused, not cut, when longer than kept."""

from __future__ import annotations

import pytest

from boxoffice.identity import consents, register_fields
from boxoffice.identity.sign_up_form import sign_up_form
from boxoffice.kit.errors import InvalidInput
from tests import shop
from tests.identity.conftest import Signups


async def test_the_form_holds_the_fields_in_order_and_every_term(signups: Signups) -> None:
    session, merchant = signups.session, signups.merchant
    await signups.field("club", position=2)
    await signups.field("city", position=1)
    await consents.define_term(
        session, merchant.id, "terms", label="I agree", required=True, enabled_by_default=None, active=None
    )
    await consents.define_term(
        session, merchant.id, "news", label="Send news", required=None, enabled_by_default=None, active=None
    )
    await consents.define_term(
        session, merchant.id, "news", label=None, required=None, enabled_by_default=None, active=False
    )
    other = await shop.merchant(session, "Other")
    await consents.define_term(
        session, other.id, "theirs", label="Theirs", required=None, enabled_by_default=None, active=None
    )

    form = await sign_up_form(session, merchant.id)
    assert [field.name for field in form.fields] == ["city", "club"]
    assert sorted((term.name, term.active) for term in form.terms) == [("news", False), ("terms", True)]


async def test_a_register_fields_texts_longer_than_kept_are_refused(signups: Signups) -> None:
    session, merchant = signups.session, signups.merchant
    with pytest.raises(InvalidInput) as refused:
        await register_fields.create_register_field(
            session,
            merchant.id,
            name="club",
            label="L" * 501,
            type_="input",
            required=False,
            default_value="D" * 501,
            placeholder="P" * 501,
            options={},
            position=0,
        )
    assert set(refused.value.errors) == {"label", "default_value", "placeholder"}
    field = await signups.field("club")
    with pytest.raises(InvalidInput) as refused:
        await register_fields.update_register_field(session, merchant.id, field.id, {"placeholder": "P" * 501})
    assert set(refused.value.errors) == {"placeholder"}
    assert (await sign_up_form(session, merchant.id)).fields[0].placeholder == ""
