"""A canonical dump of what ingestion produced, free of database ids, timestamps and order.

Two databases that received the same reservations (in any order, any number of times) must
give equal dumps. Stays are keyed by (source, property code, external id); a live profile is
keyed by the set of (stay, seat) it holds, so profile ids never matter.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestcrm.models import GuestProfile, InboxEvent, Property, Stay, StayGuest, StayVersion
from guestcrm.services.identity.survivorship import PROFILE_FIELDS

StayKey = tuple[str, str, str]
STAY_COLUMNS = ("status", "arrival", "departure", "nights", "room_type", "room_number",
                "rate_plan", "channel", "channel_name", "amount", "currency", "adults",
                "children", "special_requests", "comments", "booked_at", "vendor_modified_at",
                "vendor_sequence", "version_key")
COUNTERS = ("completed_stays", "nights", "spend", "cancellations", "no_shows", "upcoming_stays",
            "first_stay", "last_stay", "channel_mix")
# Contact fields that do not depend on delivery order (value_raw and source are the first
# delivery's spelling and connector: provenance, compared separately in the report).
CONTACT_FIELDS = ("kind", "value_normalized", "phone_kind", "is_relay", "is_valid", "verified",
                  "marketing_consent", "first_seen", "last_seen")


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    return value


def profile_stays(session: Session, seats: bool = False) -> dict[int, frozenset]:
    """Live profile id -> the keys of the stays it is a guest on (with `seats`: and where)."""
    codes = dict(session.execute(select(Property.id, Property.code)).all())
    rows = session.execute(
        select(StayGuest.profile_id, StayGuest.position, Stay.source, Stay.property_id,
               Stay.external_id).join(Stay, Stay.id == StayGuest.stay_id)
    )
    found: dict[int, set] = {}
    for profile_id, position, source, property_id, external_id in rows:
        key = (source, codes[property_id], external_id)
        found.setdefault(profile_id, set()).add((key, position) if seats else key)
    return {pid: frozenset(keys) for pid, keys in found.items()}


def canonical_dump(session: Session) -> dict[str, object]:
    codes = dict(session.execute(select(Property.id, Property.code)).all())
    # A couple's two profiles may share their only stay: their seats tell them apart.
    identity = profile_stays(session, seats=True)
    stays = {}
    for stay in session.scalars(select(Stay)):
        key = (stay.source, codes[stay.property_id], stay.external_id)
        seats = tuple((g.position, g.is_primary, identity[g.profile_id]) for g in stay.guests)
        booker = identity.get(stay.profile_id) if stay.profile_id else None
        stays[key] = tuple(_plain(getattr(stay, c)) for c in STAY_COLUMNS) + (booker, seats)
    profiles = {}
    for profile in session.scalars(select(GuestProfile).where(GuestProfile.merged_into_id.is_(None))):
        own = (
            tuple(_plain(getattr(profile, f)) for f in PROFILE_FIELDS),
            tuple(_plain(getattr(profile, c)) for c in COUNTERS),
            frozenset(tuple(getattr(c, f) for f in CONTACT_FIELDS) for c in profile.contacts),
            frozenset((e.kind, e.system, e.value, e.level) for e in profile.external_ids),
            frozenset((codes.get(p.property_id), p.key, p.value, p.source, p.times_seen,
                       p.last_seen) for p in profile.preferences),
        )
        profiles[identity.get(profile.id, frozenset({("no stay", "", str(profile.id))}))] = own
    versions = Counter(
        (s.source, codes[s.property_id], s.external_id, v.version_key, v.status)
        for v, s in session.execute(select(StayVersion, Stay).join(Stay, Stay.id == StayVersion.stay_id))
    )
    inbox = Counter(session.execute(
        select(InboxEvent.connector, InboxEvent.status, func.count()).group_by(
            InboxEvent.connector, InboxEvent.status)
    ).all())
    return {"stays": stays, "profiles": profiles, "versions": versions, "inbox": inbox}


def contact_provenance(session: Session) -> dict[tuple[frozenset[StayKey], str, str], tuple]:
    """(profile, kind, normalized value) -> (raw spelling, source): first delivery's, by design."""
    identity = profile_stays(session, seats=True)
    return {
        (identity.get(c.profile_id), c.kind, c.value_normalized): (c.value_raw, c.source)
        for p in session.scalars(select(GuestProfile).where(GuestProfile.merged_into_id.is_(None)))
        for c in p.contacts
    }


def differences(left: dict[str, object], right: dict[str, object], limit: int = 8) -> list[str]:
    """Readable differences between two dumps (empty when they are equal)."""
    found = []
    for part in ("stays", "profiles", "versions", "inbox"):
        a, b = left[part], right[part]
        if a == b:
            continue
        only_a = [k for k in a if k not in b]
        only_b = [k for k in b if k not in a]
        changed = [k for k in a if k in b and a[k] != b[k]]
        found.append(f"{part}: {len(only_a)} only left, {len(only_b)} only right, "
                     f"{len(changed)} differ")
        for key in (only_a + only_b)[:limit]:
            found.append(f"  {'left' if key in a else 'right'} only: {_short(key)} = {_short(a.get(key, b.get(key)))}")
        for key in changed[:limit]:
            found.append(f"  {_short(key, 200)}:")
            found.extend(f"    {line}" for line in _detail(a[key], b[key]))
    return found


def _detail(left: object, right: object) -> list[str]:
    """Only the parts of two values that differ: set members on one side, tuple positions."""
    if isinstance(left, frozenset) and isinstance(right, frozenset):
        return [f"only left  {_short(x)}" for x in left - right] + [
            f"only right {_short(x)}" for x in right - left]
    if isinstance(left, tuple) and isinstance(right, tuple) and len(left) == len(right):
        return [f"[{i}] {line}" for i, (x, y) in enumerate(zip(left, right, strict=True))
                if x != y for line in _detail(x, y)]
    return [f"left  {_short(left)}", f"right {_short(right)}"]


def _short(value: object, width: int = 600) -> str:
    text = repr(value)
    return text if len(text) <= width else text[:width] + "..."
