"""What the fake PMS's hotels are, and what a correct connector must read from its messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class FakeProperty:
    code: str
    name: str
    connector: str  # alpinebits | opentravel
    currency: str = "EUR"
    room_rates: dict[str, int] = field(default_factory=dict)



@dataclass(frozen=True)
class ExpectedGuest:
    person: str  # the fake person's key: the same key is the same real guest
    first_name: str
    last_name: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    birth_date: date | None
    loyalty: tuple[str, ...]
    primary: bool


@dataclass(frozen=True)
class ExpectedStay:
    """One canonical reservation (one room) as a correct connector reads it; None: not carried."""

    source: str
    property_code: str
    external_id: str
    status: str
    modified_at: datetime
    arrival: date | None = None
    departure: date | None = None
    room_type: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    channel: str | None = None
    channel_name: str | None = None
    comments: tuple[str, ...] = ()
    preferences: frozenset[tuple[str, str]] = frozenset()
    guests: tuple[ExpectedGuest, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.property_code, self.external_id)
