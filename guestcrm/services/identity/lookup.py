"""Finding guest profiles by id or by a contact key (for the API and the desk)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.db.id_pool import next_id
from guestcrm.db.tx_scope import tx_dict
from guestcrm.models import ContactPoint, ExternalId, GuestProfile
from guestcrm.services.identity.contacts import identity_email, normalize_phone


def add_profile(session: Session, profile: GuestProfile) -> GuestProfile:
    """Add a new profile; in a batch it gets its id at once (db/id_pool.py) and
    `profile_by_id` finds it before it is inserted."""
    profile.id = next_id(session, GuestProfile)
    session.add(profile)
    if profile.id is not None:
        tx_dict(session, "new_profiles")[profile.id] = profile
    return profile


def profile_by_id(session: Session, profile_id: int) -> GuestProfile | None:
    """session.get, which also knows the profiles this transaction added and has not yet
    inserted (for those, session.get would flush everything pending to find them)."""
    profile = tx_dict(session, "new_profiles").get(profile_id)
    return profile if profile is not None else session.get(GuestProfile, profile_id)


def is_new_profile(session: Session, profile_id: int) -> bool:
    """Whether this transaction created the profile (in a batch, where ids come first)."""
    return profile_id in tx_dict(session, "new_profiles")


def live_profile(session: Session, profile_id: int) -> GuestProfile | None:
    """The profile, following merges to the surviving one."""
    profile = profile_by_id(session, profile_id)
    while profile is not None and profile.merged_into_id is not None:
        profile = profile_by_id(session, profile.merged_into_id)
    return profile


def live_ids(session: Session, profile_ids: Iterable[int]) -> set[int]:
    """The surviving profiles' ids for these ids (merged ones replaced by their survivor)."""
    return set(live_map(session, profile_ids).values())


def live_map(session: Session, profile_ids: Iterable[int]) -> dict[int, int]:
    """Each id -> its surviving profile's id (itself unless merged; absent if deleted): one
    query per step along merge chains, without loading the profiles."""
    origin = {profile_id: profile_id for profile_id in profile_ids}  # current id -> asked ids
    asked: dict[int, set[int]] = {profile_id: {profile_id} for profile_id in origin}
    found: dict[int, int] = {}
    while asked:
        rows = session.execute(
            select(GuestProfile.id, GuestProfile.merged_into_id)
            .where(GuestProfile.id.in_(list(asked)))
        ).all()
        following: dict[int, set[int]] = {}
        for profile_id, merged_into_id in rows:
            if merged_into_id is None:
                found.update(dict.fromkeys(asked[profile_id], profile_id))
            else:
                following.setdefault(merged_into_id, set()).update(asked[profile_id])
        asked = following
    return found


def find_by_email(session: Session, email: str) -> list[GuestProfile]:
    """Guests by an address that identifies someone: a placeholder (guest@hotel.de) or a
    channel relay address finds no one, as it links no one on ingest."""
    normalized = identity_email(email)
    if not normalized:
        return []
    return _by_contact(session, "email", normalized)


def find_by_phone(
    session: Session, phone: str, default_region: str | None = None
) -> list[GuestProfile]:
    normalized = normalize_phone(phone, default_region)
    if not normalized:
        return []
    return _by_contact(session, "phone", normalized)


def find_by_loyalty(session: Session, number: str) -> list[GuestProfile]:
    ids = session.scalars(
        select(ExternalId.profile_id).where(
            ExternalId.kind == "loyalty", ExternalId.value == number.strip()
        )
    )
    return _live_unique(session, ids)


def _by_contact(session: Session, kind: str, normalized: str) -> list[GuestProfile]:
    ids = session.scalars(
        select(ContactPoint.profile_id).where(
            ContactPoint.kind == kind, ContactPoint.value_normalized == normalized
        )
    )
    return _live_unique(session, ids)


def _live_unique(session: Session, ids) -> list[GuestProfile]:
    found: dict[int, GuestProfile] = {}
    for profile_id in ids:
        profile = live_profile(session, profile_id)
        if profile is not None:
            found[profile.id] = profile
    return [found[i] for i in sorted(found)]
