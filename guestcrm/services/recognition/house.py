"""Who is in the house on a day, and who leaves that day: the other two lists of the desk
board besides the arrivals, for any date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.models import DeskEvent, GuestProfile, Stay
from guestcrm.schemas.reservation import MAX_STAY_NIGHTS

GONE = ("cancelled", "no_show")


@dataclass(frozen=True)
class HouseGuest:
    stay_id: int
    external_id: str
    profile_id: int | None
    guest_name: str
    room_number: str | None
    arrival: date
    departure: date
    status: str
    checked_in_at: datetime | None

    @property
    def checked_in(self) -> bool:
        return self.checked_in_at is not None or self.status in ("checked_in", "checked_out")


@dataclass(frozen=True)
class HouseLists:
    in_house: list[HouseGuest]  # stay the night after `day` too
    departures: list[HouseGuest]  # leave on `day`


def in_house_and_departures(session: Session, property_id: int, day: date) -> HouseLists:
    """Stays that arrived before `day` and leave on it or later. One range scan of the
    (property, arrival) index: no stay is longer than MAX_STAY_NIGHTS (the schema refuses)."""
    rows = session.execute(
        select(Stay.id, Stay.external_id, Stay.profile_id, GuestProfile.first_name,
               GuestProfile.last_name, Stay.room_number, Stay.arrival, Stay.departure,
               Stay.status)
        .outerjoin(GuestProfile, GuestProfile.id == Stay.profile_id)
        .where(Stay.property_id == property_id,
               Stay.arrival >= day - timedelta(days=MAX_STAY_NIGHTS), Stay.arrival < day,
               Stay.departure >= day, Stay.status.not_in(GONE))).all()
    checked = dict(session.execute(select(DeskEvent.stay_id, DeskEvent.at).where(
        DeskEvent.kind == "checked_in", DeskEvent.stay_id.in_([r.id for r in rows])
    )).all()) if rows else {}
    guests = sorted((HouseGuest(
        r.id, r.external_id, r.profile_id,
        " ".join(n for n in (r.first_name, r.last_name) if n) or "Unknown guest",
        r.room_number, r.arrival, r.departure, r.status, checked.get(r.id)) for r in rows),
        key=lambda g: (g.room_number or "~", g.guest_name))
    return HouseLists(
        in_house=[g for g in guests if g.departure > day and g.status != "checked_out"],
        departures=[g for g in guests if g.departure == day])
