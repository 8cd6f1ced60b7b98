"""What a signed-in guest sees and changes about themselves: stays at every hotel, perks,
preferences (which the desk then sees as the guest's own wishes), contact details, and
communication consent per channel and purpose, with its history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.errors import Refused
from guestcrm.models import (
    AuditEntry,
    ConsentEvent,
    ContactPoint,
    ExternalId,
    GuestProfile,
    Preference,
    Property,
    Stay,
    StayGuest,
)
from guestcrm.models.portal import CONSENT_CHANNELS, CONSENT_PURPOSES
from guestcrm.services.identity.contacts import normalize_phone
from guestcrm.services.identity.match_index import refresh_match_index
from guestcrm.services.identity.survivorship import GUEST_VERSION, apply_values
from guestcrm.services.portal.contacts import guest_contact
from guestcrm.services.recognition.facts import GUEST_SOURCE

# What a guest may tell the hotel about their stays, and the choices offered (free text: None).
PREFERENCE_CHOICES: dict[str, tuple[str, ...] | None] = {
    "room_type": None,
    "bed": ("king", "queen", "twin", "single"),
    "floor": ("high", "low", "middle"),
    "pillow": ("feather", "foam", "hypoallergenic", "firm", "soft"),
    "dietary": None,
    "accessible": None,
    "quiet_room": ("yes",),
}
MAX_TEXT = 120
LANGUAGES = ("en", "de", "fr", "it", "es", "nl")


@dataclass(frozen=True)
class StayLine:
    hotel: str
    arrival: object
    departure: object
    nights: int
    status: str
    channel: str


def guest_stays(session: Session, profile_id: int) -> list[StayLine]:
    rows = session.execute(
        select(Stay, Property.name, Property.code).join(Property, Property.id == Stay.property_id)
        .join(StayGuest, StayGuest.stay_id == Stay.id).where(StayGuest.profile_id == profile_id)
        .order_by(Stay.arrival.desc()))
    return [StayLine(name or code, s.arrival, s.departure, s.nights, s.status,
                     s.channel_name or s.channel) for s, name, code in rows]


def guest_preferences(session: Session, profile_id: int) -> dict[str, str]:
    """The guest's own wishes, by key."""
    return {p.key: p.value for p in session.scalars(select(Preference).where(
        Preference.profile_id == profile_id, Preference.source == GUEST_SOURCE,
        Preference.property_id.is_(None)))}


def set_preferences(session: Session, profile: GuestProfile, values: Mapping[str, str]) -> None:
    """Replace the guest's own wishes with these (an empty value removes one)."""
    unknown = sorted(set(values) - set(PREFERENCE_CHOICES))
    if unknown:
        raise Refused(f"unknown preference {', '.join(unknown)}")
    cleaned = {}
    for key, raw in values.items():
        value = (raw or "").strip()[:MAX_TEXT]
        choices = PREFERENCE_CHOICES[key]
        if value and choices is not None and value not in choices:
            raise Refused(f"{key.replace('_', ' ')}: choose one of {', '.join(choices)}")
        if value:
            cleaned[key] = value
    session.execute(delete(Preference).where(
        Preference.profile_id == profile.id, Preference.source == GUEST_SOURCE,
        Preference.property_id.is_(None)))
    session.flush()
    now = utcnow()
    for key, value in cleaned.items():
        existing = session.scalar(select(Preference).where(
            Preference.profile_id == profile.id, Preference.key == key,
            Preference.value == value, Preference.property_id.is_(None)))
        if existing is not None:  # staff noted the same: now it is the guest's own wish
            existing.source, existing.last_seen = GUEST_SOURCE, now
        else:
            session.add(Preference(profile_id=profile.id, key=key, value=value,
                                   source=GUEST_SOURCE, times_seen=1, last_seen=now))
    _audit(session, profile, "portal.preferences", {"keys": sorted(cleaned)})
    session.commit()


def set_contact_details(session: Session, profile: GuestProfile, values: Mapping[str, str]
                        ) -> None:
    """Phone, language and postal address, as the guest gives them: above what a PMS sends
    (survivorship), below staff corrections."""
    allowed = ("phone", "language", "street", "city", "postal_code", "country")
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise Refused(f"unknown field {', '.join(unknown)}")
    fields = {k: (values.get(k) or "").strip() for k in allowed}
    for name, limit in (("street", 255), ("city", 128), ("postal_code", 32), ("country", 64)):
        if len(fields[name]) > limit:
            raise Refused(f"{name.replace('_', ' ')} is limited to {limit} characters")
    if fields["language"] and fields["language"] not in LANGUAGES:
        raise Refused(f"language: one of {', '.join(LANGUAGES)}")
    apply_values(profile, {k: fields[k] for k in allowed if k != "phone"}, GUEST_VERSION)
    if fields["phone"]:
        normalized = normalize_phone(fields["phone"], fields["country"] or profile.country)
        if normalized is None:
            raise Refused("phone: a number with its country code, e.g. +43 660 1234567")
        guest_contact(session, profile, "phone", fields["phone"], normalized)
    session.flush()
    refresh_match_index(session, [profile.id])
    _audit(session, profile, "portal.contact", {"fields": sorted(k for k, v in fields.items()
                                                                 if v)})
    session.commit()


def consent_state(session: Session, profile_id: int
                  ) -> tuple[dict[tuple[str, str], bool], list[ConsentEvent]]:
    """The consent in force per (channel, purpose) (absent: never asked) and the history,
    newest first."""
    history = list(session.scalars(select(ConsentEvent).where(
        ConsentEvent.profile_id == profile_id).order_by(ConsentEvent.at.desc(),
                                                        ConsentEvent.id.desc())))
    current: dict[tuple[str, str], bool] = {}
    for event in history:
        current.setdefault((event.channel, event.purpose), event.granted)
    return current, history


def set_consent(session: Session, profile: GuestProfile, granted: set[tuple[str, str]],
                source: str = GUEST_SOURCE, actor: str | None = None) -> int:
    """Record the answers that changed (every channel × purpose: ticked or not); the email
    offers answer also governs perk mails. The number of changes."""
    unknown = {pair for pair in granted
               if pair[0] not in CONSENT_CHANNELS or pair[1] not in CONSENT_PURPOSES}
    if unknown:
        raise Refused("unknown channel or purpose")
    current, _ = consent_state(session, profile.id)
    now, changes = utcnow(), 0
    for channel in CONSENT_CHANNELS:
        for purpose in CONSENT_PURPOSES:
            wanted, before = (channel, purpose) in granted, current.get((channel, purpose))
            if before == wanted or (before is None and not wanted):  # no change, or never asked
                continue
            session.add(ConsentEvent(profile_id=profile.id, channel=channel, purpose=purpose,
                                     granted=wanted, source=source,
                                     actor=actor or f"guest:{profile.id}", at=now))
            changes += 1
            if (channel, purpose) == ("email", "offers"):
                _email_offers(session, profile, wanted, now)
    _audit(session, profile, "portal.consent", {"changes": changes})
    session.commit()
    return changes


def linked_accounts(session: Session, profile_id: int) -> list[ExternalId]:
    return list(session.scalars(select(ExternalId).where(
        ExternalId.profile_id == profile_id, ExternalId.kind == "social").order_by(
        ExternalId.id)))


def verified_emails(session: Session, profile_id: int) -> list[str]:
    return list(session.scalars(select(ContactPoint.value_raw).where(
        ContactPoint.profile_id == profile_id, ContactPoint.kind == "email",
        ContactPoint.verified.is_(True))))


def unlink_account(session: Session, profile: GuestProfile, link_id: int) -> None:
    """Remove a social sign-in while another way in remains (another account, or a verified
    address for email links)."""
    link = session.get(ExternalId, link_id)
    if link is None or link.profile_id != profile.id or link.kind != "social":
        raise Refused("no such linked account")
    others = [a for a in linked_accounts(session, profile.id) if a.id != link.id]
    if not others and not verified_emails(session, profile.id):
        raise Refused("this is your only way to sign in: link another account first")
    session.delete(link)
    _audit(session, profile, "portal.unlink_account", {"provider": link.system})
    session.commit()


def _email_offers(session: Session, profile: GuestProfile, granted: bool, now: datetime
                  ) -> None:
    profile.marketing_consent = granted
    versions = dict(profile.field_versions or {})
    versions["marketing_consent"] = GUEST_VERSION
    profile.field_versions = versions
    for contact in session.scalars(select(ContactPoint).where(
            ContactPoint.profile_id == profile.id, ContactPoint.kind == "email")):
        contact.marketing_consent, contact.consent_at = granted, now


def _audit(session: Session, profile: GuestProfile, action: str, details: dict) -> None:
    session.add(AuditEntry(actor=f"guest:{profile.id}", action=action,
                           target_type="guest_profile", target_id=str(profile.id),
                           details=details))
