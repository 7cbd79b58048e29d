"""A merchant's subscriptions counted per state, optionally per price, item or country and within one country.

States: `active`, `trialing`, `past_due`, `canceled` (cancelled by the customer, whether it still runs or has
ended) and `ended` (ended otherwise: unpaid). Of the cancelled, those still running to the end of their period
are `about_to_churn`. Subscriptions never started (incomplete) are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.analytics import repository as repo
from boxoffice.billing.models import SubscriptionStatus
from boxoffice.catalog import repository as catalog_repo
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.geography import alpha2_of, country

GROUPINGS = tuple(repo.SUBSCRIPTION_GROUPS)
STATES = (
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.PAST_DUE,
    SubscriptionStatus.CANCELED,
    SubscriptionStatus.ENDED,
)
# Statuses counted as `canceled` or `ended` by who ended them (see above).
OVER = frozenset({SubscriptionStatus.CANCELED, SubscriptionStatus.ENDED})


@dataclass(frozen=True, slots=True)
class StateTotal:
    state: SubscriptionStatus
    total: int
    about_to_churn: int  # of the cancelled, those still running


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    description: str
    with_voucher: int  # bought with a voucher's discount
    total: int
    per_state: list[StateTotal]


@dataclass(frozen=True, slots=True)
class SubscriptionAnalytics:
    country_code: str  # alpha-2; "" for every country
    country_name: str
    grouped_by: str  # "" when only by state
    total: int
    groups: list[Group]


def _state(status: SubscriptionStatus, canceled: bool) -> SubscriptionStatus:
    if canceled and status in OVER:
        return SubscriptionStatus.CANCELED
    return SubscriptionStatus.ENDED if status in OVER else status


async def count_subscriptions(
    session: AsyncSession,
    merchant_id: int,
    *,
    grouped_by: str | None,
    country_code: str | None,
    state: str | None,
) -> SubscriptionAnalytics:
    problems = {}
    if grouped_by is not None and grouped_by not in GROUPINGS:
        problems["grouped_by"] = f"Subscriptions are grouped by {', '.join(GROUPINGS)}"
    if state is not None and state not in (*STATES, "about_to_churn"):
        problems["action_type"] = f"The action type is one of {', '.join((*STATES, 'about_to_churn'))}"
    alpha2 = alpha2_of(country_code) if country_code is not None else None
    if country_code is not None and alpha2 is None:
        problems["country_code"] = "The country code is an ISO 3166 code such as MK or MKD"
    if problems:
        raise InvalidInput(problems)
    rows = await repo.subscriptions_by_state(session, merchant_id, grouped_by=grouped_by, country_code=alpha2)
    counts: dict[object, dict[SubscriptionStatus, list[int]]] = {}
    vouchers: dict[object, int] = {}
    for key, status, canceled, voucher, total in rows:
        named = _state(status, canceled)
        churning = total if status == SubscriptionStatus.CANCELED else 0
        if state is not None and state != named and not (state == "about_to_churn" and churning):
            continue
        if state == "about_to_churn":
            total = churning
        slot = counts.setdefault(key, {}).setdefault(named, [0, 0])
        slot[0] += total
        slot[1] += churning
        vouchers[key] = vouchers.get(key, 0) + (total if voucher else 0)
    names = await _group_names(session, merchant_id, grouped_by, list(counts))
    groups = []
    for key, per_state in counts.items():
        group_id, description = names[key]
        states = [StateTotal(s, per_state[s][0], per_state[s][1]) for s in STATES if s in per_state]
        groups.append(Group(group_id, description, vouchers[key], sum(s.total for s in states), states))
    groups.sort(key=lambda g: (-g.total, g.id))
    place = country(alpha2)
    return SubscriptionAnalytics(
        alpha2 or "", place.name if alpha2 else "", grouped_by or "", sum(g.total for g in groups), groups
    )


async def _group_names(
    session: AsyncSession, merchant_id: int, grouped_by: str | None, keys: list[object]
) -> dict[object, tuple[int, str]]:
    """Each group's id and description: the price's, the item's, or the country's (its ISO numeric code)."""
    ids = [key for key in keys if isinstance(key, int)]
    if grouped_by == "price":
        prices = await catalog_repo.prices_by_ids(session, merchant_id, ids)
        return {key: (key, prices[key].description if key in prices else "") for key in ids}
    if grouped_by == "item":
        products = await catalog_repo.products_by_ids(session, merchant_id, ids)
        return {key: (key, products[key].title if key in products else "") for key in ids}
    if grouped_by == "country":
        return {
            key: (country(str(key) if key else None).numeric, country(str(key) if key else None).name) for key in keys
        }
    return {key: (0, "All subscriptions") for key in keys}
