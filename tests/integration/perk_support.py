"""Offers, guests and stays for the perk tests."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from guestcrm.models import Property, Stay
from guestcrm.services.ingest.reservations import ingest_reservation
from guestcrm.services.perks.offers import OfferScope, change_status, save_offer
from tests.builders import reservation

GROUP = OfferScope(None)


def publish_offer(session, **values):
    data = {"name": "Late check-out on your 2nd stay", "perk_type": "late_checkout",
            "guest_text": "Stay until 2 pm on us.", "rule": {"nth_stay": 2}} | values
    offer = save_offer(session, data, GROUP, actor="test")
    return change_status(session, offer.id, "publish", GROUP, actor="test")


def guest(first="Anna", last="Huber", email="anna.huber@mail.test", consent=True) -> list[dict]:
    return [{"first_name": first, "last_name": last,
             "emails": [{"address": email, "marketing_consent": consent}]}]


def stay(session, external_id, *, ago: int = 3, nights: int = 2, status="checked_out",
         hotel="H1", who=None, channel="direct", arrival: date | None = None) -> Stay:
    """A stay that departed `ago` days before today (or arrives on `arrival`)."""
    arrival = arrival or date.today() - timedelta(days=ago + nights)
    ingested = ingest_reservation(session, reservation(
        external_id, status=status, property_code=hotel, arrival=arrival, nights=nights,
        channel=channel, guests=who or guest()))
    session.commit()
    return ingested.stay


def hotel_id(session, code: str) -> int:
    return session.scalar(select(Property.id).where(Property.code == code))
