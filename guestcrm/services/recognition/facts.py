"""The plain facts the recognition rules look at, the flags they raise, and the arrivals that
carry them to the board, the CSV and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from guestcrm.services.value.figures import ValueFigures


@dataclass(frozen=True, slots=True)
class VipFact:
    code: str
    label: str
    colour: str
    rank: int
    reason: str
    set_by: str
    source: str


@dataclass(frozen=True, slots=True)
class ComplaintFact:
    occurred_on: date
    category: str
    description: str
    resolution: str | None
    compensation: str | None
    property_name: str | None


GUEST_SOURCE = "guest"  # preferences the guest gave in the portal (services/portal)


@dataclass(frozen=True, slots=True)
class PreferenceFact:
    key: str
    value: str
    times_seen: int
    here_only: bool
    own_wish: bool = False  # the guest said so in the portal


@dataclass(frozen=True, slots=True)
class PerkFact:
    """A perk the guest holds that the desk hands over (services/perks)."""

    code: str
    label: str
    expires_on: date


@dataclass(slots=True)
class ArrivalFacts:
    """Everything the rules may look at for one arriving guest, as plain values."""

    stay_id: int
    arrival: date
    departure: date | None
    channel: str
    channel_name: str | None
    property_id: int
    profile_id: int | None = None
    name: str = ""
    birth_date: date | None = None
    history: ValueFigures = field(default_factory=ValueFigures)
    stays_here: int = 0
    last_property_name: str | None = None
    vip: VipFact | None = None
    pms_vip: str | None = None
    tier: str | None = None
    segment: str | None = None
    segment_label: str | None = None
    segment_action: str | None = None
    complaints: list[ComplaintFact] = field(default_factory=list)
    preferences: list[PreferenceFact] = field(default_factory=list)
    special_requests: list[str] = field(default_factory=list)
    anniversary: date | None = None
    perks: list[PerkFact] = field(default_factory=list)


@dataclass(slots=True)
class Flag:
    """One reason to notice a guest. Treat it as read-only (not frozen only because a board
    builds thousands of them and a frozen dataclass costs four times as much to create)."""

    code: str
    label: str
    colour: str
    priority: int
    reason: str
    facts: dict[str, Any] = field(default_factory=dict)
    rule_label: str = ""  # the rule's own name, for filters (label may be e.g. "VIP1")


def arrival_priority(flags: list[Flag]) -> tuple[int, int]:
    """Sort key part: the most important flag first, then how much there is to know."""
    return (max((f.priority for f in flags), default=0), sum(f.priority for f in flags))


@dataclass(slots=True)
class Arrival:
    """One arriving stay with its guest and flags: what the board, the CSV and the API show."""

    stay_id: int
    external_id: str
    property_code: str
    arrival: date
    departure: date | None
    nights: int
    room_type: str | None
    room_number: str | None
    adults: int | None
    children: int | None
    channel: str
    channel_name: str | None
    status: str
    profile_id: int | None
    guest_name: str
    checked_in_at: datetime | None
    flags: list[Flag] = field(default_factory=list)
    # (top flag priority, sum of priorities): computed once, it sorts the list and is shown.
    rank: tuple[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.rank = arrival_priority(self.flags)

    @property
    def priority(self) -> int:
        return self.rank[0]

    @property
    def stay_line(self) -> str:
        parts = [f"{self.nights} night{'s' if self.nights != 1 else ''}"]
        parts += [x for x in (self.room_type,
                              f"room {self.room_number}" if self.room_number else None) if x]
        guests = " ".join(x for x in (f"{self.adults} ad." if self.adults else "",
                                      f"{self.children} ch." if self.children else "") if x)
        parts += [x for x in (guests, self.channel_name or self.channel, self.external_id) if x]
        return " · ".join(parts)

    @property
    def checked_in(self) -> bool:
        return self.checked_in_at is not None or self.status == "checked_in"
