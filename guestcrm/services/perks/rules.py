"""The one rule engine for every offer: an offer's eligibility is data (`Eligibility`), checked
for contradictions when it is saved and evaluated against a guest's facts at a trigger (a
booking or a completed stay). Pure functions: no database, so the tests run in microseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from typing import Any

from guestcrm.errors import Refused
from guestcrm.services.value.settings import FREQUENCY_CLASSES, RECENCY_CLASSES, TIERS

PERK_TYPES: dict[str, str] = {
    "room_upgrade": "Room upgrade",
    "late_checkout": "Late check-out",
    "early_checkin": "Early check-in",
    "fb_credit": "Food & beverage credit",
    "percent_discount": "Percentage discount",
    "fixed_discount": "Fixed discount",
    "amenity": "Amenity",
    "welcome_gift": "Welcome gift",
}
# Perk types whose `amount` is a percentage, and those whose amount is money.
PERCENT_TYPES = ("percent_discount",)
MONEY_TYPES = ("fixed_discount", "fb_credit")
TRIGGERS: dict[str, str] = {
    "stay_completed": "when a stay is completed",
    "booking": "when a booking arrives",
}
OTA_CHANNELS = ("ota", "gds")
SEGMENTS = tuple(f"{r}_{f}" for r in RECENCY_CLASSES for f in FREQUENCY_CLASSES)
MAX_COUNT = 1000  # no stay count or cap in a rule goes beyond this


class OfferInvalid(Refused):
    """An offer whose values are wrong or whose rules contradict themselves; says why."""


@dataclass(frozen=True)
class Eligibility:
    """Who qualifies. Every condition that is set must hold (they combine with AND)."""

    trigger: str = "stay_completed"
    nth_stay: int | None = None  # the trigger stay is the guest's nth
    every_n_stays: int | None = None  # ... a multiple of n
    min_stays_12m: int | None = None  # stays completed in the 12 months up to the trigger
    min_nights_12m: int | None = None
    tiers: tuple[str, ...] = ()  # pyramid tiers (any of)
    segments: tuple[str, ...] = ()  # RFM segments (any of)
    ota_never_direct: bool = False  # the trigger stay came through an OTA; never booked direct
    first_direct: bool = False  # the trigger stay is the guest's first direct booking
    birthday_in_stay: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Eligibility:
        """From the stored/submitted form, refusing unknown keys and wrong kinds of values."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise OfferInvalid(f"unknown rule {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name in ("nth_stay", "every_n_stays", "min_stays_12m", "min_nights_12m"):
            values[name] = _count(name, data.get(name))
        for name in ("ota_never_direct", "first_direct", "birthday_in_stay"):
            value = data.get(name, False)
            if not isinstance(value, bool):
                raise OfferInvalid(f"{name} must be true or false")
            values[name] = value
        values["trigger"] = data.get("trigger", "stay_completed")
        if values["trigger"] not in TRIGGERS:
            raise OfferInvalid(f"trigger must be one of {', '.join(TRIGGERS)}")
        values["tiers"] = _choices("tiers", data.get("tiers"), TIERS)
        values["segments"] = _choices("segments", data.get("segments"), SEGMENTS)
        rule = cls(**values)
        rule.check()
        return rule

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if v not in (None, False, ())}
        out["trigger"] = self.trigger
        for name in ("tiers", "segments"):
            if name in out:
                out[name] = list(out[name])
        return out

    def check(self) -> None:
        """Refuse a rule no guest could ever meet, naming the clash."""
        n, every = self.nth_stay, self.every_n_stays
        if n is not None and every is not None and n % every:
            raise OfferInvalid(f"the {_ordinal(n)} stay is never a multiple of every "
                               f"{every} stays")
        # The stays of the last 12 months are among the guest's stays up to the trigger: all of
        # them for a completed stay, all but the new one for a booking.
        if n is not None:
            most = n if self.trigger == "stay_completed" else n - 1
            if self.min_stays_12m is not None and self.min_stays_12m > most:
                raise OfferInvalid(f"at least {self.min_stays_12m} stays in 12 months cannot "
                                   f"hold at the {_ordinal(n)} stay")
        if self.ota_never_direct and self.first_direct:
            raise OfferInvalid("a stay cannot both come through an OTA and be a direct booking")

    def describe(self) -> str:
        """The rule in the revenue manager's words."""
        parts = [TRIGGERS[self.trigger]]
        if self.nth_stay:
            parts.append(f"on the {_ordinal(self.nth_stay)} stay")
        if self.every_n_stays:
            parts.append(f"every {self.every_n_stays} stays")
        if self.min_stays_12m:
            parts.append(f"at least {self.min_stays_12m} stays in 12 months")
        if self.min_nights_12m:
            parts.append(f"at least {self.min_nights_12m} nights in 12 months")
        if self.tiers:
            parts.append("tier " + " or ".join(self.tiers))
        if self.segments:
            parts.append("segment " + " or ".join(self.segments))
        if self.ota_never_direct:
            parts.append("came through an OTA, never booked direct")
        if self.first_direct:
            parts.append("first direct booking")
        if self.birthday_in_stay:
            parts.append("birthday during the stay")
        return "; ".join(parts)


@dataclass(frozen=True)
class GuestFacts:
    """What the rules look at, about one guest at one trigger."""

    stay_number: int  # the trigger stay's place among the guest's stays (1: the first)
    stays_12m: int
    nights_12m: int
    direct_stays_before: int
    trigger_channel: str
    tier: str | None = None
    segment: str | None = None
    birthday_in_stay: bool = False


def qualifies(rule: Eligibility, facts: GuestFacts) -> bool:
    """Whether the guest meets every condition of the rule at this trigger."""
    n = facts.stay_number
    if rule.nth_stay is not None and n != rule.nth_stay:
        return False
    if rule.every_n_stays is not None and (n < 1 or n % rule.every_n_stays):
        return False
    if rule.min_stays_12m is not None and facts.stays_12m < rule.min_stays_12m:
        return False
    if rule.min_nights_12m is not None and facts.nights_12m < rule.min_nights_12m:
        return False
    if rule.tiers and facts.tier not in rule.tiers:
        return False
    if rule.segments and facts.segment not in rule.segments:
        return False
    if rule.ota_never_direct and (facts.trigger_channel not in OTA_CHANNELS
                                  or facts.direct_stays_before):
        return False
    if rule.first_direct and (facts.trigger_channel != "direct" or facts.direct_stays_before):
        return False
    return not (rule.birthday_in_stay and not facts.birthday_in_stay)


def birthday_within(birth_date: date | None, arrival: date | None, departure: date | None
                    ) -> bool:
    """Whether the guest's birthday falls on a day of the stay (arrival up to the last night;
    a day use counts its one day). 29 February is celebrated on 28 February in other years."""
    if birth_date is None or arrival is None:
        return False
    last = max(arrival, (departure or arrival) - timedelta(days=1))
    for year in range(arrival.year, last.year + 1):
        try:
            day = birth_date.replace(year=year)
        except ValueError:
            day = date(year, 2, 28)
        if arrival <= day <= last:
            return True
    return False


@dataclass(frozen=True)
class Candidate:
    offer_id: int
    priority: int
    stackable: bool


def choose_offers(qualifying: Iterable[Candidate]) -> list[int]:
    """Which of the qualifying offers issue at one trigger: by priority (lower first, then the
    older offer); stackable offers issue together, a non-stackable one only alone."""
    chosen: list[int] = []
    for candidate in sorted(qualifying, key=lambda c: (c.priority, c.offer_id)):
        if candidate.stackable:
            chosen.append(candidate.offer_id)
        elif not chosen:
            return [candidate.offer_id]
    return chosen


@dataclass(frozen=True)
class OfferTerms:
    """The parts of an offer outside the eligibility rule, checked together at save time."""

    perk_type: str
    amount: float | None
    valid_from: date | None
    valid_until: date | None
    blackouts: tuple[tuple[date, date], ...]
    max_issued: int | None
    max_redeemed: int | None
    max_per_guest_per_year: int | None
    code_valid_days: int
    priority: int

    def check(self) -> None:
        if self.perk_type not in PERK_TYPES:
            raise OfferInvalid(f"perk type must be one of {', '.join(PERK_TYPES)}")
        if self.perk_type in PERCENT_TYPES and not (self.amount and 0 < self.amount <= 100):
            raise OfferInvalid("a percentage discount needs a percentage above 0 and up to 100")
        if self.perk_type in MONEY_TYPES and not (self.amount and self.amount > 0):
            raise OfferInvalid(f"a {PERK_TYPES[self.perk_type].lower()} needs an amount above 0")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise OfferInvalid("the offer ends before it starts")
        for first, last in self.blackouts:
            if last < first:
                raise OfferInvalid(f"the blackout {first}–{last} ends before it starts")
        if self.valid_from and self.valid_until and _covered(
                self.valid_from, self.valid_until, self.blackouts):
            raise OfferInvalid("blackout dates cover the whole validity window")
        for name in ("max_issued", "max_redeemed", "max_per_guest_per_year"):
            _count(name, getattr(self, name), least=1)
        if (self.max_issued is not None and self.max_redeemed is not None
                and self.max_redeemed > self.max_issued):
            raise OfferInvalid("more redemptions than perks issued can never happen")
        if not 1 <= self.code_valid_days <= 1095:
            raise OfferInvalid("codes stay valid between 1 and 1095 days")
        if not 0 <= self.priority <= 1000:
            raise OfferInvalid("priority is between 0 and 1000")


def parse_blackouts(ranges: Sequence[Sequence[str]] | None) -> tuple[tuple[date, date], ...]:
    out = []
    for item in ranges or ():
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise OfferInvalid("a blackout is a first and a last date")
        try:
            first, last = (date.fromisoformat(str(v)) for v in item)
        except ValueError as exc:
            raise OfferInvalid(f"blackout date: {exc}") from None
        out.append((first, last))
    return tuple(out)


def nights_blacked_out(arrival: date, departure: date,
                       blackouts: Iterable[tuple[date, date]]) -> bool:
    """Whether a night of the stay (a day use: its day) falls in a blackout."""
    last = max(arrival, departure - timedelta(days=1))
    return any(first <= last and arrival <= end for first, end in blackouts)


def _covered(first: date, last: date, blackouts: Iterable[tuple[date, date]]) -> bool:
    day = first
    for start, end in sorted(blackouts):
        if start > day:
            return False
        day = max(day, end + timedelta(days=1))
        if day > last:
            return True
    return day > last


def _count(name: str, value: Any, least: int = 1) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise OfferInvalid(f"{name} must be a whole number")
    if not least <= value <= MAX_COUNT:
        raise OfferInvalid(f"{name} must be between {least} and {MAX_COUNT}")
    return value


def _choices(name: str, values: Any, allowed: Sequence[str]) -> tuple[str, ...]:
    if not values:
        return ()
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise OfferInvalid(f"{name} must be a list")
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise OfferInvalid(f"unknown {name}: {', '.join(unknown)}")
    return tuple(sorted(set(values), key=list(allowed).index))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
