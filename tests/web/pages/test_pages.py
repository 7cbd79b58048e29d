"""The hosted pages over HTTP: who may post their forms, what their cookies and headers say, which language and
look they are shown in, and that a viewer reaches only their own account and only this merchant's pages."""

from __future__ import annotations

import re

import httpx
import pytest

from boxoffice.identity.models import Customer
from boxoffice.kit.settings import Settings
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Merchant, count_rows, make_merchant
from tests.web.pages.visitor import PASSWORD, Visitor


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


@pytest.fixture
def visitor(server: Server, merchant: Merchant) -> Visitor:
    return Visitor(server, merchant)


def heading(response: httpx.Response) -> str:
    found = re.search(r"<h1>([^<]*)</h1>", response.text)
    assert found, response.text
    return found.group(1)


async def test_a_form_without_this_browsers_token_is_refused_and_writes_nothing(
    server: Server, merchant: Merchant, visitor: Visitor
) -> None:
    fields = {"full_name": "Vera", "email": "vera@example.com", "password": PASSWORD, "password_confirmation": PASSWORD}
    page = visitor.path("sign-up")
    assert (await server.http.post(page, data=fields)).status_code == 403  # no token at all
    await visitor.get("sign-up")
    forged = await server.http.post(page, data=fields | {"csrf_token": "0" * 64})
    assert forged.status_code == 403 and "This form has expired" in forged.text
    # Another browser's token, with this browser's cookie: refused too.
    other = httpx.AsyncClient(transport=server.http._transport, base_url="http://testserver")
    async with other:
        theirs = await other.get(page)
        token = re.search(r'name="csrf_token" value="([^"]+)"', theirs.text)
        assert token
    assert (await server.http.post(page, data=fields | {"csrf_token": token.group(1)})).status_code == 403
    assert await count_rows(server, Customer, merchant.id) == 0
    assert (await visitor.post("sign-up", fields)).status_code == 303  # with its own token
    assert await count_rows(server, Customer, merchant.id) == 1


async def test_cookies_are_partitioned_and_secure_over_https_and_lax_over_plain_http(
    server: Server, merchant: Merchant, visitor: Visitor
) -> None:
    plain = (await server.http.get(visitor.path("sign-in"))).headers.get_list("set-cookie")
    assert len(plain) == 1 and re.fullmatch(
        r"bo_csrf=[\w-]+; Path=/pages; Max-Age=31536000; HttpOnly; SameSite=Lax", plain[0]
    )
    async with httpx.AsyncClient(transport=server.http._transport, base_url="https://testserver") as fresh:
        secure = (await fresh.get(visitor.path("sign-in"))).headers["set-cookie"]
    assert secure.endswith("; HttpOnly; Secure; SameSite=None; Partitioned")
    signed_up = (await visitor.sign_up()).headers["set-cookie"]
    assert f"Path=/pages/{merchant.uuid};" in signed_up and "HttpOnly" in signed_up  # this merchant's pages only


async def test_the_pages_carry_a_policy_with_a_nonce_and_may_be_framed_by_the_merchants_origins(
    server: Server, merchant: Merchant, visitor: Visitor
) -> None:
    origins = {"origins[]": ["https://watch.example.com", "http://localhost:8080"]}
    assert (await server.http.put("/v2/allowed-origins", headers=merchant.auth, data=origins)).status_code == 200
    await server.http.post(
        "/branding/paywall", headers=merchant.auth, data={"brand_name": "Acme", "paywall_primary_color": "#123456"}
    )
    response = await visitor.get("sign-in")
    policy = response.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce and f'<style nonce="{nonce.group(1)}">' in response.text and "--primary: #123456;" in response.text
    assert "frame-ancestors 'self' http://localhost:8080 https://watch.example.com" in policy
    assert "default-src 'none'" in policy and "script-src 'self' 'nonce-" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    again = await visitor.get("sign-in")
    assert re.search(r"'nonce-([^']+)'", again.headers["content-security-policy"]).group(1) != nonce.group(1)  # type: ignore[union-attr]


async def test_the_language_is_the_one_asked_for_then_kept_else_the_browsers(
    server: Server, merchant: Merchant, visitor: Visitor
) -> None:
    assert heading(await visitor.get("sign-in")) == "Sign in"
    french = {"Accept-Language": "de-DE;q=0.9, fr-CA;q=0.95, en;q=0.1"}
    assert heading(await visitor.get("sign-in", headers=french)) == "Se connecter"
    chosen = await visitor.get("sign-in?lang=en", headers=french)
    assert heading(chosen) == "Sign in" and "bo_lang=en" in chosen.headers["set-cookie"]
    assert heading(await visitor.get("sign-in", headers=french)) == "Sign in"  # the choice is kept
    assert (await visitor.get("sign-in?lang=fr")).text.startswith('<!doctype html>\n<html lang="fr"')


async def test_a_wrong_password_is_told_without_signing_in_and_too_many_are_slowed(
    server: Server, merchant: Merchant, visitor: Visitor
) -> None:
    await visitor.sign_up()
    await visitor.post("sign-out", {})
    wrong = await visitor.post("sign-in", {"email": "vera@example.com", "password": "not it at all"})
    assert wrong.status_code == 401 and "The e-mail address or the password is wrong." in wrong.text
    assert 'value="vera@example.com"' in wrong.text and "not it at all" not in wrong.text
    right = await visitor.post("sign-in?next=account", {"email": " Vera@Example.com ", "password": PASSWORD})
    assert right.status_code == 303 and right.headers["location"] == visitor.path("account")


async def test_sign_in_goes_on_only_to_a_page_of_the_same_merchant(
    server: Server, merchant: Merchant, visitor: Visitor
) -> None:
    await visitor.sign_up()
    for elsewhere in ("//evil.example.com", "https://evil.example.com/x", "account/../../x", "/account"):
        answer = await visitor.get(f"sign-in?next={elsewhere}")
        assert answer.status_code == 303 and answer.headers["location"] == visitor.path("account"), elsewhere


async def test_signing_out_ends_the_session_itself(server: Server, merchant: Merchant, visitor: Visitor) -> None:
    signed_up = await visitor.sign_up()
    cookie = re.search(r"bo_viewer=([^;]+)", signed_up.headers["set-cookie"]).group(1)  # type: ignore[union-attr]
    assert heading(await visitor.get("account")) == "My account"
    out = await visitor.post("sign-out", {})
    assert out.status_code == 303 and "bo_viewer=;" in out.headers["set-cookie"]
    # The old cookie, sent again (as a copy someone kept would be), no longer signs anyone in.
    transport = server.http._transport
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies={"bo_viewer": cookie}
    ) as kept:
        replayed = await kept.get(visitor.path("account"))
    assert replayed.status_code == 303 and "sign-in" in replayed.headers["location"]
    api = await server.http.get("/accounts", headers={"Authorization": f"Bearer {cookie}"})
    assert api.status_code == 401


async def test_a_forgotten_password_is_chosen_anew_through_the_emailed_page(
    server: Server, merchant: Merchant, visitor: Visitor, mailbox: Mailbox
) -> None:
    await visitor.sign_up()
    await visitor.post("sign-out", {})
    sent = await visitor.post("password-reset", {"email": "vera@example.com"})
    assert sent.status_code == 200 and "we have sent it a link" in sent.text
    unknown = await visitor.post("password-reset", {"email": "nobody@example.com"})
    assert unknown.status_code == 200 and "we have sent it a link" in unknown.text  # the same answer
    await server.run_jobs()
    text = mailbox.last("vera@example.com").get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"http://testserver(/pages/\S+/new-password\?token=\S+)", text)
    assert link, text
    page = link.group(1)[len(visitor.path("")) :]
    form = await visitor.get(page)
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    mismatch = await visitor.post(
        "new-password", {"token": token, "password": "new pass 123", "password_confirmation": "other"}
    )
    assert mismatch.status_code == 422 and "does not match" in mismatch.text
    done = await visitor.post(
        "new-password", {"token": token, "password": "new pass 123", "password_confirmation": "new pass 123"}
    )
    assert done.status_code == 303 and done.headers["location"].endswith("sign-in?reset=1")
    used = await visitor.post(
        "new-password", {"token": token, "password": "new pass 456", "password_confirmation": "new pass 456"}
    )
    assert used.status_code == 422 and "invalid or has expired" in used.text
    assert (await visitor.post("sign-in", {"email": "vera@example.com", "password": "new pass 123"})).status_code == 303


async def test_a_viewer_reaches_only_their_own_subscriptions_receipts_and_this_merchants_prices(
    server: Server, merchant: Merchant, visitor: Visitor
) -> None:
    item = await add_item(server, merchant)
    fee = await add_fee(server, merchant, item["id"])
    await visitor.sign_up()
    await visitor.get(f"checkout/{fee['id']}")
    card = {"card_name": "Vera", "number": "4242424242424242", "exp_month": "12", "exp_year": "2031", "cvv": "123"}
    paid = await visitor.post(f"checkout/{fee['id']}", card | {"attempt": "one"})
    assert paid.status_code == 303, paid.text
    account = await visitor.get("account")
    receipt = re.search(r"account/receipts/(\d+)", account.text).group(1)  # type: ignore[union-attr]
    assert (await visitor.get(f"account/receipts/{receipt}")).headers["content-type"] == "application/pdf"

    other = await make_merchant(server, "owner@other.example.com")
    their_fee = await add_fee(server, other, (await add_item(server, other))["id"])
    stranger = Visitor(server, merchant)
    stranger.http = httpx.AsyncClient(transport=server.http._transport, base_url="http://testserver")
    async with stranger.http:
        await stranger.sign_up("otto@example.com")
        assert (await stranger.get(f"account/receipts/{receipt}")).status_code == 404
        assert (await stranger.post("account/subscriptions/1/cancel", {})).status_code == 404
        assert (await stranger.get(f"checkout/{their_fee['id']}")).status_code == 404
    assert (await server.http.get(f"/pages/{'0' * 8}-0000-0000-0000-{'0' * 12}/sign-in")).status_code == 404
    assert (await visitor.get("checkout/99999999999999999999")).status_code == 404


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Sign-ins and codes counted as in production: a few tries a minute per address."""
    return settings.model_copy(update={"auth_rate_per_ip": "4/60", "auth_rate_per_account": "3/60"})


async def test_sign_ins_and_voucher_codes_are_slowed_past_a_few_tries(
    server: Server, merchant: Merchant, visitor: Visitor
) -> None:
    fee = await add_fee(server, merchant, (await add_item(server, merchant))["id"])
    await visitor.sign_up()
    await visitor.post("sign-out", {})
    wrong = {"email": "vera@example.com", "password": "not the password"}
    answers = [(await visitor.post("sign-in", wrong)).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]  # three for the account
    limited = await visitor.post("sign-in", {"email": "vera@example.com", "password": PASSWORD})
    assert limited.status_code == 429 and "Too many attempts" in limited.text
    assert "bo_viewer" not in limited.headers.get("set-cookie", "")

    await visitor.sign_up("ada@example.com")  # a new account: signing up is counted apart
    await visitor.get(f"checkout/{fee['id']}")
    tries = [(await visitor.post(f"checkout/{fee['id']}/voucher", {"voucher_code": f"GUESS{n}"})) for n in range(5)]
    assert [answer.status_code for answer in tries] == [422, 422, 422, 422, 429]
    assert "This voucher code is not valid" in tries[0].text and "Too many attempts" in tries[-1].text


async def test_a_film_bought_as_a_gift_is_redeemed_once_by_its_receiver(
    server: Server, merchant: Merchant, visitor: Visitor, mailbox: Mailbox
) -> None:
    item = await add_item(server, merchant, title="The Gift Film")
    fee = await add_fee(server, merchant, item["id"])
    monthly = await add_fee(server, merchant, item["id"], access_type_id="7", amount="9.99", description="Monthly")
    await visitor.sign_up()
    card = {"card_name": "Vera", "number": "4242424242424242", "exp_month": "12", "exp_year": "2031", "cvv": "123"}
    await visitor.get(f"checkout/{monthly['id']}")
    refused = await visitor.post(
        f"checkout/{monthly['id']}", card | {"attempt": "a", "receiver_email": "otto@example.com"}
    )
    assert refused.status_code == 422 and "can&#39;t be given as a gift" in refused.text
    await visitor.get(f"checkout/{fee['id']}")
    paid = await visitor.post(f"checkout/{fee['id']}", card | {"attempt": "b", "receiver_email": "otto@Example.COM"})
    done = await visitor.get(paid.headers["location"][len(visitor.path("")) :])
    assert "Your gift of The Gift Film is on its way to otto@example.com." in done.text, done.text[
        done.text.index("<main") :
    ]
    await server.run_jobs()
    code = re.search(r"\b([A-Z0-9]{12})\b", mailbox.last("otto@example.com").get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert code, "no gift code in the e-mail"

    otto = Visitor(server, merchant)
    otto.http = httpx.AsyncClient(transport=server.http._transport, base_url="http://testserver")
    async with otto.http:
        await otto.sign_up("otto@example.com")
        assert "Gift code" in (await otto.get("redeem")).text
        wrong = await otto.post("redeem", {"code": "AAAA-BBBB-CCCC"})
        assert wrong.status_code == 422 and "Gift not found" in wrong.text
        redeemed = await otto.post("redeem", {"code": code.group(1).lower()})
        assert redeemed.status_code == 200 and "You can now watch The Gift Film." in redeemed.text
        again = await otto.post("redeem", {"code": code.group(1)})
        assert again.status_code == 422 and "already been redeemed" in again.text
        assert "The Gift Film" in (await otto.get("account")).text


@pytest.mark.parametrize(("method", "bank"), [("ideal", "ing"), ("paypal", "")])
async def test_a_method_approved_on_its_providers_page_pays_and_comes_back(
    server: Server, merchant: Merchant, visitor: Visitor, method: str, bank: str
) -> None:
    item = await add_item(server, merchant, title="The Film")
    fee = await add_fee(server, merchant, item["id"])
    await visitor.sign_up()
    await visitor.get(f"checkout/{fee['id']}")
    unchosen = await visitor.post(f"checkout/{fee['id']}/method", {"attempt": "x"})
    assert unchosen.status_code == 422 and "Choose a way to pay" in unchosen.text
    if bank:
        bankless = await visitor.post(f"checkout/{fee['id']}/method", {"attempt": "x", "method": method})
        assert bankless.status_code == 422 and "Choose your bank" in bankless.text
    sent = await visitor.post(f"checkout/{fee['id']}/method", {"attempt": "y", "method": method, "bank": bank})
    assert sent.status_code == 303 and "/sandbox/" in sent.headers["location"], sent.text
    approved = await server.http.get(sent.headers["location"] + "?result=success")
    assert approved.status_code == 303, approved.text
    back = approved.headers["location"]
    done_page = visitor.path(f"checkout/{fee['id']}/done")
    assert back.startswith(f"http://testserver{done_page}?")
    done = await server.http.get(back)
    assert done.status_code == 200 and "You can now watch The Film." in done.text


async def test_a_direct_debit_gives_a_mandate_and_is_processing_until_the_bank_tells(
    server: Server, merchant: Merchant, visitor: Visitor
) -> None:
    fee = await add_fee(server, merchant, (await add_item(server, merchant, title="The Film"))["id"])
    await visitor.sign_up()
    await visitor.get(f"checkout/{fee['id']}")
    bad = await visitor.post(f"checkout/{fee['id']}/debit", {"attempt": "a", "name": "Vera", "iban": "DE00 1234"})
    assert bad.status_code == 422 and "The IBAN is not valid" in bad.text
    sent = await visitor.post(
        f"checkout/{fee['id']}/debit", {"attempt": "b", "name": "Vera Viewer", "iban": "DE89 3704 0044 0532 0130 00"}
    )
    assert sent.status_code == 303, sent.text
    done = await visitor.get(sent.headers["location"][len(visitor.path("")) :])
    assert done.status_code == 200 and "Your payment is being processed" in done.text
    # The mandate is the viewer's own, as the API shows it (the page's session is an API token too).
    token = visitor.http.cookies.get("bo_viewer")
    mandate = await server.http.get("/v2/payments/direct-debit/mandate", headers={"Authorization": f"Bearer {token}"})
    assert mandate.status_code == 200, mandate.text
    assert (mandate.json()["mandate"]["last4"], mandate.json()["mandate"]["country"]) == ("3000", "DE")


async def test_odd_numbers_in_addresses_and_forms_are_refused_not_crashed_on(
    server: Server, merchant: Merchant, visitor: Visitor
) -> None:
    fee = await add_fee(server, merchant, (await add_item(server, merchant))["id"])
    await visitor.sign_up()
    superscript, huge = "%C2%B2", "9" * 5000
    assert (await visitor.get(f"sign-in?branding_id={superscript}")).status_code in (200, 303)
    assert (await visitor.get(f"account?branding_id={huge}")).status_code == 200
    assert (await visitor.get(f"offers?prices={superscript}")).status_code == 404
    assert (await visitor.get(f"checkout/{fee['id']}/done?payment={superscript}")).status_code == 404
    checkout = await visitor.get(f"checkout/{fee['id']}")
    assert 'inputmode="numeric"' in checkout.text
    card = {"card_name": "Vera", "number": "4242424242424242", "exp_month": "²", "exp_year": "²²", "cvv": "123"}
    refused = await visitor.post(f"checkout/{fee['id']}", card)
    assert refused.status_code == 422 and "Enter the expiry month" in refused.text
    assert (await visitor.post("account/subscriptions/1/switch", {"price_id": "²"})).status_code in (404, 422)
    assert (await server.http.get(f"/branding/paywall/{merchant.uuid}/{superscript}")).status_code == 404


async def test_a_checkout_shows_only_prices_on_sale_and_a_done_page_only_what_was_paid(
    server: Server, merchant: Merchant, visitor: Visitor
) -> None:
    film = await add_item(server, merchant, title="The Film")
    other = await add_item(server, merchant, title="Another Film")
    fee = await add_fee(server, merchant, film["id"], amount="0.99")
    dear = await add_fee(server, merchant, other["id"], amount="9.99")
    off = await server.http.put(
        f"/v2/items/{other['id']}/access-fees/{dear['id']}", headers=merchant.auth, data={"active": "false"}
    )
    assert off.status_code == 200, off.text
    await visitor.sign_up()
    assert (await visitor.get(f"checkout/{dear['id']}")).status_code == 404
    assert (await visitor.get(f"offers?prices={dear['id']}")).status_code == 404
    await visitor.get(f"checkout/{fee['id']}")
    card = {"card_name": "Vera", "number": "4242424242424242", "exp_month": "12", "exp_year": "2031", "cvv": "123"}
    paid = await visitor.post(f"checkout/{fee['id']}", card | {"attempt": "one"})
    payment = re.search(r"payment=(\d+)", paid.headers["location"]).group(1)  # type: ignore[union-attr]
    assert (await visitor.get(f"checkout/{fee['id']}/done?payment={payment}")).status_code == 200
    # The payment for one price, shown under another's address (as a page might be led to claim): nothing.
    assert (await visitor.get(f"checkout/{dear['id']}/done?payment={payment}")).status_code == 404


async def test_a_refused_direct_debit_keeps_the_mandate_given_before(
    server: Server, merchant: Merchant, visitor: Visitor
) -> None:
    first_fee = await add_fee(server, merchant, (await add_item(server, merchant, title="First"))["id"])
    held_fee = await add_fee(server, merchant, (await add_item(server, merchant, title="Held"))["id"])
    await visitor.sign_up()
    await visitor.get(f"checkout/{first_fee['id']}")
    first = {"attempt": "a", "name": "Vera Viewer", "iban": "DE89 3704 0044 0532 0130 00"}
    assert (await visitor.post(f"checkout/{first_fee['id']}/debit", first)).status_code == 303
    card = {"card_name": "Vera", "number": "4242424242424242", "exp_month": "12", "exp_year": "2031", "cvv": "123"}
    assert (await visitor.post(f"checkout/{held_fee['id']}", card | {"attempt": "b"})).status_code == 303
    # What the viewer already holds, by debit from another account: refused, and the mandate given before kept.
    again = {"attempt": "c", "name": "Vera Viewer", "iban": "NL91 ABNA 0417 1643 00"}
    refused = await visitor.post(f"checkout/{held_fee['id']}/debit", again)
    assert refused.status_code == 409 and "You already have access to this item" in refused.text
    token = visitor.http.cookies.get("bo_viewer")
    mandate = await server.http.get("/v2/payments/direct-debit/mandate", headers={"Authorization": f"Bearer {token}"})
    assert (mandate.json()["mandate"]["last4"], mandate.json()["mandate"]["country"]) == ("3000", "DE")
