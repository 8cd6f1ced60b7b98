"""A reservation's guest as identity keys, and the advisory lock names that guard them.

Keys, strongest first: the PMS's own profile id, a loyalty number, a normalized email that is
neither an OTA relay nor a placeholder (with first names that do not contradict each other), a
normalized phone with the same name. When one guest's keys lead to several profiles, those
profiles are one person and are merged (reversibly, see services/identity/merge.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from anyascii import anyascii
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.db.locks import lock_keys
from guestcrm.models import ContactPoint, ExternalId, GuestProfile
from guestcrm.schemas.reservation import CanonicalGuest
from guestcrm.services.identity.contacts import (
    is_placeholder_email,
    is_relay_email,
    normalize_email,
    normalize_phone,
)
from guestcrm.services.identity.lookup import live_ids
from guestcrm.services.identity.matching.names import name_phonetic_pair


@dataclass
class GuestKeys:
    """A canonical guest's normalized identifiers."""

    external: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    emails: list[tuple[str, str, bool, bool | None]] = field(default_factory=list)
    phones: list[tuple[str, str, str]] = field(default_factory=list)
    first_name: str = ""
    last_name: str = ""
    name_pair: str | None = None  # phonetic given name|surname, as the 'n:' blocking key

    @property
    def identifying_emails(self) -> list[str]:
        return [n for _, n, relay, _ in self.emails if not relay and not is_placeholder_email(n)]

    def lock_names(self) -> list[str]:
        """The advisory locks a batch takes before it looks this guest up: its exact keys,
        and its phonetic name, so that two batches with the same new guest under different
        emails take turns and the second one's fuzzy search sees the first one's profile."""
        names = [_lock_name("ext", k, s, v) for k, s, v, _ in self.external]
        names += [_lock_name("email", e) for e in self.identifying_emails]
        names += [_lock_name("phone", p) for _, p, _ in self.phones]
        if self.name_pair:
            names.append(_lock_name("name", self.name_pair))
        return names


def _lock_name(kind: str, *parts: str) -> str:
    return ":".join((kind, *parts))


def profile_lock_names(session: Session, profile_ids: Iterable[int]) -> list[str]:
    """The lock names of every exact key and the phonetic name these profiles hold: a batch
    ingesting a guest with any of them takes the same lock (GuestKeys.lock_names) before it
    looks the guest up."""
    ids = list(profile_ids)
    names = [_lock_name("ext", kind, system, value) for kind, system, value in session.execute(
        select(ExternalId.kind, ExternalId.system, ExternalId.value)
        .where(ExternalId.profile_id.in_(ids)))]
    names += [_lock_name(kind, value) for kind, value in session.execute(
        select(ContactPoint.kind, ContactPoint.value_normalized)
        .where(ContactPoint.profile_id.in_(ids)))]
    pairs = {name_phonetic_pair(first, last) for first, last in session.execute(
        select(GuestProfile.first_name, GuestProfile.last_name)
        .where(GuestProfile.id.in_(ids)))}
    names += [_lock_name("name", pair) for pair in sorted(pairs - {None})]
    return names


def lock_profiles_for_staff(session: Session, profile_ids: Iterable[int]) -> None:
    """Before staff change these profiles (merge them, undo a merge): wait for any batch
    ingesting a guest with one of their keys, and keep new ones waiting until this commits. A
    batch that loaded a profile would otherwise add its stay to it after staff merged it away.
    What the session loaded before the wait may be stale, so it is expired (pending changes are
    flushed first). A guest matched only fuzzily, under another name spelling than these
    profiles', shares no lock with them: that race remains."""
    ids = set(profile_ids)
    ids |= live_ids(session, ids)
    lock_keys(session, profile_lock_names(session, ids))
    session.flush()
    session.expire_all()


def name_key(name: str | None) -> str:
    return "".join(ch for ch in anyascii(name or "").lower() if ch.isalpha())


def guest_keys(guest: CanonicalGuest, source: str, default_region: str | None) -> GuestKeys:
    keys = GuestKeys(first_name=name_key(guest.first_name), last_name=name_key(guest.last_name),
                     name_pair=name_phonetic_pair(guest.first_name, guest.last_name))
    if guest.pms_profile_id:
        keys.external.append(("pms_profile", source, guest.pms_profile_id.strip(), None))
    for loyalty in guest.loyalty:
        keys.external.append(
            ("loyalty", loyalty.program.strip(), loyalty.number.strip(), loyalty.level)
        )
    region = _region(guest, default_region)
    for email in guest.emails:
        normalized = normalize_email(email.address)
        if normalized:
            keys.emails.append(
                (email.address, normalized, is_relay_email(normalized), email.marketing_consent)
            )
    for phone in guest.phones:
        normalized = normalize_phone(phone.number, region)
        if normalized:
            keys.phones.append((phone.number, normalized, phone.kind))
    return keys


def _region(guest: CanonicalGuest, default_region: str | None) -> str | None:
    country = guest.address.country if guest.address else None
    if country and len(country) == 2:
        return country.upper()
    return default_region


def first_names_agree(a: str, b: str) -> bool:
    # A shared address between two different first names is a household or a booker, not a match.
    if not a or not b:
        return True
    return a == b or (min(len(a), len(b)) == 1 and a[0] == b[0])

