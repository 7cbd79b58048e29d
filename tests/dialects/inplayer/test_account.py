"""A viewer's own account: reading and changing it, passwords (changed and forgotten), erasure and export."""

from __future__ import annotations

import calendar
import json
import re
from datetime import date

from boxoffice.identity.models import AuthSession, Customer, Favorite, LoginRecord, Profile
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import (
    Merchant,
    Viewer,
    assert_error,
    count_rows,
    fetch_rows,
    plain_text,
    sign_in,
    sign_up,
)


def unix_day(day: date) -> int:
    return calendar.timegm(day.timetuple())


async def test_read_and_update_the_account(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    me = await server.http.get("/accounts", headers=viewer.auth)
    assert me.status_code == 200
    assert me.json()["email"] == viewer.email and me.json()["date_of_birth"] is None

    response = await server.http.put(
        "/accounts",
        headers=viewer.auth,
        data={
            "full_name": "Vera V. Viewer",
            "metadata[first_name]": "Vera",
            "metadata[surname]": "Viewer",
            "metadata[consents]": '[{"name":"terms","value":true}]',
            "date_of_birth": "1990-05-17",
        },
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["full_name"] == "Vera V. Viewer"
    assert updated["metadata"] == {
        "first_name": "Vera",
        "surname": "Viewer",
        "consents": '[{"name":"terms","value":true}]',
    }
    assert updated["date_of_birth"] == unix_day(date(1990, 5, 17))

    # A later update merges metadata and leaves fields it doesn't name alone.
    more = await server.http.put("/accounts", headers=viewer.auth, data={"metadata[surname]": "Vance"})
    assert more.status_code == 200, more.text
    again = (await server.http.get("/accounts", headers=viewer.auth)).json()
    assert again["metadata"] == {
        "first_name": "Vera",
        "surname": "Vance",
        "consents": '[{"name":"terms","value":true}]',
    }
    assert again["full_name"] == "Vera V. Viewer"
    assert again["date_of_birth"] == unix_day(date(1990, 5, 17))


async def test_a_merchant_token_reads_the_merchant_account(server: Server, merchant: Merchant) -> None:
    response = await server.http.get("/accounts", headers=merchant.auth)
    assert response.status_code == 200
    assert response.json()["roles"] == ["merchant"] and response.json()["uuid"] == merchant.uuid
    assert_error(await server.http.put("/accounts", headers=merchant.auth, data={"full_name": "X"}), 403)


async def test_bad_update_is_422_and_writes_nothing(server: Server, viewer: Viewer) -> None:
    before = (await server.http.get("/accounts", headers=viewer.auth)).json()
    for bad_date in ("17/05/1990", "1990-02-30", "2999-01-01", "1850-01-01"):
        response = await server.http.put(
            "/accounts",
            headers=viewer.auth,
            data={
                "full_name": "Someone Else",
                "metadata[first_name]": "Else",
                "date_of_birth": bad_date,
            },
        )
        assert_error(response, 422, "date_of_birth")
    empty_name = await server.http.put(
        "/accounts", headers=viewer.auth, data={"full_name": "", "metadata[first_name]": "Else"}
    )
    assert_error(empty_name, 422, "full_name")
    after = (await server.http.get("/accounts", headers=viewer.auth)).json()
    assert after == before


async def test_change_password_ends_every_session(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    other_device = (await sign_in(server, merchant, viewer.email, viewer.password)).json()["access_token"]
    wrong = await server.http.post(
        "/accounts/change-password",
        headers=viewer.auth,
        data={
            "old_password": "not-my-password",
            "password": "brand-new-pass",
            "password_confirmation": "brand-new-pass",
        },
    )
    assert_error(wrong, 422, "old_password")
    mismatch = await server.http.post(
        "/accounts/change-password",
        headers=viewer.auth,
        data={
            "old_password": viewer.password,
            "password": "brand-new-pass",
            "password_confirmation": "brand-new-pasz",
        },
    )
    assert_error(mismatch, 422, "password_confirmation")
    # Refusals changed nothing: the old password still works and the token is still good.
    assert (await sign_in(server, merchant, viewer.email, viewer.password)).status_code == 200
    assert (await server.http.get("/accounts", headers=viewer.auth)).status_code == 200

    changed = await server.http.post(
        "/accounts/change-password",
        headers=viewer.auth,
        data={
            "old_password": viewer.password,
            "password": "brand-new-pass",
            "password_confirmation": "brand-new-pass",
            "branding_id": "undefined",
        },
    )
    assert changed.status_code == 200, changed.text
    for token in (viewer.token, other_device):
        stale = await server.http.get("/accounts", headers={"Authorization": f"Bearer {token}"})
        assert_error(stale, 401)
    refresh = await server.http.post(
        "/accounts/authenticate",
        data={
            "client_id": merchant.uuid,
            "grant_type": "refresh_token",
            "refresh_token": viewer.refresh_token,
        },
    )
    assert_error(refresh, 401)
    assert_error(await sign_in(server, merchant, viewer.email, viewer.password), 403)
    fresh = await sign_in(server, merchant, viewer.email, "brand-new-pass")
    assert fresh.status_code == 200, fresh.text


def reset_token(mailbox: Mailbox, address: str) -> str:
    found = re.search(r"Your reset token is:\s+(\S+)", plain_text(mailbox.last(address)))
    assert found, plain_text(mailbox.last(address))
    return found.group(1)


async def test_forgotten_password_is_reset_by_the_emailed_token_once(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    asked = await server.http.post(
        "/accounts/forgot-password",
        data={"email": viewer.email, "merchant_uuid": merchant.uuid, "branding_id": "undefined"},
    )
    assert asked.status_code == 200, asked.text
    await server.run_jobs()
    token = reset_token(mailbox, viewer.email)

    mismatch = await server.http.put(
        f"/accounts/forgot-password/{token}",
        data={
            "password": "reset-pass-99",
            "password_confirmation": "reset-pass-98",
            "branding_id": "undefined",
        },
    )
    assert_error(mismatch, 422, "password_confirmation")
    # The refused attempt did not use the token up.
    reset = await server.http.put(
        f"/accounts/forgot-password/{token}",
        data={
            "password": "reset-pass-99",
            "password_confirmation": "reset-pass-99",
            "branding_id": "undefined",
        },
    )
    assert reset.status_code == 200, reset.text

    assert (await sign_in(server, merchant, viewer.email, "reset-pass-99")).status_code == 200
    assert_error(await sign_in(server, merchant, viewer.email, viewer.password), 403)
    assert_error(await server.http.get("/accounts", headers=viewer.auth), 401)

    replay = await server.http.put(
        f"/accounts/forgot-password/{token}",
        data={"password": "another-pass-7", "password_confirmation": "another-pass-7"},
    )
    assert_error(replay, 422, "token")
    assert (await sign_in(server, merchant, viewer.email, "reset-pass-99")).status_code == 200
    made_up = await server.http.put(
        "/accounts/forgot-password/not-a-real-token",
        data={"password": "another-pass-7", "password_confirmation": "another-pass-7"},
    )
    assert_error(made_up, 422, "token")


async def test_forgot_password_for_an_unknown_email_answers_the_same_and_sends_nothing(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    await server.run_jobs()  # the welcome e-mail
    mailbox.messages.clear()
    known = await server.http.post(
        "/accounts/forgot-password", data={"email": viewer.email, "merchant_uuid": merchant.uuid}
    )
    unknown = await server.http.post(
        "/accounts/forgot-password", data={"email": "nobody@example.com", "merchant_uuid": merchant.uuid}
    )
    assert unknown.status_code == known.status_code == 200
    assert unknown.json() == known.json()
    assert await server.run_jobs() == 1
    sent = [(m["To"], m["Subject"]) for m in mailbox.messages]
    assert sent == [(viewer.email, "Reset your Publisher password")]


async def test_forgot_password_needs_a_merchant_and_a_valid_email(server: Server, merchant: Merchant) -> None:
    assert_error(
        await server.http.post("/accounts/forgot-password", data={"email": "a@example.com"}),
        422,
        "merchant_uuid",
    )
    assert_error(
        await server.http.post(
            "/accounts/forgot-password", data={"email": "not-an-email", "merchant_uuid": merchant.uuid}
        ),
        422,
        "email",
    )


async def test_erase_with_the_wrong_password_is_403_and_changes_nothing(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    before = (await server.http.get("/accounts", headers=viewer.auth)).json()
    refused = await server.http.request(
        "DELETE",
        "/accounts/erase",
        headers=viewer.auth,
        data={"password": "wrong-password", "branding_id": "undefined"},
    )
    assert_error(refused, 403)
    assert (await server.http.get("/accounts", headers=viewer.auth)).json() == before
    assert (await sign_in(server, merchant, viewer.email, viewer.password)).status_code == 200


async def test_erase_anonymises_the_account_and_ends_its_sessions(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    await server.http.put(
        "/accounts",
        headers=viewer.auth,
        data={"full_name": "Vera Viewer", "metadata[first_name]": "Vera", "date_of_birth": "1990-05-17"},
    )
    await server.http.post("/v2/accounts/media/favorites", headers=viewer.auth, data={"media_id": "abc123"})
    await sign_in(server, merchant, viewer.email, viewer.password)

    erased = await server.http.request(
        "DELETE",
        "/accounts/erase",
        headers=viewer.auth,
        data={"password": viewer.password, "branding_id": "undefined"},
    )
    assert erased.status_code == 200, erased.text
    assert_error(await server.http.get("/accounts", headers=viewer.auth), 401)
    assert_error(await sign_in(server, merchant, viewer.email, viewer.password), 403)

    (row,) = await fetch_rows(server, Customer, merchant.id, Customer.id == viewer.id)
    assert row.erased_at is not None and row.active is False
    assert viewer.email not in row.email and row.full_name == ""
    assert row.password_hash is None and row.attributes == {} and row.date_of_birth is None
    assert row.referrer is None
    assert await count_rows(server, Favorite, merchant.id, Favorite.customer_id == viewer.id) == 0
    assert await count_rows(server, Profile, merchant.id, Profile.customer_id == viewer.id) == 0
    assert (
        await count_rows(
            server,
            AuthSession,
            merchant.id,
            AuthSession.customer_id == viewer.id,
            AuthSession.revoked_at.is_(None),
        )
        == 0
    )
    logins = await fetch_rows(server, LoginRecord, merchant.id, LoginRecord.customer_id == viewer.id)
    assert logins and all(r.ip_address is None and r.referrer is None for r in logins)
    # The merchant no longer sees the person, and the address is free to sign up again.
    customers = await server.http.get("/accounts/customers", headers=merchant.auth)
    assert customers.json()["total"] == 0
    assert_error(await server.http.get(f"/accounts/customers/{viewer.id}", headers=merchant.auth), 404)
    again = await sign_up(server, merchant, email=viewer.email)
    assert again.id != viewer.id


async def test_export_mails_the_account_data_as_json(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    for media in ("first-media", "second-media"):
        added = await server.http.post("/v2/accounts/media/favorites", headers=viewer.auth, data={"media_id": media})
        assert added.status_code == 200
    await server.run_jobs()  # the welcome e-mail
    wrong = await server.http.post("/accounts/export", headers=viewer.auth, data={"password": "wrong-password"})
    assert_error(wrong, 403)
    assert await server.run_jobs() == 0

    response = await server.http.post("/accounts/export", headers=viewer.auth, data={"branding_id": "undefined"})
    assert response.status_code == 200, response.text
    assert await server.run_jobs() == 1
    message = mailbox.last(viewer.email)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "account-data.json"
    assert attachment.get_content_type() == "application/json"
    archive = json.loads(attachment.get_content())
    assert archive["account"]["email"] == viewer.email
    assert sorted(f["media_id"] for f in archive["favorites"]) == ["first-media", "second-media"]
    assert [r["source"] for r in archive["registration"]] == ["signup"]
    assert "password_hash" not in json.dumps(archive)
