"""Ingest on PostgreSQL: idempotent, order-safe, counters right, exact identity."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from guestcrm.models import GuestProfile, Stay, StayVersion
from guestcrm.services.ingest.reservations import ingest_reservation
from tests.builders import reservation


def live_profiles(session):
    return session.scalars(select(GuestProfile).where(GuestProfile.merged_into_id.is_(None))).all()


def test_a_reservation_creates_a_stay_and_a_profile(db_session):
    outcome = ingest_reservation(db_session, reservation("R1"))
    stay = outcome.stay
    assert (stay.status, stay.nights, stay.amount) == ("confirmed", 2, Decimal("200.00"))
    profile = db_session.get(GuestProfile, stay.profile_id)
    assert (profile.first_name, profile.last_name) == ("Anna", "Huber")
    assert [c.value_normalized for c in profile.contacts] == ["anna.huber@mail.test"]
    assert (
        profile.completed_stays == 1 and profile.nights == 2 and profile.spend == Decimal("200.00")
    )


def test_a_duplicate_delivery_changes_nothing(db_session):
    ingest_reservation(db_session, reservation("R1"))
    again = ingest_reservation(db_session, reservation("R1"))
    assert not again.applied
    assert db_session.scalar(select(func.count()).select_from(Stay)) == 1
    assert db_session.scalar(select(func.count()).select_from(StayVersion)) == 1


def test_an_older_version_after_a_newer_one_does_not_win(db_session):
    newer = reservation("R1", nights=5, modified_at="2026-01-02T10:00:00+00:00", room_type="SUITE")
    older = reservation("R1", nights=2, modified_at="2026-01-01T10:00:00+00:00", room_type="DBL")
    ingest_reservation(db_session, newer)
    ingest_reservation(db_session, older)
    stay = db_session.scalar(select(Stay))
    assert (stay.nights, stay.room_type) == (5, "SUITE")


def test_a_cancellation_keeps_the_stay_and_its_history(db_session):
    ingest_reservation(db_session, reservation("R1"))
    cancel = reservation(
        "R1", status="cancelled", modified_at="2026-01-03T00:00:00+00:00", guests=[]
    )
    ingest_reservation(db_session, cancel)
    stay = db_session.scalar(select(Stay))
    assert stay.status == "cancelled" and stay.profile_id is not None and stay.nights == 2
    profile = db_session.get(GuestProfile, stay.profile_id)
    assert (profile.completed_stays, profile.cancellations, profile.spend) == (0, 1, Decimal("0"))
    history = db_session.scalars(select(StayVersion.status).order_by(StayVersion.id)).all()
    assert history == ["confirmed", "cancelled"]


def test_every_delivery_order_converges_on_the_same_stay(app, db_session):
    versions = [
        reservation("R9", nights=2, modified_at="2026-01-01T00:00:00+00:00", email="a@mail.test"),
        reservation(
            "R9",
            nights=3,
            modified_at="2026-01-02T00:00:00+00:00",
            email="b@mail.test",
            room_type="DBL",
        ),
        reservation(
            "R9",
            status="cancelled",
            modified_at="2026-01-03T00:00:00+00:00",
            guests=[],
            dates=False,
            amount=None,
        ),
    ]
    results = set()
    for order in itertools.permutations(versions):
        nested = db_session.begin_nested()
        for version in order:
            ingest_reservation(db_session, version)
        stay = db_session.scalar(select(Stay).where(Stay.external_id == "R9"))
        profile = db_session.get(GuestProfile, stay.profile_id)
        emails = tuple(sorted(c.value_normalized for c in profile.contacts))
        results.add(
            (stay.status, stay.nights, stay.room_type, emails, len(live_profiles(db_session)))
        )
        nested.rollback()
    assert results == {("cancelled", 3, "DBL", ("a@mail.test", "b@mail.test"), 1)}


def test_the_same_email_at_two_hotels_is_one_profile(db_session):
    ingest_reservation(db_session, reservation("R1", property_code="H1"))
    ingest_reservation(
        db_session, reservation("R2", property_code="H2", email="Anna.Huber@MAIL.test")
    )
    (profile,) = live_profiles(db_session)
    assert profile.completed_stays == 2


def test_an_ota_relay_address_is_never_an_identity_key(db_session):
    relay = "x1y2z3@guest.booking.com"
    ingest_reservation(db_session, reservation("R1", first_name="Anna", email=relay))
    ingest_reservation(
        db_session, reservation("R2", first_name="Anna", last_name="Other", email=relay)
    )
    profiles = live_profiles(db_session)
    assert len(profiles) == 2
    assert all(c.is_relay for p in profiles for c in p.contacts)


def test_a_phone_links_only_when_the_name_is_the_same(db_session):
    ingest_reservation(db_session, reservation("R1", email=None, phone="+43 660 1234567"))
    ingest_reservation(db_session, reservation("R2", email=None, phone="+436601234567"))
    ingest_reservation(
        db_session, reservation("R3", email=None, first_name="Max", phone="+436601234567")
    )
    assert sorted(p.first_name for p in live_profiles(db_session)) == ["Anna", "Max"]


def test_keys_that_join_two_profiles_merge_them(db_session):
    ingest_reservation(db_session, reservation("R1", email="anna@mail.test", phone=None))
    ingest_reservation(db_session, reservation("R2", email=None, phone="+436601234567"))
    assert len(live_profiles(db_session)) == 2
    ingest_reservation(db_session, reservation("R3", email="anna@mail.test", phone="+436601234567"))
    (profile,) = live_profiles(db_session)
    assert profile.completed_stays == 3
    assert {c.kind for c in profile.contacts} == {"email", "phone"}


def test_a_loyalty_number_links_guests_without_email(db_session):
    ingest_reservation(db_session, reservation("R1", email=None, loyalty="L-77"))
    ingest_reservation(db_session, reservation("R2", email=None, first_name="A.", loyalty="L-77"))
    assert len(live_profiles(db_session)) == 1


def test_future_stays_are_upcoming_not_completed(db_session):
    soon = date.today() + timedelta(days=10)
    ingest_reservation(db_session, reservation("R1", arrival=soon))
    (profile,) = live_profiles(db_session)
    assert (profile.completed_stays, profile.upcoming_stays, profile.spend) == (0, 1, Decimal("0"))


def test_companions_share_the_stay_but_not_the_spend(db_session):
    guests = [
        {
            "primary": True,
            "first_name": "Anna",
            "last_name": "Huber",
            "emails": [{"address": "a@mail.test"}],
        },
        {
            "primary": False,
            "first_name": "Ben",
            "last_name": "Huber",
            "emails": [{"address": "b@mail.test"}],
        },
    ]
    ingest_reservation(db_session, reservation("R1", guests=guests))
    by_name = {p.first_name: p for p in live_profiles(db_session)}
    assert by_name["Anna"].spend == Decimal("200.00") and by_name["Ben"].spend == Decimal("0")
    assert by_name["Ben"].completed_stays == 1


def test_newer_guest_data_wins_per_field_in_any_order(db_session):
    old = reservation("R1", modified_at="2026-01-01T00:00:00+00:00", last_name="Huber")
    new = reservation("R2", modified_at="2026-02-01T00:00:00+00:00", last_name="Huber-Berg")
    ingest_reservation(db_session, new)
    ingest_reservation(db_session, old)
    (profile,) = live_profiles(db_session)
    assert profile.last_name == "Huber-Berg"
