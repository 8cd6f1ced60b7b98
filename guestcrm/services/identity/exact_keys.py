"""Which profiles a guest's exact trusted keys point to: the PMS's own profile id, a loyalty
number, an identifying email with first names that agree, a phone with the same full name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.models import ContactPoint, ExternalId, GuestProfile
from guestcrm.services.identity.key_index import KeyIndex, key_index
from guestcrm.services.identity.keys import GuestKeys, first_names_agree, name_key
from guestcrm.services.identity.lookup import live_profile


def find_profiles(session: Session, keys: GuestKeys) -> list[GuestProfile]:
    """The live profiles that the guest's exact keys point to, oldest first (from the batch's
    memory when one holds every key, services/identity/key_index.py; else from the database)."""
    index = key_index(session)
    if index is not None and index.covers(keys):
        found = _found_in_index(session, index, keys)
    else:
        found = _found_in_database(session, keys)
    profiles = [live_profile(session, pid) for pid in sorted(found)]
    unique: dict[int, GuestProfile] = {p.id: p for p in profiles if p is not None}
    return [unique[i] for i in sorted(unique)]


def _found_in_index(session: Session, index: KeyIndex, keys: GuestKeys) -> set[int]:
    """What `_found_in_database` answers, from memory: names are compared on the live
    profile that holds the key now."""
    found = {pid for k, s, v, _ in keys.external for pid in index.external[(k, s, v)]}
    for email in keys.identifying_emails:
        for pid in index.emails[email]:
            profile = live_profile(session, pid)
            if profile is not None and first_names_agree(keys.first_name,
                                                          name_key(profile.first_name)):
                found.add(pid)
    if keys.last_name and keys.first_name:
        for _, phone, _ in keys.phones:
            for pid in index.phones[phone]:
                profile = live_profile(session, pid)
                if (profile is not None and name_key(profile.first_name) == keys.first_name
                        and name_key(profile.last_name) == keys.last_name):
                    found.add(pid)
    return found


def _found_in_database(session: Session, keys: GuestKeys) -> set[int]:
    found: set[int] = set()
    for kind, system, value, _ in keys.external:
        row = session.scalar(
            select(ExternalId.profile_id).where(
                ExternalId.kind == kind, ExternalId.system == system, ExternalId.value == value
            )
        )
        if row:
            found.add(row)
    emails = keys.identifying_emails
    if emails:
        rows = session.execute(
            select(GuestProfile.id, GuestProfile.first_name)
            .join(ContactPoint, ContactPoint.profile_id == GuestProfile.id)
            .where(ContactPoint.kind == "email", ContactPoint.value_normalized.in_(emails))
        )
        for profile_id, first_name in rows:
            if first_names_agree(keys.first_name, name_key(first_name)):
                found.add(profile_id)
    phones = [p for _, p, _ in keys.phones]
    if phones and keys.last_name and keys.first_name:
        rows = session.execute(
            select(GuestProfile.id, GuestProfile.first_name, GuestProfile.last_name)
            .join(ContactPoint, ContactPoint.profile_id == GuestProfile.id)
            .where(ContactPoint.kind == "phone", ContactPoint.value_normalized.in_(phones))
        )
        for profile_id, first_name, last_name in rows:
            if name_key(first_name) == keys.first_name and name_key(last_name) == keys.last_name:
                found.add(profile_id)
    return found
