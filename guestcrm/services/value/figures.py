"""Guest value: what a guest has brought, where they sit in the pyramid and RFM grid, and LTV.

The figures are pure functions over plain `StayFact`s; the DB functions below load the stays of
a few profiles in one query, recompute and store `guest_value` / `guest_property_value`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from guestcrm.db.types import utcnow
from guestcrm.db.upserts import conflict_insert
from guestcrm.models import GuestPropertyValue, GuestValue
from guestcrm.services.value.counters import stay_happened
from guestcrm.services.value.ranking import TierRanker
from guestcrm.services.value.settings import (
    FREQUENCY_CLASSES,
    RECENCY_CLASSES,
    ValueSettings,
    load_value_settings,
    segment_code,
)
from guestcrm.services.value.stay_facts import StayFact, load_stay_facts
from guestcrm.services.value.vip import suggest_vip_levels

CENT = Decimal("0.01")
ZERO = Decimal("0")
OTA_KINDS = ("ota", "gds")


@dataclass
class ValueFigures:
    completed_stays: int = 0
    nights: int = 0
    spend: Decimal = ZERO
    cancellations: int = 0
    no_shows: int = 0
    first_stay: date | None = None
    last_stay: date | None = None
    last_property_id: int | None = None
    direct_stays: int = 0
    ota_stays: int = 0
    channel_mix: dict[str, int] = field(default_factory=dict)

    @property
    def average_stay_value(self) -> Decimal:
        if not self.completed_stays:
            return ZERO
        return (self.spend / self.completed_stays).quantize(CENT, ROUND_HALF_UP)


def summarize(stays: Iterable[StayFact], today: date) -> ValueFigures:
    """The figures of a set of stays, counted as services/value/counters.py counts them."""
    out = ValueFigures()
    mix: dict[str, int] = {}  # a plain dict: Counter() costs more to build than this loop
    last: tuple[date, int] | None = None
    for s in stays:
        if s.status == "cancelled":
            out.cancellations += 1
            continue
        if s.status == "no_show":
            out.no_shows += 1
        channel = s.channel_name or s.channel
        mix[channel] = mix.get(channel, 0) + 1
        if not stay_happened(s.status, s.departure, today):
            continue
        out.completed_stays += 1
        out.nights += s.nights
        # Spend belongs to the booker; companions share the stay, not the bill.
        if s.is_primary:
            out.spend += s.amount or ZERO
        if s.channel == "direct":
            out.direct_stays += 1
        elif s.channel in OTA_KINDS:
            out.ota_stays += 1
        if s.arrival and (out.first_stay is None or s.arrival < out.first_stay):
            out.first_stay = s.arrival
        if s.departure and (last is None or s.departure > last[0]):
            last = (s.departure, s.property_id)
    if last:
        out.last_stay, out.last_property_id = last
    out.channel_mix = dict(sorted(mix.items()))
    return out


def summarize_by_property(stays: Iterable[StayFact], today: date) -> dict[int, ValueFigures]:
    grouped: dict[int, list[StayFact]] = defaultdict(list)
    for s in stays:
        grouped[s.property_id].append(s)
    return {pid: summarize(group, today) for pid, group in grouped.items()}


def recency_class(days_since_last_stay: int, cutoffs: Mapping[str, int]) -> str:
    for name in RECENCY_CLASSES[:3]:
        if days_since_last_stay <= cutoffs[name]:
            return name
    return RECENCY_CLASSES[3]


def frequency_class(completed_stays: int, cutoffs: Mapping[str, int]) -> str:
    for name in FREQUENCY_CLASSES[:3]:
        if completed_stays <= cutoffs[name]:
            return name
    return FREQUENCY_CLASSES[3]


def rfm_segment(figures: ValueFigures, today: date, settings: ValueSettings) -> str | None:
    """One of the 16 segments; None for someone who never stayed (a prospect)."""
    if not figures.completed_stays or figures.last_stay is None:
        return None
    days = max((today - figures.last_stay).days, 0)
    return segment_code(
        recency_class(days, settings.recency_days),
        frequency_class(figures.completed_stays, settings.frequency_stays),
    )


def commission_rate(channel: str, commission: Mapping[str, float]) -> float:
    """By channel name (e.g. Booking.com) when set, else by kind; unknown channels cost nothing."""
    return float(commission.get(channel, commission.get(channel.lower(), 0.0)))


def lifetime_value(figures: ValueFigures, segment: str | None, settings: ValueSettings) -> Decimal:
    """Average stay value × expected stays (past + future) − acquisition cost (commissions)."""
    if segment is None:
        return ZERO
    recency, _, frequency = segment.partition("_")
    future = settings.expected_future_stays[frequency] * settings.retention[recency]
    expected = figures.completed_stays + future
    gross = float(figures.average_stay_value) * expected
    total = sum(figures.channel_mix.values())
    rate = (
        sum(n * commission_rate(c, settings.commission) for c, n in figures.channel_mix.items())
        / total
        if total
        else 0.0
    )
    return Decimal(str(gross * (1 - rate))).quantize(CENT, ROUND_HALF_UP)


# --- the database side ---------------------------------------------------------------------


def recompute_value(
    session: Session,
    profile_ids: Iterable[int],
    today: date | None = None,
    settings: ValueSettings | None = None,
    rank_tiers: bool = True,
    facts: dict[int, list[StayFact]] | None = None,
) -> None:
    """Recompute the value rows of these profiles.

    `rank_tiers=False` (the nightly batches) leaves tiers to one ranking pass at the end.
    `facts`: their stays, when the caller has just loaded them (stay_facts.load_stay_facts).
    """
    today = today or date.today()
    settings = settings or load_value_settings(session)
    facts = facts if facts is not None else load_stay_facts(session, profile_ids)
    if not facts:
        return
    ids = list(facts)
    session.execute(delete(GuestPropertyValue).where(GuestPropertyValue.profile_id.in_(ids)))

    ranker = TierRanker(session, settings) if rank_tiers else None
    summaries = {pid: summarize(stays, today) for pid, stays in facts.items()}
    tiers = ranker.tiers([f.spend for f in summaries.values()]) if ranker is not None else {}
    values: list[dict] = []  # guest_value rows, upserted together
    per_property: list[dict] = []  # guest_property_value rows, inserted together
    for pid, stays in facts.items():
        figures = summaries[pid]
        segment = rfm_segment(figures, today, settings)
        values.append({
            "profile_id": pid, "rfm_segment": segment,
            "average_stay_value": figures.average_stay_value,
            "lifetime_value": lifetime_value(figures, segment, settings),
            "direct_stays": figures.direct_stays, "ota_stays": figures.ota_stays,
            "last_property_id": figures.last_property_id, "computed_at": utcnow(),
            # Without a ranker (the nightly batches) the stored tier is left as it is.
            **({"tier": tiers[figures.spend]} if ranker is not None else {}),
        })
        per_property += [
            {"profile_id": pid, "property_id": prop_id, "completed_stays": f.completed_stays,
             "nights": f.nights, "spend": f.spend, "cancellations": f.cancellations,
             "no_shows": f.no_shows, "first_stay": f.first_stay, "last_stay": f.last_stay,
             "channel_mix": f.channel_mix}
            for prop_id, f in summarize_by_property(stays, today).items()]
    _upsert_values(session, values)
    if per_property:
        session.execute(insert(GuestPropertyValue.__table__), per_property)
    session.flush()
    if ranker is not None:
        suggest_vip_levels(session, ids, settings,
                           tiers={row["profile_id"]: row["tier"] for row in values})


def _upsert_values(session: Session, rows: list[dict]) -> None:
    """One INSERT ... ON CONFLICT (profile_id) DO UPDATE for all the rows (as ORM objects, each
    profile's changed columns made an UPDATE of their own); loaded GuestValue objects of these
    profiles are expired, so they read the new values."""
    if not rows:
        return
    upsert = conflict_insert(session, GuestValue.__table__)
    columns = [name for name in rows[0] if name != "profile_id"]
    session.execute(upsert.on_conflict_do_update(
        index_elements=["profile_id"], set_={name: upsert.excluded[name] for name in columns}),
        rows)
    for row in rows:
        loaded = session.identity_map.get(identity_key(GuestValue, row["profile_id"]))
        if loaded is not None:
            session.expire(loaded)
