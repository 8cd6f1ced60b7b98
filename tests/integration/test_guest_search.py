"""Guest search on PostgreSQL: every kind of key, names with accents and typos, and the staff
member's hotels as the limit of what is found."""

from __future__ import annotations

from datetime import date

import pytest

from guestcrm.models import GuestProfile
from guestcrm.services.guests.search import recent_guests, search_guests
from guestcrm.services.ingest.reservations import ingest_reservation
from tests.builders import reservation
from tests.factories import PropertyFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def hotels(db_session):
    berlin = PropertyFactory(code="BER", country="DE")
    vienna = PropertyFactory(code="VIE", country="AT")
    return {"BER": berlin.id, "VIE": vienna.id}


def book(session, external_id: str, hotel: str = "BER", **guest) -> GuestProfile:
    stay = ingest_reservation(session, reservation(external_id, property_code=hotel,
                                                   **guest)).stay
    session.flush()
    return session.get(GuestProfile, stay.profile_id)


def found(session, query: str, allowed: set[int] | None = None) -> list[int]:
    return [hit.profile_id for hit in search_guests(session, query, allowed)]


def test_a_name_is_found_with_or_without_its_accents_and_in_either_order(db_session, hotels):
    muller = book(db_session, "R1", first_name="Jürgen", last_name="Müller", email=None)
    book(db_session, "R2", first_name="Anna", last_name="Huber", email=None)
    for query in ("Jürgen Müller", "jurgen muller", "Juergen Mueller", "MÜLLER", "muller jurgen"):
        assert found(db_session, query)[:1] == [muller.id], query


def test_a_name_with_a_typo_is_found(db_session, hotels):
    schmidt = book(db_session, "R1", first_name="Katharina", last_name="Schmidt", email=None)
    assert schmidt.id in found(db_session, "Schmdit")
    assert schmidt.id in found(db_session, "Katharnia Schmidt")


def test_a_name_in_another_script_is_found_by_its_latin_spelling(db_session, hotels):
    ivanova = book(db_session, "R1", first_name="Мария", last_name="Иванова", email=None)
    assert found(db_session, "maria ivanova") == [ivanova.id]


def test_an_email_is_found_in_any_spelling_of_the_same_mailbox(db_session, hotels):
    guest = book(db_session, "R1", email="J.Smith+hotel@googlemail.com", last_name="Smith")
    assert found(db_session, "jsmith@gmail.com") == [guest.id]
    assert found(db_session, "  J.SMITH@gmail.com ") == [guest.id]
    assert search_guests(db_session, "jsmith@gmail.com", None)[0].matched_by == "email"


def test_a_phone_is_found_as_locals_write_it_and_with_its_country_code(db_session, hotels):
    guest = book(db_session, "R1", phone="+49 30 1234567", email=None)
    for query in ("030 1234567", "030/123 45 67", "+49301234567", "0049 30 1234567"):
        assert found(db_session, query, {hotels["BER"]}) == [guest.id], query


def test_a_loyalty_number_and_a_reservation_number_find_their_guest(db_session, hotels):
    guest = book(db_session, "ABC-778", loyalty="CLUB-99812", email=None)
    assert found(db_session, "CLUB-99812") == [guest.id]
    assert found(db_session, "club-99812") == [guest.id]
    assert found(db_session, "ABC-778") == [guest.id]
    hits = search_guests(db_session, "ABC-778", None)
    assert hits[0].matched_by == "reservation"


def test_every_room_of_a_multi_room_reservation_is_found_by_its_number(db_session, hotels):
    first = book(db_session, "G-100", first_name="Ida", last_name="Roth", email=None)
    second = book(db_session, "G-100#2", first_name="Ole", last_name="Roth", email=None)
    assert set(found(db_session, "G-100")) == {first.id, second.id}


def test_a_company_is_found(db_session, hotels):
    guest = book(db_session, "R1", first_name="Eva", last_name="Lang", email=None)
    guest.company = "Zürcher Versicherungen AG"
    db_session.flush()
    assert found(db_session, "zurcher versicherungen") == [guest.id]


def test_another_hotels_guest_is_not_found_by_any_key(db_session, hotels):
    book(db_session, "V-1", hotel="VIE", first_name="Theresia", last_name="Oberhuber",
         email="theresia@mail.test", phone="+43 1 5551234", loyalty="CLUB-4711")
    mine = {hotels["BER"]}
    for query in ("Theresia Oberhuber", "theresia@mail.test", "+43 1 5551234", "CLUB-4711",
                  "V-1"):
        assert found(db_session, query, mine) == [], query
        assert len(found(db_session, query, {hotels["VIE"]})) == 1, query


def test_a_companion_on_a_room_at_my_hotel_is_found(db_session, hotels):
    ingest_reservation(db_session, reservation("R1", property_code="BER", guests=[
        {"first_name": "Lea", "last_name": "Vogt"},
        {"first_name": "Tom", "last_name": "Brandstetter", "primary": False}]))
    db_session.flush()
    assert len(found(db_session, "Tom Brandstetter", {hotels["BER"]})) == 1


def test_a_profile_merged_into_another_is_not_listed(db_session, hotels):
    guest = book(db_session, "R1", first_name="Nora", last_name="Albrecht", email=None)
    twin = book(db_session, "R2", first_name="Nora", last_name="Albrecht", email=None)
    twin.merged_into_id = guest.id
    db_session.flush()
    assert twin.id not in found(db_session, "Nora Albrecht")


def test_an_empty_or_too_short_query_finds_no_one(db_session, hotels):
    book(db_session, "R1", first_name="Al", last_name="Bo", email=None)
    assert found(db_session, "   ") == []
    assert found(db_session, "al") == []


def test_the_guest_list_shows_the_latest_arrivals_at_my_hotels_only(db_session, hotels):
    old = book(db_session, "R1", first_name="Old", last_name="Guest", arrival=date(2025, 1, 5))
    new = book(db_session, "R2", first_name="New", last_name="Guest", arrival=date(2025, 3, 5))
    book(db_session, "R3", hotel="VIE", first_name="Far", last_name="Away",
         arrival=date(2025, 3, 6))
    listed = [h.profile_id for h in recent_guests(db_session, {hotels["BER"]}, date(2025, 4, 1))]
    assert listed == [new.id, old.id]


def test_the_embedded_sqlite_database_finds_names_with_accents_and_typos(sqlite_app):
    from guestcrm.extensions import db

    with sqlite_app.app_context():
        PropertyFactory(code="BER", country="DE")
        guest = book(db.session, "R1", first_name="Jürgen", last_name="Müller",
                     phone="+49 30 1234567")
        db.session.commit()
        for query in ("jurgen muller", "Mueller", "Jürgen Mülller", "030 1234567"):
            assert found(db.session, query) == [guest.id], query
