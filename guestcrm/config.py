"""Settings from the environment, in one place."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def load_config(instance_path: str) -> dict[str, Any]:
    """Build the Flask config from the environment; nothing is read at import time."""
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "guestcrm.sqlite3")
    )
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    secret_key = os.environ.get("SECRET_KEY")
    environment = os.environ.get("GUESTCRM_ENV", "development")
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # Without SECRET_KEY (a trial run) every worker reads one key kept under instance/;
        # production refuses to start without one from the environment (see create_app).
        "SECRET_KEY": secret_key or instance_secret_key(Path(instance_path)),
        "SECRET_KEY_FROM_ENV": bool(secret_key),
        "GUESTCRM_ENV": environment,
        "SESSION_COOKIE_NAME": "guestcrm_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Over HTTPS only: on request here, always in production (create_app forces it).
        "SESSION_COOKIE_SECURE": os.environ.get("GUESTCRM_SECURE_COOKIES") == "1",
        "REMEMBER_COOKIE_SECURE": os.environ.get("GUESTCRM_SECURE_COOKIES") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Proxies in front of the app whose X-Forwarded-For / -Proto are believed (ProxyFix).
        "TRUSTED_PROXIES": _int("GUESTCRM_TRUSTED_PROXIES", 0),
        "WTF_CSRF_TIME_LIMIT": None,
        "WEBHOOK_MAX_BYTES": _int("GUESTCRM_WEBHOOK_MAX_BYTES", 1_000_000),
        "MAX_CONTENT_LENGTH": _int("GUESTCRM_MAX_CONTENT_LENGTH", 16_000_000),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Sign-in tries per account and client address, and per client address alone.
        "LOGIN_RATE_LIMIT": os.environ.get("GUESTCRM_LOGIN_RATE_LIMIT", "10 per minute"),
        "LOGIN_ADDRESS_RATE_LIMIT": os.environ.get("GUESTCRM_LOGIN_ADDRESS_RATE_LIMIT",
                                                   "60 per minute"),
        # Perk validations and redemptions per API token: codes must not be enumerable.
        "PERK_RATE_LIMIT": os.environ.get("GUESTCRM_PERK_RATE_LIMIT", "120 per minute"),
        # The mail server for perk mails (absent: mails wait in the outbox).
        "SMTP_HOST": os.environ.get("GUESTCRM_SMTP_HOST"),
        "SMTP_PORT": _int("GUESTCRM_SMTP_PORT", 587),
        "SMTP_USER": os.environ.get("GUESTCRM_SMTP_USER"),
        "SMTP_PASSWORD": os.environ.get("GUESTCRM_SMTP_PASSWORD"),
        "SMTP_STARTTLS": os.environ.get("GUESTCRM_SMTP_STARTTLS", "1") == "1",
        "MAIL_FROM": os.environ.get("GUESTCRM_MAIL_FROM", "GuestCRM <no-reply@localhost>"),
        # The site's address as guests reach it (https://crm.hotel.example): links in mails are
        # made from it, never from a request's Host header, which a sender may forge.
        "PUBLIC_URL": (os.environ.get("GUESTCRM_PUBLIC_URL") or "").rstrip("/") or None,
        # Guest sign-in providers (connectors/social/providers.py): only configured ones appear.
        "GUEST_PROVIDERS": guest_providers(os.environ),
        "GUEST_SIGN_IN_RATE_LIMIT": os.environ.get("GUESTCRM_GUEST_SIGN_IN_RATE_LIMIT",
                                                   "20 per minute"),
        # Clock skew allowed when checking an id_token's times (seconds).
        "GUEST_ID_TOKEN_LEEWAY": _int("GUESTCRM_GUEST_ID_TOKEN_LEEWAY", 30),
        "BABEL_DEFAULT_LOCALE": "en",
        "JOB_QUEUE": os.environ.get("GUESTCRM_JOB_QUEUE", "ingest"),
        "JOB_TIMEOUT": _int("GUESTCRM_JOB_TIMEOUT", 120),
        "RECONCILE_AFTER_SECONDS": _int("GUESTCRM_RECONCILE_AFTER_SECONDS", 60),
        "ALPINEBITS_PULL_SECONDS": _int("GUESTCRM_ALPINEBITS_PULL_SECONDS", 300),
        "NIGHTLY_CRON": os.environ.get("GUESTCRM_NIGHTLY_CRON", "15 3 * * *"),
        # The weekly re-resolution of every profile ("off" to run `flask dedupe` by hand only).
        "DEDUPE_CRON": os.environ.get("GUESTCRM_DEDUPE_CRON", "45 3 * * 0"),
        # Key that encrypts cloud PMS connection secrets (a Fernet key, see docs/connectors.md);
        # without it a trial run derives one from SECRET_KEY, production refuses to save them.
        "CONNECTOR_KEY": os.environ.get("GUESTCRM_CONNECTOR_KEY") or None,
        # Seconds between scheduled pulls of what the cloud PMS webhooks may have missed.
        "CLOUD_SYNC_SECONDS": _int("GUESTCRM_CLOUD_SYNC_SECONDS", 900),
        # First wait before retrying a vendor's 5xx or network error (doubled each try).
        "CONNECTOR_BACKOFF": float(os.environ.get("GUESTCRM_CONNECTOR_BACKOFF") or 0.5),
        "API_TITLE": "GuestCRM API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Webhook credentials may also come from the environment, one per connector:
        # GUESTCRM_WEBHOOK_<CONNECTOR>=name:secret (see guestcrm/services/access/credentials.py).
        "WEBHOOK_ENV_CREDENTIALS": {
            key[len("GUESTCRM_WEBHOOK_") :].lower(): value
            for key, value in os.environ.items()
            if key.startswith("GUESTCRM_WEBHOOK_") and ":" in value
        },
    }


PRESET_PROVIDERS = ("google", "apple", "facebook", "linkedin", "x")


def guest_providers(environ: Any) -> dict[str, dict[str, str]]:
    """GUESTCRM_<PROVIDER>_CLIENT_ID / _CLIENT_SECRET for Google, Apple, Facebook, LinkedIn and
    X; GUESTCRM_OIDC_<NAME>_ISSUER / _CLIENT_ID / _CLIENT_SECRET (and _LABEL) for any other
    OpenID Connect provider."""
    out: dict[str, dict[str, str]] = {}
    for name in PRESET_PROVIDERS:
        prefix = f"GUESTCRM_{name.upper()}_"
        if environ.get(prefix + "CLIENT_ID"):
            out[name] = {"client_id": environ.get(prefix + "CLIENT_ID", ""),
                         "client_secret": environ.get(prefix + "CLIENT_SECRET", "")}
    for key in environ:
        if key.startswith("GUESTCRM_OIDC_") and key.endswith("_ISSUER"):
            name = key[len("GUESTCRM_OIDC_"):-len("_ISSUER")]
            prefix = f"GUESTCRM_OIDC_{name}_"
            out[name.lower()] = {"issuer": environ[key],
                                 "client_id": environ.get(prefix + "CLIENT_ID", ""),
                                 "client_secret": environ.get(prefix + "CLIENT_SECRET", ""),
                                 "label": environ.get(prefix + "LABEL", "")}
    return out


def instance_secret_key(instance: Path) -> str:
    """The key in instance/secret_key, made on first use. Every process of the app reads the
    same one: a key per gunicorn worker would sign staff out whenever another worker answers.
    Written to a temporary file and linked into place, so two workers starting together
    agree on one key and neither reads a half-written file."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    instance.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w") as handle:  # mkstemp makes it 0600
            handle.write(secrets.token_hex(32))
        os.link(temporary, path)
    except FileExistsError:  # another process won the race: use its key
        pass
    finally:
        os.unlink(temporary)
    return path.read_text().strip()
