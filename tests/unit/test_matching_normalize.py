"""Normalization of names, emails, phones and birth dates for identity matching."""

from __future__ import annotations

from dataclasses import fields

import pytest

from guestcrm.services.identity.matching import RECORD_FIELDS, GuestRecord, normalize
from guestcrm.services.identity.matching.blocking import blocking_keys
from guestcrm.services.identity.matching.contacts import (
    canonical_email,
    canonical_phone,
    parse_birth_date,
)
from guestcrm.services.identity.matching.names import (
    are_nicknames,
    fold,
    name_phonetic_pair,
    parse_name,
    phonetic,
)


def test_the_guest_record_has_exactly_the_fields_of_the_cli_contract():
    assert tuple(f.name for f in fields(GuestRecord)) == RECORD_FIELDS
    assert RECORD_FIELDS == (
        "record_id", "source", "first_name", "last_name", "email", "phone", "birth_date",
        "street", "city", "postal_code", "country", "language", "loyalty_id", "arrival",
    )


def test_a_record_from_json_turns_numbers_into_text_and_rejects_a_missing_id():
    rec = GuestRecord.from_mapping({"record_id": 7, "phone": 4930123456, "postal_code": 1010})
    assert (rec.record_id, rec.phone, rec.postal_code) == ("7", "4930123456", "1010")
    with pytest.raises(ValueError):
        GuestRecord.from_mapping({"first_name": "Anna"})
    with pytest.raises(ValueError):
        GuestRecord.from_mapping({"record_id": "1", "first_name": ["Anna"]})


def test_names_are_transliterated_and_stripped_of_case_and_diacritics():
    assert fold("  MÜLLER-Lüdenscheidt ") == "muller ludenscheidt"
    assert fold("Иванов") == "ivanov"
    assert fold("Παπαδόπουλος") == "papadopoulos"
    assert fold("Anna 🌸") == "anna"


def test_mueller_and_muller_sound_the_same():
    assert phonetic(fold("Müller")) == phonetic(fold("Mueller")) == phonetic("muller")


def test_titles_are_dropped_and_generational_suffixes_kept_as_a_feature():
    name = parse_name("Dr. John", "Smith Jr.")
    assert (name.given, name.last, name.suffix) == ("john", "smith", "jr")
    assert parse_name("Robert", "Brown Senior").suffix == "sr"
    assert parse_name("Mr", "Jones").given is None


def test_placeholder_names_are_no_names():
    assert parse_name("Guest", "Unknown").given is None
    assert parse_name("Guest", "Unknown").last is None


def test_nicknames_relate_to_their_full_names_but_not_across_different_names():
    assert are_nicknames("bill", "william")
    assert are_nicknames("liz", "elizabeth")
    assert not are_nicknames("christopher", "christine")


def test_gmail_dots_and_plus_tags_do_not_make_another_address():
    assert canonical_email("John.Smith+hotel@GoogleMail.com") == "johnsmith@gmail.com"
    assert canonical_email("j.smith+x@web.de") == "j.smith@web.de"


@pytest.mark.parametrize("relay", [
    "anna.123@guest.booking.com", "x9@m.expediapartnercentral.com", "a@guest.airbnb.com",
    "b@agoda-messaging.com", "c@guest.trip.com",
])
def test_ota_relay_addresses_are_never_evidence(relay):
    assert canonical_email(relay) is None


@pytest.mark.parametrize("placeholder", [
    "noemail@hotel.com", "no@email.com", "none@none.com", "x@x.com", "test@example.com",
    "not an email", "",
])
def test_placeholder_and_malformed_emails_are_no_evidence(placeholder):
    assert canonical_email(placeholder) is None


def test_phones_are_read_with_the_country_of_the_record():
    assert canonical_phone("030 1234567", "DE") == "+49301234567"
    assert canonical_phone("0049 30 1234567", None) == "+49301234567"
    assert canonical_phone("+49 (30) 123-4567", "FR") == "+49301234567"


@pytest.mark.parametrize("junk", ["abc", "123", "000000", "123456", "", None])
def test_unparseable_phones_become_none(junk):
    assert canonical_phone(junk, "DE") is None


def test_a_national_phone_without_any_country_keeps_its_digits():
    assert canonical_phone("0301234567", None) == "#301234567"


@pytest.mark.parametrize(("raw", "expected"), [
    ("1985-03-12", "19850312"), ("12.03.1985", "19850312"), ("19850312", "19850312"),
    ("03/25/1985", "19850325"), ("1985", "19850000"), ("1985-03-12T00:00:00", "19850312"),
])
def test_birth_dates_are_read_in_common_formats(raw, expected):
    assert parse_birth_date(raw) == expected


@pytest.mark.parametrize("absurd", [
    "1900-01-01", "0001-01-01", "2091-13-45", "3000-01-01", "n/a", "00.00.0000", "yesterday",
])
def test_absurd_birth_dates_are_dropped(absurd):
    assert parse_birth_date(absurd) is None


def test_a_birth_date_equal_to_the_arrival_date_is_a_typing_slip():
    assert parse_birth_date("2024-05-01", arrival="2024-05-01") is None


def test_a_record_of_nothing_but_noise_normalizes_to_nothing():
    rec = normalize(GuestRecord("r1", first_name="😀", last_name=" ", email="x", phone="n/a",
                                birth_date="??", street="", country="Atlantis"))
    assert (rec.given, rec.last, rec.email, rec.phone, rec.birth_date, rec.street) == (
        None, None, None, None, None, None)


def test_stored_match_records_are_the_set_fields_of_each_record():
    """records_to_json gives what asdict did (rows stored before it changed still compare
    equal), and records_from_json reads it back."""
    from dataclasses import asdict

    from guestcrm.services.identity.match_index import records_from_json, records_to_json
    from guestcrm.services.identity.matching import GuestRecord

    records = [GuestRecord(record_id="p1", first_name="Anna", email=None, city="Wien",
                           arrival="2026-01-02"),
               GuestRecord(record_id="p1:2")]
    as_json = records_to_json(records)
    assert as_json == [{k: v for k, v in asdict(r).items() if v is not None} for r in records]
    assert [list(row) for row in as_json] == [["record_id", "first_name", "city", "arrival"],
                                             ["record_id"]]
    assert records_from_json(as_json) == records


@pytest.mark.parametrize("first, last", [
    ("Katharina", "Müller"), ("Katharina", "Mueller"), ("Müller", "Katharina"),
    ("Dr. Katharina", "Müller"), ("KATHARINA", "müller"),
])
def test_the_name_lock_pair_is_what_the_name_blocking_key_holds(first, last):
    # Batches lock the guest's name by this pair (services/identity.GuestKeys.lock_names); it
    # must agree with the 'n:' key the fuzzy search looks candidates up by.
    pair = name_phonetic_pair(first, last)
    assert pair == name_phonetic_pair("Katharina", "Müller")
    keys = blocking_keys(normalize(GuestRecord(record_id="1", first_name=first, last_name=last)))
    assert "n:" + pair in keys


@pytest.mark.parametrize("first, last", [
    ("K.", "Müller"), (None, "Müller"), ("Katharina", None), ("", ""), ("🙂", "🙂"),
])
def test_no_name_lock_pair_without_a_given_name_and_a_surname(first, last):
    assert name_phonetic_pair(first, last) is None
