"""Before an offer is published: how many guests qualify now (as if each booked, or completed,
one more stay today), and what it would have issued and cost over the last 12 months of real
stays, per hotel and month. One read of per-guest figures serves every offer at once, which is
also how all published offers are evaluated over the whole guest base."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from guestcrm.models import GuestProfile, GuestValue, Stay, StayGuest
from guestcrm.services.perks.guest_facts import YEAR, facts_at, load_guest_stays, trigger_day
from guestcrm.services.perks.rules import Eligibility, GuestFacts, qualifies
from guestcrm.services.value.counters import HAPPENED, HAPPENED_WHEN_PAST

STREAM_BATCH = 20_000


@dataclass(frozen=True)
class GuestFigures:
    """Per guest, what `qualifying_now` evaluates rules on."""

    profile_id: int
    completed: int
    stays_12m: int
    nights_12m: int
    direct: int
    ota: int
    tier: str | None
    segment: str | None


def facts_now(figures: GuestFigures, rule: Eligibility) -> GuestFacts:
    """The guest's facts if they booked (or completed) one more stay today, through the
    channel the rule asks about."""
    completing = rule.trigger == "stay_completed"
    channel = "ota" if rule.ota_never_direct else "direct" if rule.first_direct else "other"
    return GuestFacts(stay_number=figures.completed + 1,
                      stays_12m=figures.stays_12m + (1 if completing else 0),
                      nights_12m=figures.nights_12m, direct_stays_before=figures.direct,
                      trigger_channel=channel, tier=figures.tier, segment=figures.segment,
                      # Birthdays depend on the dates of a stay no one has booked yet.
                      birthday_in_stay=True)


def qualifying_now(session: Session, rules: dict[int, Eligibility],
                   property_ids: dict[int, list[int] | None], today: date | None = None
                   ) -> dict[int, int]:
    """Offer id -> guests who would qualify at their next stay (among guests of its hotels)."""
    counts = dict.fromkeys(rules, 0)
    limited = {oid: set(ids) for oid, ids in property_ids.items() if ids is not None}
    for figures, hotels in guest_figures(session, today or date.today(), bool(limited)):
        made: dict[tuple, GuestFacts] = {}  # the guest's facts per kind of trigger
        for offer_id, rule in rules.items():
            wanted = limited.get(offer_id)
            if wanted is not None and not hotels.intersection(wanted):
                continue
            if rule.ota_never_direct and not figures.ota:
                continue
            variant = (rule.trigger, rule.ota_never_direct, rule.first_direct)
            facts = made.get(variant)
            if facts is None:
                facts = made[variant] = facts_now(figures, rule)
            if qualifies(rule, facts):
                counts[offer_id] += 1
    return counts


def guest_figures(session: Session, today: date, with_hotels: bool = False
                  ) -> Iterator[tuple[GuestFigures, set[int]]]:
    """Every live guest with a stay: their figures (and, when asked, the hotels they stayed
    at), from one aggregate query streamed in chunks."""
    happened = _happened(today)
    recent = and_(happened, Stay.departure > today - YEAR)
    postgres = session.get_bind().dialect.name == "postgresql"
    hotels = ((func.array_agg(func.distinct(Stay.property_id)) if postgres
               else func.group_concat(func.distinct(Stay.property_id)))
              if with_hotels else literal(None))
    # A merge moves the stays to the survivor: only live profiles have stays to count.
    per_guest = (
        select(StayGuest.profile_id.label("pid"),
               func.sum(case((happened, 1), else_=0)).label("done"),
               func.sum(case((recent, 1), else_=0)).label("n12"),
               func.sum(case((recent, Stay.nights), else_=0)).label("nights12"),
               func.sum(case((and_(Stay.channel == "direct", Stay.status != "cancelled"), 1),
                             else_=0)).label("direct"),
               func.sum(case((and_(Stay.channel.in_(("ota", "gds")),
                                   Stay.status != "cancelled"), 1), else_=0)).label("ota"),
               hotels.label("hotels"))
        .join(Stay, Stay.id == StayGuest.stay_id)
        .group_by(StayGuest.profile_id).subquery())
    query = (select(per_guest.c.pid, per_guest.c.done, per_guest.c.n12, per_guest.c.nights12,
                    per_guest.c.direct, per_guest.c.ota, GuestValue.tier,
                    GuestValue.rfm_segment, per_guest.c.hotels)
             .outerjoin(GuestValue, GuestValue.profile_id == per_guest.c.pid))
    rows = session.execute(query.execution_options(yield_per=STREAM_BATCH))
    for pid, done, n12, nights12, direct, ota, tier, segment, stayed_at in rows:
        if isinstance(stayed_at, str):
            stayed_at = [int(h) for h in stayed_at.split(",")]
        yield (GuestFigures(pid, done or 0, n12 or 0, nights12 or 0, direct or 0, ota or 0,
                            tier, segment), set(stayed_at or ()))


@dataclass(frozen=True)
class SimulatedMonth:
    property_id: int
    month: str  # YYYY-MM
    issued: int
    cost: Decimal


def simulate(session: Session, rule: Eligibility, property_ids: Sequence[int] | None,
             unit_cost: Decimal, max_issued: int | None, max_per_guest_per_year: int | None,
             today: date | None = None) -> list[SimulatedMonth]:
    """What the offer would have issued over the last 12 months of real stays, in the order
    they happened, with its caps; the cost counts every perk as redeemed."""
    today = today or date.today()
    start = today - YEAR
    day_column = Stay.departure if rule.trigger == "stay_completed" else Stay.arrival
    query = select(Stay.id, Stay.profile_id).where(
        day_column > start, day_column <= today, Stay.profile_id.is_not(None),
        Stay.status.not_in(("cancelled", "no_show")))
    if property_ids is not None:
        query = query.where(Stay.property_id.in_(property_ids))
    trigger_stays = session.execute(query).all()
    histories = load_guest_stays(session, {pid for _, pid in trigger_stays})
    values = {pid: (tier, segment) for pid, tier, segment in session.execute(
        select(GuestValue.profile_id, GuestValue.tier, GuestValue.rfm_segment)
        .where(GuestValue.profile_id.in_(histories)))}
    births = dict(session.execute(select(GuestProfile.id, GuestProfile.birth_date)
                                  .where(GuestProfile.id.in_(histories))).all())
    events = []
    for stay_id, pid in trigger_stays:
        row = next(r for r in histories[pid] if r.id == stay_id)
        # As the booking arrived: its own status then was "confirmed", whatever it is now.
        day = trigger_day(row, rule.trigger, row.arrival or today)
        events.append((day, stay_id, pid, row))
    issued: dict[tuple[int, str], int] = defaultdict(int)
    per_guest: dict[int, list[date]] = defaultdict(list)
    total = 0
    for day, _, pid, row in sorted(events, key=lambda e: (e[0], e[1])):
        if max_issued is not None and total >= max_issued:
            break
        tier, segment = values.get(pid, (None, None))
        facts = facts_at(histories[pid], row, rule.trigger, day, tier=tier, segment=segment,
                         birth_date=births.get(pid))
        if not qualifies(rule, facts):
            continue
        if max_per_guest_per_year is not None and sum(
                1 for d in per_guest[pid] if d > day - YEAR) >= max_per_guest_per_year:
            continue
        per_guest[pid].append(day)
        issued[(row.property_id, day.strftime("%Y-%m"))] += 1
        total += 1
    return [SimulatedMonth(prop, month, n, unit_cost * n)
            for (prop, month), n in sorted(issued.items(), key=lambda i: (i[0][1], i[0][0]))]


def _happened(today: date):
    return (Stay.status.in_(HAPPENED)) | (Stay.status.in_(HAPPENED_WHEN_PAST)
                                          & (Stay.departure <= today))

