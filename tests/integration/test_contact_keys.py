"""Exact identity keys use the one contact spelling (issue #13): a guest who writes their Gmail
address with dots or a +tag stays one guest; a placeholder address joins no one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from guestcrm.models import GuestProfile
from guestcrm.services.ingest.reservations import ingest_reservation
from tests.builders import reservation

pytestmark = pytest.mark.integration


def profiles(session) -> int:
    return session.scalar(select(func.count()).select_from(GuestProfile)
                          .where(GuestProfile.merged_into_id.is_(None)))


def test_gmail_dots_and_a_plus_tag_are_the_same_guest(db_session):
    ingest_reservation(db_session, reservation("R1", email="Anna.Huber@gmail.com"))
    ingest_reservation(db_session, reservation("R2", email="annahuber+spa@googlemail.com"))
    assert profiles(db_session) == 1


def test_a_placeholder_address_joins_no_two_guests(db_session):
    ingest_reservation(db_session, reservation("R1", email="guest@hotel.de"))
    ingest_reservation(db_session, reservation("R2", first_name="Anna", last_name="Berger",
                                               email="guest@hotel.de"))
    assert profiles(db_session) == 2


def test_an_api_look_up_by_a_placeholder_address_finds_no_one(db_session):
    from guestcrm.services.identity.lookup import find_by_email

    ingest_reservation(db_session, reservation("R1", email="guest@hotel.de"))
    ingest_reservation(db_session, reservation("R2", email="J.Smith+x@gmail.com"))
    assert find_by_email(db_session, "guest@hotel.de") == []
    assert len(find_by_email(db_session, "jsmith@googlemail.com")) == 1
