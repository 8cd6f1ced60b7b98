"""Recognition rules as data: which flags exist, their priority, colour, wording thresholds.

Each rule kind has one small evaluator over plain `ArrivalFacts`; whether it runs, how much it
matters and its thresholds come from `RuleSetting`s (defaults here, the hotel's changes stored as
JSON in crm_setting "recognition.rules"). Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

# arrival_priority (the sort key) lives beside the Arrival; still importable from here.
from guestcrm.services.recognition.facts import ArrivalFacts, Flag
from guestcrm.services.recognition.facts import arrival_priority as arrival_priority

SETTING_KEY = "recognition.rules"
TIER_LABELS = {"vip": "VIP tier", "major": "Major guest", "ordinary": "Ordinary", "small": "Small"}


@dataclass(frozen=True)
class RuleSetting:
    code: str
    label: str
    priority: int
    colour: str
    enabled: bool = True
    params: dict[str, Any] = field(default_factory=dict)


DEFAULT_RULES: tuple[RuleSetting, ...] = (
    RuleSetting("vip", "VIP", 100, "#7a4cc2"),
    RuleSetting("complaint", "Past complaint", 90, "#b42318", params={"within_days": 730}),
    RuleSetting("celebration", "Celebration", 80, "#c2185b",
                params={"birthday": True, "anniversary": True, "first_stay_years": True}),
    RuleSetting("perk", "Perk to hand over", 75, "#1e6b3a"),
    RuleSetting("top_tier", "Top guest", 70, "#8a5a00", params={"tiers": ["vip", "major"]}),
    RuleSetting("first_direct", "First direct booking", 65, "#137333",
                params={"min_ota_stays": 1}),
    RuleSetting("win_back", "Welcome back", 60, "#0b7285", params={"absent_days": 365}),
    RuleSetting("returning", "Returning", 50, "#1f5fbf", params={"min_previous_stays": 1}),
    RuleSetting("unreliable", "Cancels often", 40, "#5b6475",
                params={"min_cancellations": 3, "min_no_shows": 1}),
    RuleSetting("preferences", "Prepare", 30, "#6b4f1d",
                params={"keys": ["room_type", "bed", "floor", "pillow", "dietary", "cot",
                                 "allergy", "quiet_room", "accessible", "smoking", "view"]}),
    RuleSetting("rfm", "Segment", 20, "#3d5a80",
                params={"segments": ["silent_regular", "silent_fan", "sleeping_regular",
                                     "sleeping_fan", "lost_regular", "lost_fan", "active_fan"]}),
    RuleSetting("first_stay", "First stay", 10, "#495057"),
)


Evaluator = Callable[[ArrivalFacts, dict[str, Any]], tuple[str, dict[str, Any]] | None]
EVALUATORS: dict[str, Evaluator] = {}


def rule(code: str) -> Callable[[Evaluator], Evaluator]:
    def register(func: Evaluator) -> Evaluator:
        EVALUATORS[code] = func
        return func

    return register


def merge_rules(stored: dict[str, Any] | None) -> list[RuleSetting]:
    """The defaults overlaid with the hotel's stored changes (unknown codes are ignored)."""
    stored = stored or {}
    merged = []
    for default in DEFAULT_RULES:
        change = stored.get(default.code) or {}
        merged.append(replace(
            default,
            label=str(change.get("label", default.label))[:64],
            priority=int(change.get("priority", default.priority)),
            colour=str(change.get("colour", default.colour)),
            enabled=bool(change.get("enabled", default.enabled)),
            params={**default.params, **(change.get("params") or {})},
        ))
    return merged


class CompiledRule(NamedTuple):
    """An enabled rule resolved once for a whole arrivals list: its evaluator and settings."""

    code: str
    label: str
    colour: str
    priority: int
    run: Evaluator
    params: dict[str, Any]


def compile_rules(rules: Sequence[RuleSetting]) -> tuple[CompiledRule, ...]:
    """The enabled rules in order, looked up once rather than once per arrival."""
    return tuple(CompiledRule(r.code, r.label, r.colour, r.priority, EVALUATORS[r.code], r.params)
                 for r in rules if r.enabled)


def evaluate(facts: ArrivalFacts, rules: Sequence[RuleSetting]) -> list[Flag]:
    """The flags this guest earns, most important first."""
    return evaluate_compiled(facts, compile_rules(rules))


def _negative_priority(flag: Flag) -> int:
    return -flag.priority


def evaluate_compiled(facts: ArrivalFacts, compiled: Sequence[CompiledRule]) -> list[Flag]:
    """`evaluate` with the rules compiled beforehand (what a list of arrivals uses)."""
    flags = []
    for code, label, colour, priority, run, params in compiled:
        outcome = run(facts, params)
        if outcome is None:
            continue
        reason, data = outcome
        if "_colour" in data or "_label" in data or "_bonus" in data:
            flags.append(Flag(code, data.pop("_label", label), data.pop("_colour", colour),
                              priority + int(data.pop("_bonus", 0)), reason, data, label))
        else:
            flags.append(Flag(code, label, colour, priority, reason, data, label))
    flags.sort(key=_negative_priority)
    return flags


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _day(d: date | None) -> str:
    return _day_text(d) if d else "?"


@lru_cache(maxsize=8192)
def _day_text(d: date) -> str:
    # strftime costs more than the rest of a reason; a board repeats few dates.
    return f"{d.day} {d:%b %Y}"


def anniversary_in(when: date, start: date, end: date) -> date | None:
    """The day in [start, end] that has `when`'s month and day (29 Feb falls on 28 Feb)."""
    for year in range(start.year, end.year + 1):
        try:
            day = when.replace(year=year)
        except ValueError:
            day = date(year, 2, 28)
        if start <= day <= end:
            return day
    return None


@rule("vip")
def _vip(f: ArrivalFacts, _p: dict) -> tuple[str, dict] | None:
    if f.vip is not None:
        v = f.vip
        how = "suggested from spend" if v.source == "pyramid" else f"set by {v.set_by}"
        return (f"{v.label} ({v.code}): {v.reason} — {how}",
                {"level": v.code, "rank": v.rank, "why": v.reason, "set_by": v.set_by,
                 "source": v.source, "_colour": v.colour, "_label": v.code,
                 # VIP1 before VIP3 among the VIPs of the day.
                 "_bonus": max(0, 10 - v.rank)})
    if f.pms_vip:
        return (f"VIP code {f.pms_vip} from the booking system", {"level": f.pms_vip,
                                                                  "source": "pms"})
    return None


@rule("returning")
def _returning(f: ArrivalFacts, p: dict) -> tuple[str, dict] | None:
    previous = f.history.completed_stays
    if previous < int(p.get("min_previous_stays", 1)):
        return None
    nth = previous + 1
    where = f"last stayed at {f.last_property_name or 'one of our hotels'}"
    reason = f"{ordinal(nth)} stay with the group ({f.stays_here} here before); {where}, " \
             f"left {_day(f.history.last_stay)}"
    return reason, {"nth_stay": nth, "previous_stays": previous, "stays_here": f.stays_here,
                    "last_property": f.last_property_name,
                    "last_stay": f.history.last_stay.isoformat() if f.history.last_stay else None}


@rule("first_stay")
def _first_stay(f: ArrivalFacts, _p: dict) -> tuple[str, dict] | None:
    if f.profile_id is None or f.history.completed_stays:
        return None
    return "First stay with the group: welcome them and show them around", {"nth_stay": 1}


@rule("top_tier")
def _top_tier(f: ArrivalFacts, p: dict) -> tuple[str, dict] | None:
    if f.tier not in p.get("tiers", []):
        return None
    return (f"{TIER_LABELS.get(f.tier, f.tier)} in the customer pyramid (by group-wide spend)",
            {"tier": f.tier, "_label": TIER_LABELS.get(f.tier, f.tier)})


@rule("rfm")
def _rfm(f: ArrivalFacts, p: dict) -> tuple[str, dict] | None:
    if not f.segment or f.segment not in p.get("segments", []):
        return None
    return (f"{f.segment_label}: {f.segment_action}",
            {"segment": f.segment, "action": f.segment_action, "_label": f.segment_label})


@rule("celebration")
def _celebration(f: ArrivalFacts, p: dict) -> tuple[str, dict] | None:
    end = f.departure or f.arrival
    found: list[tuple[str, date]] = []
    if p.get("birthday") and f.birth_date:
        day = anniversary_in(f.birth_date, f.arrival, end)
        if day:
            found.append((f"birthday on {_day(day)} (turns {day.year - f.birth_date.year})", day))
    if p.get("anniversary") and f.anniversary:
        day = anniversary_in(f.anniversary, f.arrival, end)
        if day:
            found.append((f"anniversary on {_day(day)}", day))
    if p.get("first_stay_years") and f.history.first_stay:
        day = anniversary_in(f.history.first_stay, f.arrival, end)
        years = day.year - f.history.first_stay.year if day else 0
        if day and years >= 1:
            found.append((f"{years} years since their first stay", day))
    if not found:
        return None
    text = "; ".join(text for text, _ in found)
    return (text[:1].upper() + text[1:],
            {"occasions": [{"what": text, "on": day.isoformat()} for text, day in found]})


@rule("complaint")
def _complaint(f: ArrivalFacts, p: dict) -> tuple[str, dict] | None:
    within = int(p.get("within_days", 730))
    recent = [c for c in f.complaints if 0 <= (f.arrival - c.occurred_on).days <= within]
    if not recent:
        return None
    last = max(recent, key=lambda c: c.occurred_on)
    resolved = last.resolution or "no resolution recorded"
    if last.compensation:
        resolved += f" (compensation: {last.compensation})"
    where = f" at {last.property_name}" if last.property_name else ""
    more = f" — {len(recent)} complaints in all" if len(recent) > 1 else ""
    return (f"Complained {_day(last.occurred_on)}{where} about {last.category}: "
            f"{last.description[:120]}. Resolved: {resolved}{more}",
            {"count": len(recent), "last": {"on": last.occurred_on.isoformat(),
                                             "category": last.category,
                                             "description": last.description,
                                             "resolution": last.resolution,
                                             "compensation": last.compensation}})


@rule("win_back")
def _win_back(f: ArrivalFacts, p: dict) -> tuple[str, dict] | None:
    last = f.history.last_stay
    if last is None:
        return None
    away = (f.arrival - last).days
    if away < int(p.get("absent_days", 365)):
        return None
    years = away / 365.25
    span = f"{years:.1f} years" if years >= 1 else f"{away} days"
    return f"Back after {span} away (last stay ended {_day(last)})", {"days_away": away}


@rule("first_direct")
def _first_direct(f: ArrivalFacts, p: dict) -> tuple[str, dict] | None:
    ota = f.history.ota_stays
    if f.channel != "direct" or f.history.direct_stays or ota < int(p.get("min_ota_stays", 1)):
        return None
    return (f"First direct booking after {ota} stay{'s' if ota > 1 else ''} through online "
            "agencies: thank them for booking with us", {"ota_stays": ota})


@rule("perk")
def _perk(f: ArrivalFacts, p: dict) -> tuple[str, dict] | None:
    if not f.perks:
        return None
    return "Hand over: " + "; ".join(f"{x.label}, code {x.code}" for x in f.perks), {
        "perks": [{"code": x.code, "label": x.label, "expires_on": x.expires_on.isoformat()}
                  for x in f.perks]}


@rule("preferences")
def _preferences(f: ArrivalFacts, p: dict) -> tuple[str, dict] | None:
    keys = p.get("keys") or []
    prefs = [x for x in f.preferences if not keys or x.key in keys]
    if not prefs and not f.special_requests:
        return None
    parts = [f"{x.key.replace('_', ' ')}: {x.value}" + (" (guest's own wish)" if x.own_wish else "")
             for x in prefs]
    parts += [f"request: {r[:80]}" for r in f.special_requests]
    return "Prepare " + "; ".join(parts), {
        "preferences": [{"key": x.key, "value": x.value, "times_seen": x.times_seen,
                         "own_wish": x.own_wish}
                        for x in prefs],
        "special_requests": f.special_requests}


@rule("unreliable")
def _unreliable(f: ArrivalFacts, p: dict) -> tuple[str, dict] | None:
    c, n = f.history.cancellations, f.history.no_shows
    if c < int(p.get("min_cancellations", 3)) and n < int(p.get("min_no_shows", 1)):
        return None
    return (f"{c} cancellation{'s' if c != 1 else ''} and {n} no-show{'s' if n != 1 else ''} "
            "before: confirm the guarantee", {"cancellations": c, "no_shows": n})
