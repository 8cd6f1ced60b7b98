"""A contact the guest gave (or proved) in the portal: added to the profile, or the known one
refreshed; a proof (an email link, a provider's verified claim) marks it verified."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.models import ContactPoint, GuestProfile
from guestcrm.services.recognition.facts import GUEST_SOURCE


def guest_contact(session: Session, profile: GuestProfile, kind: str, raw: str,
                  normalized: str, verified: bool = False) -> None:
    contact = session.scalar(select(ContactPoint).where(
        ContactPoint.profile_id == profile.id, ContactPoint.kind == kind,
        ContactPoint.value_normalized == normalized))
    now = utcnow()
    if contact is None:
        session.add(ContactPoint(profile_id=profile.id, kind=kind, value_raw=raw[:320],
                                 value_normalized=normalized, verified=verified, is_valid=True,
                                 is_relay=False, source=GUEST_SOURCE, first_seen=now,
                                 last_seen=now))
    else:
        contact.last_seen, contact.source = now, GUEST_SOURCE
        contact.verified = contact.verified or verified
