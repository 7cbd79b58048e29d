"""Checks shared by every use case that takes a person's input; each failure names its field."""

from __future__ import annotations

import re
from datetime import date

from email_validator import EmailNotValidError, validate_email

from boxoffice.kit.errors import InvalidInput

MIN_PASSWORD = 8
MAX_PASSWORD = 128


class Problems:
    """Collects field errors so one answer names every bad field, then raises them together."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def raise_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def email(value: str | None, problems: Problems, field: str = "email") -> str:
    if not value or not value.strip():
        problems.add(field, "The email is required")
        return ""
    try:
        return validate_email(value.strip(), check_deliverability=False, globally_deliverable=False).normalized
    except EmailNotValidError:
        problems.add(field, "The email must be a valid email address")
        return value


def new_password(password: str | None, confirmation: str | None, problems: Problems) -> str:
    if not password:
        problems.add("password", "The password is required")
        return ""
    if len(password) < MIN_PASSWORD:
        problems.add("password", f"The password must be at least {MIN_PASSWORD} characters")
    elif len(password) > MAX_PASSWORD:
        problems.add("password", f"The password may not be longer than {MAX_PASSWORD} characters")
    if confirmation is None or confirmation != password:
        problems.add("password_confirmation", "The password confirmation does not match")
    return password


MAX_FULL_NAME = 250


def full_name(value: str | None, problems: Problems, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        problems.add("full_name", "The full name is required")
    elif len(value) > MAX_FULL_NAME:
        problems.add("full_name", "The full name may not be longer than 250 characters")
    return value


def birth_date(value: str | None, problems: Problems, today: date) -> date | None:
    if value is None or value == "":
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        problems.add("date_of_birth", "The date of birth must be a date in the form YYYY-MM-DD")
        return None
    if parsed > today or parsed.year < 1900:
        problems.add("date_of_birth", "The date of birth must be a real date in the past")
        return None
    return parsed


def metadata(values: dict[str, object] | None, problems: Problems) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for key, value in (values or {}).items():
        if not isinstance(value, str | int | float | bool) or len(str(key)) > 100:
            problems.add(f"metadata.{key}", "Metadata values must be plain strings")
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if len(text) > 4000:
            problems.add(f"metadata.{key}", "Metadata values may not be longer than 4000 characters")
            continue
        cleaned[str(key)] = text
    return cleaned


def required_text(value: str, field: str, problems: Problems, *, max_length: int) -> str:
    """A short required text (a title, a name): trimmed, present, and not longer than `max_length`."""
    value = value.strip()
    label = field.replace("_", " ")
    if not value:
        problems.add(field, f"The {label} is required")
    elif len(value) > max_length:
        problems.add(field, f"The {label} may not be longer than {max_length} characters")
    return value


_WHOLE = re.compile(r"[0-9]{1,16}", re.ASCII)


def whole_number(text: str | None) -> int | None:
    """A whole number written in ASCII digits, small enough for any id column; None for anything else. (`str.isdigit`
    also takes "²" and other digits `int` refuses, and `int` refuses numbers of more than 4,300 digits.)"""
    return int(text) if text is not None and _WHOLE.fullmatch(text) else None
