"""Who a guest signing in is: the profile their social account is linked to, else the profile
holding the address the provider (or an email link) verified, else a new profile that identity
resolution may later merge. Only strong evidence links an existing profile: an unverified claim
never does (it would let anyone read someone's stays), and an unverified address is not even
kept, so that it cannot draw another person's future bookings to this profile."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.social.providers import SignInClaims
from guestcrm.errors import Refused
from guestcrm.models import AuditEntry, ExternalId, GuestProfile
from guestcrm.services.identity.contacts import identity_email
from guestcrm.services.identity.lookup import add_profile, find_by_email, live_profile
from guestcrm.services.identity.match_index import refresh_match_index
from guestcrm.services.identity.survivorship import GUEST_VERSION, apply_values
from guestcrm.services.portal.contacts import guest_contact

SOCIAL = "social"
LANGUAGES = ("en", "de")


@dataclass(frozen=True)
class SignedIn:
    profile: GuestProfile
    how: str  # linked (known account) | verified_email | new


def sign_in_with_provider(session: Session, provider: str, claims: SignInClaims) -> SignedIn:
    """The guest's profile for a provider sign-in (created or linked as needed; committed).
    Name and language from the provider are not kept: the guest is asked first
    (`keep_provider_details`); the picture never is."""
    link, owner = _linked(session, provider, claims)
    if owner is not None:
        _audit(session, owner, "portal.sign_in", {"method": provider})
        session.commit()
        return SignedIn(owner, "linked")
    verified = claims.email if claims.email_verified else None
    profile, how = _by_verified_email(session, verified)
    if profile is None:
        profile, how = new_portal_profile(session), "new"
    _attach(session, profile, provider, claims, link, how)
    return SignedIn(profile, how)


def link_provider(session: Session, profile: GuestProfile, provider: str,
                  claims: SignInClaims) -> None:
    """A signed-in guest links one more account; one linked to another profile is refused."""
    link, owner = _linked(session, provider, claims)
    if owner is not None:
        if owner.id != profile.id:
            raise Refused("this account is linked to another guest profile")
        return
    _attach(session, profile, provider, claims, link, "signed_in")


def _linked(session: Session, provider: str, claims: SignInClaims
            ) -> tuple[ExternalId | None, GuestProfile | None]:
    """The account's link and its live profile (None, None for an account never seen)."""
    if not claims.subject:
        raise Refused("the provider did not say who signed in")
    link = session.scalar(select(ExternalId).where(
        ExternalId.kind == SOCIAL, ExternalId.system == provider,
        ExternalId.value == claims.subject))
    return link, (live_profile(session, link.profile_id) if link is not None else None)


def _attach(session: Session, profile: GuestProfile, provider: str, claims: SignInClaims,
            link: ExternalId | None, how: str) -> None:
    """Link the account (a link whose profile is gone moves over), trust a verified address,
    index, audit, commit."""
    if link is None:
        session.add(ExternalId(profile_id=profile.id, kind=SOCIAL, system=provider,
                               value=claims.subject))
    else:
        link.profile_id = profile.id
    if claims.email and claims.email_verified:
        trust_email(session, profile, claims.email)
    session.flush()
    refresh_match_index(session, [profile.id])
    _audit(session, profile, "portal.link_account", {"provider": provider, "how": how})
    session.commit()


def sign_in_with_email(session: Session, email: str) -> SignedIn:
    """A guest who opened a sign-in link mailed to `email`: that address is verified."""
    profile, how = _by_verified_email(session, email)
    if profile is None:
        profile, how = new_portal_profile(session), "new"
    trust_email(session, profile, email)
    session.flush()
    refresh_match_index(session, [profile.id])
    _audit(session, profile, "portal.sign_in", {"method": "email", "how": how})
    session.commit()
    return SignedIn(profile, how)


def keep_provider_details(session: Session, profile: GuestProfile, first_name: str | None,
                          last_name: str | None, language: str | None) -> None:
    """The guest agreed to keep their name and language as the provider gave them."""
    values = {"first_name": (first_name or "")[:128], "last_name": (last_name or "")[:128],
              "language": language if language in LANGUAGES else None}
    apply_values(profile, values, GUEST_VERSION)
    session.flush()
    refresh_match_index(session, [profile.id])
    _audit(session, profile, "portal.keep_provider_details",
           {"fields": sorted(k for k, v in values.items() if v)})
    session.commit()


def new_portal_profile(session: Session) -> GuestProfile:
    profile = add_profile(session, GuestProfile(field_versions={}, channel_mix={}))
    session.flush()
    return profile


def trust_email(session: Session, profile: GuestProfile, email: str) -> None:
    """The address is the guest's, verified: a trusted contact (added, or marked verified)."""
    normalized = identity_email(email)
    if normalized is not None:
        guest_contact(session, profile, "email", email, normalized, verified=True)


def _by_verified_email(session: Session, email: str | None
                       ) -> tuple[GuestProfile | None, str]:
    """The profile holding this verified address: the one with the most stays when several
    do (identity resolution merges them if they are one guest)."""
    if not email or identity_email(email) is None:
        return None, "new"
    found = find_by_email(session, email)
    if not found:
        return None, "new"
    best = max(found, key=lambda p: (p.completed_stays + p.upcoming_stays, -p.id))
    return best, "verified_email"


def _audit(session: Session, profile: GuestProfile, action: str, details: dict) -> None:
    session.add(AuditEntry(actor=f"guest:{profile.id}", action=action,
                           target_type="guest_profile", target_id=str(profile.id),
                           details=details))
