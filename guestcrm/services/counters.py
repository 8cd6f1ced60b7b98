"""Profile counters, recomputed from the stays so that they are right after any change."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.models import GuestProfile, Stay, StayGuest

# A stay counts as having happened once the guest checked out, or, for sources that never send
# check-outs (AlpineBits, most channel managers), once a confirmed stay's departure has passed.
HAPPENED = ("checked_out",)
HAPPENED_WHEN_PAST = ("confirmed", "checked_in")
UPCOMING = ("requested", "confirmed")


def stay_happened(status: str, departure: date | None, today: date) -> bool:
    if status in HAPPENED:
        return True
    return status in HAPPENED_WHEN_PAST and departure is not None and departure <= today


def recompute_counters(
    session: Session, profile_ids: Iterable[int], today: date | None = None
) -> None:
    today = today or date.today()
    ids = sorted(set(profile_ids))
    if not ids:
        return
    rows = session.execute(
        select(StayGuest.profile_id, StayGuest.is_primary, Stay)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(StayGuest.profile_id.in_(ids))
    )
    by_profile: dict[int, list[tuple[bool, Stay]]] = {i: [] for i in ids}
    for profile_id, is_primary, stay in rows:
        by_profile[profile_id].append((is_primary, stay))
    for profile_id, stays in by_profile.items():
        profile = session.get(GuestProfile, profile_id)
        _fill(profile, stays, today)
    session.flush()


def _fill(profile: GuestProfile, stays: list[tuple[bool, Stay]], today: date) -> None:
    completed = [(p, s) for p, s in stays if stay_happened(s.status, s.departure, today)]
    profile.completed_stays = len(completed)
    profile.nights = sum(s.nights for _, s in completed)
    # Spend belongs to the booker; companions share the stay, not the bill.
    profile.spend = sum((s.amount or Decimal("0") for p, s in completed if p), Decimal("0"))
    profile.cancellations = sum(1 for _, s in stays if s.status == "cancelled")
    profile.no_shows = sum(1 for _, s in stays if s.status == "no_show")
    profile.upcoming_stays = sum(
        1 for _, s in stays if s.status in UPCOMING and s.arrival and s.arrival >= today
    )
    arrivals = [s.arrival for _, s in completed if s.arrival]
    departures = [s.departure for _, s in completed if s.departure]
    profile.first_stay = min(arrivals) if arrivals else None
    profile.last_stay = max(departures) if departures else None
    mix = Counter(s.channel_name or s.channel for _, s in stays if s.status != "cancelled")
    profile.channel_mix = dict(sorted(mix.items()))
