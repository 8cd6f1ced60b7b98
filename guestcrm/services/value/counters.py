"""Profile counters, recomputed from the stays so that they are right after any change."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from guestcrm.models import GuestProfile
from guestcrm.services.value.stay_facts import StayFact, load_stay_facts

# A stay counts as having happened once the guest checked out, or, for sources that never send
# check-outs (AlpineBits, most channel managers), once a confirmed stay's departure has passed.
HAPPENED = ("checked_out",)
HAPPENED_WHEN_PAST = ("confirmed", "checked_in")
UPCOMING = ("requested", "confirmed")
COUNTERS = ("completed_stays", "nights", "spend", "cancellations", "no_shows", "upcoming_stays",
            "first_stay", "last_stay", "channel_mix")


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
    loaded them with stay_facts.load_stay_facts).

    One UPDATE for all of them (as ORM changes, each profile's changed columns made a
    statement of their own); the profiles loaded in the session take the new values as their
    stored state."""
    today = today or date.today()
    ids = sorted(set(profile_ids))
    if not ids:
        return
    if facts is None:
        facts = load_stay_facts(session, ids)
    rows = []
    for pid in ids:
        figures = counters_of(facts.get(pid, []), today)
        rows.append({"b_id": pid, **{f"b_{name}": value for name, value in figures.items()}})
    table = GuestProfile.__table__
    session.execute(update(table).where(table.c.id == bindparam("b_id"))
                    .values({name: bindparam(f"b_{name}") for name in COUNTERS}), rows)
    for row in rows:
        profile = session.identity_map.get(identity_key(GuestProfile, row["b_id"]))
        if profile is not None:
            for name in COUNTERS:
                set_committed_value(profile, name, row[f"b_{name}"])


def counters_of(stays: list[StayFact], today: date) -> dict[str, object]:
    """A profile's counters from its stays."""
    completed = [s for s in stays if stay_happened(s.status, s.departure, today)]
    arrivals = [s.arrival for s in completed if s.arrival]
    departures = [s.departure for s in completed if s.departure]
    mix = Counter(s.channel_name or s.channel for s in stays if s.status != "cancelled")
    return {
        "completed_stays": len(completed),
        "nights": sum(s.nights for s in completed),
        # Spend belongs to the booker; companions share the stay, not the bill.
        "spend": sum((s.amount or Decimal("0") for s in completed if s.is_primary),
                     Decimal("0")),
        "cancellations": sum(1 for s in stays if s.status == "cancelled"),
        "no_shows": sum(1 for s in stays if s.status == "no_show"),
        "upcoming_stays": sum(
            1 for s in stays if s.status in UPCOMING and s.arrival and s.arrival >= today),
        "first_stay": min(arrivals) if arrivals else None,
        "last_stay": max(departures) if departures else None,
        "channel_mix": dict(sorted(mix.items())),
    }
