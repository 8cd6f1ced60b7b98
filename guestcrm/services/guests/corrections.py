"""Staff correct a guest's core fields: name, email, phone, language, company. Each correction
is audited, and it wins over what a PMS sends later: name, language and company carry the
staff version (survivorship), the email and phone become staff contacts, shown first; an
emptied email or phone marks the one shown as not valid."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.errors import Refused
from guestcrm.models import AuditEntry, ContactPoint, GuestProfile, Property, Stay
from guestcrm.services.guests.primary_contact import STAFF_SOURCE, primary_contacts
from guestcrm.services.identity.contacts import (
    is_relay_email,
    normalize_email,
    normalize_phone,
)
from guestcrm.services.identity.match_index import refresh_match_index
from guestcrm.services.identity.survivorship import STAFF_VERSION

PROFILE_FIELDS = ("first_name", "last_name", "language", "company")


class InvalidContact(Refused):
    """An email or phone that is not one; `field` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CoreFields:
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    language: str | None
    company: str | None


def correct_guest(session: Session, profile: GuestProfile, wanted: CoreFields,
                  actor: str) -> dict[str, list[str | None]]:
    """Apply what differs from the profile; returns field -> [before, after] (empty: nothing
    changed, nothing audited). Raises InvalidContact before changing anything."""
    email = _email(wanted.email)
    phone = _phone(session, profile, wanted.phone)
    shown = primary_contacts(session.scalars(
        select(ContactPoint).where(ContactPoint.profile_id == profile.id)))
    changes: dict[str, list[str | None]] = {}
    versions = dict(profile.field_versions or {})
    for field in PROFILE_FIELDS:
        value = _clean(getattr(wanted, field))
        if value != getattr(profile, field):
            changes[field] = [getattr(profile, field), value]
            setattr(profile, field, value)
            versions[field] = STAFF_VERSION
    profile.field_versions = versions
    for kind, typed, normalized in (("email", wanted.email, email),
                                    ("phone", wanted.phone, phone)):
        current = shown.get(kind)
        if current is not None and current.value_normalized == normalized:
            continue
        if normalized is None:
            if current is not None:  # emptied: the one shown is wrong
                changes[kind] = [current.value_raw, None]
                current.is_valid = False
            continue
        changes[kind] = [current.value_raw if current else None, _clean(typed)]
        _staff_contact(session, profile, kind, _clean(typed) or normalized, normalized)
    if changes:
        session.add(AuditEntry(actor=actor, action="profile.correct",
                               target_type="guest_profile", target_id=str(profile.id),
                               details={"changes": changes}))
    session.flush()
    if changes:  # the matcher finds the guest under the corrected name and contacts
        refresh_match_index(session, [profile.id])
    return changes


def _clean(value: str | None) -> str | None:
    return " ".join(value.split()) or None if value else None


def _email(typed: str | None) -> str | None:
    if not _clean(typed):
        return None
    normalized = normalize_email(typed or "")
    if normalized is None:
        raise InvalidContact("email", "not an email address")
    return normalized


def _phone(session: Session, profile: GuestProfile, typed: str | None) -> str | None:
    if not _clean(typed):
        return None
    normalized = normalize_phone(typed or "", _region(session, profile))
    if normalized is None:
        raise InvalidContact("phone", "not a phone number (with its country code, e.g. "
                                      "+49 30 1234567, when the guest is from abroad)")
    return normalized


def _region(session: Session, profile: GuestProfile) -> str | None:
    """Where a number written without its country code is read: the guest's country, else the
    country of the hotel of their latest stay."""
    if profile.country and len(profile.country) == 2:
        return profile.country.upper()
    return session.scalar(
        select(Property.country).join(Stay, Stay.property_id == Property.id)
        .where(Stay.profile_id == profile.id).order_by(Stay.arrival.desc().nulls_last())
        .limit(1))


def _staff_contact(session: Session, profile: GuestProfile, kind: str, raw: str,
                   normalized: str) -> None:
    now = utcnow()
    contact = session.scalar(select(ContactPoint).where(
        ContactPoint.profile_id == profile.id, ContactPoint.kind == kind,
        ContactPoint.value_normalized == normalized))
    if contact is None:
        contact = ContactPoint(profile_id=profile.id, kind=kind, value_normalized=normalized,
                               first_seen=now, verified=False,
                               is_relay=kind == "email" and is_relay_email(normalized))
        session.add(contact)
    contact.value_raw, contact.source, contact.is_valid, contact.last_seen = (
        raw[:320], STAFF_SOURCE, True, now)
