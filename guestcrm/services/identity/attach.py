"""Attaching a reservation's guest to a profile: find or create, merge, enrich."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.models import ContactPoint, ExternalId, GuestProfile, Preference
from guestcrm.schemas.reservation import CanonicalGuest, CanonicalPreference
from guestcrm.services.identity.conflicts import drop_conflicting
from guestcrm.services.identity.exact_keys import find_profiles
from guestcrm.services.identity.fuzzy import note_resolved
from guestcrm.services.identity.key_index import note_keys
from guestcrm.services.identity.keys import GuestKeys, first_names_agree, name_key
from guestcrm.services.identity.lookup import add_profile
from guestcrm.services.identity.merge import merge_profiles
from guestcrm.services.identity.not_same import drop_not_same
from guestcrm.services.identity.survivorship import (
    STAFF_VERSION,
    apply_values,
    guest_values,
)
from guestcrm.services.identity.survivorship_rules import channel_tier


def names_compatible(profile: GuestProfile, keys: GuestKeys) -> bool:
    # A name staff corrected is not compared: the PMS may go on sending its old spelling, and
    # the guest on that seat of the reservation is still the guest staff corrected.
    corrected = {f for f, v in (profile.field_versions or {}).items() if v == STAFF_VERSION}
    last = name_key(profile.last_name)
    if "last_name" not in corrected and last and keys.last_name and last != keys.last_name:
        return False
    return "first_name" in corrected or first_names_agree(name_key(profile.first_name),
                                                         keys.first_name)


def resolve_guest(
    session: Session,
    guest: CanonicalGuest,
    keys: GuestKeys,
    version: str,
    seen_at: datetime | None,
    source: str,
    same_seat: GuestProfile | None = None,
    channel: str | None = None,
    first_time: bool = True,
) -> GuestProfile:
    """The profile of this guest, created or merged as the exact keys say, enriched with the data.

    `same_seat` is the profile already on this guest's place in the same stay: the same
    reservation naming a compatible guest again is the same person, even with a new email.
    `channel` (the booking channel) says how far its data is trusted (survivorship_rules);
    `first_time`: the stay's first delivery, whose values count towards "most frequent".
    """
    candidates = find_profiles(session, keys)
    if same_seat is not None and names_compatible(same_seat, keys):
        candidates = sorted(
            {p.id: p for p in [*candidates, same_seat]}.values(), key=lambda p: p.id
        )
    candidates = drop_not_same(session, candidates, keys)
    candidates = drop_conflicting(candidates, guest, keys, exempt=same_seat)
    if candidates:
        profile = candidates[0]
        for other in candidates[1:]:
            merge_profiles(session, profile, other, rule="exact:keys")
            note_resolved(session, other, is_new=False)  # its index rows go (settle_identity)
    else:
        # Empty collections from the start: a new profile's are known, not loaded.
        profile = add_profile(session, GuestProfile(
            field_versions={}, channel_mix={}, contacts=[], external_ids=[], preferences=[]))
    enrich_profile(session, profile, guest, keys, version, seen_at or utcnow(), source,
                   tier=channel_tier(channel), first_time=first_time)
    note_resolved(session, profile, is_new=not candidates)  # fuzzy match + index: settle_identity
    return profile


def enrich_profile(
    session: Session,
    profile: GuestProfile,
    guest: CanonicalGuest,
    keys: GuestKeys,
    version: str,
    seen_at: datetime,
    source: str,
    tier: str = "pms",
    first_time: bool = True,
) -> None:
    # Load what is compared before changing anything: each load would flush the changes
    # made so far, one flush (and statement) each, instead of one flush at the end.
    existing = {(c.kind, c.value_normalized): c for c in profile.contacts}
    own = {(e.kind, e.system, e.value) for e in profile.external_ids}
    apply_values(profile, guest_values(guest), version, source=tier, count=first_time)
    for raw, normalized, relay, consent in keys.emails:
        _touch_contact(
            profile,
            existing,
            "email",
            raw,
            normalized,
            seen_at,
            source,
            is_relay=relay,
            marketing_consent=consent,
        )
    for raw, normalized, phone_kind in keys.phones:
        _touch_contact(
            profile, existing, "phone", raw, normalized, seen_at, source, phone_kind=phone_kind
        )
    for kind, system, value, level in keys.external:
        if (kind, system, value) not in own:
            profile.external_ids.append(
                ExternalId(kind=kind, system=system, value=value, level=level)
            )
            own.add((kind, system, value))
    if profile.id is None:
        session.flush()  # outside a batch, the id comes from the insert
    note_keys(session, profile, keys)


def _touch_contact(profile, existing, kind, raw, normalized, seen_at, source, **flags) -> None:
    contact = existing.get((kind, normalized))
    if contact is None:
        contact = ContactPoint(
            kind=kind,
            value_raw=raw[:320],
            value_normalized=normalized,
            source=source,
            first_seen=seen_at,
            last_seen=seen_at,
            consent_at=seen_at if flags.get("marketing_consent") is not None else None,
            # The column defaults, set now: the match index reads a contact before its insert.
            is_valid=True,
            verified=False,
            **({"is_relay": False} | flags),
        )
        profile.contacts.append(contact)
        existing[(kind, normalized)] = contact
        return
    contact.first_seen = min(contact.first_seen, seen_at)
    contact.last_seen = max(contact.last_seen, seen_at)
    consent = flags.get("marketing_consent")
    if consent is not None and (contact.consent_at is None or seen_at >= contact.consent_at):
        contact.marketing_consent, contact.consent_at = consent, seen_at


def add_preferences(
    profile: GuestProfile,
    preferences: list[CanonicalPreference],
    seen_at: datetime,
    first_time_for_stay: bool,
) -> None:
    """Chain-wide preferences; `times_seen` counts stays, not deliveries."""
    current = {(p.property_id, p.key, p.value): p for p in profile.preferences}
    for pref in preferences:
        row = current.get((None, pref.key, pref.value))
        if row is None:
            row = Preference(
                key=pref.key, value=pref.value, source=pref.source, times_seen=1, last_seen=seen_at
            )
            profile.preferences.append(row)
            current[(None, pref.key, pref.value)] = row
            continue
        if first_time_for_stay:
            row.times_seen += 1
        row.last_seen = max(row.last_seen, seen_at)
