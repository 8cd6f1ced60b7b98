"""Who arrives at a property on a day, which of them matter and why.

`arrivals_for` runs a fixed number of queries whatever the number of arrivals: the stays with
their guests' stored figures in one, then VIP levels, check-ins, complaints and preferences in
one query each (plus the earlier stays for a past day), and the settings. The rules themselves
are pure (recognition_rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, aliased

from guestcrm.models import (
    Complaint,
    CrmSetting,
    DeskEvent,
    GuestProfile,
    GuestPropertyValue,
    GuestValue,
    Preference,
    Property,
    RfmSegmentAction,
    Stay,
    StayGuest,
    VipAssignment,
    VipLevel,
)
from guestcrm.services import recognition_rules as rules_mod
from guestcrm.services.counters import stay_happened
from guestcrm.services.recognition_facts import (
    ArrivalFacts,
    ComplaintFact,
    Flag,
    PreferenceFact,
    VipFact,
)
from guestcrm.services.recognition_rules import arrival_priority, evaluate, merge_rules
from guestcrm.services.value import StayFact, ValueFigures, summarize
from guestcrm.services.value_settings import DEFAULT_ACTIONS, segment_label

ARRIVING = ("requested", "confirmed", "checked_in")
LastProperty = aliased(Property)


@dataclass
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

    @property
    def priority(self) -> int:
        return arrival_priority(self.flags)[0]

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
    where = [Stay.property_id == property_id, Stay.arrival == day, Stay.status.in_(ARRIVING)]
    if stay_ids is not None:
        where.append(Stay.id.in_(stay_ids))
    # Plain columns, not entities: hydrating 500 ORM objects (and their JSON columns) would cost
    # more than the queries themselves.
    query = (
        select(Stay.id, Stay.external_id, Stay.arrival, Stay.departure, Stay.nights,
               Stay.room_type, Stay.room_number, Stay.adults, Stay.children, Stay.channel,
               Stay.channel_name, Stay.status, Stay.profile_id, Stay.property_id,
               Stay.special_requests, Property.code.label("property_code"),
               GuestProfile.first_name, GuestProfile.last_name, GuestProfile.birth_date,
               GuestProfile.vip_level, GuestValue.tier, GuestValue.rfm_segment,
               GuestProfile.completed_stays, GuestProfile.cancellations,
               GuestProfile.no_shows, GuestProfile.first_stay, GuestProfile.last_stay,
               GuestValue.direct_stays, GuestValue.ota_stays, GuestValue.last_property_id,
               LastProperty.name.label("last_property_name"),
               GuestPropertyValue.completed_stays.label("stays_here"))
        .join(Property, Property.id == Stay.property_id)
        .outerjoin(GuestProfile, GuestProfile.id == Stay.profile_id)
        .outerjoin(GuestValue, GuestValue.profile_id == Stay.profile_id)
        .outerjoin(LastProperty, LastProperty.id == GuestValue.last_property_id)
        .outerjoin(GuestPropertyValue, and_(GuestPropertyValue.profile_id == Stay.profile_id,
                                            GuestPropertyValue.property_id == property_id))
        .where(*where)
    )
    rows = session.execute(query).all()
    if not rows:
        return []
    # The follow-up queries select by these subqueries rather than by 500 bound ids, which
    # cost more to compile and send than to run.
    profile_ids = select(Stay.profile_id).where(*where, Stay.profile_id.is_not(None))
    stay_id_query = select(Stay.id).where(*where)
    # VIPs and check-ins by key lookups of their own: joined in, a misestimated row count
    # (all arrivals on one date) made the planner scan them once per arrival.
    vips = _vips(session, profile_ids)
    checked = _checked_in(session, stay_id_query)
    history = None if stored else _history(session, profile_ids, day)
    complaints = _complaints(session, profile_ids)
    preferences = _preferences(session, profile_ids, property_id)
    rules, actions = _settings(session)

    result = []
    for r in rows:
        facts = _facts(r, vips.get(r.profile_id), history, complaints, preferences, actions, day)
        result.append(Arrival(
            stay_id=r.id, external_id=r.external_id, property_code=r.property_code,
            arrival=r.arrival, departure=r.departure, nights=r.nights, room_type=r.room_type,
            room_number=r.room_number, adults=r.adults, children=r.children,
            channel=r.channel, channel_name=r.channel_name, status=r.status,
            profile_id=r.profile_id, guest_name=facts.name or "Unknown guest",
            checked_in_at=checked.get(r.id), flags=evaluate(facts, rules)))
    result.sort(key=lambda a: (tuple(-x for x in arrival_priority(a.flags)), a.guest_name))
    return result


@dataclass
class _History:
    stays: dict[int, list[StayFact]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)


def _history(session: Session, profile_ids: Select, day: date) -> _History:
    """The guests' stays that began before this arrival, anywhere in the group."""
    out = _History()
    rows = session.execute(
        select(StayGuest.profile_id, StayGuest.is_primary, Stay.property_id, Property.name,
               Stay.status, Stay.arrival, Stay.departure, Stay.nights, Stay.amount, Stay.channel,
               Stay.channel_name)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .join(Property, Property.id == Stay.property_id)
        .where(StayGuest.profile_id.in_(profile_ids), Stay.arrival < day)
    )
    for pid, primary, prop_id, prop_name, status, arr, dep, nights, amount, chan, name in rows:
        out.stays.setdefault(pid, []).append(
            StayFact(prop_id, status, arr, dep, nights or 0, amount, chan, name, primary))
        out.names[prop_id] = prop_name or ""
    return out


def _vips(session: Session, profile_ids: Select) -> dict[int, VipFact]:
    rows = session.execute(
        select(VipAssignment.profile_id, VipLevel.code, VipLevel.label, VipLevel.colour,
               VipLevel.rank, VipAssignment.reason, VipAssignment.set_by, VipAssignment.source)
        .join(VipLevel, VipLevel.id == VipAssignment.level_id)
        .where(VipAssignment.profile_id.in_(profile_ids))
    )
    return {pid: VipFact(*fields) for pid, *fields in rows}


def _checked_in(session: Session, stay_ids: Select) -> dict[int, datetime]:
    return dict(session.execute(
        select(DeskEvent.stay_id, DeskEvent.at)
        .where(DeskEvent.stay_id.in_(stay_ids), DeskEvent.kind == "checked_in")
    ).all())


def _complaints(session: Session, profile_ids: Select) -> dict[int, list[ComplaintFact]]:
    out: dict[int, list[ComplaintFact]] = {}
    rows = session.execute(
        select(Complaint.profile_id, Complaint.occurred_on, Complaint.category,
               Complaint.description, Complaint.resolution, Complaint.compensation, Property.name)
        .outerjoin(Property, Property.id == Complaint.property_id)
        .where(Complaint.profile_id.in_(profile_ids))
    )
    for pid, *fields in rows:
        out.setdefault(pid, []).append(ComplaintFact(*fields))
    return out


def _preferences(session: Session, profile_ids: Select, property_id: int):
    out: dict[int, list[tuple[str, str, int, bool]]] = {}
    rows = session.execute(
        select(Preference.profile_id, Preference.key, Preference.value, Preference.times_seen,
               Preference.property_id)
        .where(Preference.profile_id.in_(profile_ids),
               or_(Preference.property_id.is_(None), Preference.property_id == property_id))
        .order_by(Preference.times_seen.desc(), Preference.key)
    )
    for pid, key, value, times_seen, here in rows:
        out.setdefault(pid, []).append((key, value, times_seen, here is not None))
    return out


def _settings(session: Session) -> tuple[list[rules_mod.RuleSetting], dict[str, tuple[str, str]]]:
    stored = session.get(CrmSetting, rules_mod.SETTING_KEY)
    actions = {code: (segment_label(code), text) for code, text in DEFAULT_ACTIONS.items()}
    for row in session.scalars(select(RfmSegmentAction)):
        actions[row.code] = (row.label, row.action)
    return merge_rules(stored.value if stored else None), actions


def _facts(r, vip, history, complaints, preferences, actions, day) -> ArrivalFacts:
    pid = r.profile_id
    facts = ArrivalFacts(
        stay_id=r.id, arrival=r.arrival, departure=r.departure, channel=r.channel,
        channel_name=r.channel_name, property_id=r.property_id, profile_id=pid,
        special_requests=list(r.special_requests or []))
    if pid is None:
        return facts
    facts.name = " ".join(p for p in (r.first_name, r.last_name) if p) or f"Guest #{pid}"
    facts.birth_date = r.birth_date
    if history is None:
        facts.history = ValueFigures(
            completed_stays=r.completed_stays or 0, cancellations=r.cancellations or 0,
            no_shows=r.no_shows or 0, first_stay=r.first_stay, last_stay=r.last_stay,
            last_property_id=r.last_property_id, direct_stays=r.direct_stays or 0,
            ota_stays=r.ota_stays or 0)
        facts.stays_here = r.stays_here or 0
        facts.last_property_name = r.last_property_name
    else:
        earlier = history.stays.get(pid, [])
        facts.history = summarize(earlier, day)
        facts.stays_here = sum(1 for s in earlier if s.property_id == r.property_id
                               and stay_happened(s.status, s.departure, day))
        facts.last_property_name = history.names.get(facts.history.last_property_id)
    if vip is not None:
        facts.vip = vip
    elif r.vip_level:
        facts.pms_vip = r.vip_level
    facts.tier, facts.segment = r.tier, r.rfm_segment
    if r.rfm_segment in actions:
        facts.segment_label, facts.segment_action = actions[r.rfm_segment]
    facts.complaints = complaints.get(pid, [])
    prefs = preferences.get(pid, [])
    facts.preferences = [PreferenceFact(*p) for p in prefs if p[0] != "anniversary"]
    facts.anniversary = next((_parse_day(p[1]) for p in prefs if p[0] == "anniversary"), None)
    return facts


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None
