"""Delivery-order cases the reliability test found, each reduced to two or three deliveries.

Each test delivers the same versions in both orders (into a rolled-back session) and compares.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from guestcrm.models import ContactPoint, GuestProfile, Preference, Stay
from guestcrm.services.ingest.reservations import ingest_reservation
from tests.builders import reservation

NON_SMOKING = [{"key": "smoking", "value": "non_smoking", "source": "comment"}]


def deliver(session, versions) -> None:
    for version in versions:
        ingest_reservation(session, version)
    session.flush()


def both_orders(db_session, versions, read):
    """What `read` sees after delivering `versions` in order, and in reverse order."""
    seen = []
    for order in (versions, list(reversed(versions))):
        savepoint = db_session.begin_nested()
        deliver(db_session, order)
        seen.append(read(db_session))
        savepoint.rollback()
    return seen


def test_a_booking_delivered_after_its_bare_cancellation_still_counts_its_preferences(db_session):
    earlier_stay = reservation("S0", preferences=NON_SMOKING,
                               modified_at="2025-01-01T10:00:00+00:00")
    deliver(db_session, [earlier_stay])
    booking = reservation("S1", preferences=NON_SMOKING, modified_at="2025-02-01T10:00:00+00:00")
    cancel = reservation("S1", status="cancelled", guests=[], dates=False, amount=None,
                         modified_at="2025-02-03T10:00:00+00:00")

    def times_seen(session):
        return session.scalar(select(Preference.times_seen))

    in_order, reversed_order = both_orders(db_session, [booking, cancel], times_seen)
    assert in_order == 2  # two stays said "non-smoking"
    assert reversed_order == in_order


def test_an_older_delivery_still_gives_the_newsletter_answer_a_newer_one_left_out(db_session):
    answered = reservation("S1", guests=[{"first_name": "Anna", "last_name": "Huber", "emails": [
        {"address": "anna@mail.test", "marketing_consent": False}]}],
        modified_at="2025-01-01T10:00:00+00:00")
    silent = reservation("S2", modified_at="2025-03-01T10:00:00+00:00", email="anna@mail.test")

    def consent(session):
        return session.scalar(select(ContactPoint.marketing_consent))

    in_order, reversed_order = both_orders(db_session, [answered, silent], consent)
    assert in_order is False
    assert reversed_order == in_order


def test_a_cancellation_that_names_no_channel_keeps_the_booking_channel(db_session):
    booking = reservation("S1", channel="ota", channel_name="booking.com",
                          modified_at="2025-02-01T10:00:00+00:00")
    cancel = reservation("S1", status="cancelled", guests=[], dates=False, amount=None,
                         channel="other", modified_at="2025-02-03T10:00:00+00:00")
    deliver(db_session, [booking, cancel])
    stay = db_session.scalar(select(Stay))
    assert (stay.status, stay.channel, stay.channel_name) == ("cancelled", "ota", "booking.com")
    profile = db_session.get(GuestProfile, stay.profile_id)
    assert profile.cancellations == 1 and profile.spend == Decimal("0")
