"""Capture: what a merchant asks its customers after they sign up (standard fields and questions of its own),
and their answers. A name or a birth date answered here is the account's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice import clock, validation
from boxoffice.geography import alpha2_of
from boxoffice.identity import capture_repository as repo
from boxoffice.identity.models import CaptureAnswers, CaptureSettings, Customer

# The standard fields, by the keys the answers are kept under.
FIELDS = ("email", "birthDate", "companyName", "phoneNumber", "firstNameLastName", "address")
LEVELS = ("optional", "required")
ADDRESS_PARTS = ("address", "address2", "city", "state", "postCode", "country")
MAX_QUESTIONS = 20
MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class Item:
    """One thing asked: a standard field or a question (`custom_<id>`), with the customer's answer if any."""

    key: str
    required: bool
    answer: Any
    question: str | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Status:
    enabled: bool
    items: list[Item]

    @property
    def should_display(self) -> bool:
        """Ask when something required is still unanswered."""
        return self.enabled and any(item.required and item.answer in (None, "", {}) for item in self.items)


async def capture_settings_of(session: AsyncSession, merchant_id: int) -> CaptureSettings | None:
    return await repo.capture_settings(session, merchant_id)


async def configure_capture(
    session: AsyncSession,
    merchant_id: int,
    *,
    enabled: bool | None,
    fields: dict[str, str] | None,
    questions: list[dict[str, Any]] | None,
) -> CaptureSettings:
    problems = validation.Problems()
    if fields is not None:
        for name, level in fields.items():
            if name not in FIELDS:
                problems.add(f"fields[{name}]", f"The fields are {', '.join(FIELDS)}")
            elif level not in (*LEVELS, "off"):
                problems.add(f"fields[{name}]", "A field is off, optional or required")
    if questions is not None:
        if len(questions) > MAX_QUESTIONS:
            problems.add("questions", f"At most {MAX_QUESTIONS} questions")
        for n, q in enumerate(questions):
            text = str(q.get("question") or "").strip()
            if not 0 < len(text) <= MAX_TEXT:
                problems.add(f"questions[{n}][question]", f"A question is 1 to {MAX_TEXT} characters")
    problems.raise_any()
    settings = await repo.capture_settings(session, merchant_id)
    if settings is None:
        settings = CaptureSettings(merchant_id=merchant_id, enabled=False, fields={}, questions=[])
        session.add(settings)
    if enabled is not None:
        settings.enabled = enabled
    if fields is not None:
        settings.fields = {name: level for name, level in fields.items() if level != "off"}
    if questions is not None:
        settings.questions = [
            {
                "id": n,
                "question": str(q["question"]).strip(),
                "options": [str(o).strip() for o in q.get("options") or [] if str(o).strip()],
                "required": bool(q.get("required")),
            }
            for n, q in enumerate(questions, start=1)
        ]
    await session.flush()
    return settings


async def capture_status(session: AsyncSession, customer: Customer) -> Status:
    settings = await repo.capture_settings(session, customer.merchant_id)
    if settings is None:
        return Status(False, [])
    kept = await repo.capture_answers(session, customer.merchant_id, customer.id)
    answers = dict(kept.answers) if kept else {}
    items = [
        Item(name, settings.fields[name] == "required", answers.get(name)) for name in FIELDS if name in settings.fields
    ]
    for q in settings.questions:
        key = f"custom_{q['id']}"
        items.append(Item(key, bool(q["required"]), answers.get(key), q["question"], tuple(q["options"])))
    return Status(settings.enabled, items)


def _text(value: object, name: str, problems: validation.Problems) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        problems.add(name, f"The {name} is text of at most {MAX_TEXT} characters")
        return None
    return value.strip()


def _birth_date(value: str | None, problems: validation.Problems) -> date | None:
    if not value:
        return None
    try:
        born = date.fromisoformat(value)
    except ValueError:
        problems.add("birthDate", "The birth date is 2006-01-02")
        return None
    if not date(1900, 1, 1) <= born <= clock.now().date():
        problems.add("birthDate", "The birth date is in the past")
    return born


async def answer_capture(session: AsyncSession, customer: Customer, given: dict[str, Any]) -> None:
    """Keep the customer's answers to what is asked (anything else is ignored); what is required must be given."""
    status = await capture_status(session, customer)
    asked = {item.key: item for item in status.items}
    problems = validation.Problems()
    answers: dict[str, Any] = {}
    for key, item in asked.items():
        value = given.get(key)
        if key == "firstNameLastName" and isinstance(value, dict):
            first = _text(value.get("firstName"), "firstName", problems) or ""
            last = _text(value.get("lastName"), "lastName", problems) or ""
            value = {"firstName": first, "lastName": last} if first or last else None
        elif key == "address" and isinstance(value, dict):
            value = {part: _text(value.get(part), part, problems) or "" for part in ADDRESS_PARTS}
            if value["country"] and alpha2_of(value["country"]) is None:
                problems.add("country", "The country is an ISO 3166 code such as GB")
            value = value if any(value.values()) else None
        else:
            value = _text(value, key, problems) or None
            if value and item.options and value not in item.options:
                problems.add(key, f"The answer is one of {', '.join(item.options)}")
        if item.required and not value:
            problems.add(key, f"{key} is required")
        if value:
            answers[key] = value
    born = _birth_date(answers.get("birthDate"), problems)
    problems.raise_any()
    kept = await repo.capture_answers(session, customer.merchant_id, customer.id)
    if kept is None:
        kept = CaptureAnswers(merchant_id=customer.merchant_id, customer_id=customer.id, answers={})
        session.add(kept)
    kept.answers = answers
    names = answers.get("firstNameLastName")
    if names:
        customer.full_name = f"{names['firstName']} {names['lastName']}".strip()
    if born is not None:
        customer.date_of_birth = born
    await session.flush()
