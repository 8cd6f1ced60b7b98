"""The per-list look-ups of `arrivals_for` (arrivals.py): one query each for the arriving guests'
VIP levels, check-ins, complaints, preferences and perks, the few hotel names, the settings, and
for a past day the stays before it. They take the arrivals' profile or stay ids as subqueries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, String, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from guestcrm.models import (
    Complaint,
    CrmSetting,
    DeskEvent,
    Perk,
    PerkOffer,
    Preference,
    Property,
    RfmSegmentAction,
    StaffUser,
    Stay,
    StayGuest,
    VipAssignment,
    VipLevel,
)
from guestcrm.services.access.people import readable_actor
from guestcrm.services.recognition import rules as rules_mod
from guestcrm.services.recognition.facts import GUEST_SOURCE, ComplaintFact, PerkFact, VipFact
from guestcrm.services.recognition.rules import merge_rules
from guestcrm.services.value.settings import DEFAULT_ACTIONS, segment_label
from guestcrm.services.value.stay_facts import StayFact

_P = Property.__table__.c


@dataclass
class History:
    stays: dict[int, list[StayFact]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)


def history(session: Session, profile_ids: Select, day: date) -> History:
    """The guests' stays that began before this arrival, anywhere in the group."""
    out = History()
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


def vips(session: Session, profile_ids: Select) -> dict[int, VipFact]:
    va, vl, su = VipAssignment.__table__.c, VipLevel.__table__.c, StaffUser.__table__.c
    # Who set it by name, in the same query: "staff:<id>" joined to the staff table.
    rows = session.execute(
        select(va.profile_id, vl.code, vl.label, vl.colour, vl.rank, va.reason, va.set_by,
               va.source, func.coalesce(func.nullif(su.name, ""), su.email))
        .join_from(VipAssignment.__table__, VipLevel.__table__, vl.id == va.level_id)
        .outerjoin(StaffUser.__table__, va.set_by == literal("staff:") + cast(su.id, String))
        .where(va.profile_id.in_(profile_ids))
    )
    return {pid: VipFact(code, label, colour, rank, reason,
                         name or readable_actor(set_by, {}), source)
            for pid, code, label, colour, rank, reason, set_by, source, name in rows}


def checked_in(session: Session, stay_ids: Select) -> dict[int, datetime]:
    de = DeskEvent.__table__.c
    return dict(session.execute(
        select(de.stay_id, de.at).where(de.stay_id.in_(stay_ids), de.kind == "checked_in")
    ).all())


def complaints(session: Session, profile_ids: Select) -> dict[int, list[ComplaintFact]]:
    c = Complaint.__table__.c
    out: dict[int, list[ComplaintFact]] = {}
    rows = session.execute(
        select(c.profile_id, c.occurred_on, c.category, c.description, c.resolution,
               c.compensation, _P.name)
        .join_from(Complaint.__table__, Property.__table__, _P.id == c.property_id, isouter=True)
        .where(c.profile_id.in_(profile_ids))
    )
    for pid, *fields in rows:
        out.setdefault(pid, []).append(ComplaintFact(*fields))
    return out


def preferences(session: Session, profile_ids: Select, property_id: int):
    pr = Preference.__table__.c
    out: dict[int, list[tuple[str, str, int, bool, bool]]] = {}
    rows = session.execute(
        select(pr.profile_id, pr.key, pr.value, pr.times_seen, pr.property_id, pr.source)
        .where(pr.profile_id.in_(profile_ids),
               or_(pr.property_id.is_(None), pr.property_id == property_id))
        .order_by(pr.times_seen.desc(), pr.key)
    )
    for pid, key, value, times_seen, here, source in rows:
        out.setdefault(pid, []).append((key, value, times_seen, here is not None,
                                        source == GUEST_SOURCE))
    return out


def perks(session: Session, profile_ids: Select, property_id: int, day: date
           ) -> dict[int, list[PerkFact]]:
    """Perks the guests hold that are good at this hotel on the day: the desk hands them
    over (the label is the offer's name)."""
    out: dict[int, list[PerkFact]] = {}
    rows = session.execute(
        select(Perk.profile_id, Perk.code, PerkOffer.name, Perk.expires_on,
               PerkOffer.property_ids)
        .join(PerkOffer, PerkOffer.id == Perk.offer_id)
        .where(Perk.profile_id.in_(profile_ids), Perk.status == "issued",
               Perk.expires_on >= day, PerkOffer.status == "published")
        .order_by(Perk.id))
    for pid, code, label, expires_on, hotels in rows:
        if hotels is None or property_id in hotels:
            out.setdefault(pid, []).append(PerkFact(code, label, expires_on))
    return out


def property_names(session: Session, ids: set[int]) -> dict[int, tuple[str, str | None]]:
    """Code and name of the property and of the guests' last hotels: a handful of rows, read
    here rather than joined to each of 500 arrivals."""
    return {pid: (code, name) for pid, code, name in session.execute(
        select(_P.id, _P.code, _P.name).where(_P.id.in_(sorted(ids))))}


def settings(session: Session) -> tuple[list[rules_mod.RuleSetting], dict[str, tuple[str, str]]]:
    cs, ra = CrmSetting.__table__.c, RfmSegmentAction.__table__.c
    stored = session.scalar(select(cs.value).where(cs.key == rules_mod.SETTING_KEY))
    actions = {code: (segment_label(code), text) for code, text in DEFAULT_ACTIONS.items()}
    for code, label, action in session.execute(select(ra.code, ra.label, ra.action)):
        actions[code] = (label, action)
    return merge_rules(stored), actions
