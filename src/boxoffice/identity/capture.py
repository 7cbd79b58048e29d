"""Capture: what a merchant asks its customers after they sign up (standard fields and questions of its own),
and their answers. A name or a birth date answered here is the account's own. The merchant's register fields are
asked here too, whether or not its capture form is on: a client that signs up without a way to send them leaves
them for this form, and their answers are the account's metadata, as a sign-up's would be."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events import outbox
from boxoffice.identity import capture_repository as repo
from boxoffice.identity import events
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import CaptureAnswers, CaptureSettings, Customer, RegisterField
from boxoffice.identity.register_fields import TRUE, check_registration
from boxoffice.kit import clock, validation
from boxoffice.kit.geography import alpha2_of

# The standard fields, by the keys the answers are kept under.
FIELDS = ("email", "birthDate", "companyName", "phoneNumber", "firstNameLastName", "address")
LEVELS = ("optional", "required")
ADDRESS_PARTS = ("address", "address2", "city", "state", "postCode", "country")
MAX_QUESTIONS = 20
MAX_TEXT = 500
# Questions are `custom_<id>`; a register field is `custom_<its name>`, which starts with a letter.
CUSTOM = "custom_"
# What a checkbox register field offers to tick, when it has no placeholder to say it.
TICK = "Yes"


@dataclass(frozen=True, slots=True)
class Item:
    """One thing asked: a standard field or a question (`custom_<id>`), with the customer's answer if any."""

    key: str
    required: bool
    answer: Any
    question: str | None = None
    options: tuple[str, ...] = ()
    enabled: bool = True  # asked now: the capture form's own items are while it is on; register fields always
    field: RegisterField | None = None  # the register field it asks, if it asks one


@dataclass(frozen=True, slots=True)
class Status:
    enabled: bool
    items: list[Item]

    @property
    def should_display(self) -> bool:
        """Ask when something required is still unanswered."""
        return any(item.enabled and item.required and item.answer in (None, "", {}) for item in self.items)


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
    fields = await identity_repo.register_fields(session, customer.merchant_id)
    registered = [_register_item(field, customer.attributes.get(field.name)) for field in fields]
    if settings is None:
        return Status(bool(registered), registered)
    kept = await repo.capture_answers(session, customer.merchant_id, customer.id)
    answers = dict(kept.answers) if kept else {}
    on = settings.enabled
    items = [
        Item(name, settings.fields[name] == "required", answers.get(name), enabled=on)
        for name in FIELDS
        if name in settings.fields
    ]
    for q in settings.questions:
        key = f"{CUSTOM}{q['id']}"
        items.append(Item(key, bool(q["required"]), answers.get(key), q["question"], tuple(q["options"]), on))
    return Status(on or bool(registered), items + registered)


def _register_item(field: RegisterField, kept: str | None) -> Item:
    """A register field as a question: its label asks it; a checkbox offers one thing to tick, a select or radio
    its options' labels; the rest are answered in words."""
    options: tuple[str, ...] = ()
    shown: str | None = kept or None
    if field.type == "checkbox":
        options = (field.placeholder.strip() or TICK,)
        shown = options[0] if (kept or "").lower() in TRUE else None
    elif field.type in ("select", "radio"):
        options = tuple(field.options.values())
        shown = field.options.get(kept or "", shown)
    return Item(f"{CUSTOM}{field.name}", field.required, shown, field.label, options, field=field)


def _register_answer(
    field: RegisterField, options: tuple[str, ...], value: str | None, problems: validation.Problems
) -> str:
    """An answer to a register field's question, as sign-up would have taken it ("" for none)."""
    if not value:
        return ""
    if field.type == "checkbox":
        if value in options or value.lower() in TRUE:
            return "true"
        problems.add(field.name, f"The {field.name} field is ticked or left empty")
        return ""
    if field.type in ("select", "radio"):
        keys = {label: key for key, label in field.options.items()}
        return keys.get(value, value)
    return value


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
        problems.add("birth_date", "The birth date is 2006-01-02")
        return None
    if not date(1900, 1, 1) <= born <= clock.now().date():
        problems.add("birth_date", "The birth date is in the past")
    return born


async def answer_capture(session: AsyncSession, customer: Customer, given: dict[str, Any]) -> None:
    """Keep the customer's answers to what is asked (anything else is ignored); what is required must be given.
    A register field not answered keeps what the account has."""
    status = await capture_status(session, customer)
    asked = {item.key: item for item in status.items if item.enabled}
    problems = validation.Problems()
    answers: dict[str, Any] = {}
    metadata = dict(customer.attributes)
    for key, item in asked.items():
        value = given.get(key)
        if item.field is not None:
            if key in given:
                text = _text(value, item.field.name, problems)
                registered = _register_answer(item.field, item.options, text, problems)
                if registered:
                    metadata[item.field.name] = registered
                else:  # left empty: unanswered, as at sign-up
                    metadata.pop(item.field.name, None)
            continue
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
    fields = [item.field for item in asked.values() if item.field is not None]
    metadata = check_registration(fields, metadata, problems)
    born = _birth_date(answers.get("birthDate"), problems)
    problems.raise_any()
    if any(item.field is None for item in asked.values()):
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
    if metadata != customer.attributes:
        customer.attributes = metadata
        await outbox.record(session, events.updated(customer, ["metadata"]))
    await session.flush()


async def change_capture_answers(session: AsyncSession, customer: Customer, changes: dict[str, Any]) -> None:
    """As `answer_capture`, for the answers given only: those not given stay as they are kept, and the parts of a
    name or an address given replace only those parts (a merchant's back end sends what changed). A name not
    answered yet is the account's."""
    status = await capture_status(session, customer)
    answers = {
        item.key: item.answer
        for item in status.items
        if item.enabled and item.field is None and item.answer not in (None, "", {})
    }
    if customer.full_name and "firstNameLastName" not in answers:
        first, _, last = customer.full_name.partition(" ")
        answers["firstNameLastName"] = {"firstName": first, "lastName": last}
    for key, value in changes.items():
        kept = answers.get(key)
        answers[key] = kept | value if isinstance(kept, dict) and isinstance(value, dict) else value
    await answer_capture(session, customer, answers)
