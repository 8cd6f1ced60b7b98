"""What the revenue manager watches: direct share of bookings, room nights and revenue by month,
hotel and channel; perks issued, redeemed, expired and reversed with their cost; whether guests
who got a perk after an OTA stay booked direct more often than comparable guests who did not;
the commission saved; the repeat rate. Grouping happens in SQL; only totals come back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, exists, extract, func, select
from sqlalchemy.orm import Session, aliased

from guestcrm.models import GuestProfile, Perk, PerkOffer, Stay
from guestcrm.services.value.counters import HAPPENED, HAPPENED_WHEN_PAST
from guestcrm.services.value.figures import commission_rate
from guestcrm.services.value.settings import load_value_settings

OTA = ("ota", "gds")
ZERO = Decimal("0")


def offer_counts(session: Session, offer_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per offer: perks issued in all, and how many are redeemed / expired / reversed now."""
    out = {i: {"issued": 0, "redeemed": 0, "expired": 0, "reversed": 0} for i in offer_ids}
    if not offer_ids:
        return out
    rows = session.execute(
        select(Perk.offer_id, Perk.status, func.count(), func.count(Perk.reversed_at))
        .where(Perk.offer_id.in_(offer_ids)).group_by(Perk.offer_id, Perk.status))
    for offer_id, status, n, reversed_ in rows:
        out[offer_id]["issued"] += n
        if status in ("redeemed", "expired"):
            out[offer_id][status] += n
        out[offer_id]["reversed"] += reversed_
    return out


@dataclass
class Share:
    bookings: int = 0
    direct_bookings: int = 0
    nights: int = 0
    direct_nights: int = 0
    revenue: Decimal = ZERO
    direct_revenue: Decimal = ZERO

    def add(self, direct: bool, bookings: int, nights: int, revenue: Decimal) -> None:
        self.bookings += bookings
        self.nights += nights
        self.revenue += revenue
        if direct:
            self.direct_bookings += bookings
            self.direct_nights += nights
            self.direct_revenue += revenue

    def share(self, part: str) -> float:
        total = getattr(self, part)
        return round(float(getattr(self, f"direct_{part}")) / float(total), 4) if total else 0.0


@dataclass
class PerkMonth:
    issued: int = 0
    redeemed: int = 0
    expired: int = 0
    reversed: int = 0
    cost: Decimal = ZERO


@dataclass
class Conversion:
    guests: int = 0
    converted: int = 0

    @property
    def rate(self) -> float:
        return round(self.converted / self.guests, 4) if self.guests else 0.0


@dataclass
class Analytics:
    months: list[str]
    by_month: dict[str, Share] = field(default_factory=dict)
    by_property: dict[int, Share] = field(default_factory=dict)
    by_channel: dict[str, Share] = field(default_factory=dict)
    perks: dict[str, PerkMonth] = field(default_factory=dict)
    with_perk: Conversion = field(default_factory=Conversion)
    without_perk: Conversion = field(default_factory=Conversion)
    commission_saved: Decimal = ZERO
    commission_saved_by_perk_holders: Decimal = ZERO
    repeat_guests: int = 0
    guests: int = 0

    @property
    def repeat_rate(self) -> float:
        return round(self.repeat_guests / self.guests, 4) if self.guests else 0.0

    @property
    def perk_totals(self) -> PerkMonth:
        total = PerkMonth()
        for m in self.perks.values():
            total.issued += m.issued
            total.redeemed += m.redeemed
            total.expired += m.expired
            total.reversed += m.reversed
            total.cost += m.cost
        return total


def month_range(first: date, last: date) -> list[str]:
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def analytics(session: Session, first: date, last: date,
              property_ids: Iterable[int] | None = None) -> Analytics:
    """The figures for stays arriving from `first` to `last` (and perks of that time) at these
    hotels (None: all)."""
    hotels = None if property_ids is None else sorted(set(property_ids))
    out = Analytics(month_range(first, last))
    out.by_month = {m: Share() for m in out.months}
    out.perks = {m: PerkMonth() for m in out.months}
    _shares(session, out, first, last, hotels)
    _perks(session, out, first, last, hotels)
    _conversion(session, out, first, last, hotels)
    _commission(session, out, first, last, hotels)
    _repeat(session, out, first, last, hotels)
    return out


def _in_hotels(column, hotels: list[int] | None):
    return column.in_(hotels) if hotels is not None else True


def _month(year: float, month: float) -> str:
    return f"{int(year):04d}-{int(month):02d}"


def _shares(session, out: Analytics, first, last, hotels) -> None:
    rows = session.execute(
        select(extract("year", Stay.arrival), extract("month", Stay.arrival), Stay.property_id,
               Stay.channel, func.coalesce(Stay.channel_name, Stay.channel), func.count(),
               func.coalesce(func.sum(Stay.nights), 0), func.coalesce(func.sum(Stay.amount), 0))
        .where(Stay.arrival >= first, Stay.arrival <= last, Stay.status != "cancelled",
               _in_hotels(Stay.property_id, hotels))
        .group_by(extract("year", Stay.arrival), extract("month", Stay.arrival),
                  Stay.property_id, Stay.channel, func.coalesce(Stay.channel_name, Stay.channel)))
    for year, month, prop, kind, channel, n, nights, revenue in rows:
        direct, revenue = kind == "direct", Decimal(str(revenue))
        out.by_month.setdefault(_month(year, month), Share()).add(direct, n, int(nights), revenue)
        out.by_property.setdefault(prop, Share()).add(direct, n, int(nights), revenue)
        out.by_channel.setdefault(channel, Share()).add(direct, n, int(nights), revenue)


def _perks(session, out: Analytics, first, last, hotels) -> None:
    def grouped(column, where, what):
        dates = what == "expired"  # expires_on is a date; the others are moments
        low, high = (first, last + timedelta(days=1)) if dates else (_start(first), _after(last))
        query = (select(extract("year", column), extract("month", column), func.count(),
                        func.coalesce(func.sum(PerkOffer.unit_cost), 0))
                 .join(PerkOffer, PerkOffer.id == Perk.offer_id)
                 .where(column >= low, column < high, *where)
                 .group_by(extract("year", column), extract("month", column)))
        if hotels is not None:
            query = query.where(Perk.profile_id.in_(_guests_of(hotels)))
        for year, month, n, cost in session.execute(query):
            bucket = out.perks.setdefault(_month(year, month), PerkMonth())
            setattr(bucket, what, getattr(bucket, what) + n)
            if what == "redeemed":
                bucket.cost += Decimal(str(cost))

    grouped(Perk.issued_at, (), "issued")
    grouped(Perk.redeemed_at, (Perk.status == "redeemed",), "redeemed")
    grouped(Perk.expires_on, (Perk.status == "expired",), "expired")
    grouped(Perk.reversed_at, (), "reversed")


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _after(day: date) -> datetime:
    """The first moment after the day (UTC)."""
    return _start(day + timedelta(days=1))


def _guests_of(hotels: list[int]):
    return select(Stay.profile_id).where(Stay.property_id.in_(hotels),
                                         Stay.profile_id.is_not(None))


def _conversion(session, out: Analytics, first, last, hotels) -> None:
    """Guests whose OTA stay earned a perk, against guests with an OTA stay in the period, no
    perk ever and no direct stay before it: the share of each that stayed or booked direct
    afterwards."""
    later = aliased(Stay)
    trigger = aliased(Stay)
    earlier = aliased(Stay)
    perk_rows = session.execute(
        select(Perk.profile_id, func.min(trigger.departure))
        .join(trigger, trigger.id == Perk.stay_id)
        .where(trigger.channel.in_(OTA), Perk.issued_at >= _start(first),
               Perk.issued_at < _after(last),
               _in_hotels(trigger.property_id, hotels))
        .group_by(Perk.profile_id)).all()
    out.with_perk = _converted(session, perk_rows, later)

    ota = (select(Stay.profile_id, func.min(Stay.departure).label("first_ota"))
           .where(Stay.channel.in_(OTA), Stay.departure >= first, Stay.departure <= last,
                  Stay.status.not_in(("cancelled", "no_show")), Stay.profile_id.is_not(None),
                  _in_hotels(Stay.property_id, hotels))
           .group_by(Stay.profile_id).subquery())
    comparable = session.execute(
        select(ota.c.profile_id, ota.c.first_ota)
        .where(~exists().where(Perk.profile_id == ota.c.profile_id),
               ~exists().where(earlier.profile_id == ota.c.profile_id,
                               earlier.channel == "direct", earlier.status != "cancelled",
                               earlier.arrival < ota.c.first_ota))).all()
    out.without_perk = _converted(session, comparable, later)


def _converted(session, rows: list, later) -> Conversion:
    """Of these (guest, day) pairs, how many have a direct stay arriving on or after the day."""
    result = Conversion(guests=len(rows))
    for start in range(0, len(rows), 5000):
        chunk = dict(rows[start:start + 5000])
        direct = session.execute(
            select(later.profile_id, func.max(later.arrival))
            .where(later.profile_id.in_(chunk), later.channel == "direct",
                   later.status != "cancelled").group_by(later.profile_id))
        result.converted += sum(1 for pid, arrival in direct
                                if arrival is not None and chunk[pid] is not None
                                and arrival >= chunk[pid])
    return result


def _commission(session, out: Analytics, first, last, hotels) -> None:
    """Direct revenue from guests who came through an OTA before, times the commission their
    OTA would have taken (the value settings' rate by channel)."""
    settings = load_value_settings(session)
    earlier = aliased(Stay)
    channel_of = (select(func.min(func.coalesce(earlier.channel_name, earlier.channel)))
                  .where(earlier.profile_id == Stay.profile_id, earlier.channel.in_(OTA),
                         earlier.arrival < Stay.arrival, earlier.status != "cancelled")
                  .correlate(Stay).scalar_subquery())
    held_perk = exists().where(Perk.profile_id == Stay.profile_id,
                               Perk.issued_at <= func.coalesce(Stay.booked_at, Stay.created_at))
    rows = session.execute(
        select(channel_of, held_perk, func.coalesce(func.sum(Stay.amount), 0))
        .where(Stay.channel == "direct", Stay.status != "cancelled", Stay.arrival >= first,
               Stay.arrival <= last, channel_of.is_not(None),
               _in_hotels(Stay.property_id, hotels))
        .group_by(channel_of, held_perk))
    for channel, perk, amount in rows:
        rate = commission_rate(channel, settings.commission) or commission_rate(
            "ota", settings.commission)
        saved = (Decimal(str(amount)) * Decimal(str(rate))).quantize(Decimal("0.01"))
        out.commission_saved += saved
        if perk:
            out.commission_saved_by_perk_holders += saved


def _repeat(session, out: Analytics, first, last, hotels) -> None:
    happened = (Stay.status.in_(HAPPENED)) | and_(Stay.status.in_(HAPPENED_WHEN_PAST),
                                                  Stay.departure <= date.today())
    guests = (select(Stay.profile_id.label("pid"))
              .where(happened, Stay.departure >= first, Stay.departure <= last,
                     Stay.profile_id.is_not(None), _in_hotels(Stay.property_id, hotels))
              .distinct().subquery())
    totals = session.execute(
        select(func.count(), func.count().filter(GuestProfile.completed_stays >= 2))
        .select_from(guests).join(GuestProfile, GuestProfile.id == guests.c.pid)).one()
    out.guests, out.repeat_guests = totals[0], totals[1]


def csv_rows(data: Analytics) -> list[list]:
    """One row a month, for the CSV export."""
    rows = []
    for month in data.months:
        s, p = data.by_month.get(month, Share()), data.perks.get(month, PerkMonth())
        rows.append([month, s.bookings, s.direct_bookings, s.share("bookings"), s.nights,
                     s.direct_nights, s.share("nights"), s.revenue, s.direct_revenue,
                     s.share("revenue"), p.issued, p.redeemed, p.expired, p.reversed, p.cost])
    return rows


CSV_HEADER = ["month", "bookings", "direct_bookings", "direct_share_bookings", "room_nights",
              "direct_room_nights", "direct_share_nights", "revenue", "direct_revenue",
              "direct_share_revenue", "perks_issued", "perks_redeemed", "perks_expired",
              "perks_reversed", "perk_cost"]
