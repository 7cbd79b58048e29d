"""Each export's CSV, byte for byte, on both engines: times cut to the second, money in major units by its
currency's decimals (none, two, three, four; negative; zero), missing values empty, customers' text that a
spreadsheet would run as a formula made inert, quotes, commas and line breaks quoted, only the merchant's rows."""

from __future__ import annotations

import io
import string
import uuid
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access.models import ContentRequest
from boxoffice.billing.models import Payment, PaymentStatus, Refund, RefundStatus, Subscription, SubscriptionStatus
from boxoffice.catalog.models import Price, Product
from boxoffice.identity.models import Customer, RegistrationRecord
from boxoffice.kit.money import Money
from boxoffice.reporting import exports, repository
from tests import shop

T0 = datetime(2026, 3, 1, 9, 5, 7, 123456)
T1 = datetime(2026, 3, 1, 9, 5, 7, 999999)  # the same second as T0
T2 = datetime(2026, 3, 2, 23, 59, 59)
T3 = datetime(2026, 4, 30, 0, 0, 0, 1)
SUCCEEDED, DECLINED = PaymentStatus.SUCCEEDED, PaymentStatus.DECLINED


class Book:
    """A merchant's customers, items, payments, refunds, subscriptions and content requests, each with an edge its
    export must keep, and another merchant's, which no export of the first may show. `ids` names each row's id."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.ids: dict[str, int | str] = {}

    async def named(self, name: str, row: object) -> None:
        self.session.add(row)
        await self.session.flush()
        self.ids[name] = row.id  # type: ignore[attr-defined]

    async def customer(self, name: str, merchant_id: int, email: str, **values: object) -> Customer:
        found = Customer(merchant_id=merchant_id, uuid=str(uuid.uuid4()), email=email, **values)
        await self.named(name, found)
        self.ids[f"{name}_uuid"] = found.uuid
        return found

    async def payment(
        self, name: str, who: Customer, item: Product, amount: int, currency: str, **values: object
    ) -> Payment:
        found = Payment(
            merchant_id=who.merchant_id,
            customer_id=who.id,
            product_id=item.id,
            idempotency_key=uuid.uuid4().hex,
            amount=amount,
            currency=currency,
            gateway="sandbox",
            gateway_customer_ref="cus",
            gateway_method="pm",
            **values,
        )
        await self.named(name, found)
        return found

    async def subscription(
        self, name: str, who: Customer, price: Price, status: SubscriptionStatus, **values: object
    ) -> None:
        found = Subscription(
            merchant_id=who.merchant_id,
            customer_id=who.id,
            product_id=price.product_id,
            price_id=price.id,
            status=status,
            amount=price.amount,
            currency=price.currency,
            period_unit=price.period_unit,
            period_quantity=price.period_quantity,
            current_period_start=T0,
            current_period_end=T3,
            gateway="sandbox",
            gateway_customer_ref="cus",
            gateway_method="pm",
            cancel_token=uuid.uuid4().hex,
            **values,
        )
        await self.named(name, found)

    def request(self, who: Customer | None, item: Product, at: datetime, outcome: str, **values: object) -> None:
        self.session.add(
            ContentRequest(
                merchant_id=item.merchant_id,
                product_id=item.id,
                customer_id=who and who.id,
                requested_at=at,
                outcome=outcome,
                device_type="desktop",
                **values,
            )
        )

    async def write(self) -> dict[str, int | str]:
        merchant, other = await shop.merchant(self.session), await shop.merchant(self.session, "Other")
        self.ids |= {"merchant": merchant.id, "other": other.id}
        ada = await self.customer(
            "ada",
            merchant.id,
            "ada@example.com",
            full_name='-Ada, "the" Countess',
            referrer="+44 line\nbreak",
            attributes={"b": "é", "a": [1, 2]},
            created_at=T0,
        )
        bob = await self.customer(
            "bob", merchant.id, "=bob@example.com", active=False, register_source="import", created_at=T1
        )
        tab = await self.customer(
            "tab", merchant.id, "@tab@example.com", full_name="\tTab\rReturn", referrer="@home", created_at=T2
        )
        await self.customer("erased", merchant.id, "erased@example.com", erased_at=T2, created_at=T2)
        stranger = await self.customer("stranger", other.id, "stranger@example.com", created_at=T0)
        film, odd = (
            Product(merchant_id=merchant.id, title="Cup final"),
            Product(merchant_id=merchant.id, title='=1+1 Special, "quoted"'),
        )
        theirs = Product(merchant_id=other.id, title="Theirs")
        for name, item in (("film", film), ("odd", odd), ("theirs", theirs)):
            await self.named(name, item)
        for who, country, device in ((ada, "GB", "mobile"), (tab, None, "desktop")):
            self.session.add(
                RegistrationRecord(
                    merchant_id=merchant.id,
                    customer_id=who.id,
                    registered_at=who.created_at,
                    source="signup",
                    country_code=country,
                    device_type=device,
                )
            )
        monthly = Price(
            merchant_id=merchant.id,
            product_id=film.id,
            kind="subscription",
            amount=999,
            currency="EUR",
            description="-50% the first month",
            period_unit="month",
            period_quantity=1,
        )
        daily = Price(
            merchant_id=merchant.id,
            product_id=odd.id,
            kind="subscription",
            amount=1500,
            currency="JPY",
            description="Three days",
            period_unit="day",
            period_quantity=3,
        )
        await self.named("monthly", monthly)
        await self.named("daily", daily)

        euros = await self.payment(
            "p1", ada, film, 499, "EUR", discount=100, status=SUCCEEDED, country_code="GB", created_at=T0
        )
        await self.payment(
            "p2", bob, odd, 500, "JPY", status=SUCCEEDED, kind="gift", method="google_pay", created_at=T1
        )
        dinars = await self.payment(
            "p3", tab, film, 1234, "BHD", discount=5, status=SUCCEEDED, country_code="BH", created_at=T2
        )
        await self.payment("p4", ada, odd, 5, "KWD", status=DECLINED, created_at=T2)
        await self.payment("p5", ada, film, -250, "EUR", discount=-3, status=SUCCEEDED, created_at=T3)
        await self.payment("p6", bob, film, 10000, "CLF", status=SUCCEEDED, created_at=T3)
        await self.payment("p7", bob, film, 0, "USD", status=SUCCEEDED, created_at=T3)
        await self.payment("p8", bob, film, 123456789, "EUR", status=SUCCEEDED, created_at=T3)
        await self.payment("pending", bob, film, 700, "USD", status=PaymentStatus.PENDING, created_at=T3)
        await self.payment("theirs_paid", stranger, theirs, 999, "EUR", status=SUCCEEDED, created_at=T0)
        # At the payment's own time: a payment sorts before a refund.
        refund = Refund(merchant_id=merchant.id, payment_id=euros.id, idempotency_key="r1", amount=200, currency="EUR")
        refund.status, refund.created_at = RefundStatus.SUCCEEDED, T0
        await self.named("r1", refund)
        refund = Refund(merchant_id=merchant.id, payment_id=dinars.id, idempotency_key="r2", amount=1, currency="BHD")
        refund.status, refund.created_at = RefundStatus.PENDING, T3
        await self.named("r2", refund)

        active, canceled = SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELED
        await self.subscription("s1", ada, monthly, active, trial_ends_at=T1, country_code="GB", created_at=T0)
        await self.subscription("s2", bob, daily, canceled, canceled_at=T2, ended_at=T3, created_at=T2)
        await self.subscription("s3", tab, monthly, SubscriptionStatus.INCOMPLETE, created_at=T1)  # not started: out

        self.request(ada, film, T0, "granted", ip_address="203.0.113.7", country_code="GB", device_os="Linux")
        self.request(None, film, T1, "no_access", referrer="=evil()", request_count=3)
        self.request(bob, film, T2, "geo", referrer='https://a.example/?q="x",y', country_code="US")
        self.request(ada, odd, T2, "granted")  # another item
        await self.session.flush()
        return self.ids


# Money is in the currency's own decimals; a negative amount, like any cell starting with "-", is made inert.
TRANSACTIONS = (
    "type,id,created_at,customer_id,customer_email,item_id,item_title,kind,amount,discount,currency,"
    "method,gateway,status,refunded_payment_id,country\n"
    "payment,$p1,2026-03-01 09:05:07,$ada,ada@example.com,$film,Cup final,purchase,4.99,1.00,EUR,"
    "card,sandbox,succeeded,,GB\n"
    "refund,$r1,2026-03-01 09:05:07,$ada,ada@example.com,$film,Cup final,purchase,2.00,0.00,EUR,card,"
    "sandbox,succeeded,$p1,GB\n"
    'payment,$p2,2026-03-01 09:05:07,$bob,\'=bob@example.com,$odd,"\'=1+1 Special, ""quoted""",gift,'
    "500,0,JPY,google_pay,sandbox,succeeded,,\n"
    "payment,$p3,2026-03-02 23:59:59,$tab,'@tab@example.com,$film,Cup final,purchase,1.234,0.005,BHD,"
    "card,sandbox,succeeded,,BH\n"
    'payment,$p4,2026-03-02 23:59:59,$ada,ada@example.com,$odd,"\'=1+1 Special, ""quoted""",purchase,'
    "0.005,0.000,KWD,card,sandbox,declined,,\n"
    "payment,$p5,2026-04-30 00:00:00,$ada,ada@example.com,$film,Cup final,purchase,'-2.50,'-0.03,EUR,"
    "card,sandbox,succeeded,,\n"
    "payment,$p6,2026-04-30 00:00:00,$bob,'=bob@example.com,$film,Cup final,purchase,1.0000,0.0000,"
    "CLF,card,sandbox,succeeded,,\n"
    "payment,$p7,2026-04-30 00:00:00,$bob,'=bob@example.com,$film,Cup final,purchase,0.00,0.00,USD,"
    "card,sandbox,succeeded,,\n"
    "payment,$p8,2026-04-30 00:00:00,$bob,'=bob@example.com,$film,Cup final,purchase,1234567.89,0.00,"
    "EUR,card,sandbox,succeeded,,\n"
    "refund,$r2,2026-04-30 00:00:00,$tab,'@tab@example.com,$film,Cup final,purchase,0.001,0.000,BHD,"
    "card,sandbox,pending,$p3,BH\n"
)
SUBSCRIPTIONS = (
    "id,created_at,customer_id,customer_email,item_id,item_title,price_id,price_description,status,"
    "amount,currency,period,country,trial_ends_at,current_period_end,canceled_at,ended_at\n"
    "$s1,2026-03-01 09:05:07,$ada,ada@example.com,$film,Cup final,$monthly,'-50% the first month,"
    "active,9.99,EUR,1 month,GB,2026-03-01 09:05:07,2026-04-30 00:00:00,,\n"
    '$s2,2026-03-02 23:59:59,$bob,\'=bob@example.com,$odd,"\'=1+1 Special, ""quoted""",$daily,'
    "Three days,canceled,1500,JPY,3 day,,,2026-04-30 00:00:00,2026-03-02 23:59:59,2026-04-30 00:00:00\n"
)
CUSTOMERS = (
    "id,uuid,email,full_name,created_at,register_source,active,country,device,referrer,metadata\n"
    '$ada,$ada_uuid,ada@example.com,"\'-Ada, ""the"" Countess",2026-03-01 09:05:07,signup,1,GB,mobile,'
    '"\'+44 line${lf}break","{""a"":[1,2],""b"":""\\u00e9""}"\n'
    "$bob,$bob_uuid,'=bob@example.com,,2026-03-01 09:05:07,import,0,,,,{}\n"
    "$tab,$tab_uuid,'@tab@example.com,\"'\tTab\rReturn\",2026-03-02 23:59:59,signup,1,,desktop,'@home,{}\n"
)
CONTENT_REQUESTS = (
    "date,item_id,item_title,customer_id,customer_email,outcome,requests,ip_address,country,device,"
    "os,referrer\n"
    "2026-03-01 09:05:07,$film,Cup final,$ada,ada@example.com,granted,1,203.0.113.7,GB,desktop,Linux,\n"
    "2026-03-01 09:05:07,$film,Cup final,,,no_access,3,,,desktop,,'=evil()\n"
    "2026-03-02 23:59:59,$film,Cup final,$bob,'=bob@example.com,geo,1,,US,desktop,,"
    '"https://a.example/?q=""x"",y"\n'
)


def expected(template: str, ids: dict[str, int | str]) -> str:
    """The file as written: rows end in CRLF; a line break inside a quoted cell (`$lf`) stays as it is."""
    return string.Template(template.replace("\n", "\r\n")).substitute(ids, lf="\n")


@pytest.fixture
async def ids(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int | str]:
    async with sessions() as session, session.begin():
        return await Book(session).write()


async def csv_of(
    sessions: async_sessionmaker[AsyncSession],
    kind: str,
    merchant_id: int | str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    item_id: int | str | None = None,
) -> tuple[str, int, list[int]]:
    out, batches = io.StringIO(newline=""), list[int]()
    async with sessions() as session:
        rows = await exports.write_csv(
            session,
            out,
            kind,
            int(merchant_id),
            since=since,
            until=until,
            item_id=None if item_id is None else int(item_id),
            progress=batches.append,
        )
    return out.getvalue(), rows, batches


@pytest.mark.parametrize(
    ("kind", "template", "rows"),
    [("transactions", TRANSACTIONS, 10), ("subscriptions", SUBSCRIPTIONS, 2), ("customers", CUSTOMERS, 3)],
)
async def test_an_export_is_written_byte_for_byte(
    sessions: async_sessionmaker[AsyncSession], ids: dict[str, int | str], kind: str, template: str, rows: int
) -> None:
    text, written, batches = await csv_of(sessions, kind, ids["merchant"])
    assert text == expected(template, ids)
    assert (written, sum(batches)) == (rows, rows)


async def test_an_export_read_in_many_batches_is_the_same_file(
    sessions: async_sessionmaker[AsyncSession], ids: dict[str, int | str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "BATCH", 3)
    text, written, batches = await csv_of(sessions, "transactions", ids["merchant"])
    assert (text, written, batches) == (expected(TRANSACTIONS, ids), 10, [3, 3, 3, 1])


async def test_an_items_content_requests_are_written_byte_for_byte(
    sessions: async_sessionmaker[AsyncSession], ids: dict[str, int | str]
) -> None:
    text, written, _ = await csv_of(sessions, "content_requests", ids["merchant"], item_id=ids["film"])
    assert (text, written) == (expected(CONTENT_REQUESTS, ids), 3)


async def test_an_export_holds_only_its_period_and_an_empty_one_only_the_header(
    sessions: async_sessionmaker[AsyncSession], ids: dict[str, int | str]
) -> None:
    lines = expected(TRANSACTIONS, ids).splitlines(keepends=True)
    text, written, _ = await csv_of(sessions, "transactions", ids["merchant"], since=T2, until=T3)
    assert (text, written) == ("".join(lines[i] for i in (0, 4, 5)), 2)
    # Nothing to quote or make inert in this one: its lines are written as they are formatted.
    text, written, _ = await csv_of(sessions, "transactions", ids["merchant"], since=T0, until=T1)
    assert (text, written) == ("".join(lines[:3]), 2)
    text, written, batches = await csv_of(sessions, "transactions", ids["other"], since=T2)
    assert (text, written, batches) == (lines[0], 0, [])


@pytest.mark.parametrize("currency", ["JPY", "EUR", "BHD", "CLF"])  # 0, 2, 3 and 4 decimals
def test_money_cells_hold_the_amounts_decimal_digits(currency: str) -> None:
    amounts = [*range(-2100, 2101), 123456789, -(2**63), 2**63 - 1]
    assert [exports._money(amount, currency) for amount in amounts] == [
        str(Money(amount, currency).as_decimal()) for amount in amounts
    ]
    with pytest.raises(ValueError, match="ISO-4217"):
        exports._money(100, currency.lower())


def test_time_cells_are_written_to_the_second() -> None:
    moments = [T0, T2, T3, datetime(1000, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)]
    assert [exports._when(moment) for moment in moments] == [f"{moment:%Y-%m-%d %H:%M:%S}" for moment in moments]
    assert exports._when(None) == ""
