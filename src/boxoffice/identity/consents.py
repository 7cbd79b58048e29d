"""Consents: the terms a merchant asks customers to agree to, versioned, and each customer's answers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events import outbox
from boxoffice.identity import consents_repository as repo
from boxoffice.identity import events
from boxoffice.identity.models import ConsentTerm, Customer, CustomerConsent
from boxoffice.kit import clock, validation
from boxoffice.kit.errors import InvalidInput

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
MAX_LABEL = 2000
MAX_TERMS = 50


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a customer stands on one term: their answer (None: never asked) and whether to ask again."""

    term: ConsentTerm
    answer: CustomerConsent | None

    @property
    def needs_update(self) -> bool:
        return self.answer is None or self.answer.version < self.term.version


@dataclass(frozen=True, slots=True)
class Answer:
    name: str
    version: int | None  # None: the current one
    accepted: bool


async def define_term(
    session: AsyncSession,
    merchant_id: int,
    name: str,
    *,
    label: str | None,
    required: bool | None,
    enabled_by_default: bool | None,
    active: bool | None,
) -> ConsentTerm:
    """Make a term, or change one; a new text or a change to `required` is a new version."""
    problems = validation.Problems()
    if not _NAME.fullmatch(name):
        problems.add("name", "The name is a letter, then letters, digits, '_', '.' or '-' (at most 64)")
    if label is not None and not 0 < len(label.strip()) <= MAX_LABEL:
        problems.add("label", f"The label is 1 to {MAX_LABEL} characters")
    problems.raise_any()
    term = await repo.term(session, merchant_id, name)
    if term is None:
        if label is None:
            raise InvalidInput({"label": "A new consent needs its label"})
        if len(await repo.terms(session, merchant_id, active_only=False)) >= MAX_TERMS:
            raise InvalidInput({"name": f"A merchant has at most {MAX_TERMS} consents"})
        term = ConsentTerm(merchant_id=merchant_id, name=name, label=label.strip(), version=1)
        term.required, term.enabled_by_default, term.active = bool(required), bool(enabled_by_default), True
        session.add(term)
    else:
        changed = (label is not None and label.strip() != term.label) or (
            required is not None and required != term.required
        )
        if label is not None:
            term.label = label.strip()
        if required is not None:
            term.required = required
        if changed:
            term.version += 1
    if enabled_by_default is not None:
        term.enabled_by_default = enabled_by_default
    if active is not None:
        term.active = active
    await session.flush()
    return term


async def list_terms(session: AsyncSession, merchant_id: int, *, active_only: bool = True) -> Sequence[ConsentTerm]:
    return await repo.terms(session, merchant_id, active_only=active_only)


async def standings(session: AsyncSession, customer: Customer) -> list[Standing]:
    answers = await repo.answers(session, customer.merchant_id, customer.id)
    terms = await repo.terms(session, customer.merchant_id, active_only=True)
    return [Standing(term, answers.get(term.name)) for term in terms]


async def record_answers(session: AsyncSession, customer: Customer, given: Sequence[Answer]) -> None:
    """Keep the customer's answers; a required term can only be accepted, and only terms that exist answered."""
    terms = {t.name: t for t in await repo.terms(session, customer.merchant_id, active_only=True)}
    answers = await repo.answers(session, customer.merchant_id, customer.id)
    problems = validation.Problems()
    for number, answer in enumerate(given):
        term = terms.get(answer.name)
        if term is None:
            problems.add(f"consents[{number}].name", f"There is no consent {answer.name!r}")
        elif answer.version is not None and not 1 <= answer.version <= term.version:
            problems.add(f"consents[{number}].version", f"Consent {answer.name!r} has no version {answer.version}")
        elif term.required and not answer.accepted:
            problems.add(f"consents[{number}].state", f"Consent {answer.name!r} is required")
    problems.raise_any()
    now = clock.now()
    changed: dict[str, CustomerConsent] = {}
    for answer in given:
        term = terms[answer.name]
        version = answer.version or term.version
        kept = answers.get(answer.name)
        if kept is None:
            kept = CustomerConsent(merchant_id=customer.merchant_id, customer_id=customer.id, name=term.name)
            session.add(kept)
            answers[term.name] = kept
            changed[term.name] = kept
        elif (kept.version, kept.accepted) != (version, answer.accepted):
            changed[term.name] = kept  # the same answer given again is no change to tell of
        kept.version, kept.accepted, kept.decided_at = version, answer.accepted, now
    await session.flush()
    told = [events.consent_updated(customer, name, kept.version, kept.accepted) for name, kept in changed.items()]
    if told:
        await outbox.record(session, *told)
