"""A guest's facts at one trigger (a booking or a completed stay), from their stays: what the
rule engine looks at. `facts_at` is pure; `load_guest_stays` reads the stays in one query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.models import Stay, StayGuest
from guestcrm.services.perks.rules import GuestFacts, birthday_within
from guestcrm.services.value.counters import stay_happened

YEAR = timedelta(days=365)


@dataclass(frozen=True)
class StayRow:
    id: int
    property_id: int
    status: str
    arrival: date | None
    departure: date | None
    nights: int
    channel: str
    amount: Decimal | None = None


def trigger_day(stay: StayRow, trigger: str, today: date) -> date:
    """The day a trigger happens: the departure for a completed stay, today for a booking."""
    if trigger == "stay_completed" and stay.departure is not None:
        return stay.departure
    return today


def facts_at(stays: Iterable[StayRow], trigger_stay: StayRow, trigger: str, today: date,
             tier: str | None = None, segment: str | None = None,
             birth_date: date | None = None) -> GuestFacts:
    """The guest's facts when `trigger_stay` is booked or completed; `stays` are all of theirs
    (the trigger stay among them or not)."""
    day = trigger_day(trigger_stay, trigger, today)
    arrival = trigger_stay.arrival or day
    others = [s for s in stays if s.id != trigger_stay.id and s.status != "cancelled"]
    # Stays completed by the trigger day (for a booking: before its arrival).
    done_by = day if trigger == "stay_completed" else min(day, arrival)
    happened = [s for s in others if s.departure is not None and s.departure <= done_by
                and stay_happened(s.status, s.departure, today)]
    recent = [s for s in happened if s.departure > done_by - YEAR]
    number = len(happened) + 1
    stays_12m = len(recent) + (1 if trigger == "stay_completed" else 0)
    nights_12m = sum(s.nights for s in recent) + (
        trigger_stay.nights if trigger == "stay_completed" else 0)
    direct_before = sum(1 for s in others if s.channel == "direct"
                        and (s.arrival or day, s.id) < (arrival, trigger_stay.id))
    return GuestFacts(
        stay_number=number, stays_12m=stays_12m, nights_12m=nights_12m,
        direct_stays_before=direct_before, trigger_channel=trigger_stay.channel,
        tier=tier, segment=segment,
        birthday_in_stay=birthday_within(birth_date, trigger_stay.arrival,
                                         trigger_stay.departure))


def load_guest_stays(session: Session, profile_ids: Iterable[int]) -> dict[int, list[StayRow]]:
    """Each profile -> every stay it is a guest on."""
    ids = sorted(set(profile_ids))
    out: dict[int, list[StayRow]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.execute(
        select(StayGuest.profile_id, Stay.id, Stay.property_id, Stay.status, Stay.arrival,
               Stay.departure, Stay.nights, Stay.channel, Stay.amount)
        .join(Stay, Stay.id == StayGuest.stay_id).where(StayGuest.profile_id.in_(ids)))
    for pid, *values in rows:
        values[5] = values[5] or 0
        out[pid].append(StayRow(*values))
    return out
