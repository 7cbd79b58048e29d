"""What a publisher sets up over HTTP, with its merchant token, before the SDK suites run (the merchant contract,
/work/shared/spec/inplayer-merchant-api.md): the merchant itself, register fields and feature flags for
accounts.test.cjs, a catalogue (assets, access fees, a package, access codes, donations, playback keys) for
assets.test.cjs, items (sold once, by subscription, for donations) and a voucher for payments.test.cjs, and
subscription plans with a voucher for subscriptions.test.cjs. Every call asserts its own success, so a set-up
failure names the call that failed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# What the merchant sets up before the SDK runs; accounts.test.cjs asserts exactly these.
REGISTER_FIELDS: list[dict[str, str]] = [
    {
        "name": "country",
        "label": "Country",
        "type": "country",
        "required": "false",
        "default_value": "",
        "placeholder": "Where do you live?",
        "options[MK]": "North Macedonia",
        "options[DE]": "Germany",
    },
    {
        "name": "terms",
        "label": "https://publisher.example.com/terms",
        "type": "checkbox",
        "required": "true",
        "default_value": "",
        "placeholder": "I accept the terms",
    },
]
FEATURE_FLAGS = {"live_chat": True, "downloads": False}

# access_control_type_id values of the merchant contract.
PAID, CODE, DATA_CAPTURE = 1, 2, 4


@dataclass(frozen=True)
class Merchant:
    uuid: str
    token: str
    email: str


def merchant_client(base_url: str, merchant: Merchant | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {merchant.token}"} if merchant else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=30)


def expect(response: httpx.Response, *statuses: int) -> Any:
    """The JSON of a set-up call that must succeed; a failure names the call and the server's answer."""
    request = response.request
    assert response.status_code in (statuses or (200, 201)), (
        f"merchant set-up {request.method} {request.url.path} -> {response.status_code} {response.text}"
    )
    return response.json()


def create_merchant(base_url: str) -> Merchant:
    password = "publisher pass 1"
    email = f"publisher.{uuid.uuid4().hex[:10]}@example.com"
    with merchant_client(base_url) as http:
        body = expect(
            http.post(
                "/accounts",
                data={
                    "type": "merchant",
                    "full_name": "Compat Publisher",
                    "email": email,
                    "password": password,
                    "password_confirmation": password,
                },
            ),
            200,
        )
    assert body["access_token"] and body["refresh_token"] and body["expires"], body
    return Merchant(uuid=str(body["account"]["uuid"]), token=str(body["access_token"]), email=email)


# Two looks: the first is the merchant's default; the SDK reads each by id and the default as `default`.
LOOKS = (
    {
        "brand_name": "Compat Video",
        "paywall_primary_color": "#1a73e8",
        "paywall_buttons_bg_color": "#0b8043",
        "paywall_footer": "Compat Video, 1 Main Street",
        "terms_url": "https://watch.example.com/terms",
    },
    {"brand_name": "Compat Sports", "dark_mode": "true", "inplayer_protected_label": "false"},
)


SOCIAL_APP = "https://app.example.com"


def set_up_merchant(base_url: str, oidc_issuer: str) -> tuple[str, list[dict[str, Any]]]:
    """A merchant with the register fields, feature flags, looks and social sign-in (its google at
    `oidc_issuer`, its app at SOCIAL_APP) accounts.test.cjs expects; returns its uuid and its looks as the
    merchant API answered them."""
    merchant = create_merchant(base_url)
    with merchant_client(base_url, merchant) as http:
        for field in REGISTER_FIELDS:
            expect(http.post("/accounts/register-fields", data=field))
        for name, enabled in FEATURE_FLAGS.items():
            expect(http.put(f"/v2/features/{name}", data={"enabled": "true" if enabled else "false"}))
        looks = [expect(http.post("/branding/paywall", data=look), 201) for look in LOOKS]
        expect(http.put("/v2/allowed-origins", data={"origins[0]": SOCIAL_APP}))
        google = {"issuer": oidc_issuer, "client_id": "compat-app", "client_secret": "compat-secret-0123456789"}
        expect(http.put("/v2/identity-providers/google", data=google))
    return merchant.uuid, looks


# --- the catalogue assets.test.cjs works on ---------------------------------------------------------------


def access_type_id(http: httpx.Client, name: str, quantity: int, period: str) -> int:
    types = expect(http.get("/v2/access-types"), 200)
    for kind in types:
        if (kind["name"], kind["quantity"], kind["period"]) == (name, quantity, period):
            return int(kind["id"])
    raise AssertionError(f"GET /v2/access-types has no {name} {quantity} {period}: {types}")


def create_item(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    form = {key: str(value) for key, value in fields.items() if key != "metadata"}
    form |= {f"metadata[{key}]": value for key, value in fields.get("metadata", {}).items()}
    item: dict[str, Any] = expect(http.post("/v2/items", data=form), 201)
    return {
        "id": item["id"],
        "title": fields["title"],
        "content": fields.get("content", ""),
        "metadata": fields.get("metadata", {}),
        "external_asset_id": fields.get("external_asset_id"),
    }


def add_fee(http: httpx.Client, item_id: int, **fields: str) -> dict[str, Any]:
    fee: dict[str, Any] = expect(http.post(f"/v2/items/{item_id}/access-fees", data=fields), 201)
    return {"id": fee["id"], **fields}


def create_voucher(http: httpx.Client, **fields: str) -> dict[str, Any]:
    voucher: dict[str, Any] = expect(http.post("/vouchers", data=fields), 201)
    return voucher


def signing_key() -> tuple[str, str]:
    """A fresh RSA key pair as CloudFront hands them out: PKCS#1 private PEM, and the public PEM to verify with."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.decode(), public.decode()


def set_up_catalog(base_url: str, merchant: Merchant) -> dict[str, Any]:
    """Assets of every access control, their fees, a package, codes, donations and playback keys; returns what
    assets.test.cjs needs to know about them (ids, the values it should read back, the verification keys)."""
    with merchant_client(base_url, merchant) as http:
        ppv_48h = access_type_id(http, "ppv", 48, "hour")
        monthly = access_type_id(http, "subscription", 1, "month")
        film = create_item(
            http,
            item_type="html_asset",
            title="Compat Film",
            access_control_type_id=PAID,
            content="<p>The film itself</p>",
            metadata={"genre": "drama", "year": "2024"},
        )
        film["fees"] = [
            add_fee(
                http,
                film["id"],
                access_type_id=str(ppv_48h),
                amount="4.99",
                currency="EUR",
                description="Rent for 48 hours",
            ),
            add_fee(
                http,
                film["id"],
                access_type_id=str(monthly),
                amount="9.99",
                currency="EUR",
                description="Monthly pass",
                trial_period_quantity="7",
                trial_period_period="day",
                trial_period_description="A week for free",
            ),
        ]
        jw = create_item(
            http,
            item_type="jw_asset",
            title="Compat JW Video",
            access_control_type_id=PAID,
            content="Jw5Media",
            external_asset_id="Jw5Media",
        )
        jw["fees"] = [
            add_fee(http, jw["id"], access_type_id=str(ppv_48h), amount="2.50", currency="USD", description="Rent")
        ]
        cloudfront = create_item(
            http,
            item_type="cloudfront_asset",
            title="Compat CloudFront Video",
            access_control_type_id=PAID,
            content="https://d111111abcdef8.cloudfront.net/videos/film.m3u8",
        )
        package = create_item(
            http, item_type="package", title="Compat Package", access_control_type_id=PAID, content=""
        )
        package["members"] = [film["id"], jw["id"]]
        expect(
            http.patch(
                f"/v2/items/packages/{package['id']}/bulk",
                data={f"add_asset_ids[{i}]": str(member) for i, member in enumerate(package["members"])},
            )
        )
        coded = create_item(
            http,
            item_type="html_asset",
            title="Compat Code Asset",
            access_control_type_id=CODE,
            content="<p>Opened with a code</p>",
        )
        coded["code"] = "COMPAT-CODE-1"
        coded["max_sessions"] = 1
        expect(
            http.post(
                f"/v2/items/{coded['id']}/access-codes",
                data={"codes[0]": coded["code"], "max_sessions": str(coded["max_sessions"])},
            )
        )
        capture = create_item(
            http,
            item_type="html_asset",
            title="Compat Data Capture Asset",
            access_control_type_id=DATA_CAPTURE,
            content="<p>Thanks for your details</p>",
        )
        donation = create_item(
            http,
            item_type="html_asset",
            title="Compat Donation Asset",
            access_control_type_id=PAID,
            content="<p>Supported by viewers</p>",
        )
        donation["options"] = [
            {"amount": "5.00", "currency": "EUR", "description": "A coffee"},
            {"amount": "20.50", "currency": "EUR", "description": "A dinner"},
        ]
        for option in donation["options"]:
            expect(http.post(f"/v2/items/{donation['id']}/donations", data=option))

        private_pem, public_pem = signing_key()
        playback = {
            "cloudfront_key_pair_id": "K2JCJMDEHXQW5F",
            "cloudfront_public_key": public_pem,
            "jw_secret": f"jw-secret-{uuid.uuid4().hex}",
        }
        expect(
            http.put(
                "/v2/playback/cloudfront",
                data={"key_pair_id": playback["cloudfront_key_pair_id"], "private_key": private_pem},
            )
        )
        expect(http.put("/v2/playback/jw", data={"secret": playback["jw_secret"]}))
    return {
        "film": film,
        "jw": jw,
        "cloudfront": cloudfront,
        "package": package,
        "coded": coded,
        "capture": capture,
        "donation": donation,
        "playback": playback,
    }


def set_up_shop(base_url: str, merchant: Merchant) -> dict[str, Any]:
    """What payments.test.cjs sells, and takes donations for; returns what it needs to know of them:
    item_id, fee_id, amount, voucher_code: an item rented for 24 hours at 2.99 EUR and a voucher taking 1.00 EUR off
        that fee (cards, iDEAL, Google and Apple Pay, direct debit, PayPal, gifts);
    sequel {item_id, fee_id}: another item rented alike, which the voucher takes 1.00 EUR off too;
    club {item_id, title, fee_id, amount}: an item sold by a monthly subscription at 4.99 EUR (idealSubscribe,
        directDebitSubscribe);
    donation {item_id, options}: an item with two donation amounts, which takes an amount of the viewer's own too;
    merchant_email: what PayPal's parameters name as the `business`."""
    with merchant_client(base_url, merchant) as http:

        def rental(title: str, content: str) -> tuple[dict[str, Any], dict[str, Any]]:
            """An item rented for a day at 2.99 EUR, and its fee."""
            item = create_item(http, item_type="html_asset", title=title, access_control_type_id=PAID, content=content)
            fee = add_fee(
                http,
                item["id"],
                access_type_id=str(access_type_id(http, "ppv", 24, "hour")),
                amount="2.99",
                currency="EUR",
                description="Rent for a day",
            )
            return item, fee

        item, fee = rental("Compat Rental", "<p>Rented</p>")
        sequel, sequel_fee = rental("Compat Sequel", "<p>Again</p>")
        voucher = create_voucher(
            http,
            name="Compat rental voucher",
            code="RENT1",
            amount_off="1.00",
            currency="EUR",
            **{"access_fee_ids[0]": str(fee["id"]), "access_fee_ids[1]": str(sequel_fee["id"])},
        )
        club = create_item(
            http, item_type="html_asset", title="Compat Club", access_control_type_id=PAID, content="<p>Members</p>"
        )
        club_fee = add_fee(
            http,
            club["id"],
            access_type_id=str(access_type_id(http, "subscription", 1, "month")),
            amount="4.99",
            currency="EUR",
            description="Monthly membership",
        )
        donation = create_item(
            http,
            item_type="html_asset",
            title="Compat Fundraiser",
            access_control_type_id=PAID,
            content="<p>Supported by viewers</p>",
        )
        options = [
            expect(http.post(f"/v2/items/{donation['id']}/donations", data=option), 201)
            for option in (
                {"amount": "5.00", "currency": "EUR", "description": "A coffee"},
                {"amount": "20.50", "currency": "EUR", "description": "A dinner"},
            )
        ]
        switched = expect(
            http.put(f"/v2/items/{donation['id']}/donation-options", data={"custom_price_enabled": "true"}), 200
        )
    assert voucher["code"] == "RENT1" and voucher["amount_off"] == 1.0, voucher
    assert switched["donation_options"]["custom_price_enabled"] is True, switched
    return {
        "item_id": item["id"],
        "fee_id": fee["id"],
        "amount": "2.99",
        "voucher_code": "RENT1",
        "sequel": {"item_id": sequel["id"], "fee_id": sequel_fee["id"]},
        "club": {"item_id": club["id"], "title": "Compat Club", "fee_id": club_fee["id"], "amount": 4.99},
        "donation": {
            "item_id": donation["id"],
            "options": [
                {"id": o["id"], "amount": o["amount"], "currency": o["currency"], "description": o["description"]}
                for o in options
            ],
        },
        "merchant_email": merchant.email,
    }


# --- the subscription plans subscriptions.test.cjs works on -----------------------------------------------


def set_up_plans(base_url: str, merchant: Merchant) -> dict[str, Any]:
    """Three items sold by subscription, and a voucher for one of them; returns what subscriptions.test.cjs needs
    to know of them:
      channel  monthly 9.99 EUR and yearly 99.00 EUR: subscribed to, switched to yearly, cancelled
      series   monthly 10.00 EUR, with a voucher: 50 % off the first charge, 20 % off the next two
      live     monthly 4.99 EUR: a declined card, then a 3-D Secure one"""
    with merchant_client(base_url, merchant) as http:
        monthly = access_type_id(http, "subscription", 1, "month")
        yearly = access_type_id(http, "subscription", 1, "year")
        plans: dict[str, Any] = {}
        for key, title, amount in (
            ("channel", "Compat Channel", "9.99"),
            ("series", "Compat Series", "10.00"),
            ("live", "Compat Live", "4.99"),
        ):
            item = create_item(
                http,
                item_type="html_asset",
                title=title,
                access_control_type_id=PAID,
                content=f"<p>{title}</p>",
                plan_switch_enabled="true",
            )
            fee = add_fee(
                http, item["id"], access_type_id=str(monthly), amount=amount, currency="EUR", description="Monthly"
            )
            plans[key] = {"item_id": item["id"], "title": title, "monthly_fee_id": fee["id"], "monthly": float(amount)}
        plans["channel"]["yearly_fee_id"] = add_fee(
            http,
            plans["channel"]["item_id"],
            access_type_id=str(yearly),
            amount="99.00",
            currency="EUR",
            description="Yearly",
        )["id"]
        plans["channel"]["yearly"] = 99.0
        voucher = create_voucher(
            http,
            name="Compat subscription voucher",
            code="SUBS50",
            discount="50",
            rebill_discount="20",
            discount_period="repeating",
            discount_duration="2",
            **{"access_fee_ids[0]": str(plans["series"]["monthly_fee_id"])},
        )
    assert (voucher["code"], voucher["discount"], voucher["discount_period"]) == ("SUBS50", 50, "repeating"), voucher
    plans["voucher"] = {"code": voucher["code"], "discount": 50, "duration": 2}
    return plans


# --- the stores payments.test.cjs validates receipts of -------------------------------------------------------

STORE_APP = {
    "apple": {"app_id": "com.example.compat", "environment": "sandbox"},
    "google-play": {"app_id": "com.example.compat.android"},
    "amazon": {"app_id": "amzn1.application.compat", "environment": "sandbox"},
    "roku": {"app_id": "54321"},
}


def set_up_stores(base_url: str, merchant: Merchant, credentials: dict[str, str]) -> dict[str, dict[str, Any]]:
    """An item per store, rented for a day at 2.99 EUR, sold in the merchant's app there as `<store>.rental`;
    returns {store: {item_id, fee_id, product_name}}. `credentials`: each store's key but Apple's."""
    found = {}
    with merchant_client(base_url, merchant) as http:
        for store, app in STORE_APP.items():
            form = app | ({"credentials": credentials[store]} if store in credentials else {})
            expect(http.put(f"/v2/external-payments/{store}/settings", data=form))
            item = create_item(
                http, item_type="html_asset", title=f"Compat {store}", access_control_type_id=PAID, content="<p>In</p>"
            )
            fee = add_fee(
                http,
                item["id"],
                access_type_id=str(access_type_id(http, "ppv", 24, "hour")),
                amount="2.99",
                currency="EUR",
                description="Rent for a day in the app",
            )
            product = f"{store}.rental"
            expect(http.put(f"/v2/external-payments/{store}/products/{product}", data={"access_fee_id": fee["id"]}))
            found[store] = {"item_id": item["id"], "fee_id": fee["id"], "product_name": product}
    return found
