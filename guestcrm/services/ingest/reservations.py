"""A canonical reservation becomes a stay on a guest profile: idempotent and order-safe.

A stay is keyed by (source, property, external id). Every delivery carries a version key
(vendor time, sequence, status rank, content hash). The stay's status follows the greatest key;
each other field keeps the value of the greatest version that carried it. So duplicates change
nothing and any delivery order ends in the same state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, selectinload

from guestcrm.db.id_pool import next_id
from guestcrm.db.locks import lock_keys
from guestcrm.db.tx_scope import tx_dict
from guestcrm.db.upserts import conflict_insert
from guestcrm.models import GuestProfile, Property, Stay, StayGuest, StayVersion
from guestcrm.schemas.reservation import CanonicalReservation
from guestcrm.services.identity.attach import add_preferences, resolve_guest
from guestcrm.services.identity.fuzzy import settle_identity
from guestcrm.services.identity.key_index import prefetch_keys
from guestcrm.services.identity.keys import GuestKeys, guest_keys
from guestcrm.services.identity.lookup import live_ids, profile_by_id
from guestcrm.services.identity.match_index import prefetch_match_records
from guestcrm.services.ingest.versions import reservation_snapshot, version_key
from guestcrm.services.value.counters import recompute_counters

STAY_FIELDS = (
    "channel",
    "arrival",
    "departure",
    "room_type",
    "room_number",
    "rate_plan",
    "channel_name",
    "amount",
    "currency",
    "adults",
    "children",
    "special_requests",
    "comments",
    "booked_at",
)


@dataclass
class IngestOutcome:
    stay: Stay
    applied: bool  # False: a duplicate or an older version that changed nothing visible
    profile_ids: set[int] = field(default_factory=set)
    version_row: dict | None = None  # in a batch: the stay_version row for the caller to write


def ensure_property(session: Session, code: str, name: str | None) -> Property:
    """The property with this code, created on first sight (concurrent-safe); looked up once
    per transaction."""
    known = tx_dict(session, "properties")
    prop = known.get(code)
    if prop is None:
        prop = known[code] = _find_or_create_property(session, code, name)
    return prop


def _find_or_create_property(session: Session, code: str, name: str | None) -> Property:
    prop = session.scalar(select(Property).where(Property.code == code))
    if prop is not None:
        return prop
    session.execute(
        conflict_insert(session, Property)
        # Unconfirmed until an admin names or removes it; its stays keep flowing meanwhile.
        .values(code=code, name=name or code, timezone="UTC", confirmed_at=None)
        .on_conflict_do_nothing()
    )
    return session.scalar(select(Property).where(Property.code == code))


def lock_names(session: Session, reservation: CanonicalReservation) -> list[str]:
    """The advisory locks ingesting this reservation takes: its stay and its guests' keys."""
    prop = ensure_property(session, reservation.property_code, reservation.property_name)
    return _lock_names(reservation, prop, _guest_keys(session, reservation, prop))


def _lock_names(reservation: CanonicalReservation, prop: Property,
                keys: list[GuestKeys]) -> list[str]:
    stay_lock = f"stay:{reservation.source}:{prop.id}:{reservation.external_id}"
    return [stay_lock] + [name for k in keys for name in k.lock_names()]


def _guest_keys(session: Session, reservation: CanonicalReservation, prop: Property
                ) -> list[GuestKeys]:
    """The guests' normalized keys, worked out once per reservation and transaction."""
    known = tx_dict(session, "guest_keys")
    keys = known.get(id(reservation))
    if keys is None or keys[0] is not reservation:
        keys = known[id(reservation)] = (
            reservation, [guest_keys(g, reservation.source, prop.country)
                          for g in reservation.guests])
    return keys[1]


def ingest_reservation(
    session: Session,
    reservation: CanonicalReservation,
    inbox_event_id: int | None = None,
    *,
    in_batch: bool = False,
) -> IngestOutcome:
    """Apply one reservation. `in_batch=True` (services/ingest/processing.py) leaves to the caller,
    once for its whole batch, what can wait for the end of it: recounting the touched profiles
    (the outcome's ids may then include profiles merged away since) and writing the
    outcome's `version_row` to stay_version."""
    prop = ensure_property(session, reservation.property_code, reservation.property_name)
    keys = _guest_keys(session, reservation, prop)
    lock_keys(session, _lock_names(reservation, prop, keys))

    stay = _find_stay(session, (reservation.source, prop.id, reservation.external_id))
    snapshot = reservation_snapshot(reservation)
    key = version_key(reservation, snapshot)
    is_new = stay is None
    if stay is None:
        stay = Stay(
            id=next_id(session, Stay),
            source=reservation.source,
            property_id=prop.id,
            external_id=reservation.external_id,
            status=reservation.status,
            version_key="",
            field_versions={},
            guests=[],  # known empty: not loaded
        )
        session.add(stay)  # inserted with its fields at the next flush
        tx_dict(session, "stays")[(stay.source, prop.id, stay.external_id)] = stay
    if not is_new and (key == stay.version_key or key in _seen_versions(session, stay)):
        return IngestOutcome(stay=stay, applied=False)

    before = {stay.profile_id, *(g.profile_id for g in stay.guests)} - {None}
    newest = key > stay.version_key
    if newest:
        stay.status = reservation.status
        stay.version_key = key
        stay.vendor_modified_at = reservation.modified_at
        stay.vendor_sequence = reservation.sequence
    _apply_fields(stay, reservation, key)
    _attach_guests(session, stay, reservation, keys, key, is_new)
    settle_identity(session, prop.id)

    if stay.id is None:
        session.flush()
    _seen_versions(session, stay, is_new).add(key)
    version_row = {"stay_id": stay.id, "inbox_event_id": inbox_event_id, "version_key": key,
                   "status": reservation.status, "applied": newest, "snapshot": snapshot}
    after = {stay.profile_id, *(g.profile_id for g in stay.guests)} - {None}
    if in_batch:
        return IngestOutcome(stay=stay, applied=True, profile_ids=before | after,
                             version_row=version_row)
    session.add(StayVersion(**version_row))
    session.flush()
    touched = live_ids(session, before | after)
    recompute_counters(session, touched)
    return IngestOutcome(stay=stay, applied=True, profile_ids=touched)


def _channel_unknown(reservation: CanonicalReservation) -> bool:
    # A message that names no channel (a bare cancellation) says nothing about the booking's.
    return reservation.channel == "other" and not reservation.channel_name


def prefetch_guests(session: Session, reservations: list[CanonicalReservation]) -> None:
    """Look up, at once, the profiles every guest of these reservations may be: the
    `ingest_reservation` calls that follow in the transaction find them in memory."""
    holders = prefetch_keys(session, [k for r in reservations for k in _guest_keys(
        session, r, ensure_property(session, r.property_code, r.property_name))])
    prefetch_match_records(session, holders)


def prefetch_stays(session: Session, reservations: list[CanonicalReservation]) -> None:
    """Load the stays that many reservations name, and their version keys, in two queries:
    the `ingest_reservation` calls that follow in the same transaction look them up in memory
    (services/ingest/processing.py does this for each batch)."""
    wanted = {(r.source, ensure_property(session, r.property_code, r.property_name).id,
               r.external_id) for r in reservations}
    if not wanted:
        return
    known = tx_dict(session, "stays")
    found = session.scalars(select(Stay).options(selectinload(Stay.guests)).where(
        tuple_(Stay.source, Stay.property_id, Stay.external_id).in_(sorted(wanted))))
    for stay in found:
        known[(stay.source, stay.property_id, stay.external_id)] = stay
    for stay_key in wanted:
        known.setdefault(stay_key, None)
    versions = tx_dict(session, "stay_versions")
    ids = [stay.id for stay in known.values() if stay is not None and stay.id not in versions]
    for stay_id in ids:
        versions[stay_id] = set()
    for stay_id, key in session.execute(select(StayVersion.stay_id, StayVersion.version_key)
                                        .where(StayVersion.stay_id.in_(ids))):
        versions[stay_id].add(key)


def _find_stay(session: Session, stay_key: tuple[str, int, str]) -> Stay | None:
    known = tx_dict(session, "stays")
    if stay_key not in known:
        source, property_id, external_id = stay_key
        known[stay_key] = session.scalar(select(Stay).where(
            Stay.source == source, Stay.property_id == property_id,
            Stay.external_id == external_id))
    return known[stay_key]


def _seen_versions(session: Session, stay: Stay, is_new: bool = False) -> set[str]:
    """The version keys this stay has seen, kept for the transaction."""
    versions = tx_dict(session, "stay_versions")
    if stay.id not in versions:
        versions[stay.id] = set() if is_new else set(session.scalars(
            select(StayVersion.version_key).where(StayVersion.stay_id == stay.id)))
    return versions[stay.id]


def _apply_fields(stay: Stay, reservation: CanonicalReservation, key: str) -> None:
    versions = dict(stay.field_versions or {})
    for name in STAY_FIELDS:
        value = getattr(reservation, name)
        if value is None or value == [] or (name == "channel" and _channel_unknown(reservation)):
            continue
        if key > versions.get(name, ""):
            setattr(stay, name, value)
            versions[name] = key
    stay.nights = (stay.departure - stay.arrival).days if stay.arrival and stay.departure else 0
    stay.field_versions = versions


def _attach_guests(session, stay, reservation, keys, key, is_new) -> None:
    if not reservation.guests:
        return
    versions = dict(stay.field_versions or {})
    newest_guests = key > versions.get("guests", "")
    seats = {g.position: g for g in stay.guests}
    seen_at = reservation.modified_at or datetime.now(UTC)
    primary_at = next((i for i, g in enumerate(reservation.guests) if g.primary), 0)
    resolved: list[GuestProfile] = []
    for position, (guest, guest_key) in enumerate(zip(reservation.guests, keys, strict=True)):
        seat = seats.get(position)
        same_seat = profile_by_id(session, seat.profile_id) if seat else None
        if not newest_guests and same_seat is None:
            continue  # an older version naming a guest this stay no longer has
        profile = resolve_guest(
            session, guest, guest_key, key, seen_at, reservation.source, same_seat=same_seat,
            channel=reservation.channel, first_time=not seats,
        )
        resolved.append(profile)
        if position == primary_at:
            # The first version with guests counts, even when a bare cancellation made the stay.
            add_preferences(profile, reservation.preferences, seen_at,
                            first_time_for_stay=not seats)
    if not newest_guests:
        return
    primary = resolved[primary_at]
    stay.profile_id = primary.id
    wanted = [(position, profile.id, profile is primary)
              for position, profile in enumerate(resolved)]
    if sorted((g.position, g.profile_id, g.is_primary) for g in stay.guests) != wanted:
        if stay.guests:
            for seat in list(stay.guests):
                stay.guests.remove(seat)
            session.flush()  # the old seats go before new ones take their positions
        for position, profile_id, is_primary in wanted:
            stay.guests.append(
                StayGuest(profile_id=profile_id, position=position, is_primary=is_primary))
    versions["guests"] = key
    stay.field_versions = versions
