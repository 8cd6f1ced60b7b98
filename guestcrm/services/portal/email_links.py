"""Sign-in by email: a single-use link that expires, mailed through the outbox. Asking for one
says nothing about whether the address is known (the same answer either way)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.errors import Refused
from guestcrm.models import EmailSignInLink, OutboundMail
from guestcrm.services.identity.contacts import checked_email
from guestcrm.services.portal.guest_sessions import MAX_TOKEN, digest

LIFETIME = timedelta(minutes=30)


class LinkInvalid(Refused):
    """The link is unknown, used or expired."""


def request_link(session: Session, email: str, link_for: Callable[[str], str],
                 lifetime: timedelta = LIFETIME) -> int | None:
    """Mail a sign-in link to the address (`link_for(token)` makes its URL); the mail's id,
    None for an address that cannot receive mail. Commits."""
    address = checked_email(email)
    if address is None:
        return None
    token = create_link(session, address, lifetime)
    mail = OutboundMail(
        to_address=address, subject="Your sign-in link",
        body=(f"To sign in to your guest profile, open this link within "
              f"{int(lifetime.total_seconds() // 60)} minutes:\n\n{link_for(token)}\n\n"
              "It works once. If you did not ask for it, ignore this mail.\n"))
    session.add(mail)
    session.commit()
    return mail.id


def create_link(session: Session, address: str, lifetime: timedelta = LIFETIME) -> str:
    """A new single-use sign-in link's token for a checked address (flushed)."""
    token = secrets.token_urlsafe(32)
    session.add(EmailSignInLink(email=address, token_digest=digest(token),
                                expires_at=utcnow() + lifetime))
    session.flush()
    return token


def use_link(session: Session, token: str) -> str:
    """The address the link was sent to; the link cannot be used again."""
    if not token or len(token) > MAX_TOKEN:
        raise LinkInvalid("this sign-in link is not valid")
    query = select(EmailSignInLink).where(EmailSignInLink.token_digest == digest(token))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    link = session.scalar(query)
    if link is None or link.used_at is not None:
        raise LinkInvalid("this sign-in link is not valid, or was used already")
    if link.expires_at <= utcnow():
        raise LinkInvalid("this sign-in link has expired; ask for a new one")
    link.used_at = utcnow()
    session.flush()
    return link.email
