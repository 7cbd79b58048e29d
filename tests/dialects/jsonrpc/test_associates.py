"""Associates over JSON-RPC: made, read and changed by the merchant's token in the distributor slot; an associate's
own token reads itself and nothing else; every refusal with Cleeng's code and nothing written."""

from __future__ import annotations

from typing import Any

from boxoffice.promotions.models import Associate
from tests.conftest import Server
from tests.dialects.inplayer.conftest import count_rows, make_merchant
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher, publisher_of

METHODS = ("getAssociate", "createAssociate", "updateAssociate")


def partner(**extra: Any) -> dict[str, Any]:
    return {
        "email": "Partner@Example.com",
        "firstName": "Ann",
        "lastName": "Lee",
        "siteName": "Ann's reviews",
        "commission": 12,
        "currency": "EUR",
        "locale": "en_GB",
        "country": "GB",
    } | extra


async def create(rpc: JsonRpc, token: str, **extra: Any) -> dict[str, Any]:
    return await rpc.call("createAssociate", distributorToken=token, associateData=partner(**extra))


async def test_an_associate_is_made_read_and_changed(rpc: JsonRpc, publisher: Publisher) -> None:
    made = await create(rpc, publisher.token)
    assert {k: made[k] for k in ("email", "firstName", "lastName", "siteName", "commission")} == {
        "email": "partner@example.com",
        "firstName": "Ann",
        "lastName": "Lee",
        "siteName": "Ann's reviews",
        "commission": 12,
    }
    assert (made["currency"], made["locale"], made["country"]) == ("EUR", "en_GB", "GB")
    token = made["distributorToken"]
    assert isinstance(token, str) and len(token) == 48 and token != publisher.token
    read = await rpc.call("getAssociate", distributorToken=publisher.token, associateEmail="PARTNER@example.com")
    assert read == made
    changed = await rpc.call(
        "updateAssociate",
        distributorToken=publisher.token,
        associateEmail="partner@example.com",
        associateData={"email": "ann@example.com", "commission": 20.0, "siteName": "Ann's blog"},
    )
    assert (changed["id"], changed["email"], changed["commission"], changed["siteName"], changed["firstName"]) == (
        made["id"],
        "ann@example.com",
        20,
        "Ann's blog",
        "Ann",
    )
    assert await rpc.refused(10, "getAssociate", distributorToken=publisher.token, associateEmail="partner@example.com")


async def test_the_publisher_token_slot_is_read_too(rpc: JsonRpc, publisher: Publisher) -> None:
    made = await rpc.call("createAssociate", publisherToken=publisher.token, associateData=partner())
    assert (await rpc.call("getAssociate", publisherToken=publisher.token, associateEmail=made["email"]))["id"] == made[
        "id"
    ]


async def test_an_associate_reads_itself_and_may_change_nothing(rpc: JsonRpc, publisher: Publisher) -> None:
    ann = await create(rpc, publisher.token)
    await create(rpc, publisher.token, email="bob@example.com")
    own = {"distributorToken": ann["distributorToken"]}
    assert await rpc.call("getAssociate", **own, associateEmail=ann["email"]) == ann
    assert await rpc.refused(10, "getAssociate", **own, associateEmail="bob@example.com") == "Associate not found"
    await rpc.refused(5, "createAssociate", **own, associateData=partner(email="carl@example.com"))
    await rpc.refused(5, "updateAssociate", **own, associateEmail=ann["email"], associateData={"commission": 90})
    assert (await rpc.call("getAssociate", **own, associateEmail=ann["email"]))["commission"] == 12


async def test_a_missing_or_unknown_token_is_code_3(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    for method in METHODS:
        for given in ({}, {"distributorToken": ""}, {"distributorToken": "x" * 48}, {"distributorToken": 48}):
            await rpc.refused(3, method, **given, associateEmail="partner@example.com", associateData=partner())
    assert await count_rows(server, Associate, publisher.merchant.id) == 0


async def test_an_email_already_an_associates_is_code_13(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    await create(rpc, publisher.token)
    await create(rpc, publisher.token, email="bob@example.com")
    await rpc.refused(
        13, "createAssociate", distributorToken=publisher.token, associateData=partner(email="PARTNER@example.com")
    )
    await rpc.refused(
        13,
        "updateAssociate",
        distributorToken=publisher.token,
        associateEmail="bob@example.com",
        associateData={"email": "partner@example.com"},
    )
    assert await count_rows(server, Associate, publisher.merchant.id) == 2


BAD_DATA: list[Any] = [
    None,
    "partner@example.com",
    [],
    {"firstName": "No e-mail"},
    partner(email="not-an-email"),
    partner(email=["a@example.com"]),
    partner(commission=101),
    partner(commission=-1),
    partner(commission="many"),
    partner(commission=12.5),
    partner(currency="XYZ"),
    partner(locale="??"),
    partner(country="Nowhere"),
    partner(firstName="x" * 201),
    partner(siteName={"name": "x"}),
]


async def test_bad_associate_data_is_code_11_and_writes_nothing(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    for data in BAD_DATA:
        await rpc.refused(11, "createAssociate", distributorToken=publisher.token, associateData=data)
    assert await count_rows(server, Associate, publisher.merchant.id) == 0


async def test_bad_update_params_are_code_11_and_change_nothing(rpc: JsonRpc, publisher: Publisher) -> None:
    made = await create(rpc, publisher.token)
    token = {"distributorToken": publisher.token}
    await rpc.refused(11, "updateAssociate", **token, associateEmail=made["email"], associateData={"commission": 101})
    await rpc.refused(11, "updateAssociate", **token, associateEmail=made["email"], associateData="commission")
    await rpc.refused(11, "updateAssociate", **token, associateData={"commission": 1})
    await rpc.refused(11, "getAssociate", **token)
    await rpc.refused(11, "getAssociate", **token, associateEmail={"email": made["email"]})
    assert await rpc.call("getAssociate", **token, associateEmail=made["email"]) == made


async def test_another_merchants_associate_is_not_found(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    made = await create(rpc, publisher.token)
    other = await publisher_of(server, await make_merchant(server, "other@publisher.example.com"))
    await rpc.refused(10, "getAssociate", distributorToken=other.token, associateEmail=made["email"])
    await rpc.refused(
        10,
        "updateAssociate",
        distributorToken=other.token,
        associateEmail=made["email"],
        associateData={"commission": 1},
    )
    # The same e-mail is free for another merchant's own associate.
    theirs = await create(rpc, other.token)
    assert theirs["id"] != made["id"]
    assert await rpc.call("getAssociate", distributorToken=publisher.token, associateEmail=made["email"]) == made
