"""One GuestRecord -> one NormalizedRecord: every field in the form comparisons use."""

from __future__ import annotations

from dataclasses import dataclass

from .contacts import (
    DEFAULT_RELAY_DOMAINS,
    canonical_city,
    canonical_email,
    canonical_loyalty,
    canonical_phone,
    canonical_postal,
    canonical_street,
    country_code,
    language_code,
    parse_birth_date,
    phone_region,
)
from .names import nickname_groups, parse_name, phonetic
from .records import GuestRecord


@dataclass(slots=True)  # not frozen: frozen __init__ costs a third of normalizing
class NormalizedRecord:
    """Plain values only, so it can be stored beside a profile and compared without a DB."""

    record_id: str
    given: str | None
    middle: str | None
    initial_only: bool
    last: str | None
    last_tokens: tuple[str, ...]
    suffix: str | None
    given_phonetic: str | None
    last_phonetic: str | None
    nicknames: frozenset[str]
    email: str | None
    phone: str | None
    birth_date: str | None  # YYYYMMDD, or YYYY0000 for a year alone
    street: str | None
    postal_code: str | None
    city: str | None
    country: str | None
    language: str | None
    loyalty_id: str | None

    # Derived once here, read many times by blocking, guards and clustering.
    full_birth_date: bool = False
    phone_tail: str | None = None  # last eight digits: with or without the country code
    address_key: str | None = None  # street with postal code (or city): a household's unit

    def __post_init__(self) -> None:
        self.full_birth_date = self.birth_date is not None and not self.birth_date.endswith(
            "0000"
        )
        digits = self.phone.lstrip("+#") if self.phone else ""
        self.phone_tail = digits[-8:] if len(digits) >= 8 else None
        place = self.postal_code or self.city
        self.address_key = f"{self.street}|{place}" if self.street and place else None


def normalize(
    record: GuestRecord,
    default_region: str | None = None,
    relay_domains: tuple[str, ...] = DEFAULT_RELAY_DOMAINS,
) -> NormalizedRecord:
    """Never raises on odd values: what cannot be read becomes None (no evidence)."""
    name = parse_name(record.first_name, record.last_name)
    region = phone_region(record.country, default_region)
    given_ph = phonetic(name.given) if name.given and not name.initial_only else None
    return NormalizedRecord(
        record_id=record.record_id,
        given=name.given,
        middle=name.middle,
        initial_only=name.initial_only,
        last=name.last,
        last_tokens=name.last_tokens,
        suffix=name.suffix,
        given_phonetic=given_ph,
        last_phonetic=phonetic(name.last) if name.last else None,
        nicknames=nickname_groups(name.given),
        email=canonical_email(record.email, relay_domains),
        phone=canonical_phone(record.phone, region),
        birth_date=parse_birth_date(record.birth_date, record.arrival),
        street=canonical_street(record.street),
        postal_code=canonical_postal(record.postal_code),
        city=canonical_city(record.city),
        country=country_code(record.country),
        language=language_code(record.language),
        loyalty_id=canonical_loyalty(record.loyalty_id),
    )
