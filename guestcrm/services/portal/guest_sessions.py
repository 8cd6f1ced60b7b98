"""Guest sessions: the cookie holds a random token, the database its digest; a session ends when
its row says so (sign-out, erasure, expiry), whatever cookie is still around. A session follows
its guest through merges (the row moves with the profile)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.models import GuestProfile, GuestSession
from guestcrm.services.identity.lookup import live_profile

LIFETIME = timedelta(days=30)
MAX_TOKEN = 128


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, profile_id: int, method: str,
                  lifetime: timedelta = LIFETIME) -> str:
    """A new session for the guest; the token (returned once) goes into the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(GuestSession(profile_id=profile_id, token_digest=digest(token),
                             method=method[:64], expires_at=utcnow() + lifetime))
    session.commit()
    return token


def guest_for_token(session: Session, token: str | None) -> GuestProfile | None:
    """The signed-in guest's live profile, or None (no, unknown, ended or expired session)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    row = session.scalar(select(GuestSession).where(GuestSession.token_digest == digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return live_profile(session, row.profile_id)


def end_session(session: Session, token: str | None) -> None:
    if token and len(token) <= MAX_TOKEN:
        session.execute(update(GuestSession).where(GuestSession.token_digest == digest(token))
                        .values(revoked_at=utcnow()))
        session.commit()


def end_all_sessions(session: Session, profile_id: int) -> None:
    session.execute(update(GuestSession).where(GuestSession.profile_id == profile_id,
                                               GuestSession.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))
