"""A call's `params`, read with the type each method needs: a value missing, of the wrong type or out of range is
refused as invalid arguments (code 11), naming the parameter, before anything is read or written."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from boxoffice.dialects.jsonrpc.errors import InvalidParams
from boxoffice.kit import clock

# The longest text any parameter takes (a description, a URL); each method narrows its own.
MAX_TEXT = 4000
# Unix seconds from 1970 to a day before the year 9999 ends: a period's bound may be moved on by a second.
MAX_TIMESTAMP = 253_402_214_399
# A whole number as text: ASCII digits (`str.isdigit` also passes "²"), few enough for a 64-bit integer.
_WHOLE = re.compile(r"-?[0-9]{1,18}")


class Params:
    """An object of named values (`params`, or one of its members such as `customerData`)."""

    def __init__(self, values: dict[str, Any], where: str = "") -> None:
        self.values, self.where = values, where

    def _name(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def has(self, name: str) -> bool:
        """Given, and not null."""
        return self.values.get(name) is not None

    def text(self, name: str, *, required: bool = True, max_length: int = MAX_TEXT) -> str:
        value = self.optional_text(name, max_length=max_length)
        if value is None:
            if required:
                raise InvalidParams(self._name(name), f"Invalid arguments: {self._name(name)} is required")
            return ""
        return value

    def optional_text(self, name: str, *, max_length: int = MAX_TEXT) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # clients send ids as numbers or strings alike
        if not isinstance(value, str):
            raise InvalidParams(self._name(name), f"Invalid arguments: {self._name(name)} must be a string")
        if "\x00" in value or len(value) > max_length:
            raise InvalidParams(self._name(name), f"Invalid arguments: {self._name(name)} is not a valid value")
        return value.strip() or None

    def integer(self, name: str, default: int | None = None, *, minimum: int = 0, maximum: int = 2**31 - 1) -> int:
        value = self.optional_integer(name, minimum=minimum, maximum=maximum)
        if value is None:
            if default is None:
                raise InvalidParams(self._name(name), f"Invalid arguments: {self._name(name)} is required")
            return default
        return value

    def optional_integer(self, name: str, *, minimum: int = 0, maximum: int = 2**31 - 1) -> int | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
            value = int(value.strip())
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise InvalidParams(
                self._name(name), f"Invalid arguments: {self._name(name)} must be a whole number from {minimum}"
            )
        return value

    def number(self, name: str, *, required: bool = True, maximum: float = 1e9) -> float | None:
        """A decimal number (a price): a JSON number or a numeric string."""
        value = self.values.get(name)
        if value is None:
            if required:
                raise InvalidParams(self._name(name), f"Invalid arguments: {self._name(name)} is required")
            return None
        try:
            number = float(value) if isinstance(value, int | float | str) and not isinstance(value, bool) else None
        except (ValueError, OverflowError):
            number = None
        if number is None or not 0 <= number <= maximum or number != number:
            raise InvalidParams(self._name(name), f"Invalid arguments: {self._name(name)} must be a number")
        return number

    def boolean(self, name: str, default: bool | None = None) -> bool:
        value = self.values.get(name)
        if value is None and default is not None:
            return default
        if isinstance(value, bool):
            return value
        if value in (0, 1, "0", "1", "true", "false"):
            return value in (1, "1", "true")
        raise InvalidParams(self._name(name), f"Invalid arguments: {self._name(name)} must be true or false")

    def timestamp(self, name: str, *, required: bool = True) -> datetime | None:
        """Unix seconds, as Cleeng's dates are sent."""
        seconds = self.optional_integer(name, maximum=MAX_TIMESTAMP)
        if seconds is None:
            if required:
                raise InvalidParams(self._name(name), f"Invalid arguments: {self._name(name)} is required")
            return None
        return clock.from_unix(seconds)

    def object(self, name: str, *, required: bool = True) -> Params:
        value = self.values.get(name)
        if value == []:  # PHP encodes an empty array, its empty object too, as `[]`
            value = {}
        if value is None and not required:
            return Params({}, self._name(name))
        if not isinstance(value, dict):
            raise InvalidParams(self._name(name), f"Invalid arguments: {self._name(name)} must be an object")
        return Params(value, self._name(name))

    def items(self, name: str, *, required: bool = True, max_items: int = 1000) -> list[Any]:
        value = self.values.get(name)
        if value is None and not required:
            return []
        if not isinstance(value, list) or len(value) > max_items:
            raise InvalidParams(self._name(name), f"Invalid arguments: {self._name(name)} must be a list")
        return value

    def texts(self, name: str, *, required: bool = False, max_items: int = 1000, max_length: int = 200) -> list[str]:
        """A list of strings, or one string of comma-separated values (Cleeng's `accessToTags` come both ways)."""
        value = self.values.get(name)
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if value is None:
            value = []
        items = Params({"items": value}, self.where).items("items", max_items=max_items)
        found = [Params({name: item}, self.where).text(name, max_length=max_length) for item in items]
        if required and not found:
            raise InvalidParams(self._name(name), f"Invalid arguments: {self._name(name)} is required")
        return found
