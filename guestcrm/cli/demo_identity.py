"""What the demo shows of identity resolution: a matcher trained on the demo guests, a few
guests booking again under another spelling (through the real ingest: the matcher merges one
and asks staff about the others), and a message that could not be read (in the admin inbox)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from anyascii import anyascii
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.registry import get_connector
from guestcrm.models import (
    ContactPoint,
    GuestProfile,
    InboxEvent,
    MatchModelRow,
    MergeRecord,
    Property,
    ReviewTask,
)
from guestcrm.schemas.reservation import load_reservation
from guestcrm.services.identity.dedupe import re_resolve
from guestcrm.services.ingest.inbox import accept_message
from guestcrm.services.ingest.processing import process_inbox_event
from guestcrm.services.ingest.reservations import ingest_reservation

# A reservation the channel manager sent without its dates: accepted at the door (well-formed
# XML), failed when processed, kept in the inbox with the reason, replayable.
BROKEN = (b'<?xml version="1.0"?><OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/'
          b'05" EchoToken="demo-broken" Version="1.0"><HotelReservations><HotelReservation '
          b'ResStatus="Commit"><UniqueID Type="14" ID="DEMO-BROKEN-1"/><RoomStays><RoomStay>'
          b'<BasicPropertyInfo HotelCode="ALP1"/></RoomStay></RoomStays><ResGuests><ResGuest>'
          b'<Profiles><ProfileInfo><Profile><Customer><PersonName><GivenName>Broken</GivenName>'
          b'<Surname>Message</Surname></PersonName></Customer></Profile></ProfileInfo>'
          b'</Profiles></ResGuest></ResGuests></HotelReservation></HotelReservations>'
          b'</OTA_HotelResNotifRQ>')


def seed_identity(session: Session) -> Iterator[str]:
    if session.scalar(select(func.count()).select_from(MatchModelRow)) == 0:
        _again_under_another_spelling(session)
        # What the weekly re-resolution does: learn the model, plan, merge, ask staff.
        report, _ = re_resolve(session, actor="demo")
        yield f"matcher: learned from {report['profiles']} demo guests"
    merges = session.scalar(select(func.count()).select_from(MergeRecord)
                            .where(MergeRecord.undone_at.is_(None)))
    open_pairs = session.scalar(select(func.count()).select_from(ReviewTask)
                                .where(ReviewTask.status == "open"))
    yield (f"identity: {merges} merges to look at (and undo) under Duplicates → Recent merges, "
           f"{open_pairs} pairs waiting for staff under Duplicates")
    yield from _a_broken_message(session)


def _again_under_another_spelling(session: Session) -> None:
    """Returning guests book again through an OTA, behind its relay address, with a letter of
    the surname lost and their town and birth date given (the matcher weighs them: a merge, or
    a pair for staff); and one guest who had booked under two addresses gives both on a new
    booking (the two profiles are merged on the spot: a merge staff can look at and undo)."""
    regulars = list(session.scalars(
        select(GuestProfile).where(GuestProfile.merged_into_id.is_(None),
                                   GuestProfile.completed_stays >= 2,
                                   GuestProfile.first_name.is_not(None),
                                   GuestProfile.last_name.is_not(None))
        .order_by(GuestProfile.id).limit(7)))
    hotel = session.scalar(select(Property).order_by(Property.code))
    if len(regulars) < 7 or hotel is None:
        return
    for n, profile in enumerate(regulars[:6], start=1):
        guest = {"first_name": profile.first_name, "last_name": _typo(profile.last_name),
                 "emails": [{"address": f"{_ascii(profile.first_name)[:6]}.{8800 + n}"
                                        "@guest.booking.com"}]}
        if profile.birth_date:
            guest["birth_date"] = profile.birth_date.isoformat()
        if profile.city:
            guest["address"] = {"city": profile.city, "country": profile.country}
        ingest_reservation(session, _reservation(f"DEMO-AGAIN-{n}", hotel.code, n, [guest]))
    twice = regulars[6]
    known = session.scalar(select(ContactPoint.value_raw).where(
        ContactPoint.profile_id == twice.id, ContactPoint.kind == "email"))
    other = f"{_ascii(twice.first_name)}.work@{_ascii(twice.last_name)}-consulting.test"
    person = {"first_name": twice.first_name, "last_name": twice.last_name}
    ingest_reservation(session, _reservation("DEMO-WORK-1", hotel.code, 7,
                                              [person | {"emails": [{"address": other}]}]))
    if known:
        ingest_reservation(session, _reservation(
            "DEMO-BOTH-1", hotel.code, 8,
            [person | {"emails": [{"address": known}, {"address": other}]}]))
    session.commit()


def _reservation(external_id: str, hotel: str, n: int, guests: list[dict]):
    arrival = date.today() + timedelta(days=20 + n)
    return load_reservation({
        "source": "demo", "property_code": hotel, "external_id": external_id,
        "status": "confirmed", "arrival": arrival.isoformat(),
        "departure": (arrival + timedelta(days=2)).isoformat(),
        "modified_at": "2026-01-01T00:00:00+00:00", "channel": "ota",
        "channel_name": "Booking.com", "guests": guests})


def _ascii(text: str) -> str:
    return "".join(ch for ch in anyascii(text).lower() if ch.isalnum())


def _a_broken_message(session: Session) -> Iterator[str]:
    if session.scalar(select(InboxEvent.id).where(InboxEvent.status == "failed")) is not None:
        return
    message = get_connector("opentravel").extract(BROKEN, "application/xml", {})
    event = accept_message(session, "opentravel", message, credential="demo", via="demo").event
    process_inbox_event(session, event.id)
    yield "inbox: one message the channel manager sent broken, for Admin → Inbox"


def _typo(name: str) -> str:
    """A letter dropped, as a channel's form or a tired agent would."""
    return name[:-2] + name[-1] if len(name) > 4 else name + name[-1]
