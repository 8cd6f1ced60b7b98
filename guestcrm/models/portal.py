"""The guest portal's records: guest sign-in sessions, single-use email sign-in links, the
history of communication consent, and privacy requests (export, erasure). A guest's social
accounts are ExternalId rows of kind "social" (provider, subject): exact identity keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from guestcrm.db.types import UTCDateTime, utcnow
from guestcrm.extensions import db

CONSENT_CHANNELS = ("email", "sms", "phone", "post")
CONSENT_PURPOSES = ("offers", "newsletter", "surveys")


class GuestSession(db.Model):
    """A guest signed in to /me: the cookie holds a random token, only its digest is kept, so a
    session ends when its row says so (sign-out, erasure, expiry)."""

    __tablename__ = "guest_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("guest_profile.id"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    method: Mapped[str] = mapped_column(String(64))  # provider name, or "email"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailSignInLink(db.Model):
    """A single-use, expiring sign-in link mailed to an address; only its digest is kept."""

    __tablename__ = "email_sign_in_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsentEvent(db.Model):
    """One answer of the guest (or on their behalf) for a channel and purpose; the newest per
    channel and purpose is the consent in force, the rest its history."""

    __tablename__ = "consent_event"
    __table_args__ = (Index("ix_consent_event_profile", "profile_id", "channel", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("guest_profile.id"))
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))  # guest | staff | pms
    actor: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PrivacyRequest(db.Model):
    """An access (export) or erasure request, from the guest or recorded by the hotel's
    data-protection officer, and what became of it."""

    __tablename__ = "privacy_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("guest_profile.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # export | erasure | retention
    requested_by: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done | refused
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
