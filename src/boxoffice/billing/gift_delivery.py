"""Taking a gift's code to its receiver: the e-mail goes when the gift is paid for, or, when the buyer chose a day
to come, when a worker's chore finds it due. Either way it goes once: sending claims the gift (`sent_at`) in the
transaction that enqueues the e-mail, so two senders at once send one, and a rolled-back one sends none.

A delivery date that has already passed (the SDK lets a buyer pick today, whose hour may be gone) means at once,
and is kept as no date at all: None is what "at once" is everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import gifts_repository as repo
from boxoffice.catalog import repository as catalog_repo
from boxoffice.identity import repository as identity_repo
from boxoffice.kit import clock, jobs, validation
from boxoffice.kit.db import transaction
from boxoffice.kit.settings import Settings
from boxoffice.mail.outbox import send_email

MAX_NOTE = 500  # the column's length
EVERY_SECONDS = 60
BATCH = 100


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a gift's code goes, when (None: at once), and the buyer's note with it."""

    receiver_email: str
    date: datetime | None
    note: str | None


def delivery(receiver_email: str | None, date: datetime | None, note: str | None) -> Delivery:
    """A delivery as a buyer asked for it, checked; InvalidInput on `receiver_email` or `personal_note`."""
    problems = validation.Problems()
    address = validation.email(receiver_email, problems, "receiver_email")
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        problems.add("personal_note", f"The personal note may not be longer than {MAX_NOTE} characters")
    problems.raise_any()
    return Delivery(address, date if date is not None and date > clock.now() else None, note)


async def send_if_due(session: AsyncSession, merchant_id: int, gift_id: int, now: datetime) -> bool:
    """Enqueue the e-mail with the gift's code if it is due by `now` and nobody sent it yet; True if this call
    did."""
    if not await repo.mark_sent(session, merchant_id, gift_id, now):
        return False
    # Read after the claim: a change of receiver or note the claim waited for is what goes.
    gift = await repo.gift_by_id(session, merchant_id, gift_id)
    assert gift is not None
    merchant = await identity_repo.merchant_by_id(session, merchant_id)
    product = await catalog_repo.product_by_id(session, merchant_id, gift.product_id)
    price = await catalog_repo.price_by_id(session, merchant_id, gift.price_id)
    buyer = await identity_repo.customer_by_id(session, merchant_id, gift.buyer_customer_id)
    # The gift goes with its product, price and buyer (deleting one deletes it).
    assert merchant is not None and product is not None and price is not None and buyer is not None
    context = {
        "brand_name": merchant.full_name,
        "from_name": buyer.full_name or buyer.email,
        "item_title": product.title,
        "access": price.description,
        "code": gift.code,
        "personal_note": gift.personal_note,
    }
    await send_email(session, merchant_id, to=gift.receiver_email, template="gift", context=context)
    return True


async def deliver_due_gifts(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Send every gift due by `now` that hasn't gone; returns how many were sent."""
    async with sessions() as session:
        merchant_ids = await repo.merchants_with_due_gifts(session, now)
    sent = 0
    for merchant_id in merchant_ids:
        while True:
            async with transaction(sessions) as session:
                due = await repo.due_gift_ids(session, merchant_id, now, BATCH)
                batch = [await send_if_due(session, merchant_id, gift_id, now) for gift_id in due]
            sent += sum(batch)
            # A short batch is the last; one another worker sent all of is theirs to go on with.
            if len(due) < BATCH or not any(batch):
                break
    return sent


@jobs.every(EVERY_SECONDS, "billing.gift_deliveries")
async def gift_deliveries_chore(sessions: async_sessionmaker[AsyncSession], _settings: Settings) -> None:
    await deliver_due_gifts(sessions, clock.now())
