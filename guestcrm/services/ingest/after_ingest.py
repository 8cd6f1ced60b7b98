"""What follows a processed PMS message, in the same transaction: the guests' value figures,
for stays the PMS reports checked in the live alert on the desk boards, and for bookings
arriving soon a redraw of their rows on open boards."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from guestcrm.services.recognition.desk import record_booking_changes, record_pms_checkins
from guestcrm.services.value.figures import recompute_value
from guestcrm.services.value.stay_facts import StayFact


def after_stays_changed(
    session: Session,
    stay_ids: Iterable[int],
    profile_ids: Iterable[int],
    facts: dict[int, list[StayFact]] | None = None,
) -> None:
    """`facts`: the profiles' stays, when the caller has just loaded them."""
    recompute_value(session, profile_ids, facts=facts)
    stay_ids = list(stay_ids)
    record_pms_checkins(session, stay_ids)
    record_booking_changes(session, stay_ids)
