"""One normalizer for contact data (issue #13): the exact-key path (identity keys of a
reservation's guest) and the matcher give the same verdict and the same key for every email
and phone, with one list of placeholders and relay domains."""

from __future__ import annotations

import pytest

from guestcrm.schemas.reservation import CanonicalEmail, CanonicalGuest, CanonicalPhone
from guestcrm.services.identity.keys import guest_keys
from guestcrm.services.identity.matching.contacts import canonical_email, canonical_phone


def exact_email_key(address: str) -> str | None:
    guest = CanonicalGuest(first_name="Anna", last_name="Huber",
                           emails=[CanonicalEmail(address)])
    keys = guest_keys(guest, "opentravel", "DE").identifying_emails
    return keys[0] if keys else None


def exact_phone_key(number: str, region: str = "DE") -> str | None:
    guest = CanonicalGuest(first_name="Anna", last_name="Huber", phones=[CanonicalPhone(number)])
    phones = guest_keys(guest, "opentravel", region).phones
    return phones[0][1] if phones else None


@pytest.mark.parametrize("address, key", [
    ("guest@hotel.de", None),
    ("nobody@web.de", None),
    ("unknown@gmx.at", None),
    ("noemail@x.com", None),
    ("xxx@gmail.com", None),
    ("anna@example.com", None),
    ("4kq2x9@guest.booking.com", None),
    ("a7c2@m.expediapartnercentral.com", None),
    ("J.Smith+hotel@gmail.com", "jsmith@gmail.com"),
    ("jsmith@googlemail.com", "jsmith@gmail.com"),
    ("mailto:Anna.Huber@Mail.AT", "anna.huber@mail.at"),
    ("anna.huber+spa@mail.at", "anna.huber@mail.at"),
    ("not an address", None),
])
def test_both_paths_read_an_email_the_same_way(address, key):
    assert exact_email_key(address) == key
    assert canonical_email(address) == key


@pytest.mark.parametrize("number, region, key", [
    ("+49 30 1234567", "DE", "+49301234567"),
    ("0049301234567", "DE", "+49301234567"),
    ("030 1234567", "DE", "+49301234567"),
    ("123456", "DE", None),
    ("000000", "AT", None),
    ("1111111111", "DE", None),
    ("+43 1", "AT", None),
])
def test_both_paths_read_a_phone_the_same_way(number, region, key):
    assert exact_phone_key(number, region) == key
    assert canonical_phone(number, region) == key


def test_a_number_without_any_country_is_no_exact_key_but_the_matcher_keeps_its_digits():
    assert exact_phone_key("0664 1234567", region=None) is None
    assert canonical_phone("0664 1234567", None) == "#6641234567"
