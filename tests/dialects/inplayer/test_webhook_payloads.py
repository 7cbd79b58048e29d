"""A webhook's form body, against the standard library's form encoding of the same pairs."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from boxoffice.dialects.inplayer.webhook_payloads import encode


def test_a_body_is_what_urlencode_makes_of_its_bracketed_pairs() -> None:
    fields = {
        "id": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "created": 1765000000,
        "resource": {
            "full_name": "Zoë O'Brien",
            "email": "viewer+1@example.com",
            "note": "a&b=c/d ~e_f.g-h",
            "amount": -12.5,
            "tiny": 1e-07,
            "active": True,
            "trial": False,
            "referrer": None,
            "metadata": {},
            "roles": ["consumer", "gift giver"],
            "extras": {"item_id": 7, "tags": [{"name": "1+1"}]},
        },
    }
    expected = urlencode(
        [
            ("id", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
            ("created", "1765000000"),
            ("resource[full_name]", "Zoë O'Brien"),
            ("resource[email]", "viewer+1@example.com"),
            ("resource[note]", "a&b=c/d ~e_f.g-h"),
            ("resource[amount]", "-12.5"),
            ("resource[tiny]", "1e-07"),
            ("resource[active]", "true"),
            ("resource[trial]", "false"),
            ("resource[referrer]", ""),
            ("resource[roles][0]", "consumer"),
            ("resource[roles][1]", "gift giver"),
            ("resource[extras][item_id]", "7"),
            ("resource[extras][tags][0][name]", "1+1"),
        ]
    )
    body = encode(fields)
    assert body == expected.encode()
    assert dict(parse_qsl(body.decode(), keep_blank_values=True))["resource[note]"] == "a&b=c/d ~e_f.g-h"
