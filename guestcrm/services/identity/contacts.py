"""Email and phone normalization, OTA relay addresses and placeholders: the one normalizer
of contact data, used by the exact identity keys, the API look-ups and the matcher."""

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
# What front desks and channels type when a guest has no email: never evidence of identity.
PLACEHOLDER_LOCAL_PARTS = frozenset(
    "no noemail no-email no_email no.email nomail no-mail none na nil null test unknown email "
    "mail x xx xxx dummy fake noreply no-reply donotreply do-not-reply keine keinemail sinemail "
    "sincorreo guest nobody anonymous notprovided not-provided noaddress".split()
)
PLACEHOLDER_DOMAINS = frozenset(
    "example.com example.org example.net test.com noemail.com nomail.com none.com email.com "
    "email.invalid no.email noemail.invalid".split()
)
PLACEHOLDER_SUFFIXES = (".invalid", ".example")
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
_REPEATED = re.compile(r"^(.)\1*$")
# Digit runs typed as "no phone": too short, one digit repeated, or counting up.
_COUNTING = "0123456789012345678"
_NON_DIGITS = re.compile(r"[^\d+]")
# The same addresses and numbers come again and again (every version of a booking, every stay
# of a returning guest): each process remembers the latest normalizations.
_REMEMBERED = 8192


def checked_email(raw: str | None) -> str | None:
    """The address as written, syntax-checked and lower case; None when it is no address.
    What staff accounts use: a sign-in must find the address it was given."""
    text = (raw or "").strip().removeprefix("mailto:").strip()
    if not text or len(text) > 320:
        return None
    try:
        # test_environment admits the reserved "test" domain; deliverability is not our business.
        result = validate_email(text, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return None
    return result.normalized.lower()


@lru_cache(maxsize=_REMEMBERED)
def normalize_email(raw: str) -> str | None:
    """The mailbox in one spelling: syntax-checked, lower case, without a `+tag`, Gmail's dots
    dropped (and googlemail.com as gmail.com); None when it is not an email address. Both the
    exact-key path and the matcher compare guests' addresses in this spelling."""
    checked = checked_email(raw)
    if checked is None:
        return None
    local, _, domain = checked.rpartition("@")
    local = local.split("+", 1)[0]  # sub-addressing: the same mailbox
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}" if local else None


def is_relay_email(normalized: str, relay_domains: tuple[str, ...] = RELAY_EMAIL_DOMAINS) -> bool:
    domain = normalized.rsplit("@", 1)[-1]
    return any(domain == d or domain.endswith("." + d) for d in relay_domains)


def is_placeholder_email(normalized: str) -> bool:
    local, _, domain = normalized.partition("@")
    return (local in PLACEHOLDER_LOCAL_PARTS or _REPEATED.match(local) is not None
            or domain in PLACEHOLDER_DOMAINS or domain.endswith(PLACEHOLDER_SUFFIXES))


def identity_email(raw: str | None,
                   relay_domains: tuple[str, ...] = RELAY_EMAIL_DOMAINS) -> str | None:
    """The address as evidence of who the guest is; None for a channel relay address or a
    placeholder. One verdict for exact keys and for the matcher."""
    normalized = normalize_email(raw or "")
    if normalized is None or is_relay_email(normalized, relay_domains):
        return None
    return None if is_placeholder_email(normalized) else normalized


def junk_phone(digits: str) -> bool:
    """Digits that are no one's number: too short, one digit repeated, or counting up."""
    return len(digits) < 6 or _REPEATED.match(digits) is not None or digits in _COUNTING


@lru_cache(maxsize=_REMEMBERED)
def normalize_phone(raw: str, default_region: str | None = None) -> str | None:
    """E.164 when the number is a possible one of its country; None otherwise (also for the
    junk of junk_phone). The exact-key path and the matcher read numbers through this."""
    text = (raw or "").strip()
    if not text or len(text) > 64:
        return None
    digits = re.sub(r"\D", "", text)
    if junk_phone(digits):
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
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164 if 8 <= len(e164) - 1 <= 15 else None
