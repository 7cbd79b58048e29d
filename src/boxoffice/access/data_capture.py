"""Data capture: a viewer without an account leaves contact details to open a merchant's data-capture assets."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import data_capture_repository as repo
from boxoffice.access.models import DataCaptureLead
from boxoffice.identity.merchants import find_merchant
from boxoffice.kit import validation

MAX_COMPANY = 250


async def capture_lead(
    session: AsyncSession,
    *,
    merchant_uuid: str | None,
    email: str | None,
    full_name: str | None,
    company: str | None,
) -> DataCaptureLead:
    """Keep the contact details for the merchant the viewer's app names; every capture is kept, as it came."""
    problems = validation.Problems()
    address = validation.email(email, problems)
    name = validation.full_name(full_name, problems, required=False)
    organisation = (company or "").strip()
    if len(organisation) > MAX_COMPANY:
        problems.add("company", f"The company may not be longer than {MAX_COMPANY} characters")
    if not (merchant_uuid or "").strip():
        problems.add("merchant_uuid", "The merchant uuid is required")
    problems.raise_any()
    merchant = await find_merchant(session, (merchant_uuid or "").strip())
    lead = DataCaptureLead(merchant_id=merchant.id, email=address, full_name=name, company=organisation)
    session.add(lead)
    await session.flush()
    return lead


async def list_leads(
    session: AsyncSession, merchant_id: int, *, search: str | None, page: int, limit: int
) -> tuple[int, Sequence[DataCaptureLead]]:
    """The merchant's leads, newest first; `search` matches e-mail, name or company."""
    return await repo.leads_page(
        session, merchant_id, search=(search or "").strip() or None, offset=page * limit, limit=limit
    )
