"""Linking a signed-in guest to the profile of an earlier reservation, on strong evidence only:
a signed link from the reservation's confirmation, or the booking reference with the last name
on it. The two profiles are merged as staff merges are (recorded, reversible)."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.errors import Refused
from guestcrm.models import AuditEntry, GuestProfile, Stay
from guestcrm.services.identity.keys import lock_profiles_for_staff
from guestcrm.services.identity.lookup import live_profile
from guestcrm.services.identity.matching.names import fold
from guestcrm.services.identity.merge import merge_profiles

CLAIM_SALT = "guestcrm.claim-stay"
CLAIM_MAX_AGE = 400 * 24 * 3600  # a confirmation's link works for a stay and a year after


class NotLinked(Refused):
    """The evidence does not name a reservation of this guest."""


def claim_token(secret_key: str, stay_id: int) -> str:
    """The signed part of the link a reservation confirmation carries (/me/claim/<token>)."""
    return URLSafeTimedSerializer(secret_key, salt=CLAIM_SALT).dumps({"stay": stay_id})


def link_by_claim(session: Session, secret_key: str, token: str, guest: GuestProfile
                  ) -> GuestProfile:
    try:
        data = URLSafeTimedSerializer(secret_key, salt=CLAIM_SALT).loads(
            token, max_age=CLAIM_MAX_AGE)
    except SignatureExpired:
        raise NotLinked("this link has expired; use your booking reference instead") from None
    except BadSignature:
        raise NotLinked("this link is not valid") from None
    stay = session.get(Stay, data.get("stay")) if isinstance(data, dict) else None
    if stay is None or stay.profile_id is None:
        raise NotLinked("this link is not valid")
    return _link(session, guest, stay, "guest:confirmation_link")


def link_by_booking(session: Session, guest: GuestProfile, booking_ref: str, last_name: str
                    ) -> GuestProfile:
    """The reservation with this reference whose guest has this last name (accents and case
    do not matter)."""
    ref, wanted = booking_ref.strip(), fold(last_name or "")
    if not ref or not wanted or len(ref) > 128:
        raise NotLinked("no reservation with this reference and last name")
    candidates = session.execute(
        select(Stay, GuestProfile.last_name).join(GuestProfile, GuestProfile.id == Stay.profile_id)
        .where(Stay.external_id == ref)).all()
    matching = [stay for stay, name in candidates if fold(name or "") == wanted]
    profiles = {stay.profile_id for stay in matching}
    if len(profiles) != 1:
        raise NotLinked("no reservation with this reference and last name")
    return _link(session, guest, matching[0], "guest:booking_reference")


def _link(session: Session, guest: GuestProfile, stay: Stay, rule: str) -> GuestProfile:
    """Merge the guest's portal profile and the reservation's profile (the one with more stays
    survives); the survivor, committed."""
    other = live_profile(session, stay.profile_id)
    if other is None:
        raise NotLinked("this reservation cannot be linked")
    if other.id == guest.id:
        return guest
    lock_profiles_for_staff(session, [guest.id, other.id])
    survivor, merged = sorted(
        (guest, other), key=lambda p: (-(p.completed_stays + p.upcoming_stays), p.id))
    merge_profiles(session, survivor, merged, rule=rule, actor=f"guest:{guest.id}")
    session.add(AuditEntry(actor=f"guest:{guest.id}", action="portal.link_reservation",
                           target_type="guest_profile", target_id=str(survivor.id),
                           details={"stay": stay.id, "rule": rule}))
    session.commit()
    return survivor
