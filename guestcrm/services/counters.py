"""Profile counters, recomputed from the stays so that they are right after any change."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from guestcrm.models import GuestProfile
from guestcrm.services.stay_facts import StayFact, load_stay_facts

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
    session: Session,
    profile_ids: Iterable[int],
    today: date | None = None,
    facts: dict[int, list[StayFact]] | None = None,
) -> None:
    """Recount these profiles from their stays (`facts`: the stays, when the caller has just
    loaded them with stay_facts.load_stay_facts)."""
    today = today or date.today()
    ids = sorted(set(profile_ids))
    if not ids:
        return
    if facts is None:
        facts = load_stay_facts(session, ids)
    for profile_id in ids:
        _fill(session.get(GuestProfile, profile_id), facts.get(profile_id, []), today)
    session.flush()


def _fill(profile: GuestProfile, stays: list[StayFact], today: date) -> None:
    completed = [s for s in stays if stay_happened(s.status, s.departure, today)]
    profile.completed_stays = len(completed)
    profile.nights = sum(s.nights for s in completed)
    # Spend belongs to the booker; companions share the stay, not the bill.
    profile.spend = sum((s.amount or Decimal("0") for s in completed if s.is_primary),
                        Decimal("0"))
    profile.cancellations = sum(1 for s in stays if s.status == "cancelled")
    profile.no_shows = sum(1 for s in stays if s.status == "no_show")
    profile.upcoming_stays = sum(
        1 for s in stays if s.status in UPCOMING and s.arrival and s.arrival >= today
    )
    arrivals = [s.arrival for s in completed if s.arrival]
    departures = [s.departure for s in completed if s.departure]
    profile.first_stay = min(arrivals) if arrivals else None
    profile.last_stay = max(departures) if departures else None
    mix = Counter(s.channel_name or s.channel for s in stays if s.status != "cancelled")
    profile.channel_mix = dict(sorted(mix.items()))
