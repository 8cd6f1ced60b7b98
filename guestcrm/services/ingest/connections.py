"""Cloud PMS connections per property: saved with the secret encrypted, turned into an API.

The secret (client secret, access token or API key) is encrypted with Fernet under
GUESTCRM_CONNECTOR_KEY; only its last characters are kept readable, to tell secrets apart.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.cloud import CloudApi, CloudConnector, Connection
from connectors.http_client import ClientCredentials, VendorHttp, rate_limit_for
from connectors.registry import get_connector
from guestcrm.errors import NotFound, Refused
from guestcrm.models import AuditEntry, ConnectorConnection
from guestcrm.schemas.reservation import HOTEL_CODE_RULE, valid_hotel_code

CLOUD_CONNECTORS = ("apaleo", "mews", "cloudbeds")
# Where each vendor's API and token endpoint live unless the admin says otherwise.
DEFAULT_URLS = {"apaleo": ("https://api.apaleo.com", "https://identity.apaleo.com/connect/token"),
                "mews": ("https://api.mews.com", ""),
                "cloudbeds": ("https://api.cloudbeds.com", "")}


class MissingKey(Refused):
    pass


def cipher(config: dict[str, Any]) -> Fernet:
    """The Fernet of GUESTCRM_CONNECTOR_KEY; a trial run without it derives one from
    SECRET_KEY, production refuses (a secret key that changes would lose every secret)."""
    key = config.get("CONNECTOR_KEY")
    if key:
        try:
            return Fernet(key.encode() if isinstance(key, str) else key)
        except ValueError as exc:
            raise MissingKey("GUESTCRM_CONNECTOR_KEY is not a Fernet key (44 characters of "
                             "url-safe base64)") from exc
    if config.get("GUESTCRM_ENV") == "production":
        raise MissingKey("set GUESTCRM_CONNECTOR_KEY to store connector secrets")
    derived = hashlib.sha256(b"guestcrm-connector:" + str(config["SECRET_KEY"]).encode())
    return Fernet(base64.urlsafe_b64encode(derived.digest()))


@dataclass
class ConnectionForm:
    connector: str
    property_code: str
    account: str
    base_url: str = ""
    token_url: str = ""
    client_id: str = ""
    secret: str = ""  # empty on an edit: keep the stored one
    enabled: bool = True


def save_connection(session: Session, form: ConnectionForm, config: dict[str, Any],
                    actor: str) -> ConnectorConnection:
    """Create or change the connection of `form.connector` for `form.property_code`."""
    if form.connector not in CLOUD_CONNECTORS:
        raise Refused(f"unknown cloud connector {form.connector!r}")
    if not valid_hotel_code(form.property_code):
        raise Refused(f"hotel code: {HOTEL_CODE_RULE}")
    account = form.account.strip()
    if not account or len(account) > 128:
        raise Refused("the vendor's property id is required (at most 128 characters)")
    base_default, token_default = DEFAULT_URLS[form.connector]
    base_url = _url(form.base_url.strip() or base_default, "API address")
    token_url = _url(form.token_url.strip() or token_default, "token address") if (
        form.token_url.strip() or token_default) else ""
    row = session.scalar(select(ConnectorConnection).where(
        ConnectorConnection.connector == form.connector,
        ConnectorConnection.property_code == form.property_code))
    clash = session.scalar(select(ConnectorConnection).where(
        ConnectorConnection.connector == form.connector, ConnectorConnection.account == account))
    if clash is not None and clash is not row:
        raise Refused(f"{form.connector} account {account} is connected to hotel "
                      f"{clash.property_code} already")
    if row is None:
        if not form.secret:
            raise Refused("the secret is required for a new connection")
        row = ConnectorConnection(connector=form.connector, property_code=form.property_code)
        session.add(row)
    row.account, row.base_url, row.token_url = account, base_url, token_url
    row.client_id = form.client_id.strip()[:255]
    row.enabled = form.enabled
    if form.secret:
        row.secret_encrypted = cipher(config).encrypt(form.secret.encode())
        row.secret_hint = form.secret[-4:] if len(form.secret) >= 12 else ""
        row.last_error = row.last_error_at = None
    row.extra = row.extra or {}
    row.updated_by, row.updated_at = actor, datetime.now(UTC)
    session.flush()
    session.add(AuditEntry(actor=actor, action="connector.save", target_type="connection",
                           target_id=f"{row.connector}:{row.property_code}",
                           details={"account": account, "base_url": base_url,
                                    "secret_changed": bool(form.secret),
                                    "enabled": form.enabled}))
    session.commit()
    return row


def connection_rows(session: Session, enabled_only: bool = False) -> list[ConnectorConnection]:
    query = select(ConnectorConnection).order_by(ConnectorConnection.connector,
                                                 ConnectorConnection.property_code)
    if enabled_only:
        query = query.where(ConnectorConnection.enabled.is_(True))
    return list(session.scalars(query))


def find_connection(session: Session, connector: str, *, property_code: str | None = None,
                    account: str | None = None) -> ConnectorConnection:
    query = select(ConnectorConnection).where(ConnectorConnection.connector == connector)
    if property_code is not None:
        query = query.where(ConnectorConnection.property_code == property_code)
    if account is not None:
        query = query.where(ConnectorConnection.account == account)
    row = session.scalar(query)
    if row is None:
        what = f"hotel {property_code}" if property_code else f"vendor property {account}"
        raise NotFound(f"no {connector} connection for {what}")
    return row


def hotels_of_accounts(session: Session, connector: str, accounts: set[str]) -> dict[str, str]:
    """Vendor property id -> hotel code, for the connected ones among `accounts`."""
    rows = session.execute(select(ConnectorConnection.account, ConnectorConnection.property_code)
                           .where(ConnectorConnection.connector == connector,
                                  ConnectorConnection.account.in_(sorted(accounts))))
    return {account: code for account, code in rows}


def api_for(row: ConnectorConnection, config: dict[str, Any]) -> CloudApi:
    """The vendor's API for this connection, on the shared HTTP client."""
    connector = get_connector(row.connector)
    assert isinstance(connector, CloudConnector)  # noqa: S101  CLOUD_CONNECTORS only
    try:
        secret = cipher(config).decrypt(row.secret_encrypted).decode()
    except InvalidToken as exc:
        raise MissingKey(f"the secret of {row.connector}:{row.property_code} cannot be "
                         "decrypted: was GUESTCRM_CONNECTOR_KEY changed?") from exc
    connection = Connection(property_code=row.property_code, account=row.account,
                            base_url=row.base_url, client_id=row.client_id, secret=secret,
                            token_url=row.token_url, extra=dict(row.extra or {}))
    calls, per = connector.rate_limit
    oauth = ClientCredentials(row.token_url, row.client_id, secret) if row.token_url else None
    headers = {connector.api_key_header: secret} if connector.api_key_header else None
    http = VendorHttp(row.connector, row.base_url, oauth=oauth, headers=headers,
                      rate_limit=rate_limit_for(f"{row.connector}:{row.account}", calls, per),
                      backoff=float(config.get("CONNECTOR_BACKOFF", 0.5)))
    return connector.api(connection, http)


def record_vendor_error(row: ConnectorConnection, reason: str) -> None:
    row.last_error, row.last_error_at = reason[:1000], datetime.now(UTC)


def _url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise Refused(f"the {what} must be an http(s) URL")
    return value[:255]
