"""The stays of a few profiles as plain facts, in one query: what counters, value figures and
recognition are computed from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.models import Stay, StayGuest


@dataclass(frozen=True)
class StayFact:
    property_id: int
    status: str
    arrival: date | None
    departure: date | None
    nights: int = 0
    amount: Decimal | None = None
    channel: str = "other"
    channel_name: str | None = None
    is_primary: bool = True


def load_stay_facts(session: Session, profile_ids: Iterable[int]) -> dict[int, list[StayFact]]:
    """Each profile id -> the stays it is a guest on (an empty list for none)."""
    ids = sorted(set(profile_ids))
    result: dict[int, list[StayFact]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = session.execute(
        select(StayGuest.profile_id, StayGuest.is_primary, Stay.property_id, Stay.status,
               Stay.arrival, Stay.departure, Stay.nights, Stay.amount, Stay.channel,
               Stay.channel_name)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(StayGuest.profile_id.in_(ids))
    )
    for pid, primary, prop, status, arr, dep, nights, amount, channel, name in rows:
        result[pid].append(StayFact(prop, status, arr, dep, nights or 0, amount, channel, name,
                                    primary))
    return result
