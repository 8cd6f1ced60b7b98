"""The plain facts the recognition rules look at, and the flags they raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from guestcrm.services.value import ValueFigures


@dataclass(frozen=True)
class VipFact:
    code: str
    label: str
    colour: str
    rank: int
    reason: str
    set_by: str
    source: str


@dataclass(frozen=True)
class ComplaintFact:
    occurred_on: date
    category: str
    description: str
    resolution: str | None
    compensation: str | None
    property_name: str | None


@dataclass(frozen=True)
class PreferenceFact:
    key: str
    value: str
    times_seen: int
    here_only: bool


@dataclass
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


@dataclass(frozen=True)
class Flag:
    code: str
    label: str
    colour: str
    priority: int
    reason: str
    facts: dict[str, Any] = field(default_factory=dict)
    rule_label: str = ""  # the rule's own name, for filters (label may be e.g. "VIP1")
