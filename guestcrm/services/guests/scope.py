"""Which guests a staff member may see: those with a stay (as booker or on the room) at one of
their hotels. `allowed` None means every hotel (admins)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import aliased

from guestcrm.models import GuestProfile, Stay, StayGuest


def visible_profiles(allowed: set[int] | None) -> ColumnElement[bool]:
    """A condition on GuestProfile rows: live (not merged away) and within the hotels."""
    live = GuestProfile.merged_into_id.is_(None)
    if allowed is None:
        return live
    hotels = allowed or {-1}
    booked, seated = aliased(Stay), aliased(Stay)
    as_booker = exists().where(booked.profile_id == GuestProfile.id,
                               booked.property_id.in_(hotels))
    on_a_room = exists(select(StayGuest.id).join(seated, seated.id == StayGuest.stay_id).where(
        StayGuest.profile_id == GuestProfile.id, seated.property_id.in_(hotels)))
    return and_(live, or_(as_booker, on_a_room))
