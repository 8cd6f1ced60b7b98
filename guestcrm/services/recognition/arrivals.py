"""Who arrives at a property on a day, which of them matter and why.

`arrivals_for` runs a fixed number of queries whatever the number of arrivals: the stays with
their guests' stored figures in one, then VIP levels, check-ins, complaints, preferences and the
few property names in one query each (plus the earlier stays for a past day), and the settings.
The rules themselves are pure (recognition_rules.py); they run once per list, compiled.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    Row,
    Text,
    and_,
    case,
    cast,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from guestcrm.models import (
    GuestProfile,
    GuestPropertyValue,
    GuestValue,
    Stay,
)
from guestcrm.services.recognition import arrival_lookups as lookups
from guestcrm.services.recognition.facts import (
    Arrival,
    ArrivalFacts,
    ComplaintFact,
    PerkFact,
    PreferenceFact,
    VipFact,
)
from guestcrm.services.recognition.rules import compile_rules, evaluate_compiled
from guestcrm.services.value.counters import stay_happened
from guestcrm.services.value.figures import ValueFigures, summarize

ARRIVING = ("requested", "confirmed", "checked_in")


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a list of arrivals is built and written out.

    A board is thousands of small objects (facts, flags, their dicts) that live until the
    response is written and then go by reference counting alone: none of them is in a cycle.
    Built with the collector on, they are scanned and promoted generation by generation until
    they trigger a full collection of the whole process (tens of milliseconds: the slowest
    requests were exactly those). Nested use is fine; an outer pause is left alone.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# Core columns, not ORM attributes: the rows are plain tuples either way, and a Core select
# skips the ORM's per-statement and per-row work.
_S = Stay.__table__.c
_GP, _GV = GuestProfile.__table__.c, GuestValue.__table__.c
_GPV = GuestPropertyValue.__table__.c
_COLUMNS = (
    _S.id, _S.external_id, _S.arrival, _S.departure, _S.nights, _S.room_type, _S.room_number,
    _S.adults, _S.children, _S.channel, _S.channel_name, _S.status, _S.profile_id,
    # Most stays ask for nothing: send no JSON to parse for them.
    type_coerce(case((cast(_S.special_requests, Text) == "[]", None),
                     else_=_S.special_requests), Stay.special_requests.type),
    _GP.first_name, _GP.last_name, _GP.birth_date, _GP.vip_level, _GV.tier, _GV.rfm_segment,
    _GP.completed_stays, _GP.cancellations, _GP.no_shows, _GP.first_stay, _GP.last_stay,
    _GV.direct_stays, _GV.ota_stays, _GV.last_property_id, _GPV.completed_stays,
)


def arrivals_for(
    session: Session, property_id: int, day: date, stay_ids: list[int] | None = None,
    today: date | None = None,
) -> list[Arrival]:
    """The property's arrivals on `day`, most important first.

    For today and later the guests' past comes from their stored figures (the lead's counters
    and guest_value, kept current on every ingest and nightly): an arrival that has not
    happened yet is not in them. For a past day the stays before it are read and counted.
    """
    stored = day >= (today or date.today())
    where = [_S.property_id == property_id, _S.arrival == day, _S.status.in_(ARRIVING)]
    if stay_ids is not None:
        where.append(_S.id.in_(stay_ids))
    query = (
        select(*_COLUMNS).select_from(Stay.__table__)
        .outerjoin(GuestProfile.__table__, _GP.id == _S.profile_id)
        .outerjoin(GuestValue.__table__, _GV.profile_id == _S.profile_id)
        .outerjoin(GuestPropertyValue.__table__, and_(_GPV.profile_id == _S.profile_id,
                                                      _GPV.property_id == property_id))
        .where(*where)
    )
    rows = session.execute(query).all()
    if not rows:
        return []
    # The follow-up queries select by these subqueries rather than by 500 bound ids, which
    # cost more to compile and send than to run.
    profile_ids = select(_S.profile_id).where(*where, _S.profile_id.is_not(None))
    stay_id_query = select(_S.id).where(*where)
    # VIPs and check-ins by key lookups of their own: joined in, a misestimated row count
    # (all arrivals on one date) made the planner scan them once per arrival.
    vips = lookups.vips(session, profile_ids)
    checked = lookups.checked_in(session, stay_id_query)
    history = None if stored else lookups.history(session, profile_ids, day)
    complaints = lookups.complaints(session, profile_ids)
    preferences = lookups.preferences(session, profile_ids, property_id)
    perks = lookups.perks(session, profile_ids, property_id, day)
    last_hotels = {r[27] for r in rows if r[27] is not None}
    names = lookups.property_names(session, last_hotels | {property_id})
    rules, actions = lookups.settings(session)
    compiled = compile_rules(rules)
    shared = _Shared(vips, history, complaints, preferences, actions, names, day, perks)
    code = names[property_id][0]

    result = []
    for r in rows:
        facts = _facts(r, property_id, shared)
        result.append(Arrival(
            r[0], r[1], code, r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
            r[12], facts.name or "Unknown guest", checked.get(r[0]),
            evaluate_compiled(facts, compiled)))
    result.sort(key=_sort_key)
    return result


def _sort_key(a: Arrival) -> tuple[int, int, str]:
    return (-a.rank[0], -a.rank[1], a.guest_name)


@dataclass(slots=True)
class _Shared:
    """What every arrival's facts draw on, read once for the whole list."""

    vips: dict[int, VipFact]
    history: lookups.History | None
    complaints: dict[int, list[ComplaintFact]]
    preferences: dict[int, list[tuple[str, str, int, bool, bool]]]
    actions: dict[str, tuple[str, str]]
    names: dict[int, tuple[str, str | None]]
    day: date
    perks: dict[int, list[PerkFact]]


def _facts(r: Row, property_id: int, shared: _Shared) -> ArrivalFacts:
    (sid, _ext, arrival, departure, _nights, _rt, _rn, _ad, _ch, channel, channel_name, _st, pid,
     requests, first_name, last_name, birth_date, pms_vip, tier, segment, completed,
     cancellations, no_shows, first_stay, last_stay, direct, ota, last_property_id,
     stays_here) = r
    facts = ArrivalFacts(sid, arrival, departure, channel, channel_name, property_id, pid,
                         special_requests=list(requests) if requests else [])
    if pid is None:
        return facts
    facts.name = (f"{first_name} {last_name}" if first_name and last_name
                  else first_name or last_name or f"Guest #{pid}")
    facts.birth_date = birth_date
    history = shared.history
    if history is None:
        facts.history = ValueFigures(
            completed_stays=completed or 0, cancellations=cancellations or 0,
            no_shows=no_shows or 0, first_stay=first_stay, last_stay=last_stay,
            last_property_id=last_property_id, direct_stays=direct or 0, ota_stays=ota or 0)
        facts.stays_here = stays_here or 0
        if last_property_id is not None:
            facts.last_property_name = shared.names[last_property_id][1]
    else:
        day = shared.day
        earlier = history.stays.get(pid, [])
        facts.history = summarize(earlier, day)
        facts.stays_here = sum(1 for s in earlier if s.property_id == property_id
                               and stay_happened(s.status, s.departure, day))
        facts.last_property_name = history.names.get(facts.history.last_property_id)
    vip = shared.vips.get(pid)
    if vip is not None:
        facts.vip = vip
    elif pms_vip:
        facts.pms_vip = pms_vip
    facts.tier, facts.segment = tier, segment
    if segment in shared.actions:
        facts.segment_label, facts.segment_action = shared.actions[segment]
    facts.complaints = shared.complaints.get(pid, [])
    facts.perks = shared.perks.get(pid, [])
    prefs = shared.preferences.get(pid)
    if prefs:
        facts.preferences = [PreferenceFact(*p) for p in prefs if p[0] != "anniversary"]
        facts.anniversary = next((_parse_day(p[1]) for p in prefs if p[0] == "anniversary"),
                                 None)
    return facts


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None
