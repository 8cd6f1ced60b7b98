"""Which guests a staff member may see: those with a stay (as booker or on the room) at one of
their hotels. `allowed` None means every hotel (admins)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from guestcrm.models import GuestProfile, Stay, StayGuest


def visible_profiles(allowed: set[int] | None) -> ColumnElement[bool]:
    """A condition on GuestProfile rows: live (not merged away) and within the hotels."""
    live = GuestProfile.merged_into_id.is_(None)
    return live if allowed is None else and_(live, stayed_at(allowed))


def stayed_at(allowed: set[int]) -> ColumnElement[bool]:
    """The GuestProfile row has a stay, as booker or on the room, at one of these hotels."""
    hotels = allowed or {-1}
    booked, seated = aliased(Stay), aliased(Stay)
    as_booker = exists().where(booked.profile_id == GuestProfile.id,
                               booked.property_id.in_(hotels))
    on_a_room = exists(select(StayGuest.id).join(seated, seated.id == StayGuest.stay_id).where(
        StayGuest.profile_id == GuestProfile.id, seated.property_id.in_(hotels)))
    return or_(as_booker, on_a_room)


def at_hotels(session: Session, profile_ids: Collection[int], allowed: set[int]) -> set[int]:
    """Those of a few profiles with a stay at the hotels, by key look-ups of their stays (a
    condition over all profiles would have the planner read every stay of the hotels)."""
    if not profile_ids:
        return set()
    hotels = allowed or {-1}
    ids = list(profile_ids)
    booked = session.scalars(select(Stay.profile_id).where(
        Stay.profile_id.in_(ids), Stay.property_id.in_(hotels)))
    seated = session.scalars(select(StayGuest.profile_id).join(
        Stay, Stay.id == StayGuest.stay_id).where(
        StayGuest.profile_id.in_(ids), Stay.property_id.in_(hotels)))
    return set(booked) | set(seated)
