"""Email and phone normalization, OTA relay addresses and placeholders."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

# Addresses an OTA puts between the hotel and the guest: stored, shown, never used as identity.
RELAY_EMAIL_DOMAINS = (
    "guest.booking.com",
    "m.expediapartnercentral.com",
    "expediapartnercentral.com",
    "guest.airbnb.com",
    "agoda-messaging.com",
    "guest.trip.com",
    "relay.hotels.com",
    "hotelbeds.com",
    "messages.homeaway.com",
    "guest.hostelworld.com",
)
# Local parts front desks type when a guest has no email.
PLACEHOLDER_LOCAL_PARTS = (
    "noemail",
    "no-email",
    "no.email",
    "none",
    "noreply",
    "no-reply",
    "test",
    "x",
    "na",
    "keine",
)
PLACEHOLDER_DOMAINS = ("noemail.com", "nomail.com", "email.com", "none.com")
_NON_DIGITS = re.compile(r"[^\d+]")
# The same addresses and numbers come again and again (every version of a booking, every stay
# of a returning guest): each process remembers the latest normalizations.
_REMEMBERED = 8192


@lru_cache(maxsize=_REMEMBERED)
def normalize_email(raw: str) -> str | None:
    """Lower-cased, syntax-checked address; None when it is not an email address."""
    text = (raw or "").strip()
    if not text or len(text) > 320:
        return None
    try:
        # test_environment admits the reserved "test" domain; deliverability is not our business.
        result = validate_email(text, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return None
    return result.normalized.lower()


def is_relay_email(normalized: str) -> bool:
    domain = normalized.rsplit("@", 1)[-1]
    return any(domain == d or domain.endswith("." + d) for d in RELAY_EMAIL_DOMAINS)


def is_placeholder_email(normalized: str) -> bool:
    local, _, domain = normalized.partition("@")
    return local in PLACEHOLDER_LOCAL_PARTS or domain in PLACEHOLDER_DOMAINS


@lru_cache(maxsize=_REMEMBERED)
def normalize_phone(raw: str, default_region: str | None = None) -> str | None:
    """E.164 when the number parses as possible; None otherwise."""
    text = (raw or "").strip()
    if not text or len(text) > 64:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    region = (default_region or "").upper() or None
    if not text.startswith("+") and region is None:
        return None
    try:
        number = phonenumbers.parse(
            _NON_DIGITS.sub("", text) if text.startswith("+") else text, region
        )
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
