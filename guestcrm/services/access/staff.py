"""Staff accounts: creation, password check (argon2), property scope."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.errors import Refused
from guestcrm.models import AuditEntry, Property, StaffUser
from guestcrm.models.staff import ROLES
from guestcrm.services.identity.contacts import checked_email

_hasher = PasswordHasher()
# Verifying against this when the account does not exist keeps the timing the same.
_DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD_LENGTH = 10


class StaffError(Refused):
    pass


def create_staff(
    session: Session,
    email: str,
    password: str,
    role: str,
    property_codes: list[str],
    name: str = "",
    actor: str = "cli",
) -> StaffUser:
    address = checked_email(email)
    if not address:
        raise StaffError(f"not an email address: {email}")
    if role not in ROLES:
        raise StaffError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(StaffUser).where(StaffUser.email == address)):
        raise StaffError(f"{address} exists already")
    properties = []
    for code in property_codes:
        prop = session.scalar(select(Property).where(Property.code == code))
        if prop is None:
            prop = Property(code=code, name=code, confirmed_at=datetime.now(UTC),
                            confirmed_by="cli")
            session.add(prop)
        properties.append(prop)
    user = StaffUser(
        email=address,
        name=name,
        password_hash=_hasher.hash(password),
        role=role,
        properties=properties,
    )
    session.add(user)
    session.add(
        AuditEntry(
            actor=actor,
            action="staff.create",
            target_type="staff_user",
            target_id=address,
            details={"role": role, "properties": property_codes},
        )
    )
    session.commit()
    return user


def new_session_token(user: StaffUser) -> None:
    """End every session of the account: they carry the old token in their user id."""
    user.session_token = secrets.token_urlsafe(24)


def user_for_session(session: Session, session_user_id: str) -> StaffUser | None:
    """The active account a session's user id names, if its token is still the account's."""
    raw_id, _, token = session_user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = session.get(StaffUser, int(raw_id))
    if user is None or not user.active or not user.session_token:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


def sign_out(session: Session, user: StaffUser) -> None:
    new_session_token(user)
    session.commit()


def change_password(session: Session, user: StaffUser, password: str, actor: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = _hasher.hash(password)
    new_session_token(user)
    session.add(AuditEntry(actor=actor, action="staff.password", target_type="staff_user",
                           target_id=user.email))
    session.commit()


def deactivate_staff(session: Session, email: str, actor: str) -> StaffUser:
    """The account can no longer sign in, and its open sessions end at once."""
    user = session.scalar(select(StaffUser).where(StaffUser.email == _account(email)))
    if user is None:
        raise StaffError(f"no staff account {email}")
    user.active = False
    new_session_token(user)
    session.add(AuditEntry(actor=actor, action="staff.deactivate", target_type="staff_user",
                           target_id=user.email))
    session.commit()
    return user


def change_access(session: Session, user_id: int, role: str, property_ids: list[int],
                  actor: str) -> StaffUser:
    """A new role and hotels for an account; its open sessions end (they carried the old)."""
    user = session.get(StaffUser, user_id)
    if user is None:
        raise StaffError("no such staff account")
    if role not in ROLES:
        raise StaffError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    hotels = list(session.scalars(select(Property).where(Property.id.in_(property_ids))))
    if len(hotels) != len(set(property_ids)):
        raise StaffError("unknown hotel")
    before = {"role": user.role, "properties": sorted(p.code for p in user.properties)}
    user.role, user.properties = role, hotels
    new_session_token(user)
    session.add(AuditEntry(actor=actor, action="staff.access", target_type="staff_user",
                           target_id=user.email, details={"before": before, "after": {
                               "role": role, "properties": sorted(p.code for p in hotels)}}))
    session.commit()
    return user


def reset_password(session: Session, user_id: int, actor: str) -> str:
    """A new generated password (returned once to show the admin); sessions end."""
    user = session.get(StaffUser, user_id)
    if user is None:
        raise StaffError("no such staff account")
    password = secrets.token_urlsafe(12)
    change_password(session, user, password, actor)
    return password


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    user = session.scalar(select(StaffUser).where(StaffUser.email == _account(email)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = datetime.now(UTC)
    if not user.session_token:
        new_session_token(user)
    session.commit()
    return user


def manages_the_whole_group(session: Session, user: StaffUser) -> bool:
    """May change settings that apply to every hotel: an admin, or a revenue manager whose
    properties are all the group's. A revenue manager of one hotel must not change the pyramid
    or the segment actions of hotels they do not run."""
    if user.role == "admin":
        return True
    if user.role != "revenue_manager":
        return False
    every = set(session.scalars(select(Property.id)))
    return every <= user.property_ids()


def _account(email: str) -> str:
    """The spelling an account is stored under (create_staff), for sign-in and look-ups."""
    return checked_email(email) or email.strip().lower()
