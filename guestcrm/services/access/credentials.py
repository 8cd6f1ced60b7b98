"""Webhook credentials per connector: only their secrets' hashes are kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.errors import Conflict, NotFound, Refused
from guestcrm.models import AuditEntry, WebhookCredential
from guestcrm.schemas.reservation import HOTEL_CODE_RULE, valid_hotel_code


class CredentialExists(Conflict):
    pass


def digest(secret: str) -> str:
    # The secrets are 256-bit random values, so a fast hash is enough and keeps webhooks fast.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_webhook_credential(
    session: Session, connector: str, name: str, actor: str = "cli",
    properties: list[str] | None = None,
) -> str:
    """A new credential (its secret is returned, only its hash kept); `properties` limits it
    to those hotel codes, None lets it post for any hotel."""
    if session.scalar(
        select(WebhookCredential).where(
            WebhookCredential.connector == connector, WebhookCredential.name == name
        )
    ):
        raise CredentialExists(f"{connector} already has a credential named {name!r}")
    codes = None if properties is None else hotel_codes(properties)
    secret = secrets.token_urlsafe(32)
    session.add(
        WebhookCredential(
            connector=connector, name=name, secret_hash=digest(secret), created_by=actor,
            properties=codes,
        )
    )
    session.add(
        AuditEntry(
            actor=actor,
            action="credential.create",
            target_type="webhook_credential",
            target_id=f"{connector}:{name}",
            details={"properties": codes},
        )
    )
    session.commit()
    return secret


def hotel_codes(codes: Iterable[str]) -> list[str]:
    """Hotel codes as stored on a credential: trimmed, upper case, sorted, once each."""
    clean = {_hotel_code(code) for code in codes}
    for code in clean:
        if not valid_hotel_code(code):
            raise Refused(f"{code!r} is not a hotel code ({HOTEL_CODE_RULE})")
    return sorted(clean)


def _hotel_code(code: str | None) -> str:
    return (code or "").strip().upper()


@dataclass(frozen=True)
class WebhookGrant:
    """Who passed a webhook check, and for which hotels (None: any)."""

    name: str
    properties: frozenset[str] | None = None

    def refused_hotels(self, codes: Iterable[str]) -> list[str]:
        """The hotel codes among `codes` this credential may not post for."""
        if self.properties is None:
            return []
        return sorted({c for c in codes if _hotel_code(c) not in self.properties})


class WebhookAuthCache:
    """Successful webhook credential checks, remembered in this process for `ttl` seconds so
    that a busy sender does not cost a database query per request.

    Only successes are kept, under an HMAC (with a per-process random key) of connector, name
    and secret: a wrong secret never matches an entry and always gets the full check. The price:
    a credential revoked in the database keeps working for up to `ttl` seconds in a process
    that accepted it just before (each gunicorn worker has its own cache). `ttl` 0 disables it.
    """

    def __init__(self, ttl: float = 30.0, clock: Callable[[], float] = time.monotonic,
                 max_entries: int = 4096) -> None:
        self.ttl = ttl
        self.clock = clock
        self.max_entries = max_entries
        self._key = secrets.token_bytes(32)
        self._grants: dict[bytes, tuple[float, WebhookGrant]] = {}
        self._lock = threading.Lock()

    def _entry(self, connector: str, name: str, secret: str) -> bytes:
        parts = (connector, name, secret)
        data = b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)
        return hmac.new(self._key, data, hashlib.sha256).digest()

    def hit(self, connector: str, name: str, secret: str) -> WebhookGrant | None:
        if self.ttl <= 0:
            return None
        entry = self._entry(connector, name, secret)
        found = self._grants.get(entry)
        if found is None:
            return None
        if found[0] > self.clock():
            return found[1]
        self._grants.pop(entry, None)
        return None

    def remember(self, connector: str, name: str, secret: str, grant: WebhookGrant) -> None:
        if self.ttl <= 0:
            return
        now = self.clock()
        with self._lock:
            if len(self._grants) >= self.max_entries:
                self._grants = {k: v for k, v in self._grants.items() if v[0] > now}
                if len(self._grants) >= self.max_entries:
                    self._grants.clear()
            self._grants[self._entry(connector, name, secret)] = (now + self.ttl, grant)

    def clear(self) -> None:
        with self._lock:
            self._grants.clear()


def check_webhook_basic(
    session: Session, connector: str, name: str, secret: str, env_credentials: dict[str, str],
    cache: WebhookAuthCache | None = None,
) -> WebhookGrant | None:
    """Constant-time check of an HTTP Basic pair against the environment (any hotel) and the
    database; the grant, or None. With a `cache`, a pair that passed within its TTL is
    granted again without the database."""
    if cache is not None:
        grant = cache.hit(connector, name, secret)
        if grant is not None:
            return grant
    grant = _check_webhook_basic(session, connector, name, secret, env_credentials)
    if grant is not None and cache is not None:
        cache.remember(connector, name, secret, grant)
    return grant


def _check_webhook_basic(
    session: Session, connector: str, name: str, secret: str, env_credentials: dict[str, str]
) -> WebhookGrant | None:
    env_ok = False
    env = env_credentials.get(connector)
    if env:
        env_name, _, env_secret = env.partition(":")
        env_ok = hmac.compare_digest(env_name.encode(), name.encode()) & hmac.compare_digest(
            env_secret.encode(), secret.encode()
        )
    row = session.scalar(
        select(WebhookCredential).where(
            WebhookCredential.connector == connector,
            WebhookCredential.name == name,
            WebhookCredential.revoked_at.is_(None),
        )
    )
    expected = row.secret_hash if row else digest(secrets.token_hex(16))
    db_ok = hmac.compare_digest(expected, digest(secret)) and row is not None
    if env_ok:
        return WebhookGrant(name)
    if db_ok:
        scope = None if row.properties is None else frozenset(row.properties)
        return WebhookGrant(name, scope)
    return None


def revoke_webhook_credential(session: Session, connector: str, name: str,
                              actor: str = "cli") -> None:
    """The credential stops working: at once for a new check, and within the auth cache's
    time (WEBHOOK_AUTH_CACHE_SECONDS, 30 s by default) in a process that accepted it just
    before."""
    row = session.scalar(select(WebhookCredential).where(
        WebhookCredential.connector == connector, WebhookCredential.name == name,
        WebhookCredential.revoked_at.is_(None)))
    if row is None:
        raise NotFound(f"{connector} has no active credential named {name!r}")
    row.revoked_at = datetime.now(UTC)
    session.add(AuditEntry(actor=actor, action="credential.revoke",
                           target_type="webhook_credential", target_id=f"{connector}:{name}",
                           details={}))
    session.commit()
