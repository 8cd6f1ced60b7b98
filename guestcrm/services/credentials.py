"""Machine credentials: webhook credentials per connector and API tokens. Only hashes are kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.models import ApiToken, AuditEntry, WebhookCredential


class CredentialExists(ValueError):
    pass


def _digest(secret: str) -> str:
    # The secrets are 256-bit random values, so a fast hash is enough and keeps webhooks fast.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_webhook_credential(
    session: Session, connector: str, name: str, actor: str = "cli"
) -> str:
    if session.scalar(
        select(WebhookCredential).where(
            WebhookCredential.connector == connector, WebhookCredential.name == name
        )
    ):
        raise CredentialExists(f"{connector} already has a credential named {name!r}")
    secret = secrets.token_urlsafe(32)
    session.add(
        WebhookCredential(
            connector=connector, name=name, secret_hash=_digest(secret), created_by=actor
        )
    )
    session.add(
        AuditEntry(
            actor=actor,
            action="credential.create",
            target_type="webhook_credential",
            target_id=f"{connector}:{name}",
            details={},
        )
    )
    session.commit()
    return secret


def check_webhook_basic(
    session: Session, connector: str, name: str, secret: str, env_credentials: dict[str, str]
) -> bool:
    """Constant-time check of an HTTP Basic pair against the environment and the database."""
    ok = False
    env = env_credentials.get(connector)
    if env:
        env_name, _, env_secret = env.partition(":")
        ok = hmac.compare_digest(env_name.encode(), name.encode()) & hmac.compare_digest(
            env_secret.encode(), secret.encode()
        )
    row = session.scalar(
        select(WebhookCredential).where(
            WebhookCredential.connector == connector,
            WebhookCredential.name == name,
            WebhookCredential.revoked_at.is_(None),
        )
    )
    expected = row.secret_hash if row else _digest(secrets.token_hex(16))
    db_ok = hmac.compare_digest(expected, _digest(secret)) and row is not None
    return db_ok or ok


def create_api_token(session: Session, name: str, actor: str = "cli") -> str:
    if session.scalar(select(ApiToken).where(ApiToken.name == name)):
        raise CredentialExists(f"an API token named {name!r} exists already")
    token = "gcrm_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=_digest(token)))
    session.add(
        AuditEntry(
            actor=actor, action="token.create", target_type="api_token", target_id=name, details={}
        )
    )
    session.commit()
    return token


def find_api_token(session: Session, token: str) -> ApiToken | None:
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    )
    if row is not None:
        row.last_used_at = datetime.now(UTC)
    return row
