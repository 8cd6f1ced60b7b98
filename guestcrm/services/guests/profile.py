"""The full profile staff open from search: contact details, ids, value, flags and why, every
stay with its real state, preferences and complaints. Chain-wide, as recognition is; who may
open it is decided by the guest's stays at the staff member's hotels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from guestcrm.models import (
    AuditEntry,
    Complaint,
    ContactPoint,
    DeskEvent,
    ExternalId,
    GuestNote,
    GuestProfile,
    GuestValue,
    Preference,
    Property,
    Stay,
    StayGuest,
    VipAssignment,
)
from guestcrm.services.guests.notes import guest_notes
from guestcrm.services.guests.primary_contact import ordered_contacts
from guestcrm.services.guests.stay_state import StayState, stay_state
from guestcrm.services.recognition.arrivals import arrivals_for
from guestcrm.services.recognition.desk import visible_guest
from guestcrm.services.recognition.facts import Flag
from guestcrm.services.recognition.hotel_day import hotel_today

# Flags are worked out for the stay going on now, else the next one.
CURRENT = ("in_house", "departing", "arriving", "not_arrived")
COMING = ("upcoming", "requested")
CORRECTIONS_SHOWN = 10


@dataclass(frozen=True)
class StayLine:
    stay: Stay
    hotel: Property
    state: StayState
    checked_in_at: datetime | None
    booker: bool  # else on the room as a companion


@dataclass
class GuestFile:
    profile: GuestProfile
    emails: list[ContactPoint]
    phones: list[ContactPoint]
    loyalty: list[ExternalId]
    other_ids: list[ExternalId]
    value: GuestValue | None
    vip: VipAssignment | None
    stays: list[StayLine]
    flags: list[Flag]
    flags_for: StayLine | None
    preferences: list[tuple[Preference, str | None]]
    complaints: list[tuple[Complaint, str | None]]
    corrections: list[AuditEntry]
    notes: list[GuestNote]


def guest_file(session: Session, profile_id: int, allowed: set[int] | None) -> GuestFile:
    """Raises NotVisible (404) for a guest with no stay at the staff member's hotels."""
    profile = visible_guest(session, profile_id, allowed)
    contacts = ordered_contacts(session.scalars(
        select(ContactPoint).where(ContactPoint.profile_id == profile.id)))
    ids = list(session.scalars(select(ExternalId).where(ExternalId.profile_id == profile.id)
                               .order_by(ExternalId.kind, ExternalId.id)))
    stays = _stays(session, profile.id)
    focus = _flag_stay(stays)
    hotels = {p.id: p.name or p.code for p in session.scalars(select(Property))}
    return GuestFile(
        profile=profile,
        emails=[c for c in contacts if c.kind == "email"],
        phones=[c for c in contacts if c.kind == "phone"],
        loyalty=[i for i in ids if i.kind == "loyalty"],
        other_ids=[i for i in ids if i.kind != "loyalty"],
        value=session.get(GuestValue, profile.id),
        vip=session.get(VipAssignment, profile.id),
        stays=stays,
        flags=_flags(session, focus),
        flags_for=focus,
        preferences=[(p, hotels.get(p.property_id)) for p in session.scalars(
            select(Preference).where(Preference.profile_id == profile.id)
            .order_by(Preference.key, Preference.id))],
        complaints=[(c, hotels.get(c.property_id)) for c in session.scalars(
            select(Complaint).where(Complaint.profile_id == profile.id)
            .order_by(Complaint.occurred_on.desc()))],
        corrections=list(session.scalars(select(AuditEntry).where(
            AuditEntry.target_type == "guest_profile", AuditEntry.target_id == str(profile.id),
            AuditEntry.action == "profile.correct").order_by(AuditEntry.id.desc())
            .limit(CORRECTIONS_SHOWN))),
        notes=guest_notes(session, profile.id),
    )


def _stays(session: Session, profile_id: int) -> list[StayLine]:
    seated = select(StayGuest.stay_id).where(StayGuest.profile_id == profile_id)
    rows = session.execute(
        select(Stay, Property).join(Property, Property.id == Stay.property_id)
        .where(or_(Stay.profile_id == profile_id, Stay.id.in_(seated)))
        .order_by(Stay.arrival.desc().nulls_last(), Stay.id.desc())).all()
    checked = dict(session.execute(select(DeskEvent.stay_id, DeskEvent.at).where(
        DeskEvent.kind == "checked_in", DeskEvent.stay_id.in_([s.id for s, _ in rows])
    )).all()) if rows else {}
    today: dict[int, date] = {}
    lines = []
    for stay, hotel in rows:
        day = today.setdefault(hotel.id, hotel_today(hotel))
        at = checked.get(stay.id)
        lines.append(StayLine(stay, hotel, stay_state(stay.status, stay.arrival, stay.departure,
                                                      at is not None, day),
                              at, stay.profile_id == profile_id))
    return lines


def _flag_stay(stays: list[StayLine]) -> StayLine | None:
    """The stay flags are worked out for: the current one, else the next (stays are listed
    latest first, so the next is the last upcoming one in the list)."""
    current = [s for s in stays if s.state.code in CURRENT]
    if current:
        return current[0]
    coming = [s for s in stays if s.state.code in COMING]
    return coming[-1] if coming else None


def _flags(session: Session, line: StayLine | None) -> list[Flag]:
    if line is None or line.stay.arrival is None:
        return []
    found = arrivals_for(session, line.hotel.id, line.stay.arrival, stay_ids=[line.stay.id])
    return found[0].flags if found else []
