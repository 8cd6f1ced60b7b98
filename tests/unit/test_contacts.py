"""Email and phone normalization without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guestcrm.services.identity.contacts import (
    is_placeholder_email,
    is_relay_email,
    normalize_email,
    normalize_phone,
)


def test_an_email_is_lower_cased_and_trimmed():
    assert normalize_email("  Otto.Mustermann@Example.COM ") == "otto.mustermann@example.com"


@pytest.mark.parametrize(
    "raw", ["", "no at sign", "a@", "@b.com", "a b@c.com", "x" * 400 + "@a.com"]
)
def test_something_that_is_not_an_email_normalizes_to_nothing(raw):
    assert normalize_email(raw) is None


@pytest.mark.parametrize(
    "address",
    [
        "5xk2@guest.booking.com",
        "abc@m.expediapartnercentral.com",
        "q@guest.airbnb.com",
        "r@agoda-messaging.com",
        "s@guest.trip.com",
    ],
)
def test_ota_relay_addresses_are_recognised(address):
    assert is_relay_email(address)


def test_a_hotel_guest_address_is_not_a_relay():
    assert not is_relay_email("anna@booking.com.example.org")


def test_placeholders_front_desks_type_are_recognised():
    assert is_placeholder_email("noemail@hotel.at") and not is_placeholder_email("anna@hotel.at")


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+4934567891", None, "+4934567891"),
        ("0049 30 1234567", None, "+49301234567"),
        ("(724) 555-4321", "US", "+17245554321"),
        ("0660 1234567", "AT", "+436601234567"),
    ],
)
def test_phones_become_e164(raw, region, expected):
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize("raw", ["", "12", "call me", "0660 1234567"])
def test_phones_that_do_not_parse_or_lack_a_country_normalize_to_nothing(raw):
    assert normalize_phone(raw, None) is None


@given(st.text(max_size=80))
def test_normalization_never_raises(text):
    normalize_email(text)
    normalize_phone(text, "DE")
