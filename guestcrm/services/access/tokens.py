"""API tokens for machine clients (booking engines): scopes, an optional list of hotels, and
revocation. Only the token's hash is kept."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from guestcrm.errors import NotFound, Refused
from guestcrm.models import ApiToken, AuditEntry, Property, Stay
from guestcrm.services.access.credentials import CredentialExists, digest, hotel_codes

# What a token may do; a token made without scopes may do everything (so integrations made
# before scopes existed keep working).
SCOPES = ("guests:read", "arrivals:read", "perks:validate", "perks:redeem")
# How fresh "last used" is kept: writing it on every API read would make each read wait for a
# disk write (the desk's arrivals API polls).
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class ApiGrant:
    """What the token presented with a request allows."""

    name: str
    scopes: frozenset[str]
    properties: frozenset[str] | None  # hotel codes; None: every hotel

    def allows_hotel(self, code: str) -> bool:
        return self.properties is None or code.strip().upper() in self.properties


def create_api_token(session: Session, name: str, scopes: Iterable[str] | None = None,
                     properties: Iterable[str] | None = None, actor: str = "cli") -> str:
    """A new token (returned once, only its hash kept). Without `scopes` it has every scope;
    with `properties` it sees only guests with a stay at those hotels."""
    if session.scalar(select(ApiToken).where(ApiToken.name == name)):
        raise CredentialExists(f"an API token named {name!r} exists already")
    chosen = None if scopes is None else sorted(set(scopes))
    unknown = sorted(set(chosen or ()) - set(SCOPES))
    if unknown or chosen == []:
        raise Refused(f"unknown scope {', '.join(unknown) or '(none)'}; one or more of "
                      f"{', '.join(SCOPES)}")
    codes = None if properties is None else hotel_codes(properties) or None
    token = "gcrm_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=digest(token), scopes=chosen, properties=codes))
    session.add(AuditEntry(actor=actor, action="token.create", target_type="api_token",
                           target_id=name, details={"scopes": chosen, "properties": codes}))
    session.commit()
    return token


def find_api_token(session: Session, token: str) -> ApiGrant | None:
    """The grant of a live token; None for an unknown or revoked one."""
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == digest(token), ApiToken.revoked_at.is_(None))
    )
    if row is None:
        return None
    now = datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
    return ApiGrant(row.name, frozenset(row.scopes if row.scopes is not None else SCOPES),
                    None if row.properties is None else frozenset(row.properties))


def revoke_api_token(session: Session, name: str, actor: str = "cli") -> None:
    """The token stops working with the next request."""
    row = session.scalar(select(ApiToken).where(ApiToken.name == name,
                                                ApiToken.revoked_at.is_(None)))
    if row is None:
        raise NotFound(f"no active API token named {name!r}")
    row.revoked_at = datetime.now(UTC)
    session.add(AuditEntry(actor=actor, action="token.revoke", target_type="api_token",
                           target_id=name, details={}))
    session.commit()


def stayed_at(session: Session, profile_id: int, codes: frozenset[str]) -> bool:
    """Whether the guest has a stay at one of the hotels (what a hotel-limited token may see)."""
    return bool(session.scalar(select(exists().where(
        Stay.profile_id == profile_id, Stay.property_id == Property.id,
        func.upper(Property.code).in_(codes)))))
