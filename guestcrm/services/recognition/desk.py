"""What the front desk does: check a guest in (and tell every screen), look a guest up, note a
complaint or a preference. Property scope is enforced here too, so no view can forget it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.errors import NotFound, Refused
from guestcrm.models import (
    AuditEntry,
    Complaint,
    ContactPoint,
    DeskEvent,
    GuestNote,
    GuestProfile,
    Preference,
    Property,
    Stay,
    StayGuest,
)
from guestcrm.services.recognition.arrivals import Arrival, arrivals_for
from guestcrm.services.recognition.notify import vip_arrival_notice


class NotVisible(NotFound):
    """The record does not exist or is outside the staff member's properties (same answer)."""


def visible_property(session: Session, code: str, allowed: set[int] | None) -> Property:
    prop = session.scalar(select(Property).where(Property.code == code))
    if prop is None or (allowed is not None and prop.id not in allowed):
        raise NotVisible(code)
    return prop


def visible_properties(session: Session, allowed: set[int] | None) -> list[Property]:
    query = select(Property).order_by(Property.name, Property.code)
    if allowed is not None:
        query = query.where(Property.id.in_(allowed or {-1}))
    return list(session.scalars(query))


def visible_stay(session: Session, stay_id: int, allowed: set[int] | None) -> Stay:
    stay = session.get(Stay, stay_id)
    if stay is None or (allowed is not None and stay.property_id not in allowed):
        raise NotVisible(stay_id)
    return stay


def visible_guest(session: Session, profile_id: int, allowed: set[int] | None) -> GuestProfile:
    """A guest is visible to desk staff who have had them (booker or companion) at a property."""
    profile = session.get(GuestProfile, profile_id)
    if profile is None or profile.merged_into_id is not None:
        raise NotVisible(profile_id)
    if allowed is None:
        return profile
    has_stay = session.scalar(select(exists().where(
        StayGuest.profile_id == profile_id, StayGuest.stay_id == Stay.id,
        Stay.property_id.in_(allowed or {-1}))))
    booked = session.scalar(select(exists().where(
        Stay.profile_id == profile_id, Stay.property_id.in_(allowed or {-1}))))
    if not (has_stay or booked):
        raise NotVisible(profile_id)
    return profile


def check_in(session: Session, stay: Stay, actor: str) -> DeskEvent:
    """Record the check-in once; a second press (or a PMS echo) returns the first event."""
    existing = _event(session, stay.id)
    if existing is not None:
        return existing
    arrival = _arrival(session, stay)
    event = DeskEvent(property_id=stay.property_id, stay_id=stay.id, profile_id=stay.profile_id,
                      kind="checked_in", message=_alert_text(stay, arrival), actor=actor)
    try:
        with session.begin_nested():
            session.add(event)
    except IntegrityError:  # another desk screen won the race: same outcome
        return _event(session, stay.id)
    session.add(AuditEntry(actor=actor, action="stay.check_in", target_type="stay",
                           target_id=str(stay.id), details={"via": "desk" if actor != "pms"
                                                            else "pms"}))
    if arrival is not None:
        vip_arrival_notice(session, stay, arrival)
    session.flush()
    return event


UNDO_WINDOW = timedelta(minutes=10)


def undo_check_in(session: Session, stay: Stay, actor: str,
                  window: timedelta = UNDO_WINDOW) -> DeskEvent:
    """The agent who checked a guest in by mistake takes it back within a few minutes; the
    other boards are told (a `check_in_undone` event). Anyone else, or later: refused."""
    event = _event(session, stay.id)
    if event is None:
        raise Refused("this guest is not checked in")
    if event.actor != actor:
        raise Refused("only the agent who checked this guest in can undo it")
    if utcnow() - event.at > window:
        raise Refused("too late to undo this check-in here")
    session.delete(event)
    session.execute(delete(DeskEvent).where(DeskEvent.stay_id == stay.id,
                                            DeskEvent.kind == "check_in_undone"))
    session.flush()
    undone = DeskEvent(property_id=stay.property_id, stay_id=stay.id,
                       profile_id=stay.profile_id, kind="check_in_undone",
                       message=f"Check-in undone: {event.message}"[:500], actor=actor)
    session.add(undone)
    session.add(AuditEntry(actor=actor, action="stay.check_in_undone", target_type="stay",
                           target_id=str(stay.id), details={}))
    session.flush()
    return undone


def record_pms_checkins(session: Session, stay_ids: list[int], today: date | None = None) -> int:
    """Stays the PMS reports checked in raise the same alert as a desk check-in."""
    today = today or date.today()
    stays = session.scalars(select(Stay).where(
        Stay.id.in_(stay_ids), Stay.status == "checked_in",
        Stay.arrival >= today - timedelta(days=1))).all()
    return sum(1 for s in stays if _event(session, s.id) is None and check_in(session, s, "pms"))


def _event(session: Session, stay_id: int) -> DeskEvent | None:
    return session.scalar(select(DeskEvent).where(DeskEvent.stay_id == stay_id,
                                                  DeskEvent.kind == "checked_in"))


def _arrival(session: Session, stay: Stay) -> Arrival | None:
    if stay.arrival is None:
        return None
    found = arrivals_for(session, stay.property_id, stay.arrival, stay_ids=[stay.id])
    return found[0] if found else None


def _alert_text(stay: Stay, arrival: Arrival | None) -> str:
    if arrival is None:
        return f"Stay {stay.external_id} checked in"
    room = f" · room {arrival.room_number}" if arrival.room_number else ""
    badges = ", ".join(f.label for f in arrival.flags[:3])
    return f"{arrival.guest_name} checked in{room}" + (f" — {badges}" if badges else "")


BOOKING_WINDOW = timedelta(days=14)  # boards show bookings arriving this soon (or just now)


def record_booking_changes(session: Session, stay_ids: list[int],
                           today: date | None = None) -> int:
    """New and changed bookings arriving soon become a `booking` desk event (the newest one
    per stay), so open boards of the day redraw the row without a reload."""
    today = today or date.today()
    stays = session.execute(select(Stay.id, Stay.property_id, Stay.profile_id).where(
        Stay.id.in_(stay_ids), Stay.arrival >= today - timedelta(days=1),
        Stay.arrival <= today + BOOKING_WINDOW)).all()
    if not stays:
        return 0
    ids = [s.id for s in stays]
    session.execute(delete(DeskEvent).where(DeskEvent.stay_id.in_(ids),
                                            DeskEvent.kind == "booking"))
    session.add_all([DeskEvent(property_id=prop, stay_id=sid, profile_id=pid, kind="booking",
                               message="", actor="pms") for sid, prop, pid in stays])
    session.flush()
    return len(stays)


def record_guest_changes(session: Session, profile_id: int, today: date | None = None) -> int:
    """An edit in a guest's drawer (a complaint, a preference, a VIP level) redraws their rows
    on the other open boards."""
    today = today or date.today()
    ids = list(session.scalars(select(Stay.id).where(Stay.profile_id == profile_id)))
    return record_booking_changes(session, ids, today)


def events_since(session: Session, property_id: int, after_id: int, limit: int = 20):
    return list(session.scalars(
        select(DeskEvent).where(DeskEvent.property_id == property_id, DeskEvent.id > after_id)
        .order_by(DeskEvent.id).limit(limit)))


def latest_event_id(session: Session, property_id: int) -> int:
    return session.scalar(
        select(DeskEvent.id).where(DeskEvent.property_id == property_id)
        .order_by(DeskEvent.id.desc()).limit(1)) or 0


@dataclass
class GuestCard:
    profile: GuestProfile
    stays: list[tuple[Stay, str]]
    preferences: list[Preference]
    complaints: list[tuple[Complaint, str | None]]
    contacts: list[ContactPoint]  # valid ones, newest first
    notes: list[GuestNote]  # open traces, then the latest notes


def guest_card(session: Session, profile: GuestProfile) -> GuestCard:
    """The drawer: chain-wide history, since recognition is chain-wide."""
    stays = session.execute(
        select(Stay, Property.name).join(Property, Property.id == Stay.property_id)
        .join(StayGuest, StayGuest.stay_id == Stay.id)
        .where(StayGuest.profile_id == profile.id)
        .order_by(Stay.arrival.desc()).limit(50)).all()
    complaints = session.execute(
        select(Complaint, Property.name).outerjoin(Property, Property.id == Complaint.property_id)
        .where(Complaint.profile_id == profile.id).order_by(Complaint.occurred_on.desc())).all()
    prefs = list(session.scalars(select(Preference).where(Preference.profile_id == profile.id)
                                 .order_by(Preference.key)))
    contacts = list(session.scalars(select(ContactPoint).where(
        ContactPoint.profile_id == profile.id, ContactPoint.is_valid.is_(True),
        ContactPoint.is_relay.is_(False)).order_by(ContactPoint.last_seen.desc()).limit(4)))
    notes = list(session.scalars(select(GuestNote).where(
        GuestNote.profile_id == profile.id,
        or_(GuestNote.kind == "note", GuestNote.done_at.is_(None)))
        .order_by(GuestNote.kind.desc(), GuestNote.due_on, GuestNote.id.desc()).limit(6)))
    return GuestCard(profile, [tuple(r) for r in stays], prefs, [tuple(r) for r in complaints],
                     contacts, notes)


def log_complaint(session: Session, profile: GuestProfile, prop: Property, staff_id: int,
                  category: str, description: str, resolution: str | None,
                  compensation: str | None, occurred_on: date | None = None) -> Complaint:
    complaint = Complaint(profile_id=profile.id, property_id=prop.id, category=category.strip(),
                          description=description.strip(), resolution=(resolution or None),
                          compensation=(compensation or None), created_by_id=staff_id,
                          occurred_on=occurred_on or date.today())
    session.add(complaint)
    session.add(AuditEntry(actor=f"staff:{staff_id}", action="complaint.create",
                           target_type="guest_profile", target_id=str(profile.id),
                           details={"category": category, "property": prop.code}))
    session.flush()
    return complaint


def log_preference(session: Session, profile: GuestProfile, key: str, value: str,
                   staff_id: int, here: Property | None = None) -> Preference:
    """Seen at the desk: a new preference, or one more sighting of a known one."""
    key, value = key.strip().lower(), value.strip()
    property_id = here.id if here else None
    row = session.scalar(select(Preference).where(
        Preference.profile_id == profile.id, Preference.key == key, Preference.value == value,
        Preference.property_id.is_(None) if property_id is None
        else Preference.property_id == property_id))
    if row is None:
        row = Preference(profile_id=profile.id, property_id=property_id, key=key, value=value,
                         source="staff", times_seen=1, last_seen=utcnow())
        session.add(row)
    else:
        row.times_seen += 1
        row.last_seen = utcnow()
    session.add(AuditEntry(actor=f"staff:{staff_id}", action="preference.add",
                           target_type="guest_profile", target_id=str(profile.id),
                           details={"key": key, "value": value}))
    session.flush()
    return row
