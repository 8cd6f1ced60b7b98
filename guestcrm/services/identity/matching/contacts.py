"""Contact details in canonical form: email, phone, birth date, address, locale, loyalty id."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import phonenumbers

from guestcrm.services.identity.contacts import (
    RELAY_EMAIL_DOMAINS,
    identity_email,
    junk_phone,
    normalize_phone,
)

from .names import fold

# Channel relay addresses change with every reservation and are never the guest's own; the one
# list lives with the ingest path's email normalization.
DEFAULT_RELAY_DOMAINS: tuple[str, ...] = RELAY_EMAIL_DOMAINS
_REPEATED = re.compile(r"^(.)\1*$")
_DOB_YMD = re.compile(r"^(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})$")
_DOB_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_STREET_WORDS = {
    "st": "street", "str": "strasse", "rd": "road", "ave": "avenue", "av": "avenue",
    "dr": "drive", "ln": "lane", "ct": "court", "crt": "court", "pl": "place", "cres": "crescent",
    "cr": "crescent", "blvd": "boulevard", "hwy": "highway", "sq": "square", "tce": "terrace",
    "pde": "parade", "cct": "circuit", "apt": "", "flat": "", "unit": "", "no": "", "nr": "",
    "g": "gasse", "pza": "piazza", "vle": "viale", "c": "calle",
}
_COUNTRIES = {
    "germany": "de", "deutschland": "de", "austria": "at", "osterreich": "at", "switzerland": "ch",
    "schweiz": "ch", "suisse": "ch", "italy": "it", "italia": "it", "france": "fr", "spain": "es",
    "espana": "es", "united kingdom": "gb", "great britain": "gb", "england": "gb", "uk": "gb",
    "united states": "us", "usa": "us", "united states of america": "us", "netherlands": "nl",
    "russia": "ru", "greece": "gr", "australia": "au", "canada": "ca", "china": "cn",
    "japan": "jp", "poland": "pl", "portugal": "pt", "belgium": "be", "sweden": "se",
}
_LANGUAGES = {
    "english": "en", "german": "de", "deutsch": "de", "italian": "it", "italiano": "it",
    "french": "fr", "francais": "fr", "spanish": "es", "espanol": "es", "dutch": "nl",
    "russian": "ru", "greek": "el", "chinese": "zh", "japanese": "ja", "polish": "pl",
}


def canonical_email(
    raw: str | None, relay_domains: tuple[str, ...] = DEFAULT_RELAY_DOMAINS
) -> str | None:
    """The guest's own address in one spelling, or None when it is no evidence of identity
    (relay addresses of booking channels, placeholders typed by staff): the exact-key path's
    verdict and spelling (services/identity/contacts.py)."""
    return identity_email(raw, relay_domains)


def phone_region(country: str | None, default_region: str | None = None) -> str | None:
    """ISO region for parsing national numbers: the record's country, else the property's."""
    code = country_code(country)
    if code and code.upper() in phonenumbers.SUPPORTED_REGIONS:
        return code.upper()
    return default_region


_NON_DIGIT = re.compile(r"\D")


def canonical_phone(raw: str | None, region: str | None = None) -> str | None:
    """E.164 as the exact-key path reads it (services/identity/contacts.py); a number that
    cannot be placed (no country, no region) keeps its significant digits, marked '#', and is
    compared by its tail; None for junk."""
    if not raw:
        return None
    placed = normalize_phone(raw, region)
    if placed is not None:
        return placed
    digits = _NON_DIGIT.sub("", raw)
    if junk_phone(digits) or raw.strip().startswith(("+", "00")):
        return None
    significant = digits.lstrip("0")
    return "#" + significant if len(significant) >= 6 else None


def parse_birth_date(raw: str | None, arrival: str | None = None) -> str | None:
    """'YYYYMMDD', or 'YYYY0000' when only the year is known; None when absent or absurd.

    Calendar-impossible days (typos such as 19560431) are kept: they still match their
    original within one edit. Defaults such as 1900-01-01 and the arrival date are dropped.
    """
    if not raw:
        return None
    text = raw.strip()[:10].strip()
    year = month = day = 0
    if m := _DOB_YMD.match(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := _DOB_DMY.match(text):
        day, month, year = (int(g) for g in m.groups())
        if month > 12 >= day:  # US order
            day, month = month, day
    elif text.isdigit() and len(text) == 4:
        year = int(text)
    else:
        return None
    today = dt.date.today()
    if not 1900 < year <= today.year:
        return None
    if month > 12 >= day and day > 0:  # year-day-month
        day, month = month, day
    if not 0 <= month <= 12 or not 0 <= day <= 31 or (month == 0) != (day == 0):
        return None
    dob = f"{year:04d}{month:02d}{day:02d}"
    if month and day:
        try:
            born = dt.date(year, month, day)
        except ValueError:
            return dob
        if born > today:
            return None
        if arrival and arrival.strip()[:10].replace("-", "") == dob:
            return None
    return dob


@lru_cache(maxsize=262_144)
def canonical_street(raw: str | None) -> str | None:
    """Folded street with the usual abbreviations spelled out; house numbers kept."""
    if not raw:
        return None
    words = [_STREET_WORDS.get(w, w) for w in fold(raw).split()]
    text = " ".join(w for w in words if w).replace("strasse", " strasse")
    return " ".join(text.split()) or None


def canonical_postal(raw: str | None) -> str | None:
    if not raw:
        return None
    code = re.sub(r"[^0-9A-Za-z]", "", raw).upper()
    return None if not code or _REPEATED.match(code) else code


def canonical_city(raw: str | None) -> str | None:
    return fold(raw) or None if raw else None


def country_code(raw: str | None) -> str | None:
    """Lowercase ISO-3166 alpha-2 where recognisable, else the folded name."""
    if not raw:
        return None
    text = fold(raw)
    if not text:
        return None
    return _COUNTRIES.get(text, text)


def language_code(raw: str | None) -> str | None:
    """'de-AT', 'de_DE', 'German' -> 'de'."""
    if not raw:
        return None
    text = fold(raw.replace("_", "-"))
    if not text:
        return None
    if text in _LANGUAGES:
        return _LANGUAGES[text]
    head = text.split()[0]
    return head[:2] if len(head) in (2, 3) or "-" in raw else head


def canonical_loyalty(raw: str | None) -> str | None:
    if not raw:
        return None
    code = re.sub(r"[^0-9A-Za-z]", "", raw).upper().lstrip("0")
    return code if len(code) >= 3 and not _REPEATED.match(code) else None
