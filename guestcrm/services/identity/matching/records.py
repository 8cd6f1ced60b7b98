"""The input record of the matcher: exactly the fields of the `match` CLI contract."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RECORD_FIELDS: tuple[str, ...] = (
    "record_id",
    "source",
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "street",
    "city",
    "postal_code",
    "country",
    "language",
    "loyalty_id",
    "arrival",
)


@dataclass(frozen=True, slots=True)
class GuestRecord:
    """One guest as one source saw it; every field but record_id may be None or empty."""

    record_id: str
    source: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    birth_date: str | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    language: str | None = None
    loyalty_id: str | None = None
    arrival: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> GuestRecord:
        """Build from a JSON object; numbers become strings, unknown keys are ignored.

        Raises ValueError when record_id is missing or empty, or a value is a list/object,
        because silently dropping such a record would lose a guest.
        """
        rid = data.get("record_id")
        if rid is None or (isinstance(rid, str) and not rid.strip()):
            raise ValueError("record_id is missing or empty")
        values: dict[str, str | None] = {}
        for name in RECORD_FIELDS:
            values[name] = _as_text(name, data.get(name))
        return cls(**values)  # type: ignore[arg-type]


def _as_text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a string, not a boolean")
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        # JSON exports often carry phone numbers, postal codes and ids as numbers.
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    raise ValueError(f"{name} must be a string or number, not {type(value).__name__}")

